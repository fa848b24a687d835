"""The page "Controleer een bestelformulier": upload a PDF or XML order form, see its seal."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.access import person_required
from sealing.forms import SealCheckForm

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "POST"])
@person_required
def seal_verify(request: HttpRequest) -> HttpResponse:
    """Check an uploaded order form's seal and show what was found.

    Nothing is stored: the result is shown on the page the form was posted
    to, so reloading only posts the file again.
    """
    # Not `request.POST or None`: a post holding only the file has an empty POST.
    if request.method == "POST":
        form = SealCheckForm(request.POST, request.FILES)
    else:
        form = SealCheckForm()
    result = form.result if form.is_valid() else None
    if result is not None:
        logger.info(
            "Seal check by person %s (subscriber %s): %s %s, reference %r",
            request.person.pk,
            request.person.subscriber_id,
            result.kind,
            result.status,
            result.reference,
        )
    return render(request, "sealing/verify.html", {"form": form, "result": result})
