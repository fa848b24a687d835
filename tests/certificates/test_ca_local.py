"""The built-in CA (certificates/ca/local.py): the server profile of SPEC.md §9 and its CRLs.

Checked with the real openssl and with pkilint: ETSI EN 319 412 (NCP-w, legal
person) for the PKIoverheid products, CA/B Forum OV for certSIGN OV.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    ExtensionOID,
    NameOID,
)
from django.conf import settings as django_settings
from django.utils import timezone
from pkilint import etsi, finding_filter, loader
from pkilint.cabf import cabf_crl, serverauth
from pkilint.cabf.serverauth import serverauth_constants
from pkilint.etsi import etsi_constants
from pkilint.pkix import certificate as pkix_certificate
from pkilint.pkix import create_attribute_decoder, create_extension_decoder, extension, name
from pkilint.pkix import crl as pkix_crl
from pkilint.validation import ValidationFindingSeverity

from certificates import demo_pki
from certificates.ca import CAUnavailable, IssuedCertificate, IssueRequest, ca_backend
from certificates.ca.base import ProfileData, SubjectData, SubjectLayout, ValidityRule
from certificates.ca.local import BACKDATE, CRL_VALIDITY, LocalCA
from certificates.models import IssuingCA, Kind, Product, RevocationReason
from certificates.services import certificate_mark_revoked, certificate_record
from certificates.tasks import crl_files_refresh
from certificates.x509_fields import fingerprint
from organisations.models import Subscriber
from portal.celery import app as celery_app
from portal.client_certificate import crl_check, local_crls
from tests.certificates.csr_factory import fresh_ec_key, make_csr, rsa_key
from tests.crl_files import write_crl

OIN = "00000003123456780000"
# PKIoverheid's TRIAL arc (Programma van Eisen TRIAL §1.2, 2.16.528.1.1003.1.2.9).
POLICY_TRIAL_SERVER = "2.16.528.1.1003.1.2.9.4"
# A publication point as a deployment has it: pkilint rightly refuses the demo
# default http://localhost/crl (see test_pkilint_flags_only_the_demo_urls_...).
PUBLIC_CRL_BASE_URL = "http://crl.certificaatportaal.nl"


@pytest.fixture(autouse=True)
def ca_dirs(settings, pki_dir: Path, tmp_path: Path) -> Path:
    settings.PORTAL_CA_DIR = pki_dir / "ca"
    settings.PORTAL_CRL_DIR = tmp_path / "crl"
    return pki_dir


def spki(key: object) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined]


SERVER: dict[str, Any] = {
    "key_usages": (("digitalSignature", "keyEncipherment"),),
    "subject_template": SubjectLayout.PKIO_SERVICE,
    "subject_key_identifier": True,
    "validity_rule": ValidityRule.PRODUCT,
    "requires_csr": True,
}
PKIO_SERVICES = ProfileData(
    code="pkio-services-server",
    ca_slug="g1-services",
    policy_oids=((demo_pki.POLICY_PRIVATE_SERVER,),),
    extended_key_usages=(("serverAuth", "clientAuth"),),
    key_types=("rsa",),
    **SERVER,
)
# The profiles migration 0008 creates, by the product that uses them.
PROFILES = {
    "pkio-private": PKIO_SERVICES,
    "pkio-digipoort": PKIO_SERVICES,
    "pkio-trial": ProfileData(
        code="pkio-trial-server",
        ca_slug="trial-services",
        policy_oids=((POLICY_TRIAL_SERVER,),),
        extended_key_usages=(("serverAuth", "clientAuth"),),
        key_types=("rsa", "ec"),
        **SERVER,
    ),
    "certsign-ov": ProfileData(
        code="certsign-ov-tls",
        ca_slug="certsign-ov-tls",
        policy_oids=(("2.23.140.1.2.2",),),
        key_usages=(("digitalSignature",),),
        extended_key_usages=(("serverAuth",),),
        subject_template=SubjectLayout.CABF_OV,
        subject_key_identifier=False,
        validity_rule=ValidityRule.CABF_TLS,
        requires_csr=True,
        key_types=("rsa", "ec"),
    ),
}
SUBJECT_FIELDS = {
    "country",
    "organization",
    "organization_identifier",
    "serial_number",
    "common_name",
    "locality",
    "state",
}


def issue_request(
    key: object = None, *, product_code: str = "pkio-private", **overrides: Any
) -> IssueRequest:
    """A request of the product's profile for Voorbeeld B.V., from its registration data."""
    subject: dict[str, Any] = {
        "country": "NL",
        "organization": "Voorbeeld B.V.",
        "organization_identifier": "NTRNL-12345678",
        "serial_number": OIN,
        "common_name": "www.voorbeeld.nl",
    }
    subject.update({k: overrides.pop(k) for k in SUBJECT_FIELDS & set(overrides)})
    fields: dict[str, Any] = {
        "profile": PROFILES[product_code],
        "subject": SubjectData(**subject),
        "dns_names": ("www.voorbeeld.nl", "voorbeeld.nl"),
        "public_keys": (spki(key or rsa_key()),),
        "validity_days": 1095,
    }
    return IssueRequest(**{**fields, **overrides})


