"""Sealed order documents (SPEC.md §8, manual §3.2 "Bestelling geplaatst").

Every order gets a PDF order form with all its data, the accepted
declarations and "Ingediend door: Certified by: <issuer DN of the login
certificate>", sealed with the portal's seal, and the same order as XML with
an enveloped XML Signature.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from orders.models import Order, OrderDocuments
from orders.order_xml import order_xml
from sealing.pdf import html_to_pdf, seal_pdf
from sealing.xml import sign_xml

logger = logging.getLogger("portal.orders")


def order_form_pdf(order: Order, *, language: str = "nl") -> bytes:
    """The order form of manual §3.2 as PDF, in ``language`` (SPEC.md §8); not sealed."""
    with translation.override(language):
        html = render_to_string("orders/documents/order_form.html", {"order": order})
    return html_to_pdf(html)


def sealed_order_form(order: Order, *, language: str = "nl") -> bytes:
    """The order form of manual §3.2, sealed (SPEC.md §8)."""
    return seal_pdf(order_form_pdf(order, language=language))


def signed_order_xml(order: Order) -> bytes:
    """The order as XML with an enveloped XML Signature (SPEC.md §8, AORTA profile)."""
    return sign_xml(order_xml(order))


def documents_create(order_id: int) -> OrderDocuments | None:
    """Make the sealed PDF and signed XML of an order once; ``None`` if the order is gone.

    Idempotent: the order row is locked while the documents are made, so a
    second run (a retried or re-queued task) finds them and does nothing.
    """
    with transaction.atomic():
        if not Order.objects.select_for_update().filter(pk=order_id).exists():
            return None
        existing = OrderDocuments.objects.filter(order_id=order_id).first()
        if existing is not None:
            return existing
        order = Order.objects.select_related(
            "subscriber", "product", "contact_person", "certificate_manager", "renews", "campaign"
        ).get(pk=order_id)
        documents = OrderDocuments.objects.create(
            order=order,
            pdf=sealed_order_form(order, language=order.language),
            xml=signed_order_xml(order),
            language=order.language,
        )
    logger.info("Documents of order %s made", order.reference)
    return documents
