"""The confirmation page and the download of the sealed change form (manual §7.2)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from core.access import person_required
from registration.emails import change_form_filename
from registration.models import ChangeRequestDocuments
from registration.selectors import change_request_for_subscriber


@require_GET
@person_required
def change_request_submitted(request: HttpRequest, reference: str) -> HttpResponse:
    """ "Wijzigingsformulier ingediend" with the reference (manual §7.2)."""
    change_request = change_request_for_subscriber(
        subscriber=request.person.subscriber, reference=reference
    )
    return render(
        request,
        "registration/submitted.html",
        {
            "change_request": change_request,
            "documents_ready": ChangeRequestDocuments.objects.filter(
                change_request=change_request
            ).exists(),
        },
    )


@require_GET
@person_required
def change_request_document(request: HttpRequest, reference: str) -> HttpResponse:
    """The sealed PDF as an attachment; another subscriber's is a 404, and until the worker
    has made it a page says it is being made ("wordt aangemaakt", 202)."""
    change_request = change_request_for_subscriber(
        subscriber=request.person.subscriber, reference=reference
    )
    documents = ChangeRequestDocuments.objects.filter(change_request=change_request).first()
    if documents is None:
        response = render(
            request,
            "registration/document_pending.html",
            {"change_request": change_request},
            status=202,
        )
        response["Retry-After"] = "10"
        return response
    response = HttpResponse(bytes(documents.pdf), "application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=change_form_filename(change_request)
    )
    return response
