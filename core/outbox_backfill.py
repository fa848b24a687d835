"""Outbox rows for work that was waiting before the outbox existed (issue 12).

Before the outbox, each app's sweeper read its own rows to find unfinished
work (an order without documents, a decision without its e-mail). The data
migrations that introduce the outbox call ``outbox_backfill`` with what those
sweepers would have found, so that nothing waiting at the moment of the
upgrade is lost: the one sweeper delivers it. Used only from migrations, with
the historical models.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

# The old sweepers' CONFIRMATION_MAX_AGE (core.mail): a copy, because a
# migration must not change when that setting does.
MAX_AGE = timedelta(days=7)


def outbox_backfill(apps: Any, messages: Iterable[tuple[str, int, datetime | None]]) -> int:
    """Write one undelivered message per ``(topic, object_id, sent_from)``; ``sent_from`` is
    when an e-mail became due (it is given up ``MAX_AGE`` later), ``None`` for work that
    never expires. A message that exists already is left alone. Returns how many were new."""
    outbox_message = apps.get_model("core", "OutboxMessage")
    rows = [
        outbox_message(
            topic=topic,
            object_id=object_id,
            key=f"{topic}:{object_id}",
            give_up_after=None if sent_from is None else sent_from + MAX_AGE,
        )
        for topic, object_id, sent_from in messages
    ]
    existing = set(
        outbox_message.objects.filter(key__in=[row.key for row in rows]).values_list(
            "key", flat=True
        )
    )
    new = [row for row in rows if row.key not in existing]
    outbox_message.objects.bulk_create(new)
    return len(new)
