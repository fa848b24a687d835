"""Recognising what ``manage.py demo_pki`` made, so production refuses it (issue 16).

Every certificate ``certificates/demo_pki.py`` writes is a demo CA (subject
organisation "Certificaatportaal Demo", or "certSIGN Demo" for the certSIGN
hierarchy) or issued by one: the TLS server certificate, the seal, the client
certificates. So a certificate whose subject or issuer names one of these
organisations is demo material, whichever PKI directory it was copied to. The
names live here, below both the generator and the settings that check for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

DEMO_PKI_ORGANISATION = "Certificaatportaal Demo"
DEMO_PKI_CERTSIGN_ORGANISATION = "certSIGN Demo"
DEMO_PKI_ORGANISATIONS = frozenset({DEMO_PKI_ORGANISATION, DEMO_PKI_CERTSIGN_ORGANISATION})


def is_demo_certificate(certificate: x509.Certificate) -> bool:
    """Whether ``certificate`` is a demo CA or was issued by one."""
    return any(
        attribute.value in DEMO_PKI_ORGANISATIONS
        for name in (certificate.subject, certificate.issuer)
        for attribute in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    )


def pki_files(
    *,
    trust_bundle: Path | None,
    seal_cert: Path | None,
    ca_dir: Path | None,
    pki_dir: Path | None,
) -> list[Path]:
    """The certificate files the portal and its nginx are configured with: the trust
    bundle of accepted smartcard CAs, the seal, the built-in CA's certificates, and in
    the PKI directory the roots a seal is checked against and nginx's server certificate."""
    paths = [path for path in (trust_bundle, seal_cert) if path is not None]
    if ca_dir is not None and ca_dir.is_dir():
        paths += sorted(ca_dir.glob("*.crt"))
    if pki_dir is not None:
        paths += [pki_dir / "roots.pem", pki_dir / "server.crt"]
    return paths


def demo_files(paths: Iterable[Path]) -> list[Path]:
    """The PEM files among ``paths`` holding a demo certificate. Files that are missing or
    hold no PEM certificate are not demo material (other checks report them)."""
    found = []
    for path in paths:
        try:
            certificates = x509.load_pem_x509_certificates(path.read_bytes())
        except (OSError, ValueError):
            continue
        if any(is_demo_certificate(certificate) for certificate in certificates):
            found.append(path)
    return found
