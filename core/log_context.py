"""Which request a log line belongs to (issue 16): its id, person, subscriber and client.

The request-log middleware (``portal/request_log.py``) sets ``request_context`` while a
request is served; ``RequestContextFilter``, on the log handler (``LOGGING`` in
``portal/settings.py``), copies it onto every record logged meanwhile, from any
logger, so each JSON line names its request. Outside a request (Celery tasks,
commands) the fields are absent.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from core.trusted_proxy import from_trusted_proxy

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_META = "HTTP_X_REQUEST_ID"
# nginx's $request_id is 32 hex digits; a UUID with dashes passes as well. Nothing
# that could break a log line or a header.
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{16,64}")


def request_id_for(request: HttpRequest) -> str:
    """nginx's ``X-Request-ID`` when nginx sent the request (a trusted proxy with the
    proxy secret, core/trusted_proxy.py), so its access log and ours share the id;
    otherwise a new one: a client must not choose the id our log lines carry."""
    supplied = request.META.get(REQUEST_ID_META, "")
    if supplied and _REQUEST_ID.fullmatch(supplied) and from_trusted_proxy(request):
        return supplied
    return uuid.uuid4().hex


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client: str | None  # the real client address (audit.middleware.client_address)
    method: str
    path: str
    # Who is logged in is known only once the login middleware has run, after the
    # context was set: read from the request when a line is logged.
    request: HttpRequest

    def fields(self) -> dict[str, Any]:
        """The context of a log line. The person and subscriber by id, never by name."""
        person = getattr(self.request, "person", None)
        return {
            "request_id": self.request_id,
            "person": getattr(person, "pk", None),
            "subscriber": getattr(person, "subscriber_id", None),
            "client": self.client,
            "method": self.method,
            "path": self.path,
        }


request_context: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


class RequestContextFilter(logging.Filter):
    """Puts the current request's context on every record (fields a record already
    has, given with ``extra=``, are kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get()
        if context is not None:
            for name, value in context.fields().items():
                if not hasattr(record, name):
                    setattr(record, name, value)
        return True
