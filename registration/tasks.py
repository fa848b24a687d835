"""What follows a change request, as outbox handlers (core.outbox), and the ID-copy sweeper.

Submitting writes ``registration.documents``; the sealed PDF adds
``registration.confirmation``; approving and rejecting write
``registration.approval`` and ``registration.rejection``. The same pattern
as ``orders.tasks`` (STYLE.md 7): one message per thing to do, written in
the transaction of the change, delivered once and swept by
``core.outbox.outbox_sweep``.
"""

from __future__ import annotations

import logging

from celery import shared_task

from core.mail import CONFIRMATION_MAX_AGE
from core.outbox import outbox_add, outbox_handler
from registration import documents, emails
from registration.id_documents import delete_id_document, stored_names_older_than
from registration.models import ChangeRequest

logger = logging.getLogger("portal.registration")

DOCUMENTS = "registration.documents"
CONFIRMATION = "registration.confirmation"
APPROVAL = "registration.approval"
REJECTION = "registration.rejection"


@outbox_handler(DOCUMENTS)
def change_documents_create(change_request_id: int) -> None:
    made = documents.documents_create(change_request_id)
    if made is not None:
        outbox_add(
            CONFIRMATION,
            change_request_id,
            give_up_after=made.change_request.submitted_at + CONFIRMATION_MAX_AGE,
        )


@outbox_handler(CONFIRMATION)
def change_confirmation_send(change_request_id: int) -> None:
    emails.confirmation_send(change_request_id)


@outbox_handler(APPROVAL)
def change_approval_send(change_request_id: int) -> None:
    emails.approval_send(change_request_id)


@outbox_handler(REJECTION)
def change_rejection_send(change_request_id: int) -> None:
    emails.rejection_send(change_request_id)


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
