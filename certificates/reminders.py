"""Expiry reminders (issue 14, point 2; SPEC.md §10).

``expiry_reminders_run`` is the daily job (Celery beat and ``manage.py
expiry_reminders``). For every certificate reaching one of the thresholds
(``PORTAL_EXPIRY_REMINDER_DAYS`` days before its expiry date, or the first days
after it expired) it writes one ``ExpiryReminder`` per recipient (the certificate
manager and the contact person who requested it, when active) and one ``ExpiryDigest`` per
recipient per day, with the outbox message that e-mails it once. All in one
transaction: a worker dying mid-way leaves nothing, a second run adds nothing
(the unique constraints), and the outbox delivers what the broker missed.

Never for a certificate ``renewal_window`` says never (revoked, issued successor)
nor for one with an open renewal order (read through ``certificate.renewals``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, ExpiryDigest, ExpiryReminder, Kind
from certificates.renewal import RenewalState, renewal_window
from certificates.topics import EXPIRY_DIGEST
from core.mail import dutch_and_english, send_once
from core.outbox import outbox_add
from organisations.models import Person

# Renewal order states in which the renewal is still open (orders.models.OrderState).
RENEWAL_OPEN = ("placed", "in_validation", "approved")
# The reminder after expiry goes out on the day after the expiry date, or on a later
# run within this many days when that day's run was missed.
AFTER_EXPIRY_CATCH_UP_DAYS = 7


def reminder_thresholds() -> list[int]:
    """The days before expiry at which a reminder goes out, largest first."""
    return sorted(
        {int(d) for d in settings.PORTAL_EXPIRY_REMINDER_DAYS if int(d) > 0}, reverse=True
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def threshold_on(certificate: Certificate, *, day: date) -> int | None:
    """The threshold ``certificate`` reaches on ``day``, or ``None``."""
    days_left = (timezone.localtime(certificate.not_after).date() - day).days
    if days_left in reminder_thresholds():
        return days_left
    if -AFTER_EXPIRY_CATCH_UP_DAYS <= days_left < 0:
        return ExpiryReminder.AFTER_EXPIRY
    return None


def certificates_due(*, day: date) -> list[tuple[Certificate, int]]:
    """The certificates reaching a threshold on ``day``, with that threshold."""
    start = _start_of(day)
    window = Q(
        not_after__gte=start - timedelta(days=AFTER_EXPIRY_CATCH_UP_DAYS), not_after__lt=start
    )
    for days in reminder_thresholds():
        window |= Q(
            not_after__gte=start + timedelta(days=days),
            not_after__lt=start + timedelta(days=days + 1),
        )
    candidates = (
        Certificate.objects.filter(window, revoked_at__isnull=True)
        .exclude(renewals__state__in=RENEWAL_OPEN)
        .select_related("certificate_manager", "requested_by", "product")
        .order_by("not_after", "pk")
    )
    due = []
    for certificate in candidates:
        threshold = threshold_on(certificate, day=day)
        if threshold is None:
            continue
        if renewal_window(certificate, now=start).state == RenewalState.NEVER:
            continue
        due.append((certificate, threshold))
    return due


def _recipients(certificate: Certificate) -> list[Person]:
    recipients: list[Person] = []
    for person in (certificate.certificate_manager, certificate.requested_by):
        if (
            person is not None
            and person.status == Person.Status.ACTIVE
            and person.email
            and person not in recipients
        ):
            recipients.append(person)
    return recipients


def digest_key(person_id: int, day: date) -> str:
    return f"{EXPIRY_DIGEST}:{person_id}:{day.isoformat()}"


def expiry_reminders_run(*, day: date) -> int:
    """Write the reminders and digests due on ``day``; the number of new reminders."""
    due = certificates_due(day=day)
    per_recipient: dict[Person, list[tuple[Certificate, int]]] = defaultdict(list)
    for certificate, threshold in due:
        for person in _recipients(certificate):
            per_recipient[person].append((certificate, threshold))
    created = 0
    with transaction.atomic():
        for person, items in per_recipient.items():
            new = [
                (certificate, threshold)
                for certificate, threshold in items
                if not ExpiryReminder.objects.filter(
                    certificate=certificate, threshold_days=threshold, recipient=person
                ).exists()
            ]
            if not new:
                continue
            digest, _created = ExpiryDigest.objects.get_or_create(recipient=person, day=day)
            if digest.sent_at is not None:
                # Today's digest went out already (a certificate became due after
                # it was sent): one e-mail a day, this reminder is not written.
                continue
            for certificate, threshold in new:
                _reminder, made = ExpiryReminder.objects.get_or_create(
                    certificate=certificate,
                    threshold_days=threshold,
                    recipient=person,
                    defaults={"day": day, "digest": digest},
                )
                created += made
            outbox_add(EXPIRY_DIGEST, digest.pk, key=digest_key(person.pk, day))
    return created


def renewal_url(certificate: Certificate) -> str:
    if certificate.kind == Kind.SERVER:
        return reverse("renewal_start", args=[certificate.pk])
    return reverse("card_renewal_start", args=[certificate.kind, certificate.pk])


def detail_url(certificate: Certificate) -> str:
    if certificate.kind == Kind.SERVER:
        return reverse("server_detail", args=[certificate.pk])
    return reverse("card_detail", args=[certificate.kind, certificate.pk])


def expiry_digest_send(digest_id: int) -> bool:
    """E-mail one digest once (``sent_at``), in Dutch with the English text below."""

    def build(digest: ExpiryDigest) -> EmailMessage | None:
        reminders = digest.reminders.select_related("certificate").order_by(
            "certificate__not_after", "pk"
        )
        if not reminders:
            return None
        site = settings.PORTAL_SITE_URL
        items = [
            {
                "certificate": reminder.certificate,
                "expired": reminder.threshold_days == ExpiryReminder.AFTER_EXPIRY,
                "threshold": reminder.threshold_days,
                "detail_url": site + detail_url(reminder.certificate),
                "renewal_url": site + renewal_url(reminder.certificate),
            }
            for reminder in reminders
        ]
        return dutch_and_english(
            template="certificates/email/expiry_digest.txt",
            subject_template="certificates/email/expiry_digest_subject.txt",
            context={"digest": digest, "person": digest.recipient, "items": items},
            to=digest.recipient.email,
            message_id=f"verloop-{digest.recipient_id}.{digest.day}",
        )

    return send_once(ExpiryDigest, digest_id, "sent_at", build)
