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

from certificates import emails
from certificates.revocation import certificate_ca_revoke
from certificates.topics import CA_REVOKE, REVOCATION_NOTICE
from core.outbox import outbox_handler

logger = logging.getLogger("portal.certificates")


@outbox_handler(REVOCATION_NOTICE)
def revocation_notice_send(request_id: int) -> None:
    emails.revocation_notice_send(request_id)


@outbox_handler(CA_REVOKE)
def ca_revoke(certificate_id: int) -> None:
    certificate_ca_revoke(certificate_id)
