"""Issuing the certificates of an approved order (issue 5, issue 13, SPEC.md §9).

The subject comes from the validated registration data (country, registered
name, ``NTRNL-<KvK>``, OIN) and the order's validated names, never from the
CSR's subject; only the CSR's public key is used. A card order has no CSR: the
demo card bureau (certificates/card_bureau.py) makes one key per certificate
of the profile, the CA certifies them, and the order gets a new ``Card`` with
its certificates (a personal card: authenticity and signature). The order row
is locked, and ``OrderCertificate`` holds one certificate per order and usage,
so a retried task issues nothing twice.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import transaction

from audit.models import Action
from audit.services import audit_record
from certificates import card_bureau
from certificates.ca import IssuedCertificate, IssueRequest, SubjectData, ca_backend
from certificates.ca.base import card_usage
from certificates.campaigns import replacement_not_after
from certificates.models import Card, Certificate, IssuingCA, Kind
from certificates.services import certificate_record
from certificates.x509_fields import fingerprint
from orders.models import CardOrderDetail, Order, OrderCertificate
from organisations.models import Person
from organisations.services import card_login_register, manager_number

logger = logging.getLogger("portal.orders")


def issue_request(
    order: Order, *, public_keys: tuple[bytes, ...] = (), holder_number: str = ""
) -> IssueRequest:
    """What the CA is asked to certify for ``order``: the product's profile and
    validated data only.

    A server order certifies its CSR's key. A card order certifies
    ``public_keys`` (from the card bureau, one per certificate of the profile);
    a personal card's subject names the holder with ``holder_number`` as
    serialNumber.
    """
    if order.detail is None or isinstance(order.detail, CardOrderDetail):
        return _card_issue_request(order, public_keys=public_keys, holder_number=holder_number)
    subscriber = order.subscriber
    product = order.product
    server = order.server
    if server.reuses_key and order.renews is not None:
        # A replacement certifying the old certificate's key again (see ServerOrderDetail).
        public_key = order.renews.der.loaded.public_key()
    else:
        public_key = x509.load_pem_x509_csr(server.csr_pem.encode()).public_key()
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
        public_keys=(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),),
        dns_names=tuple(server.sans),
        # A renewal gets the product's full validity; a replacement in a campaign the
        # replaced certificate's expiry (certificates.campaigns.replacement_not_after).
        validity_days=product.validity_days,
        not_after=(
            replacement_not_after(order.renews, order.campaign)
            if order.campaign is not None and order.renews is not None
            else None
        ),
    )


def split_name(name: str) -> tuple[str, str]:
    """givenName and surname of a holder's name: the first word and the rest
    ("Maximo de Tester" -> "Maximo", "de Tester"); empty when it is one word."""
    first, _space, rest = name.strip().partition(" ")
    return (first, rest.strip()) if rest.strip() else ("", "")


def _card_issue_request(
    order: Order, *, public_keys: tuple[bytes, ...], holder_number: str
) -> IssueRequest:
    subscriber = order.subscriber
    product = order.product
    detail = order.card
    if product.kind == Kind.PERSONAL:
        given_name, surname = split_name(detail.holder_name)
        subject = SubjectData(
            country=subscriber.country,
            organization=subscriber.name,
            organization_identifier=f"NTRNL-{subscriber.kvk_number}",
            serial_number=holder_number,
            common_name=detail.holder_name,
            given_name=given_name,
            surname=surname,
            email=detail.email,
        )
    else:
        # A group card carries the group (function) name, an eSeal the organisation.
        # group_name: read defensively, the order wizards add it (issue 13).
        group_name = getattr(detail, "group_name", "") or detail.holder_name
        subject = SubjectData(
            country=subscriber.country,
            organization=subscriber.name,
            organization_identifier=f"NTRNL-{subscriber.kvk_number}",
            common_name=subscriber.name if product.kind == Kind.ESEAL else group_name,
        )
    return IssueRequest(
        profile=product.profile.data(),
        subject=subject,
        public_keys=public_keys,
        validity_days=product.validity_days,
    )


def holder_number_for(order: Order) -> str:
    """The card holder's registration number, the personal certificate's serialNumber
    (the seed's "Subject.serienummer", CB + 7 digits): a renewal keeps the renewed
    certificate's, a registered certificate manager of the subscriber with the
    holder's e-mail address keeps theirs, anyone else gets a new one."""
    if order.renews is not None and order.renews.subject_serial:
        return order.renews.subject_serial
    registered = (
        Person.objects.filter(
            subscriber=order.subscriber,
            email__iexact=order.card.email,
            manager_number__isnull=False,
        )
        .values_list("manager_number", flat=True)
        .first()
    )
    return registered or manager_number()


def order_issue(order_id: int) -> Certificate | None:
    """Issue the certificates of an approved order once; ``None`` if it is not approved.

    The CA returns one certificate per public key of the order; each is recorded
    for the order, and the first is returned (a card's authenticity
    certificate). A second run (double click, retried task) finds the
    certificates and returns the first: no second card, no second key file.
    """
    written: list[Path] = []
    try:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(of=("self",))
                .select_related(
                    "subscriber",
                    "product__profile",
                    "renews",
                    "campaign",
                    "contact_person",
                    "certificate_manager",
                    "server",
                    "card",
                )
                .filter(pk=order_id)
                .first()
            )
            if order is None:
                return None
            existing = order.certificates.order_by("issued_for__pk").first()
            if existing is not None or order.state != Order.State.APPROVED:
                return existing
            if order.product.kind == Kind.SERVER:
                certificates = _server_certificates(order)
            else:
                certificates = _card_certificates(order, written)
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
                    **(
                        {"certificates": [c.pk for c in certificates]}
                        if len(certificates) > 1
                        else {}
                    ),
                    **({"card": certificates[0].card.number} if certificates[0].card else {}),
                },
            )
    except BaseException:
        # Nothing of this attempt was committed: its key files go too.
        card_bureau.card_files_remove(written)
        raise
    logger.info(
        "Order %s issued as certificate(s) %s",
        order.reference,
        ", ".join(c.serial for c in certificates),
    )
    return certificates[0]


