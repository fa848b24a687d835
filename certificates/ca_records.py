"""The CAs as database records (``IssuingCA``): registering a CA directory, and the
record of the CA an issuance profile names.

Issuing stores each certificate with the record of the CA that signed it (matched by
the CA certificate's fingerprint), so every CA the backend issues from must be a
record first. ``manage.py ca_register`` and ``seed_demo`` register a CA directory
(``PORTAL_CA_DIR``: ``<slug>.crt`` with ``<slug>.key``, see certificates/ca/local.py)
the same way: here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.db import transaction

from certificates.ca import ca_backend
from certificates.ca.base import CAUnavailable
from certificates.models import IssuingCA
from certificates.services import issuing_ca_record
from certificates.x509_fields import fingerprint, is_ca, issued_by, name_attribute

# PKIoverheid ends a CA's name with its generation: "Staat der Nederlanden Root CA - G3".
_GENERATION = re.compile(r"-\s*(G1|G2|G3|G21)\s*$")
_NAME_LENGTH = IssuingCA._meta.get_field("name").max_length or 200


class CADirectoryError(Exception):
    """A CA directory that cannot be registered: missing, unreadable, or holding a
    certificate that is not a CA. Nothing is registered then."""


@dataclass(frozen=True)
class RegisteredCA:
    """One CA certificate of a registered directory and its record."""

    record: IssuingCA
    path: Path
    # The file's name without .crt; "" for a further certificate in a file (its chain).
    slug: str
    created: bool
    # False: signed by a CA that is not in the directory (so it has no parent record,
    # and the built-in CA cannot build its chain).
    issuer_found: bool


@dataclass(frozen=True)
class _Found:
    certificate: x509.Certificate
    path: Path
    slug: str


def _read(directory: Path) -> dict[str, _Found]:
    """Every certificate in ``directory``'s ``*.crt`` files by fingerprint. The first in
    a file is the CA of that slug (as the built-in CA reads it); the others its chain."""
    if not directory.is_dir():
        raise CADirectoryError(f"{directory} is not a directory")
    found: dict[str, _Found] = {}
    for path in sorted(directory.glob("*.crt")):
        try:
            certificates = x509.load_pem_x509_certificates(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise CADirectoryError(f"{path}: not a PEM certificate ({exc})") from None
        for position, certificate in enumerate(certificates):
            if not is_ca(certificate):
                raise CADirectoryError(
                    f"{path}: {certificate.subject.rfc4514_string()} is not a CA certificate "
                    "(no basicConstraints cA=TRUE)"
                )
            fp = fingerprint(certificate)
            if position == 0 or fp not in found:
                found[fp] = _Found(certificate, path, path.stem if position == 0 else "")
    if not found:
        raise CADirectoryError(f"No CA certificate (<slug>.crt) in {directory}")
    return found


def _issuer(certificate: x509.Certificate, candidates: dict[str, _Found]) -> str | None:
    """The fingerprint of the certificate in ``candidates`` that signed ``certificate``."""
    return next(
        (
            fp
            for fp, candidate in candidates.items()
            if candidate.certificate != certificate
            and issued_by(certificate, by=candidate.certificate)
        ),
        None,
    )


def _self_signed(certificate: x509.Certificate) -> bool:
    return certificate.issuer == certificate.subject and issued_by(certificate, by=certificate)


def _free_name(certificate: x509.Certificate, fp: str) -> str:
    """The CA's commonName (else its subject), unless another CA's record has that name."""
    name = name_attribute(certificate.subject, NameOID.COMMON_NAME)
    name = (name or certificate.subject.rfc4514_string())[:_NAME_LENGTH]
    if IssuingCA.objects.filter(name=name).exclude(fingerprint=fp).exists():
        suffix = f" ({fp[:12]})"
        name = name[: _NAME_LENGTH - len(suffix)] + suffix
    return name


def _generation(certificate: x509.Certificate, parent: IssuingCA | None) -> str:
    """From the name ("… - G3"), else the parent's: "Domein Server CA 2020" under
    "Root CA - G3" is G3. Blank outside PKIoverheid (certSIGN)."""
    match = _GENERATION.search(name_attribute(certificate.subject, NameOID.COMMON_NAME))
    if match:
        return match.group(1)
    return parent.generation if parent else ""


@transaction.atomic
def issuing_cas_register(*, directory: Path) -> list[RegisteredCA]:
    """Register every CA certificate in ``directory`` (and the chain certificates its
    files hold) as an ``IssuingCA``, parents first; idempotent.

    The parent is the CA in the directory whose signature verifies (never a name
    match). A new record is named after the CA's commonName, its generation read from
    the name; a CA already registered (same fingerprint) keeps the name and generation
    the back office may have given it, and gets its parent when it had none. Raises
    CADirectoryError, registering nothing, for a missing or unreadable directory or a
    certificate that is not a CA.
    """
    found = _read(directory)
    results: dict[str, RegisteredCA] = {}

    def register(fp: str, path: tuple[str, ...] = ()) -> RegisteredCA:
        if fp in results:
            return results[fp]
        entry = found[fp]
        parent_fp = None if _self_signed(entry.certificate) else _issuer(entry.certificate, found)
        # A cross-signed pair would send us round in circles: stop at the first repeat.
        parent = (
            register(parent_fp, (*path, fp)).record if parent_fp and parent_fp not in path else None
        )
        existing = IssuingCA.objects.filter(fingerprint=fp).select_related("parent").first()
        record = issuing_ca_record(
            name=existing.name if existing else _free_name(entry.certificate, fp),
            generation=(
                existing.generation if existing else _generation(entry.certificate, parent)
            ),
            certificate=entry.certificate,
            parent=parent or (existing.parent if existing else None),
        )
        results[fp] = RegisteredCA(
            record=record,
            path=entry.path,
            slug=entry.slug,
            created=existing is None,
            issuer_found=parent_fp is not None or _self_signed(entry.certificate),
        )
        return results[fp]

    for fp in found:
        register(fp)
    return [results[fp] for fp in found]


def issuing_ca_for_slug(slug: str) -> IssuingCA:
    """The record of the CA the backend issues ``slug`` (an issuance profile's CA) from.

    Raises CAUnavailable saying why there is none: the backend does not know the slug,
    or its CA certificate is not registered (``manage.py ca_register``).
    """
    certificate = ca_backend().ca_certificate(slug)
    record = IssuingCA.objects.filter(fingerprint=fingerprint(certificate)).first()
    if record is None:
        raise CAUnavailable(
            f"CA {slug!r} ({certificate.subject.rfc4514_string()}) is not registered: "
            "run manage.py ca_register"
        )
    return record
