"""Expiry reminders (issue 14, point 2): per threshold, per recipient, one digest a day,
never twice, never for a revoked, succeeded or being-renewed certificate."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, ExpiryDigest, ExpiryReminder, RevocationReason
from certificates.reminders import digest_key, expiry_reminders_run
from core.models import OutboxMessage
from core.outbox import outbox_sweep
from portal.celery import app as celery_app
from tests.factories import (
    CertificateFactory,
    ExpiryReminderFactory,
    OrderFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

DAY = date(2031, 6, 2)


def expiring(days: int, **fields: object) -> Certificate:
    """A certificate expiring at noon ``days`` days after DAY, requested by a contact person."""
    not_after = timezone.make_aware(datetime.combine(DAY + timedelta(days=days), time(12)))
    certificate = CertificateFactory(
        not_before=not_after - timedelta(days=365), not_after=not_after, **fields
    )
    if "requested_by" not in fields:
        certificate.requested_by = PersonFactory(subscriber=certificate.subscriber)
        certificate.save(update_fields=["requested_by"])
    return certificate


def reminders(certificate: Certificate) -> list[tuple[int, int]]:
    return sorted(
        ExpiryReminder.objects.filter(certificate=certificate).values_list(
            "threshold_days", "recipient_id"
        )
    )


def run(day: date, capture) -> int:  # noqa: ANN001
    with capture(execute=True):
        return expiry_reminders_run(day=day)


def test_each_threshold_is_hit_exactly_on_its_day(settings, django_capture_on_commit_callbacks):
    settings.PORTAL_EXPIRY_REMINDER_DAYS = [90, 60, 30, 14, 7, 3, 1]
    due = {days: expiring(days) for days in (90, 60, 30, 14, 7, 3, 1)}
    not_due = [expiring(days) for days in (91, 89, 31, 2, 0)]
    expired = expiring(-1)

    run(DAY, django_capture_on_commit_callbacks)

    for days, certificate in due.items():
        people = sorted([certificate.certificate_manager_id, certificate.requested_by_id])
        assert reminders(certificate) == [(days, pk) for pk in people]
    for certificate in not_due:
        assert reminders(certificate) == []
    assert [t for t, _ in reminders(expired)] == [0, 0]


def test_the_thresholds_follow_the_setting(settings, django_capture_on_commit_callbacks):
    settings.PORTAL_EXPIRY_REMINDER_DAYS = [45]
    at_45, at_30 = expiring(45), expiring(30)
    run(DAY, django_capture_on_commit_callbacks)
    assert {t for t, _ in reminders(at_45)} == {45}
    assert reminders(at_30) == []


def test_the_reminder_after_expiry_goes_out_once(django_capture_on_commit_callbacks):
    certificate = expiring(-1)
    for offset in range(0, 10):
        run(DAY + timedelta(days=offset), django_capture_on_commit_callbacks)
    assert [t for t, _ in reminders(certificate)] == [0, 0]


def test_nothing_for_revoked_succeeded_or_being_renewed(django_capture_on_commit_callbacks):
    revoked = expiring(
        30, revoked_at=timezone.now(), revocation_reason=RevocationReason.KEY_COMPROMISE
    )
    succeeded = expiring(30)
    OrderFactory(subscriber=succeeded.subscriber, renews=succeeded, state="issued")
    renewing = expiring(30)
    OrderFactory(subscriber=renewing.subscriber, renews=renewing, state="in_validation")
    cancelled_renewal = expiring(30)
    OrderFactory(
        subscriber=cancelled_renewal.subscriber, renews=cancelled_renewal, state="cancelled"
    )

    run(DAY, django_capture_on_commit_callbacks)

    assert reminders(revoked) == reminders(succeeded) == reminders(renewing) == []
    assert len(reminders(cancelled_renewal)) == 2


def test_one_digest_per_recipient_listing_every_certificate(
    eager_tasks, django_capture_on_commit_callbacks
):
    manager = PersonFactory(manager=True, email="beheer@organisatie.nl")
    first = expiring(30, certificate_manager=manager, subscriber=manager.subscriber)
    second = expiring(7, certificate_manager=manager, subscriber=manager.subscriber)
    mail.outbox.clear()

    run(DAY, django_capture_on_commit_callbacks)

    to_manager = [m for m in mail.outbox if m.to == ["beheer@organisatie.nl"]]
    assert len(to_manager) == 1
    body = to_manager[0].body
    for certificate in (first, second):
        assert certificate.common_name in body
        assert reverse("server_detail", args=[certificate.pk]) in body
        assert reverse("renewal_start", args=[certificate.pk]) in body
    assert "Verlengen:" in body and "Renew:" in body
    assert OutboxMessage.objects.filter(
        key=digest_key(manager.pk, DAY), done_at__isnull=False
    ).exists()
    # each requester gets a digest of their own
    assert {m.to[0] for m in mail.outbox} >= {
        first.requested_by.email,
        second.requested_by.email,
    }


def test_running_twice_writes_and_sends_nothing_new(
    eager_tasks, django_capture_on_commit_callbacks
):
    certificate = expiring(14)
    mail.outbox.clear()
    assert run(DAY, django_capture_on_commit_callbacks) >= 2
    sent = len(mail.outbox)
    assert sent >= 2

    assert run(DAY, django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == sent
    assert len(reminders(certificate)) == 2
    assert ExpiryDigest.objects.filter(day=DAY, sent_at__isnull=True).count() == 0


def test_a_digest_queued_while_the_broker_is_down_is_sent_by_the_sweeper(
    broker_down, django_capture_on_commit_callbacks
):
    certificate = expiring(3)
    mail.outbox.clear()
    run(DAY, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    digest = ExpiryReminder.objects.filter(certificate=certificate).first().digest
    assert digest.sent_at is None

    celery_app.conf.task_always_eager = True  # the broker is back (and runs inline here)
    outbox_sweep(grace_seconds=0)
    digest.refresh_from_db()
    assert digest.sent_at is not None
    assert any(certificate.common_name in m.body for m in mail.outbox)


def test_the_command_runs_the_given_day(django_capture_on_commit_callbacks, capsys):
    certificate = expiring(60)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expiry_reminders", "--date", DAY.isoformat())
    assert {t for t, _ in reminders(certificate)} == {60}
    assert DAY.isoformat() in capsys.readouterr().out


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("expiry_reminders", "--date", "31-12-2031")


def test_the_detail_page_lists_the_reminders_sent(client, login_as, maximo):
    certificate = CertificateFactory(subscriber=maximo.subscriber)
    ExpiryReminderFactory(certificate=certificate, threshold_days=30, day=DAY)
    login_as("maximo")
    page = client.get(reverse("server_detail", args=[certificate.pk])).content.decode()
    assert "Verstuurde verloopherinneringen" in page
    assert "02-06-2031" in page
    assert "30 dagen voor het verlopen" in page
    assert certificate.certificate_manager.name in page


def test_a_card_detail_page_says_none_were_sent(client, login_as, maximo):
    certificate = CertificateFactory(on_card=True, subscriber=maximo.subscriber)
    login_as("maximo")
    response = client.get(reverse("card_detail", args=[certificate.kind, certificate.pk]))
    assert "Er zijn nog geen verloopherinneringen verstuurd." in response.content.decode()


def test_a_simulated_year_sends_exactly_one_mail_per_threshold_and_none_after_renewal(
    settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.PORTAL_EXPIRY_REMINDER_DAYS = [90, 60, 30, 14, 7, 3, 1]
    manager = PersonFactory(manager=True, email="jaar@organisatie.nl")
    kept = expiring(200, certificate_manager=manager, subscriber=manager.subscriber)
    renewed = expiring(200, certificate_manager=manager, subscriber=manager.subscriber)
    mail.outbox.clear()
    renewal_day = DAY + timedelta(days=200 - 20)  # between the 30- and 14-day reminders

    for offset in range(365):
        day = DAY + timedelta(days=offset)
        if day == renewal_day:
            OrderFactory(subscriber=renewed.subscriber, renews=renewed, state="issued")
        run(day, django_capture_on_commit_callbacks)
        run(day, django_capture_on_commit_callbacks)  # twice a day: nothing more

    to_manager = [m for m in mail.outbox if m.to == ["jaar@organisatie.nl"]]
    # 90, 60, 30 for both in one digest each; 14, 7, 3, 1 and after expiry for one
    assert len(to_manager) == 8
    assert [t for t, _ in reminders(kept)] == sorted([0, 1, 3, 7, 14, 30, 60, 90] * 2)
    assert {t for t, _ in reminders(renewed)} == {30, 60, 90}
    for message in to_manager[:3]:
        assert kept.common_name in message.body and renewed.common_name in message.body
    for message in to_manager[3:]:
        assert renewed.common_name not in message.body


def test_an_inactive_person_gets_no_reminder(django_capture_on_commit_callbacks):
    certificate = expiring(30)
    certificate.requested_by.status = certificate.requested_by.Status.INACTIVE
    certificate.requested_by.save(update_fields=["status"])
    run(DAY, django_capture_on_commit_callbacks)
    assert reminders(certificate) == [(30, certificate.certificate_manager_id)]


def test_beat_runs_the_job_daily_for_today(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["expiry-reminders"]
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)


def test_the_beat_task_runs_the_job_for_today(django_capture_on_commit_callbacks):
    from certificates.tasks import expiry_reminders_today

    today = timezone.localdate()
    not_after = timezone.make_aware(datetime.combine(today + timedelta(days=7), time(12)))
    certificate = CertificateFactory(
        not_before=not_after - timedelta(days=365), not_after=not_after
    )
    with django_capture_on_commit_callbacks(execute=True):
        expiry_reminders_today()
    assert reminders(certificate) == [(7, certificate.certificate_manager_id)]
    assert ExpiryReminder.objects.get(certificate=certificate).day == today
