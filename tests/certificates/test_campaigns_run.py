"""The daily campaign job (issue 14, point 4): notices and reminders once per campaign,
threshold and recipient, and the old certificate revoked (superseded) after the grace
period, on the CRL."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEntry
from certificates.campaign_jobs import campaigns_run, threshold_due
from certificates.models import (
    CampaignNotice,
    Certificate,
    ReplacementCampaign,
    RevocationReason,
)
from certificates.services import certificate_mark_revoked
from core.models import OutboxMessage
from core.outbox import outbox_sweep
from orders.models import Declaration
from orders.replacement import replacement_place
from orders.validation import order_approve
from organisations.models import Person
from portal.celery import app as celery_app
from tests.certificates.campaigns import g3_campaign
from tests.factories import (
    CertificateFactory,
    IssuingCAFactory,
    OrderCertificateFactory,
    OrderFactory,
    PersonFactory,
    ReplacementCampaignFactory,
    SubscriberFactory,
)
from tests.portal.test_settings import run as run_python
from tests.portal.test_settings import start

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def run(day: date, capture) -> object:  # noqa: ANN001
    with capture(execute=True):
        return campaigns_run(day=day)


def notices(**filters: object) -> list[tuple[int, int]]:
    """``(recipient, threshold)`` of the notices written, sorted."""
    return sorted(
        CampaignNotice.objects.filter(**filters).values_list("recipient_id", "threshold_days")
    )


def to(person: Person) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [person.email]]


@pytest.fixture
def setup() -> dict[str, object]:
    """A campaign leaving a CA of its own (deadline in 60 days), covering two certificates
    of one subscriber with a contact person each certificate has its own manager."""
    ca = IssuingCAFactory()
    subscriber = SubscriberFactory()
    contact = PersonFactory(subscriber=subscriber, email="contact@klant.nl")
    inactive = PersonFactory(subscriber=subscriber, status=Person.Status.INACTIVE)
    first = CertificateFactory(issuing_ca=ca, subscriber=subscriber)
    second = CertificateFactory(issuing_ca=ca, subscriber=subscriber)
    other = CertificateFactory(subscriber=subscriber)  # another CA: not covered
    campaign = ReplacementCampaignFactory(
        leaving_cas=[ca], deadline=TODAY + timedelta(days=60), message="Stap over op G1."
    )
    mail.outbox.clear()
    return {
        "campaign": campaign,
        "contact": contact,
        "inactive": inactive,
        "first": first,
        "second": second,
        "other": other,
    }


def test_the_first_notice_goes_once_to_the_contact_persons_and_managers(
    setup, eager_tasks, django_capture_on_commit_callbacks
):
    campaign, contact = setup["campaign"], setup["contact"]
    first, second = setup["first"], setup["second"]

    result = run(TODAY, django_capture_on_commit_callbacks)
    assert (result.added, result.notices, result.revoked) == (2, 3, 0)
    run(TODAY, django_capture_on_commit_callbacks)  # twice: nothing more
    run(TODAY + timedelta(days=1), django_capture_on_commit_callbacks)

    assert notices(campaign=campaign) == sorted(
        [(contact.pk, 0), (first.certificate_manager_id, 0), (second.certificate_manager_id, 0)]
    )
    assert to(setup["inactive"]) == []
    (message,) = to(contact)
    assert message.subject.startswith("Vervang uw certificaten vóór")
    assert message.subject.endswith(f"({campaign.name})")
    body = message.body
    for certificate in (first, second):
        assert certificate.common_name in body
        assert reverse("server_detail", args=[certificate.pk]) in body
    assert setup["other"].common_name not in body
    assert "Stap over op G1." in body
    assert "Vervangen:" in body and "Replace:" in body
    assert "must be replaced before" in body
    # A manager hears about the certificate they manage only.
    (to_manager,) = to(first.certificate_manager)
    assert first.common_name in to_manager.body and second.common_name not in to_manager.body
    assert CampaignNotice.objects.filter(sent_at__isnull=True).count() == 0
    assert set(
        CampaignNotice.objects.get(recipient=contact).certificates.values_list("pk", flat=True)
    ) == {first.pk, second.pk}


def test_reminders_from_creation_to_the_deadline_and_none_once_replaced(
    setup, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.PORTAL_CAMPAIGN_REMINDER_DAYS = [30, 14, 7, 1]
    campaign, contact = setup["campaign"], setup["contact"]
    first, second = setup["first"], setup["second"]
    replaced_on = campaign.deadline - timedelta(days=10)  # between the 14- and 7-day ones

    for offset in range(70):
        day = TODAY + timedelta(days=offset)
        if day == replaced_on:
            OrderFactory(subscriber=first.subscriber, renews=first, state="issued")
        run(day, django_capture_on_commit_callbacks)
        run(day, django_capture_on_commit_callbacks)

    days_of = dict(
        CampaignNotice.objects.filter(recipient=contact).values_list("threshold_days", "day")
    )
    assert days_of == {
        0: TODAY,
        30: campaign.deadline - timedelta(days=30),
        14: campaign.deadline - timedelta(days=14),
        7: campaign.deadline - timedelta(days=7),
        1: campaign.deadline - timedelta(days=1),
    }
    assert len(to(contact)) == 5
    assert [t for _, t in notices(recipient=second.certificate_manager)] == [0, 1, 7, 14, 30]
    # The manager of the replaced certificate hears nothing after the replacement.
    assert [t for _, t in notices(recipient=first.certificate_manager)] == [0, 14, 30]
    assert len(to(first.certificate_manager)) == 3
    # The contact person's later reminders list the outstanding certificate only.
    for message in to(contact)[3:]:
        assert second.common_name in message.body and first.common_name not in message.body
        assert message.subject.startswith("Herinnering: vervang uw certificaten vóór")


def test_a_missed_reminder_is_caught_up_but_one_passed_long_ago_is_not(
    setup, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_CAMPAIGN_REMINDER_DAYS = [30, 14, 7, 1]
    campaign, contact = setup["campaign"], setup["contact"]
    ReplacementCampaign.objects.filter(pk=campaign.pk).update(deadline=TODAY + timedelta(days=20))
    deadline = TODAY + timedelta(days=20)

    run(TODAY, django_capture_on_commit_callbacks)  # the first notice; 30 had passed
    run(deadline - timedelta(days=12), django_capture_on_commit_callbacks)  # 14 caught up
    run(deadline - timedelta(days=1), django_capture_on_commit_callbacks)  # 7 skipped
    run(deadline + timedelta(days=1), django_capture_on_commit_callbacks)  # too late

    assert [t for _, t in notices(recipient=contact)] == [0, 1, 14]


def test_a_campaign_started_after_a_threshold_sends_the_first_notice_only():
    campaign = ReplacementCampaignFactory(deadline=TODAY + timedelta(days=10))
    assert threshold_due(campaign, day=TODAY) == 14
    assert threshold_due(campaign, day=TODAY + timedelta(days=3)) == 7
    assert threshold_due(campaign, day=TODAY + timedelta(days=10)) == 1
    assert threshold_due(campaign, day=TODAY + timedelta(days=11)) is None


def test_the_first_notice_is_not_followed_by_a_reminder_of_the_same_threshold(
    setup, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_CAMPAIGN_REMINDER_DAYS = [30, 14, 7, 1]
    contact = setup["contact"]
    ReplacementCampaign.objects.filter(pk=setup["campaign"].pk).update(
        deadline=TODAY + timedelta(days=10)
    )
    for offset in range(12):
        run(TODAY + timedelta(days=offset), django_capture_on_commit_callbacks)
    assert [t for _, t in notices(recipient=contact)] == [0, 1, 7]


def test_nothing_is_lost_when_the_broker_is_down(
    setup, broker_down, django_capture_on_commit_callbacks
):
    contact = setup["contact"]
    run(TODAY, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    notice = CampaignNotice.objects.get(recipient=contact)
    assert notice.sent_at is None
    assert OutboxMessage.objects.filter(
        topic="certificates.campaign_notice", object_id=notice.pk, done_at__isnull=True
    ).exists()

    celery_app.conf.task_always_eager = True  # the broker is back (and runs inline here)
    outbox_sweep(grace_seconds=0)
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert len(to(contact)) == 1
    assert len(mail.outbox) == 3
    outbox_sweep(grace_seconds=0)
    assert len(mail.outbox) == 3


def test_inactive_campaigns_are_left_alone(setup, django_capture_on_commit_callbacks):
    ReplacementCampaign.objects.filter(pk=setup["campaign"].pk).update(active=False)
    result = run(TODAY, django_capture_on_commit_callbacks)
    assert (result.added, result.notices, result.revoked) == (0, 0, 0)
    assert not CampaignNotice.objects.exists()


# --- Automatic revocation after the grace period ----------------------------------


def _openssl(*args: object) -> str:
    return subprocess.run(
        [shutil.which("openssl") or "openssl", *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout


def replace(campaign: ReplacementCampaign, old: Certificate, capture) -> Certificate:  # noqa: ANN001
    order = replacement_place(
        campaign=campaign,
        certificate=old,
        contact_person=Person.objects.get(email="joost@voorbeeld.nl"),
        token=uuid.uuid4(),
        declarations=[d.value for d in Declaration],
    )
    with capture(execute=True):
        order_approve(
            order_id=order.pk,
            officer=get_user_model().objects.get(username="validatie"),
            address="192.0.2.10",
        )
    return Certificate.objects.get(orders=order)


def crl_text(client) -> str:  # noqa: ANN001
    response = client.get(reverse("crl", args=["g3-services"]))
    assert response.status_code == 200
    return _openssl_stdin(response.content)


def _openssl_stdin(der: bytes) -> str:
    return subprocess.run(
        [shutil.which("openssl") or "openssl", "crl", "-inform", "DER", "-text", "-noout"],
        input=der,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()


def serial_on_crl(text: str, serial: str) -> bool:
    """Whether ``openssl crl -text`` output lists ``serial`` (hex, any case or padding)."""
    listed = {
        int(line.split(":", 1)[1].strip(), 16)
        for line in text.splitlines()
        if line.strip().startswith("Serial Number:")
    }
    return int(serial, 16) in listed


def test_the_old_certificate_is_revoked_after_the_grace_period_and_on_the_crl(
    client, settings, eager_tasks, django_capture_on_commit_callbacks
):
    campaign = g3_campaign(grace_days=7)
    old = Certificate.objects.get(common_name="koppeling.voorbeeld.nl")
    kept = Certificate.objects.get(common_name="digipoort.voorbeeld.nl")
    new = replace(campaign, old, django_capture_on_commit_callbacks)
    issued_on = timezone.localdate(new.created_at)
    assert not serial_on_crl(crl_text(client), old.serial)

    for offset in range(7):  # the grace period: still valid
        result = run(issued_on + timedelta(days=offset), django_capture_on_commit_callbacks)
        assert result.revoked == 0
    old.refresh_from_db()
    assert old.revoked_at is None

    result = run(issued_on + timedelta(days=7), django_capture_on_commit_callbacks)
    assert result.revoked == 1
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert old.revocation_reason == RevocationReason.SUPERSEDED
    kept.refresh_from_db()
    new.refresh_from_db()
    assert kept.revoked_at is None and new.revoked_at is None
    # On the CRL the portal serves, with reason superseded ...
    text = crl_text(client)
    assert serial_on_crl(text, old.serial)
    assert "Superseded" in text
    # ... and on the one the built-in CA wrote (the outbox message was delivered).
    assert serial_on_crl(
        _openssl("crl", "-in", settings.PORTAL_CRL_DIR / "g3-services.crl", "-text", "-noout"),
        old.serial,
    )
    assert OutboxMessage.objects.get(key=f"certificates.ca_revoke:{old.pk}").done_at is not None
    entry = AuditEntry.objects.get(
        action=Action.REVOCATION_EXECUTED, object_type="certificate", object_id=str(old.pk)
    )
    assert entry.details["replaced_by"] == new.pk and entry.details["reason"] == "superseded"

    # Again (run twice, a later day): nothing more.
    assert run(issued_on + timedelta(days=7), django_capture_on_commit_callbacks).revoked == 0
    assert run(issued_on + timedelta(days=9), django_capture_on_commit_callbacks).revoked == 0
    assert AuditEntry.objects.filter(object_type="certificate", object_id=str(old.pk)).count() == 1


def test_an_already_revoked_certificate_keeps_its_revocation(
    eager_tasks, django_capture_on_commit_callbacks
):
    campaign = g3_campaign(grace_days=0)
    old = Certificate.objects.get(common_name="koppeling.voorbeeld.nl")
    new = replace(campaign, old, django_capture_on_commit_callbacks)
    earlier = timezone.now() - timedelta(hours=1)
    certificate_mark_revoked(
        certificate=old, reason=RevocationReason.KEY_COMPROMISE, revoked_at=earlier
    )

    result = run(
        timezone.localdate(new.created_at) + timedelta(days=1), django_capture_on_commit_callbacks
    )

    assert result.revoked == 0
    old.refresh_from_db()
    assert old.revocation_reason == RevocationReason.KEY_COMPROMISE
    assert old.revoked_at == earlier
    assert not AuditEntry.objects.filter(object_type="certificate", object_id=str(old.pk)).exists()


def test_a_normal_renewals_predecessor_is_never_revoked(django_capture_on_commit_callbacks):
    g3_campaign(grace_days=0)
    old = CertificateFactory()  # not in the campaign (another CA)
    renewal = OrderFactory(subscriber=old.subscriber, renews=old, state="issued", spki_sha256="")
    issued = OrderCertificateFactory(order=renewal)
    Certificate.objects.filter(pk=issued.certificate_id).update(
        created_at=timezone.now() - timedelta(days=100)
    )

    for offset in (0, 30, 100):
        run(TODAY + timedelta(days=offset), django_capture_on_commit_callbacks)

    old.refresh_from_db()
    assert old.revoked_at is None


def test_the_command_runs_the_given_day(setup, django_capture_on_commit_callbacks, capsys):
    day = TODAY + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("campaigns_run", "--date", day.isoformat())
    out = capsys.readouterr().out
    assert day.isoformat() in out
    assert "2 certificate(s) added, 3 notice(s) written, 0 certificate(s) revoked" in out
    assert set(CampaignNotice.objects.values_list("day", flat=True)) == {day}


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("campaigns_run", "--date", "31-12-2031")


def test_beat_runs_the_job_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["campaigns-run"]
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)


def test_the_beat_task_runs_the_job_for_today(setup, django_capture_on_commit_callbacks):
    from certificates.tasks import campaigns_run_today

    with django_capture_on_commit_callbacks(execute=True):
        result = campaigns_run_today()
    assert result == {"added": 2, "notices": 3, "revoked": 0}
    assert set(CampaignNotice.objects.values_list("day", flat=True)) == {timezone.localdate()}


@pytest.mark.parametrize("name", ["PORTAL_CAMPAIGN_REMINDER_DAYS", "PORTAL_EXPIRY_REMINDER_DAYS"])
def test_a_bad_list_of_days_stops_start_up_naming_it(name):
    result = start(**{name: "30,veertien"})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be whole numbers of days" in result.stderr


def test_the_reminder_days_come_from_the_environment():
    shown = run_python(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.PORTAL_CAMPAIGN_REMINDER_DAYS)",
        ],
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_CAMPAIGN_REMINDER_DAYS="21, 3",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "[21, 3]"
