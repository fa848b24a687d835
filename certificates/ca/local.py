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
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from django.conf import settings

from certificates.ca.base import (
    EXTENDED_KEY_USAGES,
    CAUnavailable,
    IssuedCertificate,
    IssueRequest,
    ProfileData,
    SubjectData,
    SubjectLayout,
)
from certificates.csr import is_placeholder
from certificates.models import Certificate
from certificates.validity import public_tls_max_validity
from certificates.x509_fields import fingerprint, issued_by

logger = logging.getLogger("portal.ca")

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


def ca_dir() -> Path:
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
    directory = ca_dir()
    if not directory.is_dir():
        raise CAUnavailable(f"CA directory {directory} does not exist")
    return _load_dir(str(directory))


def _signing_ca(slug: str) -> _CA:
    ca = _cas().get(slug)
    if ca is None:
        raise CAUnavailable(f"CA {slug!r}: no {slug}.crt in {ca_dir()}")
    if ca.key is None:
        raise CAUnavailable(f"CA {slug!r}: no {slug}.key in {ca_dir()}")
    return ca


def _ca_by_certificate(certificate: x509.Certificate) -> _CA:
    fp = fingerprint(certificate)
    for ca in _cas().values():
        if fingerprint(ca.certificate) == fp:
            return _signing_ca(ca.slug)
    raise CAUnavailable(f"{certificate.subject.rfc4514_string()} is not a CA in {ca_dir()}")


def _chain(ca: _CA) -> tuple[x509.Certificate, ...]:
    """The CA and its parents up to the root, by signature (never by name alone)."""
    chain = [ca.certificate]
    candidates = [c.certificate for c in _cas().values()]
    current = ca.certificate
    while current.issuer != current.subject and len(chain) < 8:
        parent = next((c for c in candidates if issued_by(current, by=c)), None)
        if parent is None:
            raise CAUnavailable(f"No parent of {current.subject.rfc4514_string()} in {ca_dir()}")
        chain.append(parent)
        current = parent
    return tuple(chain)


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


def subject_name(subject: SubjectData, *, template: str) -> x509.Name:
    """The issued subject in the profile's layout, from validated registration data
    only (SPEC.md §9).

    Order as Baseline Requirements §7.1.4.2 lists it. The CA/B Forum OV layout
    (§7.1.2.7.4) has no place for organizationIdentifier and serialNumber; the
    PKIoverheid organisation-service layout none for L and ST.
    """
    if template == SubjectLayout.PKIO_SERVICE:
        attributes = [
            (NameOID.COUNTRY_NAME, subject.country),
            (NameOID.ORGANIZATION_NAME, subject.organization),
            (NameOID.ORGANIZATION_IDENTIFIER, subject.organization_identifier),
            (NameOID.SERIAL_NUMBER, subject.serial_number),
            (NameOID.COMMON_NAME, subject.common_name),
        ]
    elif template == SubjectLayout.PKIO_PERSON:
        # As the demo persons' login certificates (certificates/demo_pki.py) and the
        # seed's card detail: CN the holder, serialNumber the holder's number.
        attributes = [
            (NameOID.COUNTRY_NAME, subject.country),
            (NameOID.ORGANIZATION_NAME, subject.organization),
            (NameOID.ORGANIZATION_IDENTIFIER, subject.organization_identifier),
            (NameOID.COMMON_NAME, subject.common_name),
        ]
        # givenName and surname only when the holder's name splits into them.
        if subject.given_name and subject.surname:
            attributes += [
                (NameOID.GIVEN_NAME, subject.given_name),
                (NameOID.SURNAME, subject.surname),
            ]
        attributes.append((NameOID.SERIAL_NUMBER, subject.serial_number))
    elif template == SubjectLayout.PKIO_ORGANISATION:
        attributes = [
            (NameOID.COUNTRY_NAME, subject.country),
            (NameOID.ORGANIZATION_NAME, subject.organization),
            (NameOID.ORGANIZATION_IDENTIFIER, subject.organization_identifier),
            (NameOID.COMMON_NAME, subject.common_name),
        ]
    elif template == SubjectLayout.CABF_OV:
        attributes = [(NameOID.COUNTRY_NAME, subject.country)]
        if subject.state:
            attributes.append((NameOID.STATE_OR_PROVINCE_NAME, subject.state))
        if subject.locality:
            attributes.append((NameOID.LOCALITY_NAME, subject.locality))
        attributes += [
            (NameOID.ORGANIZATION_NAME, subject.organization),
            (NameOID.COMMON_NAME, subject.common_name),
        ]
    else:
        raise ValueError(f"Unknown subject template {template!r}")
    missing = [oid.dotted_string for oid, value in attributes if not value]
    if missing:
        raise ValueError(f"The subject lacks {', '.join(missing)}")
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])


