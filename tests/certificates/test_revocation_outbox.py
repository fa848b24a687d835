"""A revocation decision's follow-ups go through the outbox (issue 12): the notice and the
CA call are written with the decision, survive a broker outage and are retried on failure."""

from __future__ import annotations

from datetime import datetime

import pytest
from cryptography import x509
from django.core import mail

from certificates.models import RevocationRequest, Status
from certificates.revocation import revocation_execute, revocation_reject
from certificates.topics import CA_REVOKE, REVOCATION_NOTICE
from core.models import OutboxMessage
from core.outbox import outbox_sweep
from portal.celery import app as celery_app
from tests.factories import RevocationRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

revoked: list[int] = []


class RecordingCA:
    """A CA backend (an external system) that records what it was told."""

    def revoke(
        self,
        *,
        issuing_ca: x509.Certificate,
        serial_number: int,
        reason: x509.ReasonFlags,
        revoked_at: datetime,
    ) -> None:
        revoked.append(serial_number)


class UnreachableCA(RecordingCA):
    def revoke(self, **kwargs: object) -> None:  # type: ignore[override]  # any arguments
        raise ConnectionError("CA not reachable")


RECORDING = f"{__name__}.RecordingCA"
UNREACHABLE = f"{__name__}.UnreachableCA"


@pytest.fixture(autouse=True)
def _reset() -> None:
    revoked.clear()


def _message(topic: str, object_id: int) -> OutboxMessage:
    return OutboxMessage.objects.get(topic=topic, object_id=object_id)


def test_executing_writes_the_notice_and_the_ca_call_with_the_decision(settings):
    settings.PORTAL_CA_BACKEND = RECORDING
    request = RevocationRequestFactory()

    revocation_execute(request_id=request.pk, officer=UserFactory())

    # No on-commit callback ran (the test transaction does not commit): the rows are there.
    assert _message(REVOCATION_NOTICE, request.pk).done_at is None
    assert _message(CA_REVOKE, request.certificate_id).done_at is None


def test_declining_writes_only_the_notice(settings, eager_tasks):
    request = RevocationRequestFactory()

    revocation_reject(request_id=request.pk, officer=UserFactory(), note="Niet nodig")

    assert [m.topic for m in OutboxMessage.objects.all()] == [REVOCATION_NOTICE]
    assert outbox_sweep(grace_seconds=0) == {REVOCATION_NOTICE: 1}
    (notice,) = mail.outbox
    assert request.requested_by.email in notice.to


def test_a_notice_queued_while_the_broker_is_down_is_delivered_by_the_sweeper(
    settings, broker_down, django_capture_on_commit_callbacks, caplog
):
    settings.PORTAL_CA_BACKEND = RECORDING
    request = RevocationRequestFactory()
    certificate = request.certificate

    with django_capture_on_commit_callbacks(execute=True):
        revocation_execute(request_id=request.pk, officer=UserFactory())

    assert "Could not queue core.outbox.outbox_deliver" in caplog.text
    assert mail.outbox == [] and revoked == []
    request.refresh_from_db()
    assert request.state == RevocationRequest.State.EXECUTED
    # The sweeper cannot queue either while the broker is down; nothing breaks.
    assert outbox_sweep(grace_seconds=0) == {REVOCATION_NOTICE: 1, CA_REVOKE: 1}
    assert mail.outbox == []

    celery_app.conf.task_always_eager = True  # the broker is back (and runs inline here)
    outbox_sweep(grace_seconds=0)

    (notice,) = mail.outbox
    assert request.requested_by.email in notice.to
    assert revoked == [int(certificate.serial, 16)]
    assert _message(REVOCATION_NOTICE, request.pk).done_at is not None
    assert outbox_sweep(grace_seconds=0) == {}
    assert len(mail.outbox) == 1 and len(revoked) == 1


def test_a_failing_ca_revoke_is_retried_not_swallowed(
    settings, eager_tasks, django_capture_on_commit_callbacks, caplog
):
    settings.PORTAL_CA_BACKEND = UNREACHABLE
    request = RevocationRequestFactory()

    with django_capture_on_commit_callbacks(execute=True):
        revocation_execute(request_id=request.pk, officer=UserFactory())

    certificate = request.certificate
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED  # the row is the truth at once
    failed = _message(CA_REVOKE, certificate.pk)
    assert failed.done_at is None
    assert failed.attempts == 1
    assert failed.last_error == "ConnectionError: CA not reachable"
    # The error reached Celery, which schedules a retry (core.tasks.RETRY); eager, it stops here.
    assert "Retry in" in caplog.text and "CA not reachable" in caplog.text
    assert len(mail.outbox) == 1  # the notice does not wait for the CA

    settings.PORTAL_CA_BACKEND = RECORDING  # the CA is back
    assert outbox_sweep(grace_seconds=0) == {CA_REVOKE: 1}

    assert revoked == [int(certificate.serial, 16)]
    failed.refresh_from_db()
    assert failed.done_at is not None