def _issuing_ca(issued: IssuedCertificate) -> IssuingCA:
    return IssuingCA.objects.get(fingerprint=fingerprint(issued.issuing_ca))


def _link(order: Order, certificate: Certificate) -> Certificate:
    OrderCertificate.objects.create(
        order=order, certificate=certificate, usage=certificate.card_usage
    )
    return certificate


def _server_certificates(order: Order) -> list[Certificate]:
    return [
        _link(
            order,
            certificate_record(
                subscriber=order.subscriber,
                certificate=issued.certificate,
                kind=Kind.SERVER,
                issuing_ca=_issuing_ca(issued),
                product=order.product,
                certificate_manager=order.certificate_manager,
                requested_by=order.contact_person,
            ),
        )
        for issued in ca_backend().issue(issue_request(order))
    ]


def _card_certificates(order: Order, written: list[Path]) -> list[Certificate]:
    """A new card for ``order``: keys from the card bureau, one certificate per key,
    the card row, and the key files (written once, last, into ``written``)."""
    profile = order.product.profile.data()
    keys = card_bureau.card_keys_make(profile)
    holder_number = holder_number_for(order) if order.product.kind == Kind.PERSONAL else ""
    request = issue_request(order, public_keys=keys.public_keys, holder_number=holder_number)
    issued_all = ca_backend().issue(request)
    detail = order.card
    card = Card.objects.create(
        subscriber=order.subscriber,
        number=card_bureau.card_number_new(
            taken=lambda number: Card.objects.filter(number=number).exists()
        ),
        kind=order.product.kind,
        carrier=detail.carrier or Card.Carrier.CARD,
        holder_name=request.subject.common_name,
        email=detail.email,
        # An eSeal in the cloud HSM waits for its activation (manual §6.1, which comes
        # with the mobile-certificate work); every other carrier is ready when issued.
        activation=Card.Activation.REQUESTED if _in_the_cloud(order, detail) else "",
    )
    usages = [card_usage(entry) for entry in profile.key_usages]
    certificates = [
        _link(
            order,
            certificate_record(
                subscriber=order.subscriber,
                certificate=issued.certificate,
                kind=Kind(order.product.kind),
                issuing_ca=_issuing_ca(issued),
                product=order.product,
                card=card,
                card_usage=usage,
                certificate_manager=order.certificate_manager,
                requested_by=order.contact_person,
            ),
        )
        for issued, usage in zip(issued_all, usages, strict=True)
    ]
    written += card_bureau.card_keys_write(
        number=card.number,
        keys=keys,
        certificates=[issued.certificate for issued in issued_all],
        usages=usages,
        chain=issued_all[0].chain,
    )
    authentication = [c for c in certificates if c.card_usage == "authentication"]
    if order.product.kind == Kind.PERSONAL and authentication:
        # The authenticity certificate logs in as the holder, when the holder is registered.
        card_login_register(
            subscriber=order.subscriber,
            email=detail.email,
            fingerprint=authentication[0].fingerprint,
        )
    logger.info("Card %s of order %s: keys handed over (demo card bureau)", card.number, order)
    return certificates


def _in_the_cloud(order: Order, detail: CardOrderDetail) -> bool:
    return order.product.kind == Kind.ESEAL and detail.carrier == Card.Carrier.CLOUD
