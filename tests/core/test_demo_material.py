"""Production refuses demo PKI material (issue 16): everything demo_pki makes is recognised."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.demo_material import demo_files, is_demo_certificate, pki_files
from tests.factories import ca_certificate


def test_every_certificate_demo_pki_writes_is_demo_material(pki_dir):
    paths = [*pki_dir.rglob("*.crt"), *pki_dir.rglob("*.pem")]
    assert len(paths) > 20  # CAs, server, seal, clients, bundles
    for path in paths:
        for certificate in x509.load_pem_x509_certificates(path.read_bytes()):
            assert is_demo_certificate(certificate), (path, certificate.subject)


def test_an_own_ca_is_not_demo_material(tmp_path):
    own = tmp_path / "own.pem"
    own.write_bytes(ca_certificate("Eigen CA").public_bytes(Encoding.PEM))
    assert demo_files([own]) == []


def test_missing_and_unreadable_files_are_not_demo_material(tmp_path):
    (tmp_path / "garbage.pem").write_text("no certificate here")
    assert demo_files([tmp_path / "missing.pem", tmp_path / "garbage.pem"]) == []


def test_the_checked_files_are_what_the_portal_and_nginx_use(pki_dir):
    paths = pki_files(
        trust_bundle=pki_dir / "trust-bundle.pem",
        seal_cert=pki_dir / "seal.crt",
        ca_dir=pki_dir / "ca",
        pki_dir=pki_dir,
    )
    assert pki_dir / "server.crt" in paths
    assert pki_dir / "ca" / "g3-services.crt" in paths
    assert demo_files(paths) == paths
