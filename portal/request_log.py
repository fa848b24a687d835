"""One access line per request, and the request's context on every line (issue 16).

``RequestLogMiddleware`` is first in ``MIDDLEWARE``: it gives the request its id
(nginx's ``X-Request-ID`` when nginx sent it, core/log_context.py), echoes it in the
response's ``X-Request-ID``, sets the context that ``RequestContextFilter`` puts on
every record logged meanwhile, and at the end logs the access line on
``portal.request``: method, path (without the query string, which may hold search
terms), status and duration, besides the context (request id, person, subscriber,
client address). Health checks that pass are logged at DEBUG only: an orchestrator
asks every few seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.middleware import client_address
from core.log_context import REQUEST_ID_HEADER, RequestContext, request_context, request_id_for
from portal.health import HEALTH_VIEWS

logger = logging.getLogger("portal.request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        request.request_id = request_id_for(request)
        token = request_context.set(
            RequestContext(
                request_id=request.request_id,
                client=client_address(request),
                method=request.method or "",
                path=request.path,
                request=request,
            )
        )
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            status = response.status_code
            if status >= 500:
                level = logging.ERROR
            elif request.path_info in HEALTH_VIEWS and status == 200:
                level = logging.DEBUG
            else:
                level = logging.INFO
            logger.log(
                level,
                "%s %s %s %s ms",
                request.method,
                request.path,
                status,
                duration_ms,
                extra={"status": status, "duration_ms": duration_ms},
            )
            return response
        finally:
            request_context.reset(token)
