"""The outbox (core.outbox): one row per thing to do, delivered once, swept, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from core.outbox import outbox_add, outbox_deliver_now, outbox_handler, outbox_sweep
from tests.factories import OutboxMessageFactory

pytestmark = pytest.mark.django_db

TOPIC = "tests.outbox"
FOLLOW_UP = "tests.outbox_follow_up"
delivered: list[tuple[str, int]] = []
failures: list[str] = []


@outbox_handler(TOPIC)
def _deliver(object_id: int) -> None:
    if failures:
        raise RuntimeError(failures.pop())
    delivered.append((TOPIC, object_id))
    if object_id == 99:
        outbox_add(FOLLOW_UP, object_id)


@outbox_handler(FOLLOW_UP)
def _follow_up(object_id: int) -> None:
    delivered.append((FOLLOW_UP, object_id))


@pytest.fixture(autouse=True)
def _reset() -> None:
    delivered.clear()
    failures.clear()


def test_adding_the_same_message_twice_is_a_no_op(eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = outbox_add(TOPIC, 7)
        second = outbox_add(TOPIC, 7)

    assert first.pk == second.pk
    assert len(callbacks) == 1
    assert OutboxMessage.objects.filter(topic=TOPIC, object_id=7).count() == 1
    assert delivered == [(TOPIC, 7)]


def test_the_message_is_queued_only_when_the_transaction_commits(eager_tasks):
    with transaction.atomic():
        message = outbox_add(TOPIC, 8)
    # pytest-django's test transaction never commits: written, not yet delivered.
    message.refresh_from_db()
    assert message.done_at is None
    assert delivered == []


def test_a_message_is_delivered_once():
    message = outbox_add(TOPIC, 9)

    assert outbox_deliver_now(message.pk) is True
    assert outbox_deliver_now(message.pk) is False

    assert delivered == [(TOPIC, 9)]
    message.refresh_from_db()
    assert message.done_at is not None and message.attempts == 1


def test_a_failing_handler_raises_records_the_error_and_is_delivered_later():
    message = outbox_add(TOPIC, 10)
    failures.append("the mail server is away")

    with pytest.raises(RuntimeError, match="the mail server is away"):
        outbox_deliver_now(message.pk)

    message.refresh_from_db()
    assert message.done_at is None
    assert message.attempts == 1
    assert message.last_error == "RuntimeError: the mail server is away"
    assert outbox_deliver_now(message.pk) is True
    assert delivered == [(TOPIC, 10)]


def test_a_follow_up_added_by_a_handler_is_delivered_after_it(eager_tasks):
    message = outbox_add(TOPIC, 99)

    outbox_deliver_now(message.pk)

    assert delivered == [(TOPIC, 99), (FOLLOW_UP, 99)]
    assert OutboxMessage.objects.get(topic=FOLLOW_UP).done_at is not None


def test_a_message_past_its_give_up_time_is_not_delivered():
    message = outbox_add(TOPIC, 11, give_up_after=timezone.now() - timedelta(seconds=1))

    assert outbox_deliver_now(message.pk) is False

    assert delivered == []
    message.refresh_from_db()
    assert message.done_at is not None and "too old" in message.last_error


def test_an_unknown_topic_is_refused():
    with pytest.raises(LookupError):
        outbox_add("tests.nobody_handles_this", 1)
    assert not OutboxMessage.objects.exists()


def test_the_sweeper_requeues_undelivered_messages_after_the_grace_period(eager_tasks):
    message = outbox_add(TOPIC, 12)  # never queued: the test transaction does not commit

    assert outbox_sweep(grace_seconds=3600) == {}
    assert delivered == []
    assert outbox_sweep(grace_seconds=0) == {TOPIC: 1}
    assert delivered == [(TOPIC, 12)]
    assert outbox_sweep(grace_seconds=0) == {}
    message.refresh_from_db()
    assert message.done_at is not None


def test_the_sweeper_works_in_batches_oldest_first(eager_tasks, monkeypatch):
    monkeypatch.setattr(outbox, "SWEEP_BATCH", 2)
    for object_id, age in [(21, 3), (22, 1), (23, 2)]:
        message = OutboxMessageFactory(topic=TOPIC, object_id=object_id)
        # created_at is set on insert (auto_now_add); age the row afterwards.
        OutboxMessage.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - timedelta(hours=age)
        )

    assert outbox_sweep(grace_seconds=0) == {TOPIC: 2}
    assert delivered == [(TOPIC, 21), (TOPIC, 23)]
    assert outbox_sweep(grace_seconds=0) == {TOPIC: 1}
    assert delivered[-1] == (TOPIC, 22)


def test_the_sweeper_closes_messages_past_their_give_up_time(eager_tasks):
    message = OutboxMessageFactory(
        topic=TOPIC, object_id=31, give_up_after=timezone.now() - timedelta(days=1)
    )

    assert outbox_sweep(grace_seconds=0) == {}

    assert delivered == []
    message.refresh_from_db()
    assert message.done_at is not None
