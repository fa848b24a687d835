"""Issuing the certificates of a card order (issue 13 §5): the demo card bureau makes the
keys, the built-in CA certifies them from the card profiles, and the key files are
written once. Revoking one certificate of a card revokes the card (issue 13 §4)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.contrib.auth import get_user_model
from pkilint import etsi, finding_filter, loader
from pkilint.etsi import etsi_constants
from pkilint.pkix import certificate as pkix_certificate
from pkilint.validation import ValidationFindingSeverity

from certificates import card_bureau, demo_pki
from certificates.ca import ca_backend
from certificates.models import Card, Certificate, IssuanceProfile, Kind
from certificates.revocation import revocation_execute
from certificates.services import revocation_request_create
from certificates.topics import CA_REVOKE
from core.models import OutboxMessage
from orders.issuance import order_issue, split_name
from orders.models import Order
from organisations.models import LoginCertificate, Person
from portal.backends import ClientCertificateBackend
from portal.client_certificate import CertificateRejected, Failure, check
from tests.factories import CardOrderDetailFactory, ProductFactory

pytestmark = pytest.mark.django_db

PUBLIC_CRL_BASE_URL = "http://crl.certificaatportaal.nl"


@pytest.fixture(autouse=True)
def card_dirs(settings, pki_dir: Path, tmp_path: Path) -> Path:
    """The demo CAs of the session; the card files of this test in its own directory."""
    settings.PORTAL_CA_DIR = pki_dir / "ca"
    settings.PORTAL_PKI_DIR = tmp_path
    return tmp_path / "cards"


def approved_card_order(kind: str, profile: str, **detail: object) -> Order:
    voorbeeld = Person.objects.get(email="maximo@voorbeeld.nl").subscriber
    product = ProductFactory(
        kind=kind, family="", profile=IssuanceProfile.objects.get(code=profile)
    )
    card_detail = CardOrderDetailFactory(
        order__product=product,
        order__subscriber=voorbeeld,
        order__state=Order.State.APPROVED,
        **detail,
    )
    return card_detail.order


def personal_order() -> Order:
    return approved_card_order(
        Kind.PERSONAL,
        "pkio-personal-card",
        holder_name="Jan Kees van der Test",
        email="jankees@voorbeeld.nl",
    )


def key_usage(certificate: x509.Certificate) -> x509.KeyUsage:
    return certificate.extensions.get_extension_for_class(x509.KeyUsage).value


def by_usage(order: Order) -> dict[str, Certificate]:
    return {c.card_usage: c for c in order.certificates.all()}


def leaf(certificate: Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(certificate.der.der))


def test_the_card_profiles_are_valid_data():
    for code in ("pkio-personal-card", "pkio-group", "pkio-eseal"):
        profile = IssuanceProfile.objects.get(code=code)
        profile.full_clean()
        assert profile.requires_csr is False
        data = profile.data()
        assert len(data.policy_oids) == len(data.extended_key_usages) == len(data.key_usages)


def test_a_personal_card_gets_an_authenticity_and_a_signature_certificate():
    order = personal_order()

    first = order_issue(order.pk)

    order.refresh_from_db()
    assert order.state == Order.State.ISSUED
    certificates = by_usage(order)
    assert set(certificates) == {"authentication", "signature"}
    assert first == certificates["authentication"]
    authentication = leaf(certificates["authentication"])
    signature = leaf(certificates["signature"])
    # AORTA.STK.t3130: never both bits on one certificate.
    assert key_usage(authentication).digital_signature
    assert not key_usage(authentication).content_commitment
    assert key_usage(signature).content_commitment
    assert not key_usage(signature).digital_signature
    eku = authentication.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    sign_eku = signature.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH not in sign_eku
    policies = {
        c: [
            p.policy_identifier.dotted_string
            for p in leaf(cert).extensions.get_extension_for_class(x509.CertificatePolicies).value
        ]
        for c, cert in certificates.items()
    }
    assert policies == {
        "authentication": [demo_pki.POLICY_PERSON_AUTH],
        "signature": [demo_pki.POLICY_PERSON_SIGN],
    }
    # One card, both certificates on it, the holder as subject.
    card = certificates["authentication"].card
    assert card is not None and card.kind == Kind.PERSONAL
    assert card.certificates.count() == 2
    assert card.holder_name == "Jan Kees van der Test"
    assert card.email == "jankees@voorbeeld.nl"
    assert card.number.isdigit() and len(card.number) == 8
    subject = {a.oid: a.value for a in authentication.subject}
    assert subject[NameOID.COMMON_NAME] == "Jan Kees van der Test"
    assert subject[NameOID.GIVEN_NAME] == "Jan"
    assert subject[NameOID.SURNAME] == "Kees van der Test"
    assert subject[NameOID.ORGANIZATION_NAME] == "Voorbeeld B.V."
    assert subject[NameOID.ORGANIZATION_IDENTIFIER] == "NTRNL-12345678"
    assert subject[NameOID.SERIAL_NUMBER].startswith("CB")
    assert signature.subject == authentication.subject
    san = authentication.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["jankees@voorbeeld.nl"]
    assert certificates["authentication"].issuing_ca.name == "Demo Organisatie Persoon CA - G3"
    assert {link.usage for link in order.issued.all()} == {"authentication", "signature"}


def test_both_certificates_of_a_card_pass_openssl_verify(pki_dir: Path, tmp_path: Path):
    order = personal_order()
    order_issue(order.pk)

    for usage, certificate in by_usage(order).items():
        path = tmp_path / f"{usage}.pem"
        path.write_bytes(leaf(certificate).public_bytes(Encoding.PEM))
        result = subprocess.run(
            [
                shutil.which("openssl") or "openssl",
                "verify",
                "-CAfile",
                str(pki_dir / "roots.pem"),
                "-untrusted",
                str(pki_dir / "ca" / "g3-persons.crt"),
                str(path),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"{path}: OK" in result.stdout


def test_the_login_check_takes_the_authenticity_certificate_and_refuses_the_signature_one():
    order = personal_order()
    order_issue(order.pk)
    certificates = by_usage(order)

    check(leaf(certificates["authentication"]))
    with pytest.raises(CertificateRejected) as refused:
        check(leaf(certificates["signature"]))
    assert refused.value.failure == Failure.WRONG_TYPE


def _pkilint_errors(certificate: x509.Certificate, certificate_type: object) -> list[str]:
    document = loader.RFC5280CertificateDocumentLoader().load_der_document(
        certificate.public_bytes(Encoding.DER), "issued"
    )
    validator = pkix_certificate.create_pkix_certificate_validator_container(
        etsi.create_decoding_validators(certificate_type),
        etsi.create_validators(certificate_type),
    )
    results, _ = finding_filter.filter_results(
        etsi.create_etsi_finding_filters(certificate_type), validator.validate(document.root)
    )
    serious = {ValidationFindingSeverity.FATAL, ValidationFindingSeverity.ERROR}
    found = []
    for result in results:
        for description in result.finding_descriptions:
            print(f"{result.validator} @ {result.node.path}: {description!r}")
            if description.finding.severity in serious:
                found.append(description.finding.code)
    return sorted(found)


def test_pkilint_etsi_natural_person_finds_no_errors_in_a_personal_card(settings):
    """pkilint has no PKIoverheid validator; ETSI EN 319 412-2 (natural person) is the
    nearest and the PKIoverheid personal profile builds on it."""
    settings.PORTAL_CRL_BASE_URL = PUBLIC_CRL_BASE_URL
    order = personal_order()
    order_issue(order.pk)

    for certificate in by_usage(order).values():
        assert (
            _pkilint_errors(
                leaf(certificate), etsi_constants.CertificateType.NCP_NATURAL_PERSON_CERTIFICATE
            )
            == []
        )


def test_the_card_files_are_written_once_with_password_demo(card_dirs: Path):
    order = personal_order()
    order_issue(order.pk)
    certificates = by_usage(order)
    card = certificates["authentication"].card
    assert card is not None

    files = sorted(p.name for p in card_dirs.glob("*.p12"))
    assert files == [f"{card.number}-signature.p12", f"{card.number}.p12"]
    for path, usage in [
        (card_dirs / f"{card.number}.p12", "authentication"),
        (card_dirs / f"{card.number}-signature.p12", "signature"),
    ]:
        assert path.stat().st_mode & 0o777 == 0o600
        key, certificate, chain = pkcs12.load_key_and_certificates(path.read_bytes(), b"demo")
        assert certificate == leaf(certificates[usage])
        assert key is not None and key.public_key() == certificate.public_key()
        assert certificate.issuer == chain[0].subject
    assert "DEMO MATERIAL" in (card_dirs / "README.txt").read_text()

    with pytest.raises(FileExistsError):
        card_bureau.card_keys_write(
            number=card.number,
            keys=card_bureau.card_keys_make(order.product.profile.data()),
            certificates=[leaf(certificates["authentication"]), leaf(certificates["signature"])],
            usages=["authentication", "signature"],
            chain=[],
        )


def test_a_retried_issuance_makes_no_second_card_and_no_second_key_file(card_dirs: Path):
    order = personal_order()
    first = order_issue(order.pk)
    files = {p: p.read_bytes() for p in card_dirs.glob("*.p12")}
    cards = Card.objects.count()

    again = order_issue(order.pk)

    assert again == first
    assert Card.objects.count() == cards
    assert order.certificates.count() == 2
    assert {p: p.read_bytes() for p in card_dirs.glob("*.p12")} == files


def test_a_failed_issuance_leaves_no_key_files(card_dirs: Path, settings):
    order = personal_order()
    settings.PORTAL_CA_DIR = card_dirs.parent / "no-such-ca"

    with pytest.raises(Exception, match="does not exist"):
        order_issue(order.pk)

    assert not list(card_dirs.glob("*.p12"))
    order.refresh_from_db()
    assert order.state == Order.State.APPROVED


def test_a_group_card_carries_the_group_name():
    order = approved_card_order(
        Kind.GROUP, "pkio-group", holder_name="Servicedesk Voorbeeld", email="sd@voorbeeld.nl"
    )

    order_issue(order.pk)

    certificates = by_usage(order)
    assert set(certificates) == {"authentication", "encryption"}
    subject = {a.oid: a.value for a in leaf(certificates["authentication"]).subject}
    assert subject == {
        NameOID.COUNTRY_NAME: "NL",
        NameOID.ORGANIZATION_NAME: "Voorbeeld B.V.",
        NameOID.ORGANIZATION_IDENTIFIER: "NTRNL-12345678",
        NameOID.COMMON_NAME: "Servicedesk Voorbeeld",
    }
    assert certificates["authentication"].card.kind == Kind.GROUP
    assert certificates["authentication"].issuing_ca.name == "Demo Organisatie Services CA - G3"


def test_an_eseal_carries_the_organisation_as_subject():
    order = approved_card_order(
        Kind.ESEAL, "pkio-eseal", holder_name="Voorbeeld B.V.", email="pki@voorbeeld.nl"
    )

    order_issue(order.pk)

    (certificate,) = order.certificates.all()
    issued = leaf(certificate)
    subject = {a.oid: a.value for a in issued.subject}
    assert subject[NameOID.COMMON_NAME] == "Voorbeeld B.V."
    assert subject[NameOID.ORGANIZATION_NAME] == "Voorbeeld B.V."
    assert subject[NameOID.ORGANIZATION_IDENTIFIER] == "NTRNL-12345678"
    assert key_usage(issued).content_commitment
    assert not key_usage(issued).digital_signature
    assert certificate.card_usage == "signature"
    assert certificate.card.kind == Kind.ESEAL
    assert certificate.card.activation == ""


def test_an_eseal_in_the_cloud_waits_for_its_activation():
    order = approved_card_order(
        Kind.ESEAL,
        "pkio-eseal",
        holder_name="Voorbeeld B.V.",
        email="pki@voorbeeld.nl",
        carrier="cloud",
    )

    order_issue(order.pk)

    card = order.certificates.get().card
    assert (card.carrier, card.activation) == ("cloud", "REQUESTED")


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("Maximo de Tester", ("Maximo", "de Tester")),
        (" Herman  Testing ", ("Herman", "Testing")),
        ("Cher", ("", "")),
    ],
)
def test_the_holders_name_splits_into_given_name_and_surname(name, split):
    assert split_name(name) == split


def test_revoking_one_certificate_of_a_card_revokes_the_card(pki_dir: Path):
    order = personal_order()
    order_issue(order.pk)
    certificates = by_usage(order)
    maximo = Person.objects.get(email="maximo@voorbeeld.nl")
    officer = get_user_model().objects.get(username="validatie")

    request = revocation_request_create(
        certificate=certificates["signature"],
        reason="keyCompromise",
        requested_by=maximo,
        explanation="Pas verloren",
    )
    revocation_execute(request_id=request.pk, officer=officer, address="192.0.2.10")

    for certificate in certificates.values():
        certificate.refresh_from_db()
        assert certificate.revoked_at is not None
        assert certificate.revocation_reason == "keyCompromise"
        assert OutboxMessage.objects.filter(topic=CA_REVOKE, object_id=certificate.pk).exists()
    issuing_ca = x509.load_pem_x509_certificate((pki_dir / "ca" / "g3-persons.crt").read_bytes())
    crl = x509.load_der_x509_crl(ca_backend().crl(issuing_ca))
    for certificate in certificates.values():
        assert crl.get_revoked_certificate_by_serial_number(int(certificate.serial, 16))
    with pytest.raises(CertificateRejected) as refused:
        check(leaf(certificates["authentication"]))
    assert refused.value.failure == Failure.REVOKED


def test_a_new_card_of_a_registered_person_logs_in_as_that_person():
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    order = approved_card_order(
        Kind.PERSONAL,
        "pkio-personal-card",
        holder_name="Joost Test",
        email="JOOST@voorbeeld.nl",
    )

    order_issue(order.pk)

    certificates = by_usage(order)
    assert ClientCertificateBackend().person_for(leaf(certificates["authentication"])) == joost
    # The signature certificate is never a login, whatever the mapping.
    assert not LoginCertificate.objects.filter(
        fingerprint=certificates["signature"].fingerprint
    ).exists()


def test_a_card_of_a_holder_who_is_not_registered_maps_to_nobody():
    order = personal_order()  # Jan Kees is not a person of Voorbeeld B.V.

    order_issue(order.pk)

    authentication = by_usage(order)["authentication"]
    assert ClientCertificateBackend().person_for(leaf(authentication)) is None
    assert not LoginCertificate.objects.filter(fingerprint=authentication.fingerprint).exists()
