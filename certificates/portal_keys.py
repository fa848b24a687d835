"""The keys the portal holds itself, which no customer may get a certificate for.

A CSR for the key of a built-in CA (``PORTAL_CA_DIR``, or ``PORTAL_PKI_DIR/ca``),
of the seal (``PORTAL_SEAL_CERT``) or of nginx's TLS certificate
(``PORTAL_PKI_DIR/server.crt``) is refused as a compromised key (SPEC.md §7 CSR
rule 3): whoever can send it either holds one of the portal's private keys or
wants a second certificate for it.

Decision: these keys are read from the configured files at CSR time, not
copied into ``CompromisedKey`` rows. Whatever CA, seal or TLS certificate is
configured (by ``demo_pki`` or by an operator, now or after a key change) is
covered with no extra step that could be forgotten, and a replaced key needs no
clean-up. Each file is read once per path and modification time.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from django.conf import settings

from certificates.x509_fields import spki_sha256

logger = logging.getLogger(__name__)


def portal_certificate_files() -> list[Path]:
    """The certificate files whose keys the portal holds (see the module docstring)."""
    pki_dir = Path(settings.PORTAL_PKI_DIR) if settings.PORTAL_PKI_DIR else None
    ca_dir = settings.PORTAL_CA_DIR or (pki_dir / "ca" if pki_dir else None)
    files = sorted(Path(ca_dir).glob("*.crt")) if ca_dir else []
    if settings.PORTAL_SEAL_CERT:
        files.append(Path(settings.PORTAL_SEAL_CERT))
    if pki_dir:
        files.append(pki_dir / "server.crt")
    return files


def portal_key_hashes() -> frozenset[str]:
    """SPKI SHA-256 of every key in ``portal_certificate_files()`` (every certificate
    in each file, so a seal file with its chain counts its CAs too)."""
    hashes: set[str] = set()
    for path in portal_certificate_files():
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            continue
        hashes |= _file_key_hashes(path, mtime)
    return frozenset(hashes)


@lru_cache(maxsize=64)
def _file_key_hashes(path: Path, mtime: int) -> frozenset[str]:
    try:
        certificates = x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError):
        logger.warning("Cannot read the portal's certificate file %s for the key check", path)
        return frozenset()
    return frozenset(spki_sha256(certificate) for certificate in certificates)