def issue(key: object = None, **overrides: Any) -> IssuedCertificate:
    (issued,) = LocalCA().issue(issue_request(key, **overrides))
    return issued


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    # Debian's openssl is part of the toolchain: missing, the test fails.
    binary = shutil.which("openssl")
    assert binary is not None, "openssl not found"
    return subprocess.run([binary, *args], capture_output=True, text=True)


def write_pem(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(Encoding.PEM))
    return path


def ca_certificate(slug: str) -> x509.Certificate:
    path = django_settings.PORTAL_PKI_DIR / "ca" / f"{slug}.crt"
    return x509.load_pem_x509_certificate(path.read_bytes())


def ext(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.Extension:
    return certificate.extensions.get_extension_for_oid(oid)


# --- Issuing ---------------------------------------------------------------


def test_issued_certificate_verifies_up_to_the_g1_root(pki_dir, tmp_path):
    issued = issue()

    result = openssl(
        "verify",
        "-CAfile",
        str(pki_dir / "ca" / "g1-root.crt"),
        "-untrusted",
        str(pki_dir / "ca" / "g1-services.crt"),
        str(write_pem(tmp_path / "cert.pem", issued.certificate)),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_it_reports_the_issuing_ca_and_the_chain_up_to_the_root():
    issued = issue()

    services, root = ca_certificate("g1-services"), ca_certificate("g1-root")
    assert issued.issuing_ca == services
    assert issued.chain == (services, root)
    issued.certificate.verify_directly_issued_by(services)


def test_subject_is_built_from_the_request_never_from_the_csr():
    # The CSR names another organisation and adds fields of its own; only
    # its public key is used.
    key = rsa_key()
    csr = x509.load_pem_x509_csr(
        make_csr(
            key,
            cn="evil.example",
            o="Evil Corp",
            oin="99999999999999999999",
            extra_attrs=[x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Attacker")],
        )
    )
    request = issue_request(
        public_keys=(
            csr.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
        )
    )

    (issued,) = LocalCA().issue(request)
    certificate = issued.certificate

    assert certificate.subject == x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Voorbeeld B.V."),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "NTRNL-12345678"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, OIN),
            x509.NameAttribute(NameOID.COMMON_NAME, "www.voorbeeld.nl"),
        ]
    )
    for planted in ("Evil", "evil.example", "Attacker", "9999"):
        assert planted not in certificate.subject.rfc4514_string()
    assert certificate.public_key() == csr.public_key() == key.public_key()


def test_the_ov_subject_is_c_l_o_cn_from_the_request():
    # CA/B Forum OV (BR §7.1.2.7.4): no organizationIdentifier, no serialNumber.
    certificate = issue(product_code="certsign-ov", validity_days=199, locality="Rotterdam")

    assert [(a.oid, a.value) for a in certificate.certificate.subject] == [
        (NameOID.COUNTRY_NAME, "NL"),
        (NameOID.LOCALITY_NAME, "Rotterdam"),
        (NameOID.ORGANIZATION_NAME, "Voorbeeld B.V."),
        (NameOID.COMMON_NAME, "www.voorbeeld.nl"),
    ]
    assert not issue().certificate.subject.get_attributes_for_oid(NameOID.LOCALITY_NAME)


def test_a_given_state_comes_before_the_locality():
    certificate = issue(
        product_code="certsign-ov", validity_days=199, locality="Rotterdam", state="Zuid-Holland"
    ).certificate

    assert [a.oid for a in certificate.subject][:3] == [
        NameOID.COUNTRY_NAME,
        NameOID.STATE_OR_PROVINCE_NAME,
        NameOID.LOCALITY_NAME,
    ]


def test_the_ov_profile_needs_a_place():
    # BR §7.1.4.2: with O present, L or ST must be.
    with pytest.raises(ValueError, match="locality"):
        issue(product_code="certsign-ov", validity_days=199)


@pytest.mark.parametrize("placeholder", [".", "-", "N/A", "na", "NONE", "  ", "n.v.t."])
@pytest.mark.parametrize("field", ["locality", "state"])
def test_a_placeholder_place_is_never_issued(placeholder, field):
    place = {"locality": "Rotterdam", field: placeholder}

    with pytest.raises(ValueError, match="placeholder"):
        issue(product_code="certsign-ov", validity_days=199, **place)


def test_the_ov_profile_is_server_auth_only_without_key_encipherment_or_ski():
    certificate = issue(product_code="certsign-ov", validity_days=199, locality="Rotterdam")

    leaf = certificate.certificate
    assert list(ext(leaf, ExtensionOID.EXTENDED_KEY_USAGE).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH
    ]
    usage = ext(leaf, ExtensionOID.KEY_USAGE).value
    assert usage.digital_signature and not usage.key_encipherment
    with pytest.raises(x509.ExtensionNotFound):
        leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    policies = ext(leaf, ExtensionOID.CERTIFICATE_POLICIES).value
    assert [p.policy_identifier.dotted_string for p in policies] == ["2.23.140.1.2.2"]
    (aia,) = ext(leaf, ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    assert aia.access_location.value == "http://localhost/crl/certsign-ov-tls.crt"


def test_it_has_the_server_profile_extensions():
    certificate = issue().certificate
    services = ca_certificate("g1-services")

    assert {e.oid for e in certificate.extensions} == {
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
        ExtensionOID.EXTENDED_KEY_USAGE,
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        ExtensionOID.CERTIFICATE_POLICIES,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
        ExtensionOID.CRL_DISTRIBUTION_POINTS,
    }
    basic = ext(certificate, ExtensionOID.BASIC_CONSTRAINTS)
    assert basic.critical and basic.value == x509.BasicConstraints(ca=False, path_length=None)
    usage = ext(certificate, ExtensionOID.KEY_USAGE)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.key_encipherment
    assert not any(
        getattr(usage.value, bit)
        for bit in [
            "content_commitment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
        ]
    )
    assert list(ext(certificate, ExtensionOID.EXTENDED_KEY_USAGE).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    assert ext(certificate, ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value.get_values_for_type(
        x509.DNSName
    ) == ["www.voorbeeld.nl", "voorbeeld.nl"]
    policies = ext(certificate, ExtensionOID.CERTIFICATE_POLICIES).value
    assert [p.policy_identifier.dotted_string for p in policies] == [demo_pki.POLICY_PRIVATE_SERVER]
    assert ext(certificate, ExtensionOID.SUBJECT_KEY_IDENTIFIER).value == (
        x509.SubjectKeyIdentifier.from_public_key(rsa_key().public_key())
    )
    assert ext(certificate, ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value.key_identifier == (
        services.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )
    (aia,) = ext(certificate, ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    assert aia.access_method == AuthorityInformationAccessOID.CA_ISSUERS
    assert aia.access_location.value == "http://localhost/crl/g1-services.crt"
    (point,) = ext(certificate, ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    assert [n.value for n in point.full_name] == [demo_pki.crl_url("g1-services")]
    assert {e.oid for e in certificate.extensions if e.critical} == {
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
    }
    assert certificate.signature_hash_algorithm.name == "sha256"


def test_an_ec_key_gets_digital_signature_only():
    certificate = issue(fresh_ec_key(), product_code="pkio-trial", validity_days=90).certificate

    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value

    assert usage.digital_signature
    assert not usage.key_encipherment


def test_the_crl_url_follows_the_setting(settings):
    settings.PORTAL_CRL_BASE_URL = PUBLIC_CRL_BASE_URL
    certificate = issue().certificate

    (point,) = ext(certificate, ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    assert point.full_name[0].value == f"{PUBLIC_CRL_BASE_URL}/g1-services.crl"


def test_the_default_crl_base_url_is_the_demo_pkis(settings):
    assert settings.PORTAL_CRL_BASE_URL == demo_pki.CRL_BASE_URL


def test_serial_numbers_are_random_positive_and_16_bytes():
    serials = {issue().certificate.serial_number for _ in range(8)}

    assert len(serials) == 8
    for serial in serials:
        assert 2**120 <= serial < 2**127  # DER: 16 bytes, the sign bit clear
        assert len(serial.to_bytes(16, "big", signed=True)) == 16


def test_validity_is_the_products_days_backdated_one_minute():
    before = dt.datetime.now(dt.UTC)
    certificate = issue(validity_days=90).certificate

    not_before = certificate.not_valid_before_utc
    assert before - dt.timedelta(minutes=1, seconds=2) <= not_before <= before
    # Counted as RFC 5280 does, both ends included: exactly 90 days.
    assert certificate.not_valid_after_utc - not_before + dt.timedelta(seconds=1) == (
        dt.timedelta(days=90)
    )


def issue_certsign_at(monkeypatch: pytest.MonkeyPatch, at: dt.datetime, **overrides: object):  # noqa: ANN201
    # The CA's clock is the one edge patched: the schedule is read at signing time.
    monkeypatch.setattr("certificates.ca.local._now", lambda: at)
    fields: dict[str, object] = {
        "product_code": "certsign-ov",
        "validity_days": 398,
        "locality": "Rotterdam",
    }
    return issue(**{**fields, **overrides}).certificate


def br_days(certificate: x509.Certificate) -> dt.timedelta:
    """The validity period as BR §1.6.1 counts it: both ends included, to the second."""
    return (
        certificate.not_valid_after_utc - certificate.not_valid_before_utc + dt.timedelta(seconds=1)
    )


@pytest.mark.parametrize(
    ("at", "days"),
    [
        (dt.datetime(2026, 3, 14, 23, 59, 59, tzinfo=dt.UTC), 398),
        (dt.datetime(2026, 3, 15, 0, 0, 30, tzinfo=dt.UTC), 200),
        (dt.datetime(2027, 3, 14, 12, 0, tzinfo=dt.UTC), 200),
        (dt.datetime(2027, 3, 15, 12, 0, tzinfo=dt.UTC), 100),
        (dt.datetime(2029, 3, 14, 12, 0, tzinfo=dt.UTC), 100),
        (dt.datetime(2029, 3, 15, 12, 0, tzinfo=dt.UTC), 47),
    ],
)
def test_a_public_certificate_follows_the_schedule_on_the_day_it_is_signed(monkeypatch, at, days):
    certificate = issue_certsign_at(monkeypatch, at)

    assert br_days(certificate) == dt.timedelta(days=days)
    # The backdated start never makes the period longer than the rule.
    assert certificate.not_valid_before_utc == at - BACKDATE


def test_a_public_product_shorter_than_the_schedule_keeps_its_own_validity(monkeypatch):
    at = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)

    assert br_days(issue_certsign_at(monkeypatch, at, validity_days=199)) == dt.timedelta(days=199)


def test_a_public_replacement_cannot_keep_an_expiry_past_the_schedule(monkeypatch):
    at = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)

    certificate = issue_certsign_at(monkeypatch, at, not_after=at + dt.timedelta(days=300))

    assert br_days(certificate) == dt.timedelta(days=100)


def test_a_private_product_ignores_the_public_schedule(monkeypatch):
    monkeypatch.setattr(
        "certificates.ca.local._now", lambda: dt.datetime(2029, 6, 1, tzinfo=dt.UTC)
    )

    assert br_days(issue(validity_days=400).certificate) == dt.timedelta(days=400)


def test_not_after_never_passes_the_issuing_cas_end():
    services = ca_certificate("g1-services")

    certificate = issue(validity_days=100_000).certificate

    assert certificate.not_valid_after_utc == services.not_valid_after_utc


def test_a_replacement_keeps_the_replaced_certificates_expiry():
    expiry = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=400)

    certificate = issue(not_after=expiry).certificate

    assert certificate.not_valid_after_utc == expiry


HIERARCHIES = {
    "pkio-private": ("g1-services", "g1-root", demo_pki.POLICY_PRIVATE_SERVER),
    "pkio-digipoort": ("g1-services", "g1-root", demo_pki.POLICY_PRIVATE_SERVER),
    "pkio-trial": ("trial-services", "trial-root", POLICY_TRIAL_SERVER),
    "certsign-ov": ("certsign-ov-tls", "certsign-root", "2.23.140.1.2.2"),
}


@pytest.mark.django_db
def test_every_product_is_issued_from_its_own_hierarchy_under_its_own_policy():
    # Server products here; the card products' profiles have their own tests (issue 13).
    products = Product.objects.filter(kind=Kind.SERVER).select_related("profile").order_by("code")

    assert [p.code for p in products] == sorted(PROFILES) == sorted(HIERARCHIES)
    for product in products:
        issuing, root, policy = HIERARCHIES[product.code]
        place = {"locality": "Rotterdam"} if product.code == "certsign-ov" else {}
        issued = issue(profile=product.profile.data(), validity_days=90, **place)
        assert issued.chain == (ca_certificate(issuing), ca_certificate(root))
        policies = ext(issued.certificate, ExtensionOID.CERTIFICATE_POLICIES).value
        assert [p.policy_identifier.dotted_string for p in policies] == [policy]


@pytest.mark.django_db
def test_the_products_profiles_are_the_ones_these_tests_issue_from():
    products = Product.objects.filter(kind=Kind.SERVER).select_related("profile")

    assert {p.code: p.profile.data() for p in products} == PROFILES
    # The card products of the Persoons, Groeps and eSeal wizards issue without a CSR.
    cards = Product.objects.exclude(kind=Kind.SERVER).select_related("profile")
    assert {p.kind: p.profile.code for p in cards} == {
        Kind.PERSONAL: "pkio-personal-card",
        Kind.GROUP: "pkio-group",
        Kind.ESEAL: "pkio-eseal",
    }
    assert not any(p.profile.requires_csr for p in cards)


# The authentication and signature certificates of a PKIoverheid card: one key each,
# digitalSignature and nonRepudiation never together (AORTA.STK.t3130).
CARD = replace(
    PKIO_SERVICES,
    code="card",
    key_usages=(("digitalSignature",), ("nonRepudiation",)),
    policy_oids=((demo_pki.POLICY_PERSON_AUTH,), (demo_pki.POLICY_PERSON_SIGN,)),
    extended_key_usages=((), ()),
    key_types=("rsa", "ec"),
)


def test_a_profile_with_two_key_usages_issues_one_certificate_per_key():
    authentication, signature = rsa_key(), fresh_ec_key()

    issued = LocalCA().issue(
        issue_request(
            profile=CARD, public_keys=(spki(authentication), spki(signature)), dns_names=()
        )
    )

    assert [i.certificate.public_key() for i in issued] == [
        authentication.public_key(),
        signature.public_key(),
    ]
    first, second = (ext(i.certificate, ExtensionOID.KEY_USAGE).value for i in issued)
    assert first.digital_signature and not first.content_commitment
    assert second.content_commitment and not second.digital_signature
    assert not first.key_encipherment and not second.key_encipherment
    for certificate in (i.certificate for i in issued):
        assert certificate.subject == issued[0].certificate.subject
        assert ExtensionOID.EXTENDED_KEY_USAGE not in {e.oid for e in certificate.extensions}
        assert ExtensionOID.SUBJECT_ALTERNATIVE_NAME not in {e.oid for e in certificate.extensions}
    assert issued[0].certificate.serial_number != issued[1].certificate.serial_number


def test_the_number_of_keys_must_match_the_profile():
    with pytest.raises(ValueError, match="2 certificate"):
        issue(profile=CARD, dns_names=())


def test_a_key_type_the_profile_does_not_allow_is_refused():
    with pytest.raises(ValueError, match="ec keys"):
        issue(fresh_ec_key())


def test_a_server_profile_needs_the_common_name_first_in_the_names():
    with pytest.raises(ValueError, match="common name"):
        issue(dns_names=())


def test_trial_certificates_do_not_chain_to_the_production_root(pki_dir, tmp_path):
    trial = issue(product_code="pkio-trial", validity_days=90).certificate
    assert ext(trial, ExtensionOID.CERTIFICATE_POLICIES).value[0].policy_identifier == (
        x509.ObjectIdentifier("2.16.528.1.1003.1.2.9.4")  # PKIoverheid's TRIAL arc
    )

    def verify(root: str, issuing: str) -> subprocess.CompletedProcess[str]:
        return openssl(
            "verify",
            "-CAfile",
            str(pki_dir / "ca" / f"{root}.crt"),
            "-untrusted",
            str(pki_dir / "ca" / f"{issuing}.crt"),
            str(write_pem(tmp_path / "trial.pem", trial)),
        )

    assert verify("trial-root", "trial-services").returncode == 0
    assert verify("g1-root", "g1-services").returncode != 0


def test_a_profile_naming_an_unknown_ca_is_refused():
    with pytest.raises(CAUnavailable, match="nope"):
        issue(profile=replace(PKIO_SERVICES, ca_slug="nope"))


def test_a_missing_ca_key_makes_the_ca_unavailable(settings, pki_dir, tmp_path):
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    shutil.copy(pki_dir / "ca" / "g1-services.crt", ca_dir)
    settings.PORTAL_CA_DIR = ca_dir

    with pytest.raises(CAUnavailable, match=r"no g1-services\.key"):
        issue()


def test_without_any_ca_directory_the_ca_is_unavailable(settings):
    settings.PORTAL_CA_DIR = None
    settings.PORTAL_PKI_DIR = None

    with pytest.raises(CAUnavailable, match="PORTAL_CA_DIR"):
        issue()


def test_the_ca_dir_follows_the_pki_dir_when_not_set(settings, pki_dir):
    settings.PORTAL_CA_DIR = None

    assert issue().issuing_ca == ca_certificate("g1-services")


def test_ca_backend_is_the_configured_class(settings):
    assert isinstance(ca_backend(), LocalCA)
    assert ca_backend() is ca_backend()


# --- pkilint ---------------------------------------------------------------

ETSI_NCP_W_LEGAL = etsi_constants.CertificateType.NCP_W_LEGAL_PERSON_FINAL_CERTIFICATE
CABF_OV = serverauth_constants.CertificateType.OV_FINAL_CERTIFICATE


def lint(certificate: x509.Certificate, certificate_type: object) -> list[tuple[str, str]]:
    """pkilint's findings as (severity, code), printed in full for the test log."""
    document = loader.RFC5280CertificateDocumentLoader().load_der_document(
        certificate.public_bytes(Encoding.DER), "issued"
    )
    if isinstance(certificate_type, etsi_constants.CertificateType):
        validator = pkix_certificate.create_pkix_certificate_validator_container(
            etsi.create_decoding_validators(certificate_type),
            etsi.create_validators(certificate_type),
        )
        filters = etsi.create_etsi_finding_filters(certificate_type)
    else:
        validator = pkix_certificate.create_pkix_certificate_validator_container(
            serverauth.create_decoding_validators(),
            serverauth.create_validators(certificate_type),
        )
        filters = serverauth.create_serverauth_finding_filters(certificate_type)
    results, _ = finding_filter.filter_results(filters, validator.validate(document.root))
    return findings(results)


def findings(results: object) -> list[tuple[str, str]]:
    found = []
    for result in results:  # type: ignore[attr-defined]
        for description in result.finding_descriptions:
            print(f"{result.validator} @ {result.node.path}: {description!r}")
            found.append((description.finding.severity.name, description.finding.code))
    return found


def errors(found: list[tuple[str, str]]) -> list[str]:
    serious = {ValidationFindingSeverity.FATAL.name, ValidationFindingSeverity.ERROR.name}
    return sorted(code for severity, code in found if severity in serious)


@pytest.mark.parametrize(
    ("product_code", "validity_days", "linter", "place"),
    [
        ("pkio-private", 1095, ETSI_NCP_W_LEGAL, {}),
        ("pkio-digipoort", 1095, ETSI_NCP_W_LEGAL, {}),
        ("pkio-trial", 90, ETSI_NCP_W_LEGAL, {}),
        ("certsign-ov", 199, CABF_OV, {"locality": "Rotterdam"}),
    ],
)
def test_pkilint_finds_no_errors(settings, product_code, validity_days, linter, place):
    settings.PORTAL_CRL_BASE_URL = PUBLIC_CRL_BASE_URL
    certificate = issue(product_code=product_code, validity_days=validity_days, **place)

    assert errors(lint(certificate.certificate, linter)) == []


@pytest.mark.parametrize("key", [rsa_key, fresh_ec_key])
def test_pkilint_cabf_ov_warns_only_about_the_common_name(settings, key):
    # BR §7.1.2.7.2 calls commonName NOT RECOMMENDED; the portal keeps it (the
    # overviews, renewals and the CSR rules identify a certificate by it, as
    # every publicly trusted CA still does). Everything else the OV profile
    # could avoid, it avoids: no organizationIdentifier/serialNumber, no SKI,
    # no keyEncipherment. No OCSP in AIA (optional since ballot SC-063) draws
    # no finding. SCTs are beyond a demo CA (no CT log accepts it).
    settings.PORTAL_CRL_BASE_URL = PUBLIC_CRL_BASE_URL
    certificate = issue(
        key(),
        product_code="certsign-ov",
        validity_days=199,
        locality="Rotterdam",
    )

    assert lint(certificate.certificate, CABF_OV) == [
        ("WARNING", "cabf.serverauth.ov.common_name_attribute_present")
    ]


def test_pkilint_finds_no_errors_for_an_ec_key(settings):
    settings.PORTAL_CRL_BASE_URL = PUBLIC_CRL_BASE_URL
    certificate = issue(fresh_ec_key(), product_code="pkio-trial", validity_days=90)

    assert lint(certificate.certificate, ETSI_NCP_W_LEGAL) == [
        ("INFO", "pkix.subject_key_identifier_method_1_identified")
    ]


def test_pkilint_flags_only_the_demo_urls_with_the_default_base_url():
    # http://localhost/... is fine for the demo, never for a deployment.
    assert errors(lint(issue().certificate, ETSI_NCP_W_LEGAL)) == sorted(
        ["etsi.internal_domain_name", "pkix.invalid_uri_syntax"] * 2
    )


@pytest.mark.parametrize(
    ("slug", "certificate_type", "demo_urls"),
    [
        ("certsign-root", serverauth_constants.CertificateType.ROOT_CA, 0),
        # CRL distribution point and caIssuers
        ("certsign-ov-tls", serverauth_constants.CertificateType.INTERNAL_UNCONSTRAINED_TLS_CA, 2),
    ],
)
def test_pkilint_cabf_finds_only_the_demo_urls_in_the_certsign_ca_certificates(
    slug, certificate_type, demo_urls
):
    # demo_pki bakes in http://localhost/crl (the demo's publication point);
    # keyUsage without digitalSignature is a NOTICE (only needed to sign OCSP).
    found = lint(ca_certificate(slug), certificate_type)

    assert [code for severity, code in found if severity == "WARNING"] == []
    assert errors(found) == sorted(
        ["cabf.internal_domain_name", "pkix.invalid_uri_syntax"] * demo_urls
    )


def test_the_cabf_linter_only_objects_to_what_pkioverheid_private_is_not(settings):
    # PKIoverheid Private Services is no publicly-trusted TLS: no CA/B Forum
    # policy OID, three years, no L/ST. That is why it is linted against ETSI.
    settings.PORTAL_CRL_BASE_URL = PUBLIC_CRL_BASE_URL

    assert errors(lint(issue().certificate, CABF_OV)) == [
        "cabf.serverauth.certificate_validity_period_exceeds_200_days",
        "cabf.serverauth.subscriber_missing_reserved_policy_oid",
        "cabf.serverauth.subscriber_stateprovince_and_locality_missing",
    ]


# --- CRL -------------------------------------------------------------------


def g1_services() -> x509.Certificate:
    return ca_certificate("g1-services")


def record(issued: IssuedCertificate):  # noqa: ANN201
    return certificate_record(
        subscriber=Subscriber.objects.get(kvk_number="12345678"),
        certificate=issued.certificate,
        kind=Kind.SERVER,
        issuing_ca=IssuingCA.objects.get(fingerprint=fingerprint(issued.issuing_ca)),
        product=Product.objects.get(code="pkio-private"),
    )


def revoke(issued: IssuedCertificate, reason: RevocationReason = RevocationReason.KEY_COMPROMISE):  # noqa: ANN201
    return certificate_mark_revoked(
        certificate=record(issued), reason=reason, revoked_at=dt.datetime.now(dt.UTC)
    )


def load_crl(der: bytes) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(der)


@pytest.mark.django_db
def test_a_revoked_certificate_is_on_the_crl_with_its_reason(tmp_path):
    issued = issue()
    revoke(issued)
    (tmp_path / "crl.der").write_bytes(LocalCA().crl(g1_services()))

    text = openssl("crl", "-inform", "DER", "-in", str(tmp_path / "crl.der"), "-text", "-noout")

    assert text.returncode == 0, text.stderr
    assert f"Serial Number: {issued.certificate.serial_number:X}" in text.stdout
    assert "Key Compromise" in text.stdout


@pytest.mark.django_db
def test_openssl_refuses_a_revoked_certificate_with_the_crl(pki_dir, tmp_path):
    revoked, valid = issue(), issue()
    revoke(revoked)
    crl = load_crl(LocalCA().crl(g1_services()))
    (tmp_path / "crl.pem").write_bytes(crl.public_bytes(Encoding.PEM))

    def verify(certificate: x509.Certificate) -> subprocess.CompletedProcess[str]:
        return openssl(
            "verify",
            "-crl_check",
            "-CRLfile",
            str(tmp_path / "crl.pem"),
            "-CAfile",
            str(pki_dir / "ca" / "g1-root.crt"),
            "-untrusted",
            str(pki_dir / "ca" / "g1-services.crt"),
            str(write_pem(tmp_path / "leaf.pem", certificate)),
        )

    refused = verify(revoked.certificate)
    assert refused.returncode != 0
    assert "certificate revoked" in refused.stdout + refused.stderr
    accepted = verify(valid.certificate)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


@pytest.mark.django_db
def test_the_crl_is_signed_by_the_ca_and_fresh():
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    services = g1_services()

    crl = load_crl(LocalCA().crl(services))

    assert crl.issuer == services.subject
    assert crl.is_signature_valid(services.public_key())  # type: ignore[arg-type]
    assert before <= crl.last_update_utc <= dt.datetime.now(dt.UTC)
    assert crl.next_update_utc - crl.last_update_utc == CRL_VALIDITY
    assert crl.extensions.get_extension_for_class(
        x509.AuthorityKeyIdentifier
    ).value.key_identifier == (
        services.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )
    assert crl.signature_hash_algorithm.name == "sha256"


@pytest.mark.django_db
def test_the_crl_number_increases():
    first = load_crl(LocalCA().crl(g1_services()))
    second = load_crl(LocalCA().crl(g1_services()))

    number = lambda crl: crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number  # noqa: E731
    assert number(second) > number(first)


@pytest.mark.django_db
def test_the_crl_lists_the_seeded_revoked_server_certificate():
    crl = load_crl(LocalCA().crl(g1_services()))

    seeded = IssuingCA.objects.get(fingerprint=fingerprint(g1_services())).certificates.get(
        common_name="ingetrokken.voorbeeld.nl"
    )
    entry = crl.get_revoked_certificate_by_serial_number(int(seeded.serial, 16))
    assert entry is not None
    assert entry.revocation_date_utc == seeded.revoked_at
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )


@pytest.mark.django_db
def test_an_unspecified_reason_is_left_out_of_the_entry():
    issued = issue()
    revoke(issued, RevocationReason.UNSPECIFIED)

    crl = load_crl(LocalCA().crl(g1_services()))

    entry = crl.get_revoked_certificate_by_serial_number(issued.certificate.serial_number)
    assert entry is not None
    assert len(entry.extensions) == 0


@pytest.mark.django_db
def test_the_persons_ca_crl_keeps_the_revoked_demo_client(pki_dir):
    persons = ca_certificate(demo_pki.PERSONS_CA)
    client = demo_pki.client_certificate(pki_dir, "revoked")

    crl = load_crl(LocalCA().crl(persons))

    assert crl.get_revoked_certificate_by_serial_number(client.serial_number) is not None
    maximo = demo_pki.client_certificate(pki_dir, "maximo")
    assert crl.get_revoked_certificate_by_serial_number(maximo.serial_number) is None


@pytest.mark.django_db
def test_the_crl_passes_pkilints_br_crl_profile(tmp_path):
    revoke(issue())
    document = loader.RFC5280CertificateListDocumentLoader().load_der_document(
        LocalCA().crl(g1_services()), "crl"
    )
    crl_type = pkix_crl.CertificateRevocationListType.CRL
    validator = pkix_crl.create_pkix_crl_validator_container(
        [
            create_attribute_decoder(name.ATTRIBUTE_TYPE_MAPPINGS),
            create_extension_decoder(extension.EXTENSION_MAPPINGS),
        ],
        [
            pkix_crl.create_issuer_validator_container([]),
            pkix_crl.create_validity_validator_container(
                [cabf_crl.create_validity_period_validator(crl_type)]
            ),
            pkix_crl.create_extensions_validator_container([]),
            cabf_crl.CabfCrlReasonCodeAllowlistValidator(crl_type),
        ],
    )

    assert errors(findings(validator.validate(document.root))) == []


@pytest.mark.django_db
def test_revoke_writes_the_crl_where_the_login_check_reads_it(settings, tmp_path):
    crl_dir = tmp_path / "login-crls"
    settings.PORTAL_CRL_DIR = crl_dir
    issued = issue()
    revoke(issued)

    LocalCA().revoke(
        issuing_ca=issued.issuing_ca,
        serial_number=issued.certificate.serial_number,
        reason=x509.ReasonFlags.key_compromise,
        revoked_at=dt.datetime.now(dt.UTC),
    )

    assert sorted(p.name for p in crl_dir.iterdir()) == ["g1-services.crl"]
    (crl,) = local_crls(crl_dir)
    assert crl.issuer == issued.issuing_ca.subject
    assert crl.get_revoked_certificate_by_serial_number(issued.certificate.serial_number)


@pytest.mark.django_db
def test_the_daily_job_re_signs_the_crl_files_before_they_go_stale(settings, pki_dir, tmp_path):
    """A CRL file is valid CRL_VALIDITY and otherwise only rewritten after a revocation;
    the beat job re-signs it, so /readyz does not report the CA's own CRLs stale."""
    crl_dir = tmp_path / "login-crls"  # absent: made by the job
    settings.PORTAL_CRL_DIR = crl_dir
    ca_dir = pki_dir / "ca"
    with_key = sorted(key.stem for key in ca_dir.glob("*.key"))
    joost = demo_pki.client_certificate(pki_dir, "joost")
    (persons,) = [
        crt.stem
        for crt in ca_dir.glob("*.crt")
        if x509.load_pem_x509_certificate(crt.read_bytes()).subject == joost.issuer
    ]
    crl_dir.mkdir()
    write_crl(pki_dir, joost, crl_dir / f"{persons}.crl", next_update=-dt.timedelta(days=1))
    assert crl_check().detail == "stale"

    assert crl_files_refresh() == with_key

    assert sorted(path.stem for path in crl_dir.iterdir()) == with_key
    now = dt.datetime.now(dt.UTC)
    for crl in local_crls(crl_dir):
        assert crl.next_update_utc > now + CRL_VALIDITY - dt.timedelta(minutes=5)
    assert crl_check().ok


def test_without_a_crl_directory_the_daily_job_writes_nothing(settings):
    settings.PORTAL_CRL_DIR = None
    assert crl_files_refresh() == []


def test_beat_re_signs_the_crl_files_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["crl-files-refresh"]
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].remaining_estimate(timezone.now()) <= dt.timedelta(days=1)
