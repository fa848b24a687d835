"""Replacement campaigns (issue 14, point 4; the Logius replacement-plan seed): which
certificates a campaign covers, and until when.

- ``campaign_members_refresh`` adds the certificates a campaign covers: of the target
  product's kind, issued by a CA the campaign leaves, valid, not yet replaced. Run
  when the campaign is made and by the daily job, so a certificate issued later by a
  CA being left is covered too. A covered certificate stays a row of its campaign
  after it was replaced or revoked: the back office's dashboard counts them.
- ``campaign_for`` is the campaign covering a certificate now ("Moet vervangen worden
  vóór …"); ``CertificateQuerySet.to_replace`` is its counterpart for lists and
  counts, and ``certificates.renewal.renewal_window`` says "now" for it.
- ``replacement_not_after``: "Bij vervanging heeft het nieuwe certificaat dezelfde
  vervaldatum als het huidige certificaat dat het vervangt"; a certificate that
  expires before the deadline follows "het reguliere proces" (the seed), so its
  replacement gets the product's full validity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from certificates.ca.base import CAUnavailable
from certificates.ca_records import issuing_ca_for_slug
from certificates.models import (
    RENEWAL_ISSUED,
    CampaignCertificate,
    Certificate,
    CertificateQuerySet,
    IssuingCA,
    Product,
    ReplacementCampaign,
)


def campaign_target_ca(product: Product) -> IssuingCA | None:
    """The issuing CA the certificates of ``product`` come from (its profile's CA), or
    ``None`` when the CA backend does not know it."""
    try:
        return issuing_ca_for_slug(product.profile.ca_slug)
    except CAUnavailable:
        return None


def campaign_candidates(
    campaign: ReplacementCampaign, *, now: dt.datetime | None = None
) -> CertificateQuerySet:
    """The certificates ``campaign`` should cover at ``now`` that are not rows yet."""
    now = now or timezone.now()
    return (
        Certificate.objects.filter(
            kind=campaign.target_product.kind,
            issuing_ca__in=campaign.leaving_cas.all(),
            revoked_at__isnull=True,
            not_after__gt=now,
        )
        .exclude(renewals__state=RENEWAL_ISSUED)
        .exclude(campaign_entries__campaign=campaign)
    )


def campaign_members_refresh(
    *, campaign: ReplacementCampaign, now: dt.datetime | None = None
) -> int:
    """Add the certificates ``campaign`` covers at ``now``; the number added. Safe to
    run twice or at once (the unique constraint, ``ignore_conflicts``)."""
    if not campaign.active:
        return 0
    ids = list(campaign_candidates(campaign, now=now).values_list("pk", flat=True))
    with transaction.atomic():
        CampaignCertificate.objects.bulk_create(
            [CampaignCertificate(campaign=campaign, certificate_id=pk) for pk in ids],
            ignore_conflicts=True,
        )
    return len(ids)


def campaign_create(
    *,
    name: str,
    leaving_cas: Iterable[IssuingCA],
    target_product: Product,
    deadline: dt.date,
    message: str,
    grace_days: int = 7,
) -> ReplacementCampaign:
    """Make a campaign and add the certificates it covers."""
    with transaction.atomic():
        campaign = ReplacementCampaign.objects.create(
            name=name,
            target_product=target_product,
            deadline=deadline,
            message=message,
            grace_days=grace_days,
        )
        campaign.leaving_cas.set(list(leaving_cas))
        campaign_members_refresh(campaign=campaign)
    return campaign


def campaign_for(
    certificate: Certificate, *, now: dt.datetime | None = None
) -> ReplacementCampaign | None:
    """The active campaign (earliest deadline first) that covers ``certificate`` at
    ``now``: in the campaign, not revoked, not expired, no issued successor."""
    now = now or timezone.now()
    if certificate.revoked_at is not None or certificate.not_after <= now:
        return None
    if certificate.renewals.filter(state=RENEWAL_ISSUED).exists():
        return None
    return (
        ReplacementCampaign.objects.filter(active=True, entries__certificate=certificate)
        .select_related("target_product__profile")
        .order_by("deadline", "pk")
        .first()
    )


def deadline_end(campaign: ReplacementCampaign) -> dt.datetime:
    """The moment ``campaign``'s deadline passes: the end of its deadline day."""
    return timezone.make_aware(dt.datetime.combine(campaign.deadline, dt.time.max))


def replacement_not_after(
    certificate: Certificate, campaign: ReplacementCampaign
) -> dt.datetime | None:
    """The notAfter of ``certificate``'s replacement in ``campaign``: the same expiry
    date, or ``None`` (the product's own validity) for a certificate that expires
    before the deadline anyway (the seed's "reguliere proces")."""
    if certificate.not_after <= deadline_end(campaign):
        return None
    return certificate.not_after


# The back office's campaign dashboard (issue 14, point 4): progress per subscriber.

# An order that renews a certificate and is still open (``orders.models.ORDER_LIFECYCLE``;
# certificates reads orders only through the reverse relation ``renewals``).
RENEWAL_OPEN_STATES = ("placed", "in_validation", "approved")


@dataclass(frozen=True)
class SubscriberProgress:
    """One subscriber's certificates in a campaign (a row of the dashboard).

    - ``affected``: every certificate of the subscriber the campaign covers (its rows);
    - ``ordered``: of those, with an open replacement order in this campaign;
    - ``issued``: with an issued successor (the replacement, or an ordinary renewal);
    - ``revoked``: the old certificate is revoked (for whatever reason, also the
      automatic revocation after the grace days);
    - ``outstanding``: still to be replaced: not revoked, not expired, no issued
      successor (``CertificateQuerySet.to_replace``).
    """

    subscriber_id: int | None
    name: str
    kvk_number: str
    affected: int
    ordered: int
    issued: int
    revoked: int
    outstanding: int

    @classmethod
    def total(cls, rows: Iterable[SubscriberProgress]) -> SubscriberProgress:
        """The totals row over ``rows``."""
        rows = list(rows)
        return cls(
            subscriber_id=None,
            name="",
            kvk_number="",
            affected=sum(row.affected for row in rows),
            ordered=sum(row.ordered for row in rows),
            issued=sum(row.issued for row in rows),
            revoked=sum(row.revoked for row in rows),
            outstanding=sum(row.outstanding for row in rows),
        )


def campaign_progress(
    *, campaign: ReplacementCampaign, now: dt.datetime | None = None
) -> list[SubscriberProgress]:
    """One row per subscriber with certificates in ``campaign``, by name, in one query.

    The rows of the campaign are joined once with their certificate's renewals (a
    LEFT JOIN, so counts are of distinct rows); "outstanding" is the live rows minus
    the live rows with an issued successor, as a negated condition on the joined
    renewal would count a row that has another renewal."""
    now = now or timezone.now()
    issued = Q(certificate__renewals__state=RENEWAL_ISSUED)
    live = Q(certificate__revoked_at__isnull=True, certificate__not_after__gt=now)
    rows = (
        CampaignCertificate.objects.filter(campaign=campaign)
        .values(
            "certificate__subscriber",
            "certificate__subscriber__name",
            "certificate__subscriber__kvk_number",
        )
        .annotate(
            affected=Count("pk", distinct=True),
            ordered=Count(
                "pk",
                distinct=True,
                filter=Q(
                    certificate__renewals__state__in=RENEWAL_OPEN_STATES,
                    certificate__renewals__campaign=campaign,
                ),
            ),
            issued=Count("pk", distinct=True, filter=issued),
            revoked=Count("pk", distinct=True, filter=Q(certificate__revoked_at__isnull=False)),
            live=Count("pk", distinct=True, filter=live),
            live_issued=Count("pk", distinct=True, filter=live & issued),
        )
        .order_by("certificate__subscriber__name", "certificate__subscriber")
    )
    return [
        SubscriberProgress(
            subscriber_id=row["certificate__subscriber"],
            name=row["certificate__subscriber__name"],
            kvk_number=row["certificate__subscriber__kvk_number"],
            affected=row["affected"],
            ordered=row["ordered"],
            issued=row["issued"],
            revoked=row["revoked"],
            outstanding=row["live"] - row["live_issued"],
        )
        for row in rows
    ]


def campaign_snapshot(campaign: ReplacementCampaign) -> dict[str, Any]:
    """What the audit log keeps of ``campaign`` (as saved, leaving CAs included)."""
    return {
        "name": campaign.name,
        "leaving_cas": sorted(ca.name for ca in campaign.leaving_cas.all()),
        "target_product": campaign.target_product.code,
        "deadline": campaign.deadline.isoformat(),
        "message": campaign.message,
        "grace_days": campaign.grace_days,
        "active": campaign.active,
    }


def campaign_saved(*, campaign: ReplacementCampaign, by: Any, before: dict[str, Any] | None) -> int:
    """After the back office saved ``campaign`` (new when ``before`` is ``None``, else
    its ``campaign_snapshot`` from before the change), with its leaving CAs set: add
    the certificates it covers now and audit the save. The number of rows added."""
    with transaction.atomic():
        added = campaign_members_refresh(campaign=campaign)
        after = campaign_snapshot(campaign)
        changed = [key for key in after if before is None or before[key] != after[key]]
        if changed or added:
            audit_record(
                action=Action.CAMPAIGN_ADDED if before is None else Action.CAMPAIGN_CHANGED,
                obj=campaign,
                label=campaign.name,
                actor=by,
                details={
                    "before": {key: before[key] for key in changed} if before else {},
                    "after": {key: after[key] for key in changed},
                    "certificates_added": added,
                    "certificates_covered": campaign.entries.count(),
                },
            )
    return added
