"""The portal's URLs plus the floor: a bare view doing one primary-key query, behind all
the portal's middleware (the login check included). Only `make bench` serves it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from organisations.models import Subscriber


def floor(request: HttpRequest) -> HttpResponse:
    subscriber = Subscriber.objects.filter(pk=1).values_list("pk", flat=True).first()
    return HttpResponse(f"floor {subscriber}", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("portal.urls")),
]
