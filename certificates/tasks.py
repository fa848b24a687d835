"""What follows a revocation decision, as outbox handlers (core.outbox; issue 5).

Executing a request writes ``certificates.ca_revoke`` (tell the CA backend;
the built-in CA rewrites its CRL) and ``certificates.revocation_notice``;
declining writes the notice only. Both are written in the transaction of the
decision, delivered once, retried on failure (never swallowed) and swept by
``core.outbox.outbox_sweep``: a notice queued while the broker is down is
delivered once it is back.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from certificates import campaign_jobs, emails, reminders
from certificates.ca import ca_backend
from certificates.revocation import certificate_ca_revoke
from certificates.topics import CA_REVOKE, CAMPAIGN_NOTICE, EXPIRY_DIGEST, REVOCATION_NOTICE
from core.outbox import outbox_handler

logger = logging.getLogger("portal.certificates")


@outbox_handler(REVOCATION_NOTICE)
def revocation_notice_send(request_id: int) -> None:
    emails.revocation_notice_send(request_id)


@outbox_handler(CA_REVOKE)
def ca_revoke(certificate_id: int) -> None:
    certificate_ca_revoke(certificate_id)


@outbox_handler(EXPIRY_DIGEST)
def expiry_digest_send(digest_id: int) -> None:
    reminders.expiry_digest_send(digest_id)


@shared_task(name="certificates.tasks.expiry_reminders_today")
def expiry_reminders_today() -> int:
    """The daily beat task: the expiry reminders due today (certificates.reminders)."""
    return reminders.expiry_reminders_run(day=timezone.localdate())


@outbox_handler(CAMPAIGN_NOTICE)
def campaign_notice_send(notice_id: int) -> None:
    campaign_jobs.campaign_notice_send(notice_id)


@shared_task(name="certificates.tasks.campaigns_run_today")
def campaigns_run_today() -> dict[str, int]:
    """The daily beat task: the campaign job for today (certificates.campaign_jobs)."""
    return asdict(campaign_jobs.campaigns_run(day=timezone.localdate()))


@shared_task(name="certificates.tasks.crl_files_refresh")
def crl_files_refresh() -> list[str]:
    """The daily beat task: the CA backend re-signs its CRL files in PORTAL_CRL_DIR
    before they pass their nextUpdate (``LocalCA.refresh_crl_files``)."""
    return list(ca_backend().refresh_crl_files())
