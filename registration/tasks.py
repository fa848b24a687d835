"""Celery tasks for change requests: the sealed PDF, the e-mails, the sweeper.

The same pattern as ``orders.tasks`` (STYLE.md 7): tasks take ids, are
idempotent and retried; the change request row is the truth, and the
sweeper re-queues whatever it says is unfinished.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.mail import CONFIRMATION_MAX_AGE
from core.tasks import RETRY, SWEEP_BATCH, queue_task
from registration import documents, emails
from registration.id_documents import delete_id_document, stored_names_older_than
from registration.models import ChangeRequest

logger = logging.getLogger("portal.registration")


@shared_task(**RETRY)
def change_documents_create(change_request_id: int) -> None:
    if documents.documents_create(change_request_id) is not None:
        confirmation_queue(change_request_id)


@shared_task(**RETRY)
def change_confirmation_send(change_request_id: int) -> None:
    emails.confirmation_send(change_request_id)


@shared_task(**RETRY)
def change_approval_send(change_request_id: int) -> None:
    emails.approval_send(change_request_id)


@shared_task(**RETRY)
def change_rejection_send(change_request_id: int) -> None:
    emails.rejection_send(change_request_id)


def documents_queue(change_request_id: int) -> bool:
    return queue_task(change_documents_create, change_request_id)


def confirmation_queue(change_request_id: int) -> bool:
    return queue_task(change_confirmation_send, change_request_id)


def approval_queue(change_request_id: int) -> bool:
    return queue_task(change_approval_send, change_request_id)


def rejection_queue(change_request_id: int) -> bool:
    return queue_task(change_rejection_send, change_request_id)


@shared_task(acks_late=True)
def registration_sweep(grace_seconds: int | None = None) -> dict[str, int]:
    """Re-queue, after a grace period, what the database says is unfinished: the sealed
    PDF, the confirmation, and the e-mails about approval and rejection."""
    now = timezone.now()
    grace = timedelta(
        seconds=settings.PORTAL_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    )
    settled = ChangeRequest.objects.filter(submitted_at__lte=now - grace)
    recent = settled.filter(submitted_at__gte=now - CONFIRMATION_MAX_AGE)
    decided = ChangeRequest.objects.filter(
        decided_at__lte=now - grace, decided_at__gte=now - CONFIRMATION_MAX_AGE
    )
    queues = {
        "documents": (documents_queue, settled.filter(documents__isnull=True)),
        "confirmations": (
            confirmation_queue,
            recent.filter(documents__isnull=False, confirmation_sent_at__isnull=True),
        ),
        "approvals": (
            approval_queue,
            decided.filter(state=ChangeRequest.State.APPROVED, approval_sent_at__isnull=True),
        ),
        "rejections": (
            rejection_queue,
            decided.filter(state=ChangeRequest.State.REJECTED, rejection_sent_at__isnull=True),
        ),
    }
    counts = {}
    for name, (queue, queryset) in queues.items():
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
        for change_request_id in ids:
            queue(change_request_id)
        counts[name] = len(ids)
    if any(counts.values()):
        logger.warning("Registration sweeper re-queued %s", counts)
    return counts


# A wizard lives in a session (PORTAL_SESSION_SECONDS, 30 minutes); an ID copy
# older than a day that no change request names was abandoned with its wizard.
ORPHAN_AGE_SECONDS = 24 * 3600


@shared_task(acks_late=True)
def id_documents_sweep() -> int:
    """Delete ID copies that no change request refers to (an abandoned wizard's uploads)."""
    candidates = stored_names_older_than(ORPHAN_AGE_SECONDS)
    if not candidates:
        return 0
    referenced = set()
    for sections in ChangeRequest.objects.values_list("sections", flat=True).iterator():
        referenced.update(_stored_names(sections))
    orphans = [name for name in candidates if name not in referenced]
    for name in orphans:
        delete_id_document(name)
    if orphans:
        logger.info("Deleted %s ID copies no change request refers to", len(orphans))
    return len(orphans)


def _stored_names(value: object) -> list[str]:
    """Every ``stored_name`` anywhere in a change request's sections."""
    if isinstance(value, dict):
        names = [value["stored_name"]] if isinstance(value.get("stored_name"), str) else []
        return names + [name for item in value.values() for name in _stored_names(item)]
    if isinstance(value, list):
        return [name for item in value for name in _stored_names(item)]
    return []
