"""The back office executes or declines revocation requests (issue 5; manual §3.1 "Intrekken").

Executing marks the certificate revoked with the requested reason and date,
and writes two outbox messages in the same transaction: tell the CA backend
(the built-in CA writes a fresh CRL) and notify the contact person who asked
and the certificate manager (handlers in ``certificates.tasks``). The login check reads
the same revoked rows (portal/client_certificate.py), so a revoked personal
certificate no longer logs in.

A certificate on a card is revoked with the card: a lost or broken card loses
all its certificates (a personal card's authenticity and signature
certificate), whichever of them the request names. That holds for every kind
of card, so it is decided here, once.
"""

from __future__ import annotations

import datetime as dt
import logging

from cryptography import x509
from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from certificates.ca import ca_backend
from certificates.models import (
    REVOCATION_REQUEST_LIFECYCLE,
    Certificate,
    RevocationReason,
    RevocationRequest,
)
from certificates.services import certificate_mark_revoked
from certificates.topics import CA_REVOKE, REVOCATION_NOTICE
from core.lifecycle import state_change
from core.outbox import outbox_add

logger = logging.getLogger("portal.certificates")


class RequestAlreadyDecided(Exception):
    """The request is no longer open (a double click, a colleague was first)."""


def _decide(request_id: int, transition: str, **changes: object) -> tuple[RevocationRequest, str]:
    """Lock an open request and move it as ``REVOCATION_REQUEST_LIFECYCLE`` allows."""
    return state_change(
        RevocationRequest.objects.select_related("certificate"),
        request_id,
        lifecycle=REVOCATION_REQUEST_LIFECYCLE,
        action=transition,
        refused=lambda request: RequestAlreadyDecided(request.pk),
        decided_at=timezone.now(),
        **changes,
    )


def certificate_ca_revoke(certificate_id: int) -> None:
    """Tell the CA backend a certificate is revoked (the built-in CA rewrites its CRL).

    Runs as an outbox handler: an error is raised, so the message is retried
    and its error recorded. The row is revoked already (the login check and
    the served CRL read the rows). Idempotent: the backend records the same
    serial, reason and date again.
    """
    certificate = Certificate.objects.select_related("issuing_ca").get(pk=certificate_id)
    ca_backend().revoke(
        issuing_ca=x509.load_der_x509_certificate(bytes(certificate.issuing_ca.certificate.der)),
        serial_number=int(certificate.serial, 16),
        reason=x509.ReasonFlags(certificate.revocation_reason),
        revoked_at=certificate.revoked_at,
    )
    logger.info("CA backend recorded the revocation of %s", certificate.serial)


def revocation_execute(
    *, request_id: int, officer: object, address: str | None = None
) -> RevocationRequest:
    """ "Intrekken uitvoeren": revoke the certificate of an open request."""
    with transaction.atomic():
        request, state_before = _decide(request_id, "execute")
        certificate = Certificate.objects.select_for_update().get(pk=request.certificate_id)
        before = certificate.status
        revoked_at = timezone.now()
        certificate_mark_revoked(
            certificate=certificate, reason=RevocationReason(request.reason), revoked_at=revoked_at
        )
        # The other certificates on the same card go with it (see the module docstring).
        card_mates = (
            list(
                Certificate.objects.select_for_update()
                .filter(card_id=certificate.card_id, revoked_at__isnull=True)
                .exclude(pk=certificate.pk)
                .order_by("pk")
            )
            if certificate.card_id is not None
            else []
        )
        for mate in card_mates:
            certificate_mark_revoked(
                certificate=mate, reason=RevocationReason(request.reason), revoked_at=revoked_at
            )
        audit_record(
            action=Action.REVOCATION_EXECUTED,
            obj=request,
            label=f"{certificate.common_name or certificate.subject} ({certificate.serial})",
            state_before=f"{state_before}/{before}",
            state_after=f"{request.state}/revoked",
            actor=officer,
            address=address,
            details={
                "certificate": certificate.pk,
                "reason": request.reason,
                **({"card_certificates": [m.pk for m in card_mates]} if card_mates else {}),
            },
        )
        for revoked in [certificate, *card_mates]:
            outbox_add(CA_REVOKE, revoked.pk)
        outbox_add(REVOCATION_NOTICE, request.pk)
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
        request, state_before = _decide(request_id, "reject", decision_note=note)
        certificate = request.certificate
        audit_record(
            action=Action.REVOCATION_REJECTED,
            obj=request,
            label=f"{certificate.common_name or certificate.subject} ({certificate.serial})",
            state_before=state_before,
            state_after=request.state,
            actor=officer,
            address=address,
            details={"note": note},
        )
        outbox_add(REVOCATION_NOTICE, request.pk)
    return request


def certificate_revoke_superseded(
    *, certificate_id: int, replaced_by_id: int, revoked_at: dt.datetime, campaign_id: int
) -> bool:
    """Revoke a campaign certificate its issued replacement supersedes (issue 14, point 4;
    the daily job ``certificates.campaign_jobs``): reason superseded, an audit entry
    and the ``certificates.ca_revoke`` outbox message (the built-in CA rewrites its
    CRL), in one transaction. ``False`` when it was revoked already (idempotent)."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.revoked_at is not None:
            return False
        certificate_mark_revoked(
            certificate=certificate, reason=RevocationReason.SUPERSEDED, revoked_at=revoked_at
        )
        audit_record(
            action=Action.REVOCATION_EXECUTED,
            obj=certificate,
            label=f"{certificate.common_name or certificate.subject} ({certificate.serial})",
            state_before="valid",
            state_after="revoked",
            details={
                "reason": RevocationReason.SUPERSEDED.value,
                "replaced_by": replaced_by_id,
                "campaign": campaign_id,
                "automatic": True,
            },
        )
        outbox_add(CA_REVOKE, certificate.pk)
    logger.info(
        "Certificate %s revoked (superseded by certificate %s, campaign %s)",
        certificate.serial,
        replaced_by_id,
        campaign_id,
    )
    return True
