"""No cache keeps what the portal shows a person (issue 11, point 3)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PRIVATE = "private, no-store"


class PrivateByDefaultMiddleware:
    """Every response without a caching policy of its own gets ``Cache-Control: private,
    no-store``: pages behind login, CSV exports, certificate and document downloads, the
    back office, error pages.

    A view that means to be cached says so itself (the public CRLs and CA certificates);
    static files are answered by WhiteNoise, above this middleware, with their own policy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = PRIVATE
        return response
