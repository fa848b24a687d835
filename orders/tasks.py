"""Celery tasks for placed orders: sealed documents, the confirmation e-mail, the sweeper.

The order row is the truth (SPEC.md §7, STYLE.md 7). Tasks take ids, are
idempotent, acknowledge only when done (``acks_late``) and are handed back
to the broker when a worker dies mid-task (``reject_on_worker_lost``). The
sweeper re-queues whatever the database says is unfinished, which also
covers orders placed while Redis or the worker was down.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.mail import CONFIRMATION_MAX_AGE
from core.tasks import RETRY, SWEEP_BATCH, queue_task
from orders import documents, emails, issuance
from orders.models import Order

logger = logging.getLogger("portal.orders")


@shared_task(**RETRY)
def order_documents_create(order_id: int) -> None:
    if documents.documents_create(order_id) is not None:
        confirmation_queue(order_id)


@shared_task(**RETRY)
def order_confirmation_send(order_id: int) -> None:
    emails.confirmation_send(order_id)


@shared_task(**RETRY)
def order_issue(order_id: int) -> None:
    if issuance.order_issue(order_id) is not None:
        queue_task(order_certificate_send, order_id)


@shared_task(**RETRY)
def order_certificate_send(order_id: int) -> None:
    emails.certificate_delivery_send(order_id)


@shared_task(**RETRY)
def order_rejection_send(order_id: int) -> None:
    emails.rejection_send(order_id)


def documents_queue(order_id: int) -> bool:
    return queue_task(order_documents_create, order_id)


def confirmation_queue(order_id: int) -> bool:
    return queue_task(order_confirmation_send, order_id)


def issue_queue(order_id: int) -> bool:
    return queue_task(order_issue, order_id)


def rejection_queue(order_id: int) -> bool:
    return queue_task(order_rejection_send, order_id)


@shared_task(acks_late=True)
def orders_sweep(grace_seconds: int | None = None) -> dict[str, int]:
    """Re-queue, after a grace period, what the database says is unfinished: documents,
    confirmations, issuing approved orders, and the issued/rejected e-mails."""
    now = timezone.now()
    grace = timedelta(
        seconds=settings.PORTAL_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    )
    settled = Order.objects.filter(placed_at__lte=now - grace)
    without_documents = list(
        settled.filter(documents__isnull=True)
        .order_by("placed_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    unconfirmed = list(
        settled.filter(
            Q(documents__isnull=False)
            & Q(confirmation_sent_at__isnull=True)
            & Q(placed_at__gte=now - CONFIRMATION_MAX_AGE)
        )
        .order_by("placed_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Back-office transitions count from when they happened (updated_at).
    decided = Order.objects.filter(updated_at__lte=now - grace)
    recent = decided.filter(updated_at__gte=now - CONFIRMATION_MAX_AGE)
    unissued = _ids(decided.filter(state=Order.State.APPROVED, certificates__isnull=True))
    undelivered = _ids(recent.filter(state=Order.State.ISSUED, certificate_sent_at__isnull=True))
    unrejected = _ids(recent.filter(state=Order.State.REJECTED, rejection_sent_at__isnull=True))
    for order_id in without_documents:
        documents_queue(order_id)
    for order_id in unconfirmed:
        confirmation_queue(order_id)
    for order_id in unissued:
        issue_queue(order_id)
    for order_id in undelivered:
        queue_task(order_certificate_send, order_id)
    for order_id in unrejected:
        rejection_queue(order_id)
    counts = {
        "documents": len(without_documents),
        "confirmations": len(unconfirmed),
        "issues": len(unissued),
        "deliveries": len(undelivered),
        "rejections": len(unrejected),
    }
    if any(counts.values()):
        logger.warning("Sweeper re-queued %s", counts)
    return counts


def _ids(queryset) -> list[int]:  # noqa: ANN001
    return list(queryset.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
