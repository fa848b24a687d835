"""Reading and checking the login certificate nginx forwards (SPEC.md §5 step 2).

nginx has verified the chain already; we verify it again ourselves, with
signatures, against the configured trust anchors (never by comparing names:
CVE-2026-35616), and add what nginx does not check: the key usage of an
authentication certificate and revocation by the portal's own records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
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
from django.core.cache import cache
from django.db.models import QuerySet

from certificates.models import Certificate
from certificates.x509_fields import fingerprint, serial_hex
from core.access import Failure
from core.health import Check

logger = logging.getLogger("portal.auth")

MAX_HEADER_LENGTH = 16 * 1024
# How long a verified chain stays in the cache at most. Its key changes with the
# certificate, the trust bundle and every CRL file, so this only bounds memory.
VERDICT_SECONDS = 3600
CRL_SUFFIXES = {".crl", ".pem", ".der"}


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
_anchor_cache: dict[tuple[str, str], TrustAnchors] = {}


def _is_self_signed(certificate: x509.Certificate) -> bool:
    if certificate.issuer != certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, x509.InvalidSignature):
        return False
    return True


def clock() -> dt.datetime:
    """The current time for the login check (tests move it)."""
    return dt.datetime.now(dt.UTC)


def _stamp(stat: os.stat_result) -> str:
    # A replaced file (os.replace, as the built-in CA writes its CRL) has a new
    # inode and ctime; a file rewritten in place a new size or mtime.
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def trust_version(bundle: Path | None = None) -> str:
    """Changes whenever the trust bundle file does: a cheap stat, read on every request."""
    bundle = bundle or settings.PORTAL_TRUST_BUNDLE
    if bundle is None:
        return "-"
    return f"{bundle}|{_stamp(bundle.stat())}"


def crl_version(directory: Path | None = None) -> str:
    """Changes whenever a CRL file in PORTAL_CRL_DIR is added, removed, replaced or
    rewritten: one directory listing and a stat per file, read on every request."""
    directory = directory or settings.PORTAL_CRL_DIR
    if directory is None:
        return "-"
    try:
        with os.scandir(directory) as entries:
            stamps = sorted(
                f"{entry.name}:{_stamp(entry.stat())}"
                for entry in entries
                if Path(entry.name).suffix.lower() in CRL_SUFFIXES
            )
    except (FileNotFoundError, NotADirectoryError):
        return "-"
    return f"{directory}|{'|'.join(stamps)}"


def trust_anchors(bundle: Path | None = None) -> TrustAnchors:
    """The trust bundle split into roots and intermediates; cached until the file changes."""
    bundle = bundle or settings.PORTAL_TRUST_BUNDLE
    if bundle is None:
        return TrustAnchors((), ())
    key = (str(bundle), trust_version(bundle))
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


def _verified_chain(
    certificate: x509.Certificate, anchors: TrustAnchors, at: dt.datetime
) -> list[x509.Certificate]:
    """Verify the chain (signatures, CA constraints): the leaf first, the root last."""
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
    return list(verified.chain)


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


@dataclass
class _CrlSet:
    """The CRL files of one directory as last read."""

    version: str  # crl_version() when they were read
    crls: list[x509.CertificateRevocationList]
    # Per file: its name, its own stamp and the CRL's nextUpdate (None: it names none).
    next_updates: list[tuple[str, str, dt.datetime | None]]
    # The earliest nextUpdate not yet reported as passed: until then, the check for
    # stale files on the login path is one comparison.
    recheck_at: dt.datetime | None


_crl_lock = threading.Lock()
_crl_cache: dict[str, _CrlSet] = {}
# Per directory, "<name>:<stamp>" of each CRL file reported past its nextUpdate: one
# WARNING per file and version of it (in each process).
_reported_stale: dict[str, set[str]] = {}


def _load_crls(directory: Path, version: str) -> _CrlSet:
    crls = []
    next_updates = []
    for path in sorted(directory.glob("*")):
        if path.suffix.lower() not in CRL_SUFFIXES:
            continue
        stamp = _stamp(path.stat())
        data = path.read_bytes()
        try:
            if data.lstrip().startswith(b"-----BEGIN"):
                crl = x509.load_pem_x509_crl(data)
            else:
                crl = x509.load_der_x509_crl(data)
        except ValueError:
            logger.error("Unreadable CRL file %s ignored", path)
            continue
        crls.append(crl)
        next_updates.append((path.name, stamp, crl.next_update_utc))
    return _CrlSet(
        version=version,
        crls=crls,
        next_updates=next_updates,
        recheck_at=min((at for _, _, at in next_updates if at is not None), default=None),
    )


def _crl_set(directory: Path, now: dt.datetime) -> _CrlSet | None:
    """The CRL files in ``directory``, read again when ``crl_version`` changes; None
    without the directory. Call with ``_crl_lock`` held.

    A CRL past its nextUpdate still counts: a revocation is never ignored. But its
    file is not being refreshed, so each such file is logged once, at WARNING (and
    ``/readyz`` fails, ``crl_check``)."""
    if not directory.is_dir():
        return None
    key = str(directory)
    version = crl_version(directory)
    crl_set = _crl_cache.get(key)
    if crl_set is None or crl_set.version != version:
        crl_set = _crl_cache[key] = _load_crls(directory, version)
        present = {f"{name}:{stamp}" for name, stamp, _ in crl_set.next_updates}
        _reported_stale[key] = _reported_stale.get(key, set()) & present
    if crl_set.recheck_at is not None and crl_set.recheck_at <= now:
        reported = _reported_stale[key]
        for name, stamp, at in crl_set.next_updates:
            if at is not None and at <= now and f"{name}:{stamp}" not in reported:
                reported.add(f"{name}:{stamp}")
                logger.warning(
                    "CRL file %s is past its nextUpdate (%s): still used, but not refreshed",
                    directory / name,
                    at.isoformat(),
                )
        crl_set.recheck_at = min(
            (at for _, _, at in crl_set.next_updates if at is not None and at > now),
            default=None,
        )
    return crl_set


def local_crls(directory: Path | None = None) -> list[x509.CertificateRevocationList]:
    """CRLs from PORTAL_CRL_DIR, reloaded when ``crl_version`` changes; none without the
    directory. Stale ones count too (``_crl_set``)."""
    directory = directory or settings.PORTAL_CRL_DIR
    if directory is None:
        return []
    with _crl_lock:
        crl_set = _crl_set(directory, clock())
        return crl_set.crls if crl_set is not None else []


def stale_crl_files(directory: Path | None = None) -> list[str] | None:
    """The names of the CRL files in PORTAL_CRL_DIR past their nextUpdate; None when
    there is no CRL file to read."""
    directory = directory or settings.PORTAL_CRL_DIR
    if directory is None:
        return None
    now = clock()
    with _crl_lock:
        crl_set = _crl_set(directory, now)
    if crl_set is None or not crl_set.crls:
        return None
    return [name for name, _, at in crl_set.next_updates if at is not None and at <= now]


def crl_check() -> Check:
    """Readiness (``/readyz``): no CRL file the login check reads is past its nextUpdate.
    Ok with detail "none" when there is none to read."""
    stale = stale_crl_files()
    if stale is None:
        return Check(ok=True, detail="none")
    if stale:
        return Check(ok=False, detail="stale")
    return Check(ok=True)


def _check_not_on_crl(certificate: x509.Certificate, issuer: x509.Certificate) -> None:
    for crl in local_crls():
        if crl.issuer != issuer.subject:
            continue
        if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]  # a CA key is RSA or EC, which CRLs take
            logger.error("CRL for %s has a bad signature; ignored", issuer.subject.rfc4514_string())
            continue
        if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
            raise CertificateRejected(Failure.REVOKED, "on the CRL")


def revoked_in_portal(
    certificate: x509.Certificate, issuer_fingerprint: str
) -> QuerySet[Certificate]:
    """The portal's own revocation record of ``certificate``, if there is one."""
    return Certificate.objects.filter(
        serial=serial_hex(certificate),
        issuing_ca__fingerprint=issuer_fingerprint,
        revoked_at__isnull=False,
    )


