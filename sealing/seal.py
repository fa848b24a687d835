"""The portal's seal: key, certificate and chain, loaded once per process (SPEC.md §8).

``PORTAL_SEAL_CERT`` holds the seal certificate followed by its issuing CA
(as ``demo_pki`` writes it); the root above them is taken from
``PORTAL_PKI_DIR/roots.pem`` when there is one, so a validator gets the whole
chain from the signature. The same roots are what the verification page
trusts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.conf import settings

from core.health import Check

logger = logging.getLogger("portal.health")


@dataclass(frozen=True)
class Seal:
    key: PrivateKeyTypes
    certificate: x509.Certificate
    # Issuing CA(s) and, when known, the root: leaf's issuer first.
    chain: tuple[x509.Certificate, ...]


def _pem_certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


@lru_cache
def load_seal(key_path: Path, cert_path: Path, roots_path: Path | None) -> Seal:
    """Read the seal key and chain from disk; cached, so once per process per setting."""
    certificate, *chain = _pem_certificates(cert_path)
    if roots_path is not None and roots_path.exists():
        top = chain[-1] if chain else certificate
        chain += [
            root
            for root in _pem_certificates(roots_path)
            if root.subject == top.issuer and root not in chain
        ]
    key = load_pem_private_key(key_path.read_bytes(), password=None)
    return Seal(key=key, certificate=certificate, chain=tuple(chain))


def _roots_path() -> Path | None:
    pki_dir = settings.PORTAL_PKI_DIR
    return Path(pki_dir) / "roots.pem" if pki_dir else None


def seal_paths() -> tuple[Path, Path, Path | None]:
    """Key, certificate and roots files of the configured seal."""
    if settings.PORTAL_SEAL_KEY is None or settings.PORTAL_SEAL_CERT is None:
        raise SealNotConfigured
    return Path(settings.PORTAL_SEAL_KEY), Path(settings.PORTAL_SEAL_CERT), _roots_path()


def portal_seal() -> Seal:
    """The configured seal (``PORTAL_SEAL_KEY``/``PORTAL_SEAL_CERT``)."""
    return load_seal(*seal_paths())


def seal_check() -> Check:
    """Readiness (``/readyz``): the configured seal's key and certificate load, and belong
    together. Loaded as sealing loads them (cached), so a ready process can seal."""
    try:
        seal = portal_seal()
    except SealNotConfigured:
        return Check(ok=False, detail="not configured")
    except OSError as error:
        logger.warning("Readiness: seal key or certificate unreadable: %s", error)
        return Check(ok=False, detail="key or certificate unreadable")
    except (ValueError, TypeError) as error:
        logger.warning("Readiness: seal key or certificate invalid: %s", error)
        return Check(ok=False, detail="key or certificate invalid")
    if seal.key.public_key() != seal.certificate.public_key():
        logger.warning("Readiness: the seal key does not belong to the seal certificate")
        return Check(ok=False, detail="key does not match the certificate")
    return Check(ok=True)


@lru_cache
def _load_roots(path: Path, mtime: float) -> tuple[x509.Certificate, ...]:
    return tuple(_pem_certificates(path))


def trust_roots() -> tuple[x509.Certificate, ...]:
    """The roots a seal must chain to (``PORTAL_PKI_DIR/roots.pem``)."""
    path = _roots_path()
    if path is None or not path.exists():
        return ()
    return _load_roots(path, path.stat().st_mtime)


class SealNotConfigured(RuntimeError):
    """PORTAL_SEAL_KEY/PORTAL_SEAL_CERT are not set (and there is no PORTAL_PKI_DIR)."""
