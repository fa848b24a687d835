"""Writes on certificates (services, see STYLE.md)."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from django.db import IntegrityError, transaction

from audit.models import Action
from audit.services import audit_record
from certificates import x509_fields
from certificates.models import (
    Card,
    Certificate,
    IssuingCA,
    Kind,
    Product,
    RevocationReason,
    RevocationRequest,
)
from certificates.permissions import REVOCATION_PENDING, REVOKE, certificate_actions
from organisations.models import Person, Subscriber


def issuing_ca_record(
    *, name: str, generation: str, certificate: x509.Certificate, parent: IssuingCA | None = None
) -> IssuingCA:
    """Register (or update) a CA certificate by its fingerprint."""
    ca, _created = IssuingCA.objects.update_or_create(
        fingerprint=x509_fields.fingerprint(certificate),
        defaults={
            "name": name,
            "generation": generation,
            "certificate": certificate,
            "parent": parent,
        },
    )
    return ca


@transaction.atomic
def certificate_record(
    *,
    subscriber: Subscriber,
    certificate: x509.Certificate,
    kind: Kind,
    issuing_ca: IssuingCA,
    product: Product | None = None,
    card: Card | None = None,
    card_usage: str = "",
    certificate_manager: Person | None = None,
    requested_by: Person | None = None,
) -> Certificate:
    """Store an issued certificate with the fields read from it.

    Idempotent on the certificate's fingerprint: recording the same
    certificate twice returns the existing row.
    """
    fp = x509_fields.fingerprint(certificate)
    existing = Certificate.objects.filter(fingerprint=fp).first()
    if existing is not None:
        return existing
    subject = x509_fields.subject_fields(certificate.subject)
    return Certificate.objects.create(
        subscriber=subscriber,
        kind=kind,
        product=product,
        card=card,
        card_usage=card_usage,
        issuing_ca=issuing_ca,
        serial=x509_fields.serial_hex(certificate),
        subject=certificate.subject.rfc4514_string(),
        common_name=subject.common_name,
        organization=subject.organization,
        locality=subject.locality,
        state=subject.state,
        country=subject.country,
        subject_serial=subject.serial_number,
        sans=x509_fields.subject_alt_names(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        spki_sha256=x509_fields.spki_sha256(certificate),
        fingerprint=fp,
        der=certificate,
        certificate_manager=certificate_manager,
        requested_by=requested_by,
    )


def certificate_mark_revoked(
    *, certificate: Certificate, reason: RevocationReason, revoked_at: datetime
) -> Certificate:
    """Record a revocation (the CA backend of a later issue calls this too)."""
    if certificate.revoked_at is None:
        certificate.revoked_at = revoked_at
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
    return certificate


class RevocationNotPossible(Exception):
    """The certificate cannot (or need not) be revoked now; the message says why in Dutch."""


def revocation_request_create(
    *, certificate: Certificate, reason: str, requested_by: Person, explanation: str = ""
) -> RevocationRequest:
    """Ask the back office to revoke a certificate of any kind (manual §3.1 "Intrekken").

    ``certificate_actions`` decides whether ``requested_by`` may (its Dutch reason
    is the exception's message). One open request per certificate, guaranteed by
    the database; a second one (a double click, a colleague at the same moment)
    is refused.
    """
    refused = certificate_actions(requested_by, certificate).refusals.get(REVOKE)
    if refused is not None:
        raise RevocationNotPossible(refused)
    try:
        with transaction.atomic():
            request = RevocationRequest.objects.create(
                certificate=certificate,
                reason=reason,
                requested_by=requested_by,
                explanation=explanation,
            )
            audit_record(
                action=Action.REVOCATION_REQUESTED,
                obj=request,
                label=f"{certificate.common_name or certificate.subject} ({certificate.serial})",
                state_after=RevocationRequest.State.OPEN,
                actor_label=requested_by.name,
                details={"reason": reason},
            )
            return request
    except IntegrityError:
        raise RevocationNotPossible(str(REVOCATION_PENDING)) from None
