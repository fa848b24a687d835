"""The order confirmation e-mail with the sealed PDF (SPEC.md §7, manual §3.2).

"Per e-mail wordt u geïnformeerd": the contact person who placed the order
gets the confirmation with the sealed order form attached, in the language
the order was placed in.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from orders.models import Order, OrderDocuments

logger = logging.getLogger("portal.orders")

# A confirmation is not sent for an order placed longer ago than this (after
# a long outage, or for orders from before the portal sent them): a
# week-old "thank you for your order" confuses more than it helps. The order
# page still offers the documents.
CONFIRMATION_MAX_AGE = timedelta(days=7)


def order_form_filename(order: Order, extension: str) -> str:
    """``bestelformulier-S….pdf``: the reference is ``S`` + digits, safe in any header."""
    return f"bestelformulier-{order.reference}.{extension}"


def _message_id(order: Order) -> str:
    # The same Message-ID for every attempt, so a mail server or client can
    # drop the copy a crash between sending and recording might cause.
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{order.reference}.bevestiging@{domain}>"


def confirmation_message(order: Order, documents: OrderDocuments) -> EmailMessage:
    """The confirmation e-mail of one order, with the sealed PDF attached."""
    with translation.override(order.language):
        context = {"order": order}
        subject = render_to_string("orders/email/confirmation_subject.txt", context)
        body = render_to_string("orders/email/confirmation.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[order.contact_person.email],
        headers={"Message-ID": _message_id(order)},
    )
    message.attach(order_form_filename(order, "pdf"), bytes(documents.pdf), "application/pdf")
    return message


def confirmation_send(order_id: int) -> bool:
    """Send the confirmation of an order once; ``False`` when sent before or not ready.

    The order row stays locked while the mail server takes the message and
    ``confirmation_sent_at`` is set, so two runs never both send. Not ready
    means the documents do not exist yet: their task queues this one again.
    Orders older than ``CONFIRMATION_MAX_AGE`` get no confirmation.
    """
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("contact_person", "product")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.confirmation_sent_at is not None:
            return False
        if order.placed_at < timezone.now() - CONFIRMATION_MAX_AGE:
            logger.warning("No confirmation for order %s: placed too long ago", order.reference)
            return False
        documents = OrderDocuments.objects.filter(order=order).first()
        if documents is None:
            return False
        confirmation_message(order, documents).send()
        order.confirmation_sent_at = timezone.now()
        order.save(update_fields=["confirmation_sent_at", "updated_at"])
    logger.info(
        "Confirmation of order %s sent to person %s", order.reference, order.contact_person_id
    )
    return True
