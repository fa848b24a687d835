"""CRL files for the login check (PORTAL_CRL_DIR), signed by the demo PKI's CA keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization


def write_crl(
    pki_dir: Path,
    revoked: x509.Certificate,
    path: Path,
    *,
    next_update: dt.timedelta = dt.timedelta(days=1),
) -> x509.CertificateRevocationList:
    """A CRL of ``revoked``'s issuing CA listing it, written to ``path`` (DER). Its
    nextUpdate is ``next_update`` from now (negative: a CRL nobody refreshed)."""
    ca_dir = pki_dir / "ca"
    issuer, key = next(
        (certificate, ca_dir / f"{crt.stem}.key")
        for crt in sorted(ca_dir.glob("*.crt"))
        if (certificate := x509.load_pem_x509_certificate(crt.read_bytes())).subject
        == revoked.issuer
    )
    ca_key = serialization.load_pem_private_key(key.read_bytes(), password=None)
    now = dt.datetime.now(dt.UTC)
    last_update = min(now, now + next_update - dt.timedelta(days=7))
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(last_update)
        .next_update(now + next_update)
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.serial_number)
            .revocation_date(last_update)
            .build()
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return crl
