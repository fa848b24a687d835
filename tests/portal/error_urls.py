"""The portal's URLs plus views that fail, for the error page tests."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal import urls

# What a developer would see: none of it may reach the page.
INTERNAL = "KeyError at /srv/portal/orders/wizards.py line 42: secret-detail"


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(INTERNAL)


def forbids(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(INTERNAL)


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(INTERNAL)


handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500

urlpatterns = [
    path("test/400/", suspicious),
    path("test/403/", forbids),
    path("test/500/", fails),
    *urls.urlpatterns,
]
