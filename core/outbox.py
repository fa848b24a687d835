"""The outbox (SPEC.md §7, STYLE.md 7): every e-mail, document and CA call as a row.

``outbox_add`` writes an ``OutboxMessage`` in the caller's transaction and
queues ``outbox_deliver`` once that transaction commits. Apps register one
handler per topic (``outbox_handler``, from their tasks module, which their
AppConfig loads in the web process and the worker alike). Delivery locks
the row, skips it when done, runs the handler and marks the row done in the
same transaction; a failing handler is retried (``core.tasks.RETRY``) and
its error recorded, never swallowed. ``outbox_sweep`` re-queues what is
still undelivered after ``PORTAL_SWEEP_GRACE_SECONDS``: a message queued
while the broker was down is delivered once it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.models import OutboxMessage
from core.tasks import RETRY, SWEEP_BATCH, queue_task

logger = logging.getLogger("portal.tasks")

Handler = Callable[[int], None]
_handlers: dict[str, Handler] = {}
# While a handler runs: the follow-up messages it added, queued once its transaction is done.
_follow_ups: ContextVar[list[int] | None] = ContextVar("outbox_follow_ups", default=None)


def outbox_handler(topic: str) -> Callable[[Handler], Handler]:
    """Register the function that delivers ``topic``; it takes the target row's id."""

    def register(handler: Handler) -> Handler:
        known = _handlers.get(topic)
        if known is not None and known.__qualname__ != handler.__qualname__:
            raise ValueError(f"outbox topic {topic} already has a handler: {known}")
        _handlers[topic] = handler
        return handler

    return register


def outbox_topics() -> list[str]:
    return sorted(_handlers)


def outbox_add(
    topic: str,
    object_id: int,
    *,
    key: str | None = None,
    give_up_after: datetime | None = None,
) -> OutboxMessage:
    """Write one message in the caller's transaction; queue its delivery on commit.

    Adding a message with the same ``key`` (default ``topic:object_id``)
    again changes nothing and returns the existing row.
    """
    if topic not in _handlers:
        raise LookupError(f"no outbox handler for {topic}")
    message, created = OutboxMessage.objects.get_or_create(
        key=key or f"{topic}:{object_id}",
        defaults={"topic": topic, "object_id": object_id, "give_up_after": give_up_after},
    )
    if created:
        follow_ups = _follow_ups.get()
        if follow_ups is not None:
            follow_ups.append(message.pk)
        else:
            transaction.on_commit(partial(queue_task, outbox_deliver, message.pk))
    return message


@contextmanager
def _collecting() -> Iterator[list[int]]:
    collected: list[int] = []
    token = _follow_ups.set(collected)
    try:
        yield collected
    finally:
        _follow_ups.reset(token)


def outbox_deliver_now(message_id: int) -> bool:
    """Deliver one message once; ``False`` when it was done, gone or too old.

    The row stays locked while the handler runs and is marked done in the
    same transaction, so two runs never both deliver. Follow-up messages
    the handler added are queued after that transaction.
    """
    try:
        with _collecting() as follow_ups, transaction.atomic():
            message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
            if message is None or message.done_at is not None:
                return False
            now = timezone.now()
            message.attempts += 1
            if message.give_up_after is not None and message.give_up_after < now:
                logger.warning("Outbox message %s not delivered: too old", message.key)
                message.done_at, message.last_error = now, "given up: too old"
                message.save(update_fields=["attempts", "done_at", "last_error"])
                return False
            _handlers[message.topic](message.object_id)
            message.done_at = timezone.now()
            message.save(update_fields=["attempts", "done_at"])
    except Exception as error:
        # The handler's work was rolled back; record why, outside that transaction.
        OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    for follow_up in follow_ups:
        queue_task(outbox_deliver, follow_up)
    return True


@shared_task(**RETRY)
def outbox_deliver(message_id: int) -> None:
    outbox_deliver_now(message_id)


@shared_task(acks_late=True)
def outbox_sweep(grace_seconds: int | None = None) -> dict[str, int]:
    """Re-queue, after a grace period, undelivered messages (at most ``SWEEP_BATCH``,
    oldest first); messages past their ``give_up_after`` are closed instead.
    Returns how many were re-queued per topic."""
    now = timezone.now()
    grace = timedelta(
        seconds=settings.PORTAL_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    )
    pending = OutboxMessage.objects.filter(done_at__isnull=True)
    pending.filter(give_up_after__lt=now).update(done_at=now, last_error="given up: too old")
    due = list(
        pending.filter(created_at__lte=now - grace)
        .filter(Q(give_up_after__isnull=True) | Q(give_up_after__gte=now))
        .order_by("created_at", "pk")
        .values_list("pk", "topic")[:SWEEP_BATCH]
    )
    counts: dict[str, int] = {}
    for message_id, topic in due:
        queue_task(outbox_deliver, message_id)
        counts[topic] = counts.get(topic, 0) + 1
    if counts:
        logger.warning("Sweeper re-queued %s", counts)
    return counts