@dataclass(frozen=True)
class Verified:
    """A chain that passed ``verify``: the issuing CA, and the period in which every
    certificate of the chain (leaf, intermediates, root) is valid."""

    issuer_fingerprint: str
    valid_from: dt.datetime
    valid_until: dt.datetime


def _verdict_key(certificate: x509.Certificate) -> str:
    # Everything the verdict depends on besides the time: the certificate itself,
    # the trust bundle and the CRL files (their versions are a stat each).
    parts = f"{fingerprint(certificate)}|{trust_version()}|{crl_version()}"
    return "portal.login.chain." + hashlib.sha256(parts.encode()).hexdigest()


def verify(certificate: x509.Certificate, *, now: dt.datetime | None = None) -> Verified:
    """The chain, validity, keyUsage and CRL checks of ``check``, without the portal's
    own revocation records. Raises CertificateRejected.

    The verdict is cached (Django's cache) by the certificate's fingerprint, the trust
    bundle's version and the CRL files' version, so a new or rewritten CRL file
    invalidates it at the next request; the validity period of the whole chain is
    compared with the clock on every call.
    """
    now = now or clock()
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    in_period = not_before <= now <= not_after
    key = _verdict_key(certificate)
    cached = cache.get(key) if in_period else None
    if isinstance(cached, Verified) and cached.valid_from <= now <= cached.valid_until:
        return cached
    # Verify the chain at a moment the leaf was valid, so an expired but
    # genuine certificate is reported as expired and a forged one as untrusted.
    chain = _verified_chain(
        certificate, trust_anchors(), now if in_period else min(max(now, not_before), not_after)
    )
    if not in_period:
        raise CertificateRejected(Failure.EXPIRED)
    _check_usage(certificate)
    issuer = chain[1] if len(chain) > 1 else chain[0]
    _check_not_on_crl(certificate, issuer)
    verified = Verified(
        issuer_fingerprint=fingerprint(issuer),
        valid_from=max(c.not_valid_before_utc for c in chain),
        valid_until=min(c.not_valid_after_utc for c in chain),
    )
    cache.set(key, verified, VERDICT_SECONDS)
    return verified


def check(certificate: x509.Certificate, *, now: dt.datetime | None = None) -> Verified:
    """Raise CertificateRejected unless ``certificate`` may be used to log in."""
    verified = verify(certificate, now=now)
    if revoked_in_portal(certificate, verified.issuer_fingerprint).exists():
        raise CertificateRejected(Failure.REVOKED, "revoked in the portal")
    return verified


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
