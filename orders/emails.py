"""The order confirmation e-mail with the sealed PDF (SPEC.md §7, manual §3.2).

"Per e-mail wordt u geïnformeerd": the contact person who placed the order
gets the confirmation with the sealed order form attached, in the language
the order was placed in.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from certificates.downloads import certificate_pem, chain_pem
from core.mail import CONFIRMATION_MAX_AGE, send_once, stable_message_id
from orders.models import Order, OrderDocuments

logger = logging.getLogger("portal.orders")


def order_form_filename(order: Order, extension: str) -> str:
    """``bestelformulier-S….pdf``: the reference is ``S`` + digits, safe in any header."""
    return f"bestelformulier-{order.reference}.{extension}"


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
        headers={"Message-ID": stable_message_id(f"{order.reference}.bevestiging")},
    )
    message.attach(order_form_filename(order, "pdf"), bytes(documents.pdf), "application/pdf")
    return message


def confirmation_send(order_id: int) -> bool:
    """Send the confirmation of an order once; ``False`` when sent before or not ready.

    Not ready means the documents do not exist yet: their task queues this
    one again. Orders older than ``CONFIRMATION_MAX_AGE`` get no confirmation.
    """

    def build(order: Order) -> EmailMessage | None:
        if order.placed_at < timezone.now() - CONFIRMATION_MAX_AGE:
            logger.warning("No confirmation for order %s: placed too long ago", order.reference)
            return None
        documents = OrderDocuments.objects.filter(order=order).first()
        if documents is None:
            return None
        return confirmation_message(order, documents)

    sent = send_once(Order, order_id, "confirmation_sent_at", build)
    if sent:
        logger.info("Confirmation of order %s sent", order_id)
    return sent


def _manager_message(order: Order, template: str, subject_template: str) -> EmailMessage:
    manager, contact = order.certificate_manager, order.contact_person
    with translation.override(order.language):
        certificates = list(order.certificates.order_by("card_usage", "pk"))
        context = {
            "order": order,
            "certificates": certificates,
            "certificate": certificates[0] if certificates else None,
        }
        subject = render_to_string(subject_template, context)
        body = render_to_string(template, context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[manager.email],
        cc=[contact.email] if contact.email and contact.email != manager.email else [],
    )


def certificate_delivery_send(order_id: int) -> bool:
    """The issued certificate to the certificate manager, CC the contact person (manual §3.2)."""

    def build(order: Order) -> EmailMessage | None:
        certificates = order.certificates.order_by("card_usage", "pk")
        if not certificates:
            return None
        message = _manager_message(
            order, "orders/email/issued.txt", "orders/email/issued_subject.txt"
        )
        message.extra_headers["Message-ID"] = stable_message_id(f"{order.reference}.uitgifte")
        for certificate in certificates:
            name = f"{certificate.common_name or certificate.serial}"
            if certificate.card_usage:
                name += f"-{certificate.card_usage}"
            message.attach(f"{name}.pem", certificate_pem(certificate), "application/x-pem-file")
            message.attach(f"{name}-chain.pem", chain_pem(certificate), "application/x-pem-file")
        return message

    return send_once(Order, order_id, "certificate_sent_at", build)


def rejection_send(order_id: int) -> bool:
    """The rejection and its reason to the contact person who placed the order."""

    def build(order: Order) -> EmailMessage | None:
        if order.state != Order.State.REJECTED:
            return None
        with translation.override(order.language):
            context = {"order": order}
            subject = render_to_string("orders/email/rejected_subject.txt", context)
            body = render_to_string("orders/email/rejected.txt", context)
        return EmailMessage(
            subject=" ".join(subject.split()),
            body=body,
            to=[order.contact_person.email],
            headers={"Message-ID": stable_message_id(f"{order.reference}.afkeuring")},
        )

    return send_once(Order, order_id, "rejection_sent_at", build)
