"""Celery tasks of the certificates app: telling people about a revocation decision."""

from __future__ import annotations

import logging

from celery import shared_task

from certificates import emails
from core.tasks import RETRY, queue_task

logger = logging.getLogger("portal.certificates")


@shared_task(**RETRY)
def revocation_notice_send(request_id: int) -> None:
    emails.revocation_notice_send(request_id)


def revocation_notice_queue(request_id: int) -> bool:
    return queue_task(revocation_notice_send, request_id)
