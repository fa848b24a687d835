"""Reading and checking the login certificate nginx forwards (SPEC.md §5 step 2).

nginx has verified the chain already; we verify it again ourselves, with
signatures, against the configured trust anchors (never by comparing names:
CVE-2026-35616), and add what nginx does not check: the key usage of an
authentication certificate and revocation by the portal's own records.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from django.conf import settings

from certificates.models import Certificate
from certificates.x509_fields import fingerprint, serial_hex
from core.access import Failure

logger = logging.getLogger("portal.auth")

MAX_HEADER_LENGTH = 16 * 1024


class CertificateRejected(Exception):
    def __init__(self, failure: Failure, detail: str = "") -> None:
        super().__init__(f"{failure.value}: {detail}" if detail else failure.value)
        self.failure = failure
        self.detail = detail


@dataclass(frozen=True)
class TrustAnchors:
    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]


_anchor_lock = threading.Lock()
_anchor_cache: dict[tuple[str, float], TrustAnchors] = {}


def _is_self_signed(certificate: x509.Certificate) -> bool:
    if certificate.issuer != certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, x509.InvalidSignature):
        return False
    return True


def trust_anchors(bundle: Path | None = None) -> TrustAnchors:
    """The trust bundle split into roots and intermediates; cached until the file changes."""
    bundle = bundle or settings.PORTAL_TRUST_BUNDLE
    if bundle is None:
        return TrustAnchors((), ())
    key = (str(bundle), bundle.stat().st_mtime)
    with _anchor_lock:
        if key not in _anchor_cache:
            certificates = x509.load_pem_x509_certificates(bundle.read_bytes())
            _anchor_cache.clear()
            _anchor_cache[key] = TrustAnchors(
                roots=tuple(c for c in certificates if _is_self_signed(c)),
                intermediates=tuple(c for c in certificates if not _is_self_signed(c)),
            )
        return _anchor_cache[key]


def read_forwarded(value: str) -> x509.Certificate:
    """Parse nginx's ``$ssl_client_escaped_cert`` (URL-encoded PEM)."""
    if len(value) > MAX_HEADER_LENGTH:
        raise CertificateRejected(Failure.UNREADABLE, "header too long")
    pem = unquote(value).strip().encode("ascii", errors="replace")
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise CertificateRejected(Failure.UNREADABLE, "not a PEM certificate") from None
    if len(certificates) != 1:
        raise CertificateRejected(Failure.UNREADABLE, "expected exactly one certificate")
    return certificates[0]


def _verified_issuer(
    certificate: x509.Certificate, anchors: TrustAnchors, at: dt.datetime
) -> x509.Certificate:
    """Verify the chain (signatures, CA constraints) and return the issuing CA."""
    if not anchors.roots:
        raise CertificateRejected(Failure.UNTRUSTED, "no trust anchors configured")
    verifier = (
        PolicyBuilder()
        .store(Store(list(anchors.roots)))
        .time(at)
        .max_chain_depth(4)
        # CA certificates are held to the Web PKI rules; the leaf's own
        # extensions are checked below with the rules of SPEC.md §5.
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=ExtensionPolicy.permit_all(),
        )
        .build_client_verifier()
    )
    try:
        verified = verifier.verify(certificate, list(anchors.intermediates))
    except VerificationError as exc:
        raise CertificateRejected(Failure.UNTRUSTED, str(exc)) from None
    return verified.chain[1] if len(verified.chain) > 1 else verified.chain[0]


def _check_usage(certificate: x509.Certificate) -> None:
    """An authentication certificate: digitalSignature, no nonRepudiation.

    PKIoverheid never combines the two (AORTA seed, keyUsage table); a
    signature certificate (nonRepudiation) or an encryption certificate
    (keyEncipherment/dataEncipherment only) is refused. extendedKeyUsage,
    when present, must include clientAuth.
    """
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise CertificateRejected(Failure.WRONG_TYPE, "no keyUsage") from None
    if not key_usage.digital_signature or key_usage.content_commitment:
        raise CertificateRejected(Failure.WRONG_TYPE, "keyUsage is not authentication")
    try:
        eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise CertificateRejected(Failure.WRONG_TYPE, "extendedKeyUsage lacks clientAuth")


_crl_lock = threading.Lock()
_crl_cache: dict[str, tuple[float, list[x509.CertificateRevocationList]]] = {}


def _load_crls(directory: Path) -> list[x509.CertificateRevocationList]:
    crls = []
    for path in sorted(directory.glob("*")):
        if path.suffix.lower() not in {".crl", ".pem", ".der"}:
            continue
        data = path.read_bytes()
        try:
            if data.lstrip().startswith(b"-----BEGIN"):
                crls.append(x509.load_pem_x509_crl(data))
            else:
                crls.append(x509.load_der_x509_crl(data))
        except ValueError:
            logger.error("Unreadable CRL file %s ignored", path)
    return crls


def local_crls(directory: Path | None = None) -> list[x509.CertificateRevocationList]:
    """CRLs from PORTAL_CRL_DIR, reloaded when the directory changes."""
    directory = directory or settings.PORTAL_CRL_DIR
    if directory is None or not directory.is_dir():
        return []
    stamp = max([directory.stat().st_mtime, *(p.stat().st_mtime for p in directory.iterdir())])
    with _crl_lock:
        cached = _crl_cache.get(str(directory))
        if cached is None or cached[0] != stamp:
            cached = (stamp, _load_crls(directory))
            _crl_cache[str(directory)] = cached
        return cached[1]


def _check_not_revoked(certificate: x509.Certificate, issuer: x509.Certificate) -> None:
    for crl in local_crls():
        if crl.issuer != issuer.subject:
            continue
        if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]  # a CA key is RSA or EC, which CRLs take
            logger.error("CRL for %s has a bad signature; ignored", issuer.subject.rfc4514_string())
            continue
        if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
            raise CertificateRejected(Failure.REVOKED, "on the CRL")
    revoked = Certificate.objects.filter(
        serial=serial_hex(certificate),
        issuing_ca__fingerprint=fingerprint(issuer),
        revoked_at__isnull=False,
    )
    if revoked.exists():
        raise CertificateRejected(Failure.REVOKED, "revoked in the portal")


def check(certificate: x509.Certificate, *, now: dt.datetime | None = None) -> None:
    """Raise CertificateRejected unless ``certificate`` may be used to log in."""
    now = now or dt.datetime.now(dt.UTC)
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    in_period = not_before <= now <= not_after
    # Verify the chain at a moment the leaf was valid, so an expired but
    # genuine certificate is reported as expired and a forged one as untrusted.
    issuer = _verified_issuer(
        certificate, trust_anchors(), now if in_period else min(max(now, not_before), not_after)
    )
    if not in_period:
        raise CertificateRejected(Failure.EXPIRED)
    _check_usage(certificate)
    _check_not_revoked(certificate, issuer)


def failure_from_proxy(verify: str) -> Failure:
    """nginx's ``$ssl_client_verify``: ``NONE``, ``SUCCESS`` or ``FAILED:<reason>``."""
    if not verify or verify == "NONE":
        return Failure.NO_CERTIFICATE
    if "expired" in verify or "not yet valid" in verify:
        return Failure.EXPIRED
    if "revoked" in verify:
        return Failure.REVOKED
    if "purpose" in verify:  # OpenSSL: "unsupported certificate purpose"
        return Failure.WRONG_TYPE
    return Failure.UNTRUSTED