def _check_place(subject: SubjectData, *, template: str) -> None:
    """L and ST are real places; the OV layout needs one of them next to O (BR §7.1.4.2)."""
    for value in (subject.locality, subject.state):
        if value and is_placeholder(value):
            raise ValueError(f"{value!r} is a placeholder, not a place (BR §7.1.4.3)")
    if template == SubjectLayout.CABF_OV and not (subject.locality or subject.state):
        raise ValueError("The OV profile needs the registered locality or state")


# keyUsage names (certificates.ca.base.KEY_USAGES) as cryptography's KeyUsage arguments.
_KEY_USAGE_ARGUMENTS = {
    "digitalSignature": "digital_signature",
    "nonRepudiation": "content_commitment",
    "keyEncipherment": "key_encipherment",
    "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement",
}
# Key transport: only meaningful for an RSA key; left out for an EC key.
_RSA_ONLY = {"keyEncipherment", "dataEncipherment"}


def _key_usage(public_key: object, names: tuple[str, ...]) -> x509.KeyUsage:
    arguments = dict.fromkeys([*_KEY_USAGE_ARGUMENTS.values(), "key_cert_sign", "crl_sign"], False)
    for name in names:
        if name in _RSA_ONLY and not isinstance(public_key, rsa.RSAPublicKey):
            continue
        arguments[_KEY_USAGE_ARGUMENTS[name]] = True
    if not any(arguments.values()):
        raise ValueError(f"No key usage of {list(names)} applies to this key")
    return x509.KeyUsage(**arguments, encipher_only=False, decipher_only=False)


def _certified_key(
    der: bytes, profile: ProfileData
) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """The public key in ``der``, if it is of a type the profile certifies."""
    public_key = serialization.load_der_public_key(der)
    if isinstance(public_key, rsa.RSAPublicKey):
        key_type = "rsa"
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        key_type = "ec"
    else:
        raise ValueError("Only RSA and EC keys are certified")
    if key_type not in profile.key_types:
        raise ValueError(f"Profile {profile.code!r} does not certify {key_type} keys")
    return public_key


