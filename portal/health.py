"""``/healthz`` (liveness) and ``/readyz`` (readiness) for health checkers (issue 16).

A container health check or an orchestrator asks gunicorn directly, over plain HTTP,
by whatever host name it reaches it under. So ``HealthCheckMiddleware``, second in
``MIDDLEWARE`` (after the request log), answers these two paths before the rest of
the stack: no HTTPS redirect, no ALLOWED_HOSTS check, no session, no login, nothing
that reads the database but the readiness check itself. The answers are JSON and
never cached; they hold no paths, addresses or secrets (the details are logged).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from certificates.ca import ca_check
from core.health import Check, broker_check, database_check
from portal.client_certificate import crl_check
from sealing.seal import seal_check

# What the process needs to serve requests and get work done.
READINESS_CHECKS: dict[str, Callable[[], Check]] = {
    "database": database_check,
    "broker": broker_check,
    "seal": seal_check,
    "ca": ca_check,
    # The CRL files the login check reads are being refreshed (none past nextUpdate).
    "crl": crl_check,
}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, the database least of all."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: every check in ``READINESS_CHECKS``; 200 when all pass, else 503."""
    results = {name: check() for name, check in READINESS_CHECKS.items()}
    ready = all(result.ok for result in results.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "failed",
            "checks": {name: result.as_json() for name, result in results.items()},
        },
        status=200 if ready else 503,
    )


HEALTH_VIEWS = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    """Answers ``HEALTH_VIEWS`` before the rest of the middleware (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = HEALTH_VIEWS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
