"""The daily job of the replacement campaigns (issue 14, point 4; SPEC.md §10).

``campaigns_run`` runs from Celery beat (for today) and ``manage.py campaigns_run
[--date YYYY-MM-DD]``. For every active campaign, as of ``day``:

1. ``campaign_members_refresh``: a certificate issued later by a CA being left is
   covered too.
2. Automatic revocation (the seed's incident rule): a covered certificate whose
   replacement was issued at least ``grace_days`` days before ``day`` is revoked with
   reason superseded (``certificate_revoke_superseded``), unless it is revoked already.
   Only campaign certificates: the predecessor of a normal renewal stays valid.
3. Notices: every recipient with certificates still to be replaced (covered, not
   replaced, not revoked, not expired) gets one ``CampaignNotice`` per campaign: the
   first notice (``threshold_days`` 0), then a reminder at each of
   ``PORTAL_CAMPAIGN_REMINDER_DAYS`` days before the deadline. The recipients are the
   subscriber's active contact persons (all its certificates in the campaign) and the
   certificate managers (the certificates they manage).

   A notice missed on its day goes out on the next run: the first notice whenever,
   a reminder while its threshold is the latest one reached (a threshold passed long
   ago is not sent late). A reminder whose day came before the first notice went out
   is not sent: the first notice said it all. One e-mail per campaign and recipient
   per run.

Each notice is written with its outbox message in one transaction: a worker dying
mid-way leaves nothing, a second run adds nothing (the unique constraint), and the
outbox delivers what the broker missed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from certificates.campaigns import campaign_members_refresh
from certificates.models import (
    RENEWAL_ISSUED,
    CampaignNotice,
    Certificate,
    Kind,
    ReplacementCampaign,
)
from certificates.reminders import detail_url
from certificates.revocation import certificate_revoke_superseded
from certificates.topics import CAMPAIGN_NOTICE
from core.mail import dutch_and_english, send_once
from core.outbox import outbox_add
from organisations.models import Person

logger = logging.getLogger("portal.certificates")


@dataclass(frozen=True)
class CampaignRunResult:
    """What one run did: certificates added to campaigns, notices written, certificates
    revoked."""

    added: int = 0
    notices: int = 0
    revoked: int = 0


def reminder_thresholds() -> list[int]:
    """The days before a deadline at which a reminder goes out, largest first."""
    return sorted(
        {int(d) for d in settings.PORTAL_CAMPAIGN_REMINDER_DAYS if int(d) > 0}, reverse=True
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def outstanding(campaign: ReplacementCampaign, *, day: date) -> list[Certificate]:
    """``campaign``'s certificates still to be replaced on ``day``: not replaced (an
    issued renewal or replacement), not revoked, not expired."""
    return list(
        Certificate.objects.filter(
            campaign_entries__campaign=campaign,
            revoked_at__isnull=True,
            not_after__gt=_start_of(day),
        )
        .exclude(renewals__state=RENEWAL_ISSUED)
        .select_related("certificate_manager", "subscriber")
        .order_by("subscriber_id", "common_name", "pk")
    )


def recipients(certificates: list[Certificate]) -> dict[Person, list[Certificate]]:
    """Who hears about ``certificates``, with the ones each of them hears about: the
    active contact persons of each subscriber (all its certificates) and the active
    certificate managers (the certificates they manage)."""
    per_person: dict[Person, list[Certificate]] = defaultdict(list)
    subscribers = {certificate.subscriber_id for certificate in certificates}
    contacts = Person.objects.filter(
        subscriber_id__in=subscribers,
        status=Person.Status.ACTIVE,
        contact_authorisation__in=[
            Person.ContactAuthorisation.FULL,
            Person.ContactAuthorisation.BASIC,
        ],
    ).exclude(email="")
    for person in contacts.order_by("pk"):
        for certificate in certificates:
            if certificate.subscriber_id == person.subscriber_id:
                per_person[person].append(certificate)
    for certificate in certificates:
        manager = certificate.certificate_manager
        if (
            manager is not None
            and manager.status == Person.Status.ACTIVE
            and manager.email
            and certificate not in per_person[manager]
        ):
            per_person[manager].append(certificate)
    return {person: items for person, items in per_person.items() if items}


def threshold_due(campaign: ReplacementCampaign, *, day: date) -> int | None:
    """The latest reminder threshold reached on ``day`` (before the deadline has
    passed), or ``None``: on a threshold's day and the days after it, until the next
    one is reached."""
    days_left = (campaign.deadline - day).days
    if days_left < 0:
        return None
    reached = [days for days in reminder_thresholds() if days >= days_left]
    return min(reached) if reached else None


def _notice_to_write(
    campaign: ReplacementCampaign, person: Person, *, day: date, threshold: int | None
) -> int | None:
    """The threshold of the notice ``person`` is due on ``day``, or ``None``."""
    sent = dict(
        CampaignNotice.objects.filter(campaign=campaign, recipient=person).values_list(
            "threshold_days", "day"
        )
    )
    first_day = sent.get(CampaignNotice.FIRST)
    if first_day is None:
        return CampaignNotice.FIRST
    if threshold is None or threshold in sent:
        return None
    if first_day >= campaign.deadline - timedelta(days=threshold):
        return None  # the first notice went out on or after this reminder's day
    return threshold


def campaign_notices_write(campaign: ReplacementCampaign, *, day: date) -> int:
    """Write the notices of ``campaign`` due on ``day``; the number written."""
    threshold = threshold_due(campaign, day=day)
    written = 0
    with transaction.atomic():
        for person, certificates in recipients(outstanding(campaign, day=day)).items():
            due = _notice_to_write(campaign, person, day=day, threshold=threshold)
            if due is None:
                continue
            notice, created = CampaignNotice.objects.get_or_create(
                campaign=campaign, threshold_days=due, recipient=person, defaults={"day": day}
            )
            if not created:
                continue
            notice.certificates.set(certificates)
            outbox_add(CAMPAIGN_NOTICE, notice.pk)
            written += 1
    return written


def superseded_due(campaign: ReplacementCampaign, *, day: date) -> list[tuple[int, int]]:
    """``(old, new)`` certificate ids of ``campaign``: the old one not revoked (and not
    expired), its replacement issued at least ``grace_days`` days before ``day``."""
    issued_before = _start_of(day - timedelta(days=campaign.grace_days - 1))
    pairs = []
    candidates = (
        Certificate.objects.filter(
            campaign_entries__campaign=campaign,
            revoked_at__isnull=True,
            not_after__gt=_start_of(day),
            renewals__state=RENEWAL_ISSUED,
        )
        .distinct()
        .order_by("pk")
    )
    for old in candidates:
        replacement = (
            Certificate.objects.filter(orders__renews=old, orders__state=RENEWAL_ISSUED)
            .exclude(pk=old.pk)
            .order_by("created_at", "pk")
            .values_list("pk", "created_at")
            .first()
        )
        if replacement is not None and replacement[1] < issued_before:
            pairs.append((old.pk, replacement[0]))
    return pairs


def campaigns_run(*, day: date) -> CampaignRunResult:
    """The daily campaign job for ``day`` (see the module docstring)."""
    added = notices = revoked = 0
    for campaign in ReplacementCampaign.objects.filter(active=True).order_by("deadline", "pk"):
        added += campaign_members_refresh(campaign=campaign, now=_start_of(day))
        for old, new in superseded_due(campaign, day=day):
            revoked += certificate_revoke_superseded(
                certificate_id=old,
                replaced_by_id=new,
                revoked_at=timezone.now(),
                campaign_id=campaign.pk,
            )
        notices += campaign_notices_write(campaign, day=day)
    logger.info(
        "Campaigns run for %s: %s certificate(s) added, %s notice(s), %s revoked",
        day,
        added,
        notices,
        revoked,
    )
    return CampaignRunResult(added=added, notices=notices, revoked=revoked)


def replacement_url(certificate: Certificate) -> str:
    """ "Vervangen" of a server certificate; a card's detail page for the others (their
    replacement is a card renewal)."""
    if certificate.kind == Kind.SERVER:
        return reverse("replacement_new", args=[certificate.pk])
    return detail_url(certificate)


def campaign_notice_send(notice_id: int) -> bool:
    """E-mail one notice once (``sent_at``), in Dutch with the English text below.
    Nothing when none of its certificates is still to be replaced."""

    def build(notice: CampaignNotice) -> EmailMessage | None:
        still = {c.pk for c in outstanding(notice.campaign, day=timezone.localdate())}
        certificates = [
            c for c in notice.certificates.order_by("common_name", "pk") if c.pk in still
        ]
        if not certificates:
            return None
        site = settings.PORTAL_SITE_URL
        items = [
            {
                "certificate": certificate,
                "detail_url": site + detail_url(certificate),
                "replacement_url": site + replacement_url(certificate),
            }
            for certificate in certificates
        ]
        context = {
            "notice": notice,
            "campaign": notice.campaign,
            "person": notice.recipient,
            "first": notice.threshold_days == CampaignNotice.FIRST,
            "items": items,
        }
        return dutch_and_english(
            template="certificates/email/campaign_notice.txt",
            subject_template="certificates/email/campaign_notice_subject.txt",
            context=context,
            to=notice.recipient.email,
            message_id=(
                f"campagne-{notice.campaign_id}.{notice.recipient_id}.{notice.threshold_days}"
            ),
        )

    return send_once(CampaignNotice, notice_id, "sent_at", build)
