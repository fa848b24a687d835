"""Sending an e-mail exactly once per row (STYLE.md 7: the database row is the truth)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.core.mail import EmailMessage
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

Row = TypeVar("Row", bound=models.Model)

# A confirmation is not sent for an order or change request submitted longer ago than this (after
# a long outage, or for orders from before the portal sent them): a
# week-old "thank you for your order" confuses more than it helps. The order
# or request page still offers the documents.
CONFIRMATION_MAX_AGE = timedelta(days=7)


def send_once(
    model: type[Row], pk: int, sent_field: str, build: Callable[[Row], EmailMessage | None]
) -> bool:
    """Send what ``build`` makes for row ``pk`` unless ``sent_field`` says it was sent.

    The row stays locked while the mail server takes the message and the
    field is set, so two runs never both send. ``build`` returns ``None``
    when there is nothing to send (yet). ``False`` when nothing was sent.
    """
    with transaction.atomic():
        row = model._default_manager.select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None or getattr(row, sent_field) is not None:
            return False
        message = build(row)
        if message is None:
            return False
        message.send()
        setattr(row, sent_field, timezone.now())
        row.save(update_fields=[sent_field])
    return True


def stable_message_id(key: str) -> str:
    """The same Message-ID for every attempt, so a mail server or client can drop the
    copy a crash between sending and recording might cause."""
    from django.conf import settings

    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{key}@{domain}>"


def dutch_and_english(
    *, template: str, subject_template: str, context: dict[str, object], to: str, message_id: str
) -> EmailMessage:
    """A message in Dutch with the English text below it (the reminder and notice
    e-mails): ``template`` rendered in both languages, the Dutch subject on one line."""
    parts = []
    for language in ("nl", "en"):
        with translation.override(language):
            parts.append(render_to_string(template, context))
    with translation.override("nl"):
        subject = render_to_string(subject_template, context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body="\n\n----------\n\n".join(parts),
        to=[to],
        headers={"Message-ID": stable_message_id(message_id)},
    )
