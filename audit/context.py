"""The address of the request being served, for audit entries written deep in services.

Set per request by ``audit.middleware.RequestAddressMiddleware``; empty in
Celery tasks and commands (their entries say "systeem").
"""

from __future__ import annotations

from contextvars import ContextVar

request_address: ContextVar[str | None] = ContextVar("request_address", default=None)
