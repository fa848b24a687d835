"""The built-in CA: issues from CA keys on disk, the database is its revocation record.

``PORTAL_CA_DIR`` holds ``<slug>.crt`` and ``<slug>.key`` (PEM, unencrypted)
per CA, as ``manage.py demo_pki`` writes them to ``PORTAL_PKI_DIR/ca``; an
operator can point it to their own CA directory with the same layout. A CA
without a ``.key`` (a root kept offline) still counts for building chains.
The slug is also the CA's name in its CRL URL, ``<PORTAL_CRL_BASE_URL>/<slug>.crl``.

Keys are read once per process: restart after replacing them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from django.conf import settings

from certificates.ca.base import CAUnavailable, IssuedCertificate, IssueRequest
from certificates.csr import is_placeholder
from certificates.models import Certificate
from certificates.validity import public_tls_max_validity
from certificates.x509_fields import fingerprint

logger = logging.getLogger("portal.ca")

# PKIoverheid Programma van Eisen: "Private Services" server certificates.
POLICY_PRIVATE_SERVER = "2.16.528.1.1003.1.2.8.6"
# PKIoverheid's TRIAL arc (Programma van Eisen TRIAL §1.2, 2.16.528.1.1003.1.2.9):
# "TRIAL services authenticity". A test policy, so that no relying party that
# accepts production Private Services certificates takes a trial one for one.
POLICY_TRIAL_SERVER = "2.16.528.1.1003.1.2.9.4"
# CA/Browser Forum reserved OID for organisation-validated TLS certificates
# (Baseline Requirements §7.1.6.1): what a real certSIGN OV certificate asserts.
POLICY_CABF_OV = "2.23.140.1.2.2"


@dataclass(frozen=True)
class ProductProfile:
    ca_slug: str  # the issuing CA in PORTAL_CA_DIR
    policy: str  # certificatePolicies OID
    # The CA/Browser Forum OV TLS profile (Baseline Requirements §7.1.2.7)
    # instead of the PKIoverheid one (SPEC.md §9).
    cabf_ov: bool = False


# Which issuing CA signs each product, under which policy (SPEC.md §9). Three
# separate demo hierarchies (certificates/demo_pki.py): production PKIoverheid
# Private Services (G1), the PKIoverheid TRIAL hierarchy for test certificates,
# and a certSIGN hierarchy for the publicly trusted OV certificates.
PRODUCT_PROFILES: dict[str, ProductProfile] = {
    "pkio-private": ProductProfile("g1-services", POLICY_PRIVATE_SERVER),
    "pkio-digipoort": ProductProfile("g1-services", POLICY_PRIVATE_SERVER),
    "pkio-trial": ProductProfile("trial-services", POLICY_TRIAL_SERVER),
    "certsign-ov": ProductProfile("certsign-ov-tls", POLICY_CABF_OV, cabf_ov=True),
}

# Clock skew between us and the relying party: a certificate installed the
# minute it is issued must already be valid there.
BACKDATE = dt.timedelta(minutes=1)
# How long a CRL may be relied on; the portal signs a fresh one on every
# request and every revocation, so relying parties refetch well before this.
CRL_VALIDITY = dt.timedelta(days=7)

_SLUG = re.compile(r"^[a-z0-9-]+$")


@dataclass(frozen=True)
class _CA:
    slug: str
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None


def _ca_dir() -> Path:
    # Follows PORTAL_PKI_DIR at call time when PORTAL_CA_DIR is not set.
    if settings.PORTAL_CA_DIR is not None:
        return Path(settings.PORTAL_CA_DIR)
    if settings.PORTAL_PKI_DIR is not None:
        return Path(settings.PORTAL_PKI_DIR) / "ca"
    raise CAUnavailable("Neither PORTAL_CA_DIR nor PORTAL_PKI_DIR is set: no CA to issue from")


@lru_cache
def _load_dir(directory: str) -> dict[str, _CA]:
    """Every CA certificate in ``directory`` by slug, with its key when there is one."""
    cas = {}
    for crt in sorted(Path(directory).glob("*.crt")):
        key_path = crt.with_suffix(".key")
        try:
            certificate = x509.load_pem_x509_certificates(crt.read_bytes())[0]
            loaded = (
                serialization.load_pem_private_key(key_path.read_bytes(), password=None)
                if key_path.exists()
                else None
            )
        except (ValueError, TypeError) as exc:
            raise CAUnavailable(f"{crt} or {key_path} is unreadable: {exc}") from None
        key = None
        if loaded is not None:
            if not isinstance(loaded, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
                raise CAUnavailable(f"{key_path}: only RSA and EC CA keys are supported")
            if loaded.public_key() != certificate.public_key():
                raise CAUnavailable(f"{key_path} does not belong to {crt}")
            key = loaded
        cas[crt.stem] = _CA(crt.stem, certificate, key)
    return cas


def _cas() -> dict[str, _CA]:
    directory = _ca_dir()
    if not directory.is_dir():
        raise CAUnavailable(f"CA directory {directory} does not exist")
    return _load_dir(str(directory))


def _signing_ca(slug: str) -> _CA:
    ca = _cas().get(slug)
    if ca is None:
        raise CAUnavailable(f"CA {slug!r}: no {slug}.crt in {_ca_dir()}")
    if ca.key is None:
        raise CAUnavailable(f"CA {slug!r}: no {slug}.key in {_ca_dir()}")
    return ca


def _ca_by_certificate(certificate: x509.Certificate) -> _CA:
    fp = fingerprint(certificate)
    for ca in _cas().values():
        if fingerprint(ca.certificate) == fp:
            return _signing_ca(ca.slug)
    raise CAUnavailable(f"{certificate.subject.rfc4514_string()} is not a CA in {_ca_dir()}")


def _chain(ca: _CA) -> tuple[x509.Certificate, ...]:
    """The CA and its parents up to the root, by signature (never by name alone)."""
    chain = [ca.certificate]
    candidates = [c.certificate for c in _cas().values()]
    current = ca.certificate
    while current.issuer != current.subject and len(chain) < 8:
        parent = next((c for c in candidates if _issued(current, by=c)), None)
        if parent is None:
            raise CAUnavailable(f"No parent of {current.subject.rfc4514_string()} in {_ca_dir()}")
        chain.append(parent)
        current = parent
    return tuple(chain)


def _issued(certificate: x509.Certificate, *, by: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(by)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _serial_number() -> int:
    # 126 random bits with bit 126 set: positive, always 16 bytes in DER.
    return secrets.randbits(126) | (1 << 126)


def _authority_key_identifier(ca: _CA) -> x509.AuthorityKeyIdentifier:
    try:
        ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        assert ca.key is not None
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key())
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)


def crl_url(slug: str) -> str:
    return f"{settings.PORTAL_CRL_BASE_URL}/{slug}.crl"


def ca_certificate_url(slug: str) -> str:
    """Where the CA certificate is published (authorityInfoAccess caIssuers), next to its CRL."""
    return f"{settings.PORTAL_CRL_BASE_URL}/{slug}.crt"


def subject_name(request: IssueRequest, *, cabf_ov: bool = False) -> x509.Name:
    """The issued subject, from validated registration data only (SPEC.md §9).

    Order as Baseline Requirements §7.1.4.2 lists it. The CA/B Forum OV
    profile (§7.1.2.7.4) has no place for organizationIdentifier and
    serialNumber, so they are left out there.
    """
    attributes = [(NameOID.COUNTRY_NAME, request.country)]
    if request.state:
        attributes.append((NameOID.STATE_OR_PROVINCE_NAME, request.state))
    if request.locality:
        attributes.append((NameOID.LOCALITY_NAME, request.locality))
    attributes.append((NameOID.ORGANIZATION_NAME, request.organization))
    if not cabf_ov:
        attributes += [
            (NameOID.ORGANIZATION_IDENTIFIER, request.organization_identifier),
            (NameOID.SERIAL_NUMBER, request.subject_serial),
        ]
    attributes.append((NameOID.COMMON_NAME, request.common_name))
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


def _check_place(request: IssueRequest, *, cabf_ov: bool) -> None:
    """L and ST are real places; the OV profile needs one of them next to O (BR §7.1.4.2)."""
    for value in (request.locality, request.state):
        if value and is_placeholder(value):
            raise ValueError(f"{value!r} is a placeholder, not a place (BR §7.1.4.3)")
    if cabf_ov and not (request.locality or request.state):
        raise ValueError("The OV profile needs the registered locality or state")


def _key_usage(public_key: object, *, key_encipherment: bool = True) -> x509.KeyUsage:
    # keyEncipherment only means something for RSA key transport.
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=key_encipherment and isinstance(public_key, rsa.RSAPublicKey),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


_crl_number_lock = threading.Lock()
_last_crl_number = 0


def _crl_number() -> int:
    """The signing time in milliseconds: increasing across processes for as long as
    the clock does, with nothing to store; within a process strictly increasing."""
    global _last_crl_number
    with _crl_number_lock:
        _last_crl_number = max(int(time.time() * 1000), _last_crl_number + 1)
        return _last_crl_number


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class LocalCA:
    """Issues and signs CRLs with the CA keys in PORTAL_CA_DIR (see the module docstring)."""

    def issue(self, request: IssueRequest) -> IssuedCertificate:
        """Sign the profile of ``request.product_code`` (SPEC.md §9; certSIGN OV: the
        CA/Browser Forum OV profile, Baseline Requirements §7.1.2.7)."""
        profile = PRODUCT_PROFILES.get(request.product_code)
        if profile is None:
            raise CAUnavailable(f"No issuing CA for product {request.product_code!r}")
        if not request.dns_names or request.dns_names[0] != request.common_name:
            raise ValueError("dns_names must start with the common name")
        _check_place(request, cabf_ov=profile.cabf_ov)
        public_key = serialization.load_der_public_key(request.public_key_der)
        if not isinstance(public_key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
            raise ValueError("Only RSA and EC keys are certified")
        ca = _signing_ca(profile.ca_slug)
        assert ca.key is not None

        now = _now()
        ca_end = ca.certificate.not_valid_after_utc
        if ca_end <= now:
            raise CAUnavailable(f"CA {ca.slug!r} expired on {ca_end:%Y-%m-%d}")
        days = request.validity_days
        if request.publicly_trusted:
            # The rule in force when we sign; backdating only makes the period
            # start earlier, never longer than ``days``.
            days = min(days, public_tls_max_validity(now.date()))
        not_before = now - BACKDATE
        # RFC 5280 and the BRs count both ends in: the period is then exactly ``days``.
        period_end = not_before + dt.timedelta(days=days) - dt.timedelta(seconds=1)
        not_after = min(request.not_after or period_end, ca_end)
        if request.publicly_trusted:
            not_after = min(not_after, period_end)
        if not_after <= not_before:
            raise ValueError(f"not_after {not_after} is in the past")

        if profile.cabf_ov:
            # BR §7.1.2.7.10: serverAuth only; keyEncipherment is NOT RECOMMENDED
            # (§7.1.2.7.11, TLS key transport is gone with TLS 1.3).
            usages = [ExtendedKeyUsageOID.SERVER_AUTH]
        else:
            usages = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject_name(request, cabf_ov=profile.cabf_ov))
            .issuer_name(ca.certificate.subject)
            .public_key(public_key)
            .serial_number(_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                _key_usage(public_key, key_encipherment=not profile.cabf_ov), critical=True
            )
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in request.dns_names]),
                critical=False,
            )
            .add_extension(
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier(profile.policy), None)]
                ),
                critical=False,
            )
        )
        if not profile.cabf_ov:
            # BR §7.1.2.7.6: subjectKeyIdentifier is NOT RECOMMENDED for subscribers.
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
            )
        certificate = (
            builder.add_extension(_authority_key_identifier(ca), critical=False)
            .add_extension(
                # caIssuers only: the built-in CA runs no OCSP responder (the BRs
                # made OCSP optional with ballot SC-063; the CRL is the record).
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(ca_certificate_url(ca.slug)),
                        )
                    ]
                ),
                critical=False,
            )
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(crl_url(ca.slug))],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
            .sign(ca.key, hashes.SHA256())
        )
        logger.info(
            "Issued %s serial %x for %s (%s) by CA %s",
            request.product_code,
            certificate.serial_number,
            request.common_name,
            request.organization_identifier,
            ca.slug,
        )
        return IssuedCertificate(certificate, ca.certificate, _chain(ca))

    def revoke(
        self,
        *,
        issuing_ca: x509.Certificate,
        serial_number: int,
        reason: x509.ReasonFlags,
        revoked_at: dt.datetime,
    ) -> None:
        """Rewrite the CA's CRL in PORTAL_CRL_DIR, where the login check reads it.

        The revoked Certificate row is the record (certificate_mark_revoked,
        called first); the serial, reason and time are already in it.
        """
        ca = _ca_by_certificate(issuing_ca)
        directory = settings.PORTAL_CRL_DIR
        if directory is None:
            logger.info(
                "PORTAL_CRL_DIR not set: CRL of %s only served at %s", ca.slug, crl_url(ca.slug)
            )
            return
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        # PEM, as demo_pki writes the files in this directory (the loader reads both).
        pem = x509.load_der_x509_crl(self.crl(issuing_ca)).public_bytes(serialization.Encoding.PEM)
        # Written next to the target and renamed, so a reader never sees half
        # a CRL; ".tmp" is not a suffix the CRL loader picks up.
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as tmp:
            tmp.write(pem)
        os.replace(tmp.name, directory / f"{ca.slug}.crl")
        logger.info(
            "CRL of %s rewritten after revoking serial %x (%s)",
            ca.slug,
            serial_number,
            reason.value,
        )

    def crl(self, issuing_ca: x509.Certificate) -> bytes:
        """A fresh CRL of every revoked Certificate row of ``issuing_ca``, DER."""
        ca = _ca_by_certificate(issuing_ca)
        assert ca.key is not None
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.certificate.subject)
            .last_update(now)
            .next_update(now + CRL_VALIDITY)
            .add_extension(_authority_key_identifier(ca), critical=False)
            .add_extension(x509.CRLNumber(_crl_number()), critical=False)
        )
        revoked = (
            Certificate.objects.revoked()
            .filter(issuing_ca__fingerprint=fingerprint(ca.certificate))
            .order_by("revoked_at", "pk")
            .values_list("serial", "revoked_at", "revocation_reason")
        )
        for serial, revoked_at, reason in revoked:
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(int(serial, 16))
                .revocation_date(revoked_at)
            )
            # RFC 5280 §5.3.1: leave the reason out rather than say "unspecified".
            if reason and reason != x509.ReasonFlags.unspecified.value:
                entry = entry.add_extension(
                    x509.CRLReason(x509.ReasonFlags(reason)), critical=False
                )
            builder = builder.add_revoked_certificate(entry.build())
        return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def ca_certificate(self, slug: str) -> x509.Certificate:
        """The CA certificate of ``slug`` (its file name in PORTAL_CA_DIR)."""
        if not _SLUG.match(slug) or (ca := _cas().get(slug)) is None:
            raise CAUnavailable(f"No CA {slug!r} in {_ca_dir()}")
        return ca.certificate
