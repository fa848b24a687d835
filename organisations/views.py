"""Organisatiegegevens (manual §7.1): the subscriber's registration, read-only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from organisations.selectors import registered_persons
from portal.access import person_required


@require_GET
@person_required
def organisation(request: HttpRequest) -> HttpResponse:
    subscriber = request.person.subscriber
    return render(
        request,
        "organisations/organisation.html",
        {"persons": registered_persons(subscriber=subscriber)},
    )