def _extended_key_usage(names: tuple[str, ...]) -> x509.ExtendedKeyUsage:
    return x509.ExtendedKeyUsage(
        [x509.ObjectIdentifier(EXTENDED_KEY_USAGES.get(name, name)) for name in names]
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


def _validity(request: IssueRequest, ca: _CA) -> tuple[dt.datetime, dt.datetime]:
    """notBefore and notAfter: the product's days, under the profile's validity rule,
    never past the CA's own expiry."""
    now = _now()
    ca_end = ca.certificate.not_valid_after_utc
    if ca_end <= now:
        raise CAUnavailable(f"CA {ca.slug!r} expired on {ca_end:%Y-%m-%d}")
    days = request.validity_days
    publicly_trusted = request.profile.publicly_trusted
    if publicly_trusted:
        # The rule in force when we sign; backdating only makes the period
        # start earlier, never longer than ``days``.
        days = min(days, public_tls_max_validity(now.date()))
    not_before = now - BACKDATE
    # RFC 5280 and the BRs count both ends in: the period is then exactly ``days``.
    period_end = not_before + dt.timedelta(days=days) - dt.timedelta(seconds=1)
    not_after = min(request.not_after or period_end, ca_end)
    if publicly_trusted:
        not_after = min(not_after, period_end)
    if not_after <= not_before:
        raise ValueError(f"not_after {not_after} is in the past")
    return not_before, not_after


def _sign(
    ca: _CA,
    profile: ProfileData,
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    key_usages: tuple[str, ...],
    policy_oids: tuple[str, ...],
    extended_key_usages: tuple[str, ...],
    dns_names: tuple[str, ...],
    email: str,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.Certificate:
    """One certificate of ``profile`` for ``public_key``.

    The CA/B Forum OV profile (BR §7.1.2.7) names serverAuth only and leaves out
    keyEncipherment (§7.1.2.7.11, TLS key transport is gone with TLS 1.3) and
    the subjectKeyIdentifier (§7.1.2.7.6, NOT RECOMMENDED for subscribers): its
    profile row says so.
    """
    assert ca.key is not None
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(public_key, key_usages), critical=True)
    )
    if extended_key_usages:
        builder = builder.add_extension(_extended_key_usage(extended_key_usages), critical=False)
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    if email:
        names.append(x509.RFC822Name(email))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    builder = builder.add_extension(
        x509.CertificatePolicies(
            [x509.PolicyInformation(x509.ObjectIdentifier(oid), None) for oid in policy_oids]
        ),
        critical=False,
    )
    if profile.subject_key_identifier:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
    return (
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


class LocalCA:
    """Issues and signs CRLs with the CA keys in PORTAL_CA_DIR (see the module docstring)."""

    def issue(self, request: IssueRequest) -> tuple[IssuedCertificate, ...]:
        """Sign one certificate per public key from the request's profile (SPEC.md §9;
        certSIGN OV: the CA/Browser Forum OV profile, Baseline Requirements §7.1.2.7).

        Key ``i`` gets the profile's ``key_usages[i]``; everything else is the
        same for every key. Every key is checked before anything is signed.
        """
        profile = request.profile
        if len(request.public_keys) != len(profile.key_usages):
            raise ValueError(
                f"Profile {profile.code!r} issues {len(profile.key_usages)} certificate(s), "
                f"got {len(request.public_keys)} public key(s)"
            )
        serves_tls = profile.serves_tls
        if (serves_tls or request.dns_names) and (
            not request.dns_names or request.dns_names[0] != request.subject.common_name
        ):
            raise ValueError("dns_names must start with the common name")
        _check_place(request.subject, template=profile.subject_template)
        subject = subject_name(request.subject, template=profile.subject_template)
        keys = [_certified_key(der, profile) for der in request.public_keys]
        ca = _signing_ca(profile.ca_slug)
        not_before, not_after = _validity(request, ca)
        chain = _chain(ca)
        issued = []
        # The e-mail address (rfc822Name) only in a person's certificates.
        email = (
            request.subject.email if profile.subject_template == SubjectLayout.PKIO_PERSON else ""
        )
        for public_key, usages, policies, purposes in zip(
            keys,
            profile.key_usages,
            profile.policy_oids,
            profile.extended_key_usages,
            strict=True,
        ):
            certificate = _sign(
                ca,
                profile,
                subject=subject,
                public_key=public_key,
                key_usages=usages,
                policy_oids=policies,
                extended_key_usages=purposes,
                dns_names=request.dns_names,
                email=email,
                not_before=not_before,
                not_after=not_after,
            )
            logger.info(
                "Issued %s serial %x for %s (%s) by CA %s",
                profile.code,
                certificate.serial_number,
                request.subject.common_name,
                request.subject.organization_identifier or request.subject.organization,
                ca.slug,
            )
            issued.append(IssuedCertificate(certificate, ca.certificate, chain))
        return tuple(issued)

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
        if self._write_crl_file(ca) is None:
            logger.info(
                "PORTAL_CRL_DIR not set: CRL of %s only served at %s", ca.slug, crl_url(ca.slug)
            )
            return
        logger.info(
            "CRL of %s rewritten after revoking serial %x (%s)",
            ca.slug,
            serial_number,
            reason.value,
        )

    def refresh_crl_files(self) -> tuple[str, ...]:
        """Re-sign the CRL file in PORTAL_CRL_DIR of every CA with a key. A file is valid
        for CRL_VALIDITY and otherwise rewritten only after a revocation: without this
        (daily, Celery beat) a week without revocations would leave the login check
        with CRLs past their nextUpdate, which ``/readyz`` reports."""
        if settings.PORTAL_CRL_DIR is None:
            return ()
        refreshed = tuple(ca.slug for ca in _cas().values() if ca.key is not None)
        for slug in refreshed:
            self._write_crl_file(_signing_ca(slug))
        logger.info("CRL files of %s re-signed", ", ".join(refreshed) or "no CA")
        return refreshed

    def _write_crl_file(self, ca: _CA) -> Path | None:
        """A fresh CRL of ``ca`` as PORTAL_CRL_DIR/<slug>.crl (the directory made if need
        be); None without PORTAL_CRL_DIR."""
        directory = settings.PORTAL_CRL_DIR
        if directory is None:
            return None
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        # PEM, as demo_pki writes the files in this directory (the loader reads both).
        pem = x509.load_der_x509_crl(self.crl(ca.certificate)).public_bytes(
            serialization.Encoding.PEM
        )
        # Written next to the target and renamed, so a reader never sees half
        # a CRL; ".tmp" is not a suffix the CRL loader picks up.
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as tmp:
            tmp.write(pem)
        path = directory / f"{ca.slug}.crl"
        os.replace(tmp.name, path)
        return path

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

    def check(self) -> None:
        """Every CA in PORTAL_CA_DIR loads (each key belongs to its certificate, see
        ``_load_dir``) and at least one has its key, so there is a CA to issue from."""
        if not any(ca.key is not None for ca in _cas().values()):
            raise CAUnavailable(f"No CA key in {ca_dir()}: nothing to issue from")

    def ca_certificate(self, slug: str) -> x509.Certificate:
        """The CA certificate of ``slug`` (its file name in PORTAL_CA_DIR)."""
        if not _SLUG.match(slug) or (ca := _cas().get(slug)) is None:
            raise CAUnavailable(f"No CA {slug!r} in {ca_dir()}")
        return ca.certificate
