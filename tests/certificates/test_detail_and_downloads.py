"""The certificate detail page and Downloaden (PEM, DER, chain), and the subscriber boundary."""

from __future__ import annotations

import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.urls import reverse

from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def cert(cn: str) -> Certificate:
    return Certificate.objects.get(common_name=cn)


def test_detail_shows_the_seeds_fields(client, login_as):
    login_as("joost")
    response = client.get(reverse("server_detail", args=[cert("koppeling.voorbeeld.nl").pk]))
    content = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Servercertificaat voor: koppeling.voorbeeld.nl",
        "Naam van de Service (CN)",
        "Voorbeeld B.V.",
        "edsn.voorbeeld.nl",
        "Verloopdatum",
        "PRIVATE SSL",
        "Demo Organisatie Services CA - G3",
        "Geldig",
        cert("koppeling.voorbeeld.nl").serial,
        # certificate manager block
        "CB7540116",
        "Karel Tak",
        "karel@voorbeeld.nl",
        "Actief",
        # contact person block
        "Dit servercertificaat is aangevraagd door:",
        "Herman Testing",
    ]:
        assert text in content, text


def test_revoked_detail_says_so(client, login_as):
    login_as("maximo")
    response = client.get(reverse("server_detail", args=[cert("ingetrokken.voorbeeld.nl").pk]))
    assert "Ingetrokken" in response.content.decode()


@pytest.mark.parametrize("view", ["detail", "pem", "der", "chain"])
def test_another_subscribers_certificate_is_not_found(client, login_as, view):
    login_as("frank")
    pk = cert("www.voorbeeld.nl").pk
    url = (
        reverse("server_detail", args=[pk])
        if view == "detail"
        else reverse("certificate_download", args=[pk, view])
    )
    assert client.get(url).status_code == 404


def test_a_personal_certificate_is_not_a_server_detail(client, login_as):
    login_as("maximo")
    personal = Certificate.objects.filter(kind="personal").first()
    assert client.get(reverse("server_detail", args=[personal.pk])).status_code == 404


def test_unknown_download_format_is_not_found(client, login_as):
    login_as("maximo")
    url = reverse("certificate_download", args=[cert("www.voorbeeld.nl").pk, "pfx"])
    assert client.get(url).status_code == 404


def test_pem_download_is_the_certificate(client, login_as, tmp_path):
    login_as("maximo")
    certificate = cert("www.voorbeeld.nl")
    response = client.get(reverse("certificate_download", args=[certificate.pk, "pem"]))
    assert response["Content-Disposition"] == 'attachment; filename="www.voorbeeld.nl.pem"'
    loaded = x509.load_pem_x509_certificate(response.content)
    assert loaded == certificate.der.loaded
    (tmp_path / "c.pem").write_bytes(response.content)
    out = subprocess.run(
        ["openssl", "x509", "-in", tmp_path / "c.pem", "-noout", "-subject"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "www.voorbeeld.nl" in out.stdout


def test_der_download_parses_with_openssl(client, login_as, tmp_path):
    login_as("maximo")
    certificate = cert("www.voorbeeld.nl")
    response = client.get(reverse("certificate_download", args=[certificate.pk, "der"]))
    (tmp_path / "c.cer").write_bytes(response.content)
    out = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-in", tmp_path / "c.cer", "-noout", "-serial"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout.strip().removeprefix("serial="), 16) == int(certificate.serial, 16)


def test_chain_download_verifies_to_the_demo_root(client, login_as, tmp_path, pki_dir):
    login_as("maximo")
    certificate = cert("digipoort.voorbeeld.nl")
    response = client.get(reverse("certificate_download", args=[certificate.pk, "chain"]))
    chain = x509.load_pem_x509_certificates(response.content)
    assert [c.subject.rfc4514_string() for c in chain[1:]] == [
        ca.certificate.loaded.subject.rfc4514_string() for ca in certificate.issuing_ca.chain()
    ]
    (tmp_path / "leaf.pem").write_bytes(chain[0].public_bytes(Encoding.PEM))
    (tmp_path / "inter.pem").write_bytes(chain[1].public_bytes(Encoding.PEM))
    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            pki_dir / "roots.pem",
            "-untrusted",
            tmp_path / "inter.pem",
            tmp_path / "leaf.pem",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_download_file_name_is_safe(client, login_as):
    login_as("maximo")
    certificate = cert("www.voorbeeld.nl")
    Certificate.objects.filter(pk=certificate.pk).update(common_name='evil"\r\n/../x')
    response = client.get(reverse("certificate_download", args=[certificate.pk, "pem"]))
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="evil_._x.pem"'


def test_pkcs7_download_holds_the_whole_chain_for_openssl(client, login_as, tmp_path):
    login_as("maximo")
    certificate = cert("www.voorbeeld.nl")
    response = client.get(reverse("certificate_download", args=[certificate.pk, "p7b"]))
    assert response["Content-Type"] == "application/x-pkcs7-certificates"
    assert response["Content-Disposition"].endswith('.p7b"')
    (tmp_path / "c.p7b").write_bytes(response.content)
    out = subprocess.run(
        ["openssl", "pkcs7", "-inform", "DER", "-in", tmp_path / "c.p7b", "-print_certs"],
        capture_output=True,
        text=True,
        check=True,
    )
    printed = x509.load_pem_x509_certificates(out.stdout.encode())
    assert [c.serial_number for c in printed] == [
        int(certificate.serial, 16),
        *(ca.certificate.loaded.serial_number for ca in certificate.issuing_ca.chain()),
    ]
