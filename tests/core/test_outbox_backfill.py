"""The data migrations that bring the outbox: work that was waiting before it is not lost."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import outbox_sweep
from tests.factories import (
    ChangeRequestDocumentsFactory,
    ChangeRequestFactory,
    OrderCertificateFactory,
    OrderDocumentsFactory,
    OrderFactory,
    RevocationRequestFactory,
)

pytestmark = pytest.mark.django_db

MIGRATIONS = [
    "orders.migrations.0007_outbox_backfill",
    "registration.migrations.0002_outbox_backfill",
    "certificates.migrations.0010_outbox_backfill",
]


def _migrate() -> None:
    # The migrations' own functions, run with today's models (the same fields).
    for name in MIGRATIONS:
        importlib.import_module(name).waiting(apps, None)


def _messages() -> dict[str, object]:
    return dict(OutboxMessage.objects.values_list("key", "give_up_after"))


def test_waiting_work_of_every_kind_gets_its_message():
    without_documents = OrderFactory()
    unconfirmed = OrderDocumentsFactory().order
    approved = OrderFactory(state="approved")
    issued = OrderFactory(state="issued", spki_sha256="")
    OrderCertificateFactory(order=issued)
    rejected = OrderFactory(state="rejected", rejection_reason="Onjuist domein")
    done = OrderDocumentsFactory(order__confirmation_sent_at=timezone.now()).order
    change = ChangeRequestFactory()
    unconfirmed_change = ChangeRequestDocumentsFactory().change_request
    notice = RevocationRequestFactory(state="executed", decided_at=timezone.now())
    silent = RevocationRequestFactory(
        state="rejected", decided_at=timezone.now(), notified_at=timezone.now()
    )
    OutboxMessage.objects.all().delete()

    _migrate()

    messages = _messages()
    assert set(messages) == {
        f"orders.documents:{without_documents.pk}",
        f"orders.documents:{approved.pk}",
        f"orders.documents:{issued.pk}",
        f"orders.documents:{rejected.pk}",
        f"orders.confirmation:{unconfirmed.pk}",
        f"orders.issue:{approved.pk}",
        f"orders.certificate:{issued.pk}",
        f"orders.rejection:{rejected.pk}",
        f"registration.documents:{change.pk}",
        f"registration.confirmation:{unconfirmed_change.pk}",
        f"certificates.revocation_notice:{notice.pk}",
    }
    assert f"orders.confirmation:{done.pk}" not in messages
    assert f"certificates.revocation_notice:{silent.pk}" not in messages
    # Work never expires; an e-mail is given up a week after it became due.
    assert messages[f"orders.documents:{without_documents.pk}"] is None
    assert messages[f"orders.confirmation:{unconfirmed.pk}"] == unconfirmed.placed_at + timedelta(
        days=7
    )


def test_a_message_that_exists_is_left_alone_and_the_sweeper_takes_the_rest(eager_tasks):
    order = OrderFactory()
    OutboxMessage.objects.all().delete()
    _migrate()
    OutboxMessage.objects.update(attempts=3)

    _migrate()

    assert OutboxMessage.objects.count() == 1
    assert OutboxMessage.objects.get().attempts == 3
    # Tasks run inline here: the sweeper delivers it, and the confirmation follows.
    assert outbox_sweep(grace_seconds=0) == {"orders.documents": 1}
    order.refresh_from_db()
    assert order.documents is not None
    assert order.confirmation_sent_at is not None
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_mails_older_than_a_week_are_not_backfilled():
    order = OrderDocumentsFactory().order
    type(order).objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(days=8))
    OutboxMessage.objects.all().delete()

    _migrate()

    assert f"orders.confirmation:{order.pk}" not in _messages()
