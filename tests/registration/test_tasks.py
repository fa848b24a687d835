"""The sweeper re-queues what the change request rows say is unfinished (STYLE.md 7)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from registration.models import ChangeRequest, ChangeRequestDocuments
from registration.services import change_request_approve, change_request_reject
from registration.tasks import registration_sweep
from tests.registration.submitting import address_change, submit_change

pytestmark = pytest.mark.django_db


def test_the_sweeper_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["registration-sweep"]

    assert entry["task"] == "registration.tasks.registration_sweep"


def test_the_sweeper_makes_missing_documents_and_sends_missing_mails(eager_tasks):
    # Submitted while the broker was down: nothing was queued (no on-commit callbacks run).
    waiting = submit_change(address_change())
    approved = submit_change(address_change())
    rejected = submit_change(address_change(), by="joost")
    officer = get_user_model().objects.get(username="validatie")
    change_request_approve(change_request_id=approved.pk, officer=officer)
    change_request_reject(change_request_id=rejected.pk, officer=officer, reason="Onvolledig")

    counts = registration_sweep(grace_seconds=0)

    assert counts == {"documents": 3, "confirmations": 0, "approvals": 1, "rejections": 1}
    assert ChangeRequestDocuments.objects.count() == 3
    rows = {row.pk: row for row in ChangeRequest.objects.all()}
    assert all(row.confirmation_sent_at for row in rows.values())
    assert rows[approved.pk].approval_sent_at is not None
    assert rows[rejected.pk].rejection_sent_at is not None
    assert rows[waiting.pk].approval_sent_at is None
    assert len(mail.outbox) == 5

    assert registration_sweep(grace_seconds=0) == {
        "documents": 0,
        "confirmations": 0,
        "approvals": 0,
        "rejections": 0,
    }
    assert len(mail.outbox) == 5


def test_the_sweeper_waits_for_the_grace_period(eager_tasks):
    submit_change(address_change())

    assert registration_sweep(grace_seconds=3600)["documents"] == 0
    assert not ChangeRequestDocuments.objects.exists()
