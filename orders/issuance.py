"""Issuing the certificate of an approved order (issue 5, SPEC.md §9).

The subject comes from the validated registration data (country, registered
name, ``NTRNL-<KvK>``, OIN) and the order's validated names, never from the
CSR's subject; only the CSR's public key is used. One certificate per order:
the order row is locked, and ``OrderCertificate`` holds one per order and usage.
"""

from __future__ import annotations

import logging

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import transaction

from audit.models import Action
from audit.services import audit_record
from certificates.ca import IssueRequest, SubjectData, ca_backend
from certificates.models import Certificate, IssuingCA, Kind
from certificates.services import certificate_record
from certificates.x509_fields import fingerprint
from orders.models import Order, OrderCertificate

logger = logging.getLogger("portal.orders")


def issue_request(order: Order) -> IssueRequest:
    """What the CA is asked to certify for ``order``: the product's profile and
    validated data only."""
    subscriber = order.subscriber
    product = order.product
    server = order.server
    csr = x509.load_pem_x509_csr(server.csr_pem.encode())
    return IssueRequest(
        profile=product.profile.data(),
        subject=SubjectData(
            country=subscriber.country,
            organization=subscriber.name,
            organization_identifier=f"NTRNL-{subscriber.kvk_number}",
            serial_number=subscriber.oin,
            common_name=server.common_name,
            # certSIGN OV names the place from the registration, like O: the
            # registered city. The registration has no province, and L alone is
            # what the Baseline Requirements (§7.1.4.2) ask, so there is no ST;
            # the CSR's L and ST are never copied.
            locality=subscriber.city if product.requires_locality else "",
        ),
        public_keys=(
            csr.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
        ),
        dns_names=tuple(server.sans),
        # A renewal gets the product's full validity. (A replacement in a
        # campaign would pass the replaced certificate's expiry as not_after;
        # the portal does not order replacements yet.)
        validity_days=product.validity_days,
    )


def order_issue(order_id: int) -> Certificate | None:
    """Issue the certificates of an approved order once; ``None`` if it is not approved.

    The CA returns one certificate per public key of the order; each is recorded
    for the order, and the first is returned. A second run (double click,
    retried task) finds the certificate and returns it.
    """
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("subscriber", "product__profile", "renews", "contact_person", "server")
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            return None
        existing = order.certificates.first()
        if existing is not None or order.state != Order.State.APPROVED:
            return existing
        certificates = []
        for issued in ca_backend().issue(issue_request(order)):
            certificate = certificate_record(
                subscriber=order.subscriber,
                certificate=issued.certificate,
                kind=Kind.SERVER,
                issuing_ca=IssuingCA.objects.get(fingerprint=fingerprint(issued.issuing_ca)),
                product=order.product,
                certificate_manager=order.certificate_manager,
                requested_by=order.contact_person,
            )
            OrderCertificate.objects.create(
                order=order, certificate=certificate, usage=certificate.card_usage
            )
            certificates.append(certificate)
        order.state = Order.State.ISSUED
        order.save(update_fields=["state", "updated_at"])
        audit_record(
            action=Action.ORDER_ISSUED,
            obj=order,
            label=order.reference,
            state_before=Order.State.APPROVED,
            state_after=Order.State.ISSUED,
            details={
                "serial": certificates[0].serial,
                "certificate": certificates[0].pk,
                **({"certificates": [c.pk for c in certificates]} if len(certificates) > 1 else {}),
            },
        )
    logger.info(
        "Order %s issued as certificate(s) %s",
        order.reference,
        ", ".join(c.serial for c in certificates),
    )
    return certificates[0]
