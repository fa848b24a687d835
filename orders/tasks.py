"""What follows an order, as outbox handlers (core.outbox; SPEC.md §7, STYLE.md 7).

Placing writes ``orders.documents``; the sealed documents add
``orders.confirmation``. Approving writes ``orders.issue``; the issued
certificate adds ``orders.certificate``. Rejecting writes
``orders.rejection``. Each message is written in the transaction of the
change, delivered once by ``core.outbox.outbox_deliver`` and swept by
``core.outbox.outbox_sweep``; ``*_sent_at`` on the order stays the inner guard.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from core.mail import CONFIRMATION_MAX_AGE
from core.outbox import outbox_add, outbox_handler
from orders import documents, emails, issuance

logger = logging.getLogger("portal.orders")

DOCUMENTS = "orders.documents"
CONFIRMATION = "orders.confirmation"
ISSUE = "orders.issue"
CERTIFICATE = "orders.certificate"
REJECTION = "orders.rejection"


@outbox_handler(DOCUMENTS)
def order_documents_create(order_id: int) -> None:
    made = documents.documents_create(order_id)
    if made is not None:
        outbox_add(
            CONFIRMATION,
            order_id,
            give_up_after=made.order.placed_at + CONFIRMATION_MAX_AGE,
        )


@outbox_handler(CONFIRMATION)
def order_confirmation_send(order_id: int) -> None:
    emails.confirmation_send(order_id)


@outbox_handler(ISSUE)
def order_issue(order_id: int) -> None:
    if issuance.order_issue(order_id) is not None:
        outbox_add(CERTIFICATE, order_id, give_up_after=timezone.now() + CONFIRMATION_MAX_AGE)


@outbox_handler(CERTIFICATE)
def order_certificate_send(order_id: int) -> None:
    emails.certificate_delivery_send(order_id)


@outbox_handler(REJECTION)
def order_rejection_send(order_id: int) -> None:
    emails.rejection_send(order_id)
