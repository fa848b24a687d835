"""A newly issued personal card logs in through the real nginx (issue 13 §4–5).

The back office's issuance of a card order makes the card's keys in the demo card
bureau (``PORTAL_PKI_DIR/cards/<pasnummer>.p12``, password ``demo``). Its
authenticity certificate logs in as the holder once the holder's card is
registered (issuer + subject serialNumber, as for every person); its signature
certificate never does (AORTA.STK.t3130). After the card is revoked neither
logs in, and both are on the CA's CRL.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.db.models import Q

from tests.e2e.conftest import NginxProxy
from tests.e2e.test_nginx_login import Page, assert_not_logged_in, read

pytestmark = pytest.mark.e2e

HOLDER = "Jan Kees van der Test"


@dataclass(frozen=True)
class IssuedCard:
    number: str
    certificate_ids: dict[str, int]  # by card usage
    slugs: dict[str, str]  # by card usage: the PEM files under <tmp>/clients/<slug>


def _extract(p12: Path, clients: Path, slug: str) -> x509.Certificate:
    """The p12 the card bureau wrote, as the .crt/.key pair the TLS client loads."""
    key, certificate, _chain = pkcs12.load_key_and_certificates(p12.read_bytes(), b"demo")
    assert key is not None and certificate is not None
    clients.mkdir(parents=True, exist_ok=True)
    (clients / f"{slug}.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (clients / f"{slug}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate


@pytest.mark.django_db
def test_the_personal_card_profile_issues_without_a_csr() -> None:
    """(Also makes pytest-django create and seed the database gunicorn serves.)"""
    from certificates.models import IssuanceProfile

    profile = IssuanceProfile.objects.get(code="pkio-personal-card")
    assert profile.requires_csr is False
    assert profile.key_usages == [["digitalSignature"], ["nonRepudiation"]]


@pytest.fixture
def issued_card(django_db_blocker, pki_dir: Path, tmp_path: Path) -> Iterator[IssuedCard]:  # noqa: ANN001
    """An approved personal card order issued as the back office does, the holder
    registered with the card; everything removed (and the CRL rewritten) afterwards."""
    from certificates.ca import ca_backend
    from certificates.models import Card, Certificate, IssuanceProfile, Kind, RevocationRequest
    from certificates.topics import CA_REVOKE, REVOCATION_NOTICE
    from core.models import OutboxMessage
    from orders.issuance import order_issue
    from orders.models import Order, OrderCertificate
    from organisations.models import LoginCertificate, Person
    from tests.factories import CardOrderDetailFactory, ProductFactory

    with django_db_blocker.unblock():
        voorbeeld = Person.objects.get(email="maximo@voorbeeld.nl").subscriber
        # The holder is a registered contact person of Voorbeeld B.V.
        holder = Person.objects.create(
            subscriber=voorbeeld,
            given_name="Jan Kees",
            surname="van der Test",
            email="jankees@voorbeeld.nl",
            contact_authorisation=Person.ContactAuthorisation.BASIC,
        )
        product = ProductFactory(
            kind=Kind.PERSONAL,
            family="",
            profile=IssuanceProfile.objects.get(code="pkio-personal-card"),
        )
        order = CardOrderDetailFactory(
            order__product=product,
            order__subscriber=voorbeeld,
            order__state=Order.State.APPROVED,
            holder_name=HOLDER,
            email="jankees@voorbeeld.nl",
        ).order
        order_issue(order.pk)
        certificates = {c.card_usage: c for c in order.certificates.all()}
        card = certificates["authentication"].card
        assert card is not None
        cards = pki_dir / "cards"
        clients = tmp_path / "clients"
        slugs = {"authentication": "card-auth", "signature": "card-sign"}
        authentication = _extract(cards / f"{card.number}.p12", clients, slugs["authentication"])
        _extract(cards / f"{card.number}-signature.p12", clients, slugs["signature"])
        # Issuing mapped the authenticity certificate to the registered holder.
        assert (
            LoginCertificate.objects.get(
                fingerprint=certificates["authentication"].fingerprint
            ).person
            == holder
        )
        assert authentication is not None
    yield IssuedCard(card.number, {u: c.pk for u, c in certificates.items()}, slugs)
    with django_db_blocker.unblock():
        ids = [c.pk for c in certificates.values()]
        requests = RevocationRequest.objects.filter(certificate_id__in=ids)
        OutboxMessage.objects.filter(
            Q(topic=CA_REVOKE, object_id__in=ids)
            | Q(topic=REVOCATION_NOTICE, object_id__in=list(requests.values_list("pk", flat=True)))
        ).delete()
        requests.delete()
        OrderCertificate.objects.filter(order=order).delete()
        Order.objects.filter(pk=order.pk).delete()
        Certificate.objects.filter(pk__in=ids).delete()
        Card.objects.filter(pk=card.pk).delete()
        holder.delete()
        # The CRL without this card's certificates again.
        ca_backend().revoke(
            issuing_ca=authentication_issuer(pki_dir),
            serial_number=authentication.serial_number,
            reason=x509.ReasonFlags.unspecified,
            revoked_at=authentication.not_valid_before_utc,
        )


def authentication_issuer(pki_dir: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((pki_dir / "ca" / "g3-persons.crt").read_bytes())


def via_nginx_with(proxy: NginxProxy, pki_dir: Path, clients: Path, slug: str) -> Page:
    """As test_nginx_login.via_nginx, presenting ``clients/<slug>.crt``."""
    context = ssl.create_default_context(cafile=str(pki_dir / "roots.pem"))
    context.load_cert_chain(clients / f"{slug}.crt", clients / f"{slug}.key")
    connection = http.client.HTTPSConnection(proxy.host, proxy.port, context=context, timeout=15)
    return read(connection, "/", {})


def test_a_new_cards_authenticity_certificate_logs_in_and_its_signature_certificate_does_not(
    nginx_proxy: NginxProxy,
    pki_dir: Path,
    tmp_path: Path,
    django_db_blocker,
    issued_card: IssuedCard,
    eager_tasks: None,
) -> None:
    from django.contrib.auth import get_user_model

    from certificates.models import Certificate
    from certificates.revocation import revocation_execute
    from certificates.services import revocation_request_create
    from organisations.models import Person

    clients = tmp_path / "clients"

    page = via_nginx_with(nginx_proxy, pki_dir, clients, issued_card.slugs["authentication"])
    assert page.status == 200, page.body[:2000]
    assert page.person == HOLDER
    assert page.text("organisation-name") == "Voorbeeld B.V."
    # nginx: nonRepudiation only is no TLS client certificate ("unsuitable purpose").
    assert_not_logged_in(
        via_nginx_with(nginx_proxy, pki_dir, clients, issued_card.slugs["signature"]),
        "wrong_type",
    )

    # The card is lost: revoking its authenticity certificate revokes the card.
    with django_db_blocker.unblock():
        request = revocation_request_create(
            certificate=Certificate.objects.get(pk=issued_card.certificate_ids["authentication"]),
            reason="keyCompromise",
            requested_by=Person.objects.get(email="maximo@voorbeeld.nl"),
            explanation="Pas verloren",
        )
        officer = get_user_model().objects.get(username="validatie")
        revocation_execute(request_id=request.pk, officer=officer, address="192.0.2.10")
        serials = {
            usage: int(Certificate.objects.get(pk=pk).serial, 16)
            for usage, pk in issued_card.certificate_ids.items()
        }

    crl = x509.load_pem_x509_crl((pki_dir / "crl" / "g3-persons.crl").read_bytes())
    for usage, serial in serials.items():
        assert crl.get_revoked_certificate_by_serial_number(serial) is not None, usage
    assert_not_logged_in(
        via_nginx_with(nginx_proxy, pki_dir, clients, issued_card.slugs["authentication"]),
        "revoked",
    )
    assert_not_logged_in(
        via_nginx_with(nginx_proxy, pki_dir, clients, issued_card.slugs["signature"]),
        "wrong_type",
    )
