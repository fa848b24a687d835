"""The outbox sweeper re-queues what a change request still needs (STYLE.md 7)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from core.outbox import outbox_sweep
from registration.models import ChangeRequest, ChangeRequestDocuments
from registration.services import change_request_approve, change_request_reject
from tests.registration.submitting import address_change, submit_change

pytestmark = pytest.mark.django_db


def test_the_sweeper_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]

    assert entry["task"] == "core.outbox.outbox_sweep"
    assert not any(
        "registration_sweep" in e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_the_sweeper_makes_missing_documents_and_sends_missing_mails(eager_tasks):
    # Submitted while the broker was down: nothing was queued (no on-commit callbacks run).
    waiting = submit_change(address_change())
    approved = submit_change(address_change())
    rejected = submit_change(address_change(), by="joost")
    officer = get_user_model().objects.get(username="validatie")
    change_request_approve(change_request_id=approved.pk, officer=officer)
    change_request_reject(change_request_id=rejected.pk, officer=officer, reason="Onvolledig")

    counts = outbox_sweep(grace_seconds=0)

    assert counts == {
        "registration.documents": 3,
        "registration.approval": 1,
        "registration.rejection": 1,
    }
    assert ChangeRequestDocuments.objects.count() == 3
    rows = {row.pk: row for row in ChangeRequest.objects.all()}
    assert all(row.confirmation_sent_at for row in rows.values())
    assert rows[approved.pk].approval_sent_at is not None
    assert rows[rejected.pk].rejection_sent_at is not None
    assert rows[waiting.pk].approval_sent_at is None
    assert len(mail.outbox) == 5

    assert outbox_sweep(grace_seconds=0) == {}
    assert len(mail.outbox) == 5


def test_the_sweeper_waits_for_the_grace_period(eager_tasks):
    submit_change(address_change())

    assert outbox_sweep(grace_seconds=3600) == {}
    assert not ChangeRequestDocuments.objects.exists()
