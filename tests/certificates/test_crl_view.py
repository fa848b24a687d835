"""/crl/<slug>.crl and /crl/<slug>.crt: what the built-in CA publishes, without login."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.urls import reverse

from certificates.ca import IssueRequest, SubjectData, ca_backend
from certificates.models import Product
from tests.certificates.csr_factory import rsa_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ca_dir(settings, pki_dir: Path) -> Path:
    settings.PORTAL_CA_DIR = pki_dir / "ca"
    return pki_dir / "ca"


def ca_certificate(ca_dir: Path, slug: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((ca_dir / f"{slug}.crt").read_bytes())


def test_it_serves_the_crl_without_login(client, ca_dir):
    response = client.get("/crl/g1-services.crl")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-crl"
    assert response["Cache-Control"] == "public, max-age=300"
    crl = x509.load_der_x509_crl(response.content)
    services = ca_certificate(ca_dir, "g1-services")
    assert crl.issuer == services.subject
    assert crl.is_signature_valid(services.public_key())  # type: ignore[arg-type]


def test_it_serves_the_ca_certificate_without_login(client, ca_dir):
    response = client.get("/crl/g1-services.crt")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-cert"
    assert x509.load_der_x509_certificate(response.content) == ca_certificate(ca_dir, "g1-services")


def test_an_unknown_ca_is_404(client):
    assert client.get("/crl/nope.crl").status_code == 404
    assert client.get("/crl/nope.crt").status_code == 404


def test_a_ca_without_its_key_has_no_crl(client, settings, ca_dir, tmp_path):
    offline = tmp_path / "ca"
    offline.mkdir()
    shutil.copy(ca_dir / "g1-root.crt", offline)
    settings.PORTAL_CA_DIR = offline

    assert client.get("/crl/g1-root.crl").status_code == 404
    assert client.get("/crl/g1-root.crt").status_code == 200


def test_only_get_is_allowed(client):
    assert client.post("/crl/g1-services.crl").status_code == 405


def test_the_urls_in_issued_certificates_are_these_views():
    key = rsa_key()
    (issued,) = ca_backend().issue(
        IssueRequest(
            profile=Product.objects.get(code="pkio-private").profile.data(),
            subject=SubjectData(
                country="NL",
                organization="Voorbeeld B.V.",
                organization_identifier="NTRNL-12345678",
                serial_number="00000003123456780000",
                common_name="www.voorbeeld.nl",
            ),
            dns_names=("www.voorbeeld.nl",),
            public_keys=(
                key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
            ),
            validity_days=90,
        )
    )
    extensions = issued.certificate.extensions

    (point,) = extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    (issuers,) = extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert urlsplit(point.full_name[0].value).path == reverse("crl", args=["g1-services"])
    assert urlsplit(issuers.access_location.value).path == reverse(
        "ca_certificate", args=["g1-services"]
    )
