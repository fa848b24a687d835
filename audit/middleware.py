"""Remember the client's address while a request is served (audit log: "from which address")."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import request_address
from core.trusted_proxy import from_trusted_proxy


def client_address(request: HttpRequest) -> str | None:
    """The client's address. Behind nginx REMOTE_ADDR is nginx itself; nginx (a trusted
    proxy) passes the client's address as X-Forwarded-For, which counts only from it."""
    if from_trusted_proxy(request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rpartition(",")[2].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


class RequestAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            request_address.reset(token)
