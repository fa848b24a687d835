"""The back office executes or declines revocation requests (issue 5; manual §3.1 "Intrekken").

Executing marks the certificate revoked with the requested reason and date,
tells the CA backend (the built-in CA writes a fresh CRL), and notifies the
contact person who asked and the certificate manager. The login check reads
the same revoked rows (portal/client_certificate.py), so a revoked personal
certificate no longer logs in.
"""

from __future__ import annotations

import logging
from functools import partial

from cryptography import x509
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from certificates.ca import ca_backend
from certificates.models import Certificate, RevocationReason, RevocationRequest
from certificates.services import certificate_mark_revoked
from certificates.tasks import revocation_notice_queue

logger = logging.getLogger("portal.certificates")


class RequestAlreadyDecided(Exception):
    """The request is no longer open (a double click, a colleague was first)."""


def _decide(request_id: int) -> RevocationRequest:
    request = (
        RevocationRequest.objects.select_for_update(of=("self",))
        .select_related("certificate")
        .get(pk=request_id)
    )
    if request.state != RevocationRequest.State.OPEN:
        raise RequestAlreadyDecided(request.pk)
    return request


def _ca_revoke(certificate_id: int) -> None:
    certificate = Certificate.objects.select_related("issuing_ca").get(pk=certificate_id)
    try:
        ca_backend().revoke(
            issuing_ca=x509.load_der_x509_certificate(
                bytes(certificate.issuing_ca.certificate.der)
            ),
            serial_number=int(certificate.serial, 16),
            reason=x509.ReasonFlags(certificate.revocation_reason),
            revoked_at=certificate.revoked_at,
        )
    except Exception:
        # The row is revoked (and the login check and the served CRL read the
        # rows); a CRL file that could not be written is rewritten next time.
        logger.exception("CA backend could not record revocation of %s", certificate.serial)


def revocation_execute(
    *, request_id: int, officer: object, address: str | None = None
) -> RevocationRequest:
    """ "Intrekken uitvoeren": revoke the certificate of an open request."""
    with transaction.atomic():
        request = _decide(request_id)
        certificate = Certificate.objects.select_for_update().get(pk=request.certificate_id)
        before = certificate.status
        certificate_mark_revoked(
            certificate=certificate,
            reason=RevocationReason(request.reason),
            revoked_at=timezone.now(),
        )
        request.state = RevocationRequest.State.EXECUTED
        request.decided_at = timezone.now()
        request.save(update_fields=["state", "decided_at"])
        audit_record(
            action=Action.REVOCATION_EXECUTED,
            obj=request,
            label=f"{certificate.common_name or certificate.subject} ({certificate.serial})",
            state_before=f"{RevocationRequest.State.OPEN}/{before}",
            state_after=f"{RevocationRequest.State.EXECUTED}/revoked",
            actor=officer,
            address=address,
            details={"certificate": certificate.pk, "reason": request.reason},
        )
        transaction.on_commit(partial(_ca_revoke, certificate.pk))
        transaction.on_commit(partial(revocation_notice_queue, request.pk))
    logger.info("Revocation request %s executed: %s", request.pk, certificate.serial)
    return request


def revocation_reject(
    *, request_id: int, officer: object, note: str, address: str | None = None
) -> RevocationRequest:
    """ "Afwijzen": the certificate stays valid; the note tells the customer why."""
    note = note.strip()
    if not note:
        raise ValueError("declining needs a note")
    with transaction.atomic():
        request = _decide(request_id)
        request.state = RevocationRequest.State.REJECTED
        request.decided_at = timezone.now()
        request.decision_note = note
        request.save(update_fields=["state", "decided_at", "decision_note"])
        certificate = request.certificate
        audit_record(
            action=Action.REVOCATION_REJECTED,
            obj=request,
            label=f"{certificate.common_name or certificate.subject} ({certificate.serial})",
            state_before=RevocationRequest.State.OPEN,
            state_after=RevocationRequest.State.REJECTED,
            actor=officer,
            address=address,
            details={"note": note},
        )
        transaction.on_commit(partial(revocation_notice_queue, request.pk))
    return request
