"""The sealed PDF of a change request (SPEC.md §8, manual §7.2 "Wijzigingsformulier ingediend").

"Abonneeregistratie PKIoverheid" with the reference, every section with
old → new values, and "Ingediend door: Certified by: <issuer DN of the login
certificate>"; with a new authorised representative the signature lines to
print and sign (manual §7.2, "Bijzondere scenario's" 1). Sealed with the
portal's seal like the order form.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from registration.changes import describe
from registration.models import ChangeRequest, ChangeRequestDocuments, PersonChange, Section
from sealing.pdf import html_to_pdf, seal_pdf

logger = logging.getLogger("portal.registration")


def signatories(change_request: ChangeRequest) -> list[tuple[str, str]]:
    """Who signs a print-and-sign form, as (role, name): the authorised representatives
    registered at submission (less those it removes), then each new one."""
    if not change_request.print_and_sign:
        return []
    data = change_request.sections.get(Section.REPRESENTATIVES.value, {})
    current = [(str(_("Huidige Bevoegd Vertegenwoordiger")), name) for name in data["remaining"]]
    new = [
        (
            str(_("Nieuwe Bevoegd Vertegenwoordiger")),
            f"{entry['after']['given_name']} {entry['after']['surname']}",
        )
        for entry in data["changes"]
        if entry["change"] == PersonChange.NEW
    ]
    return current + new


def change_form_pdf(change_request: ChangeRequest, *, language: str = "nl") -> bytes:
    """The change form as PDF, in ``language``; not sealed."""
    with translation.override(language):
        html = render_to_string(
            "registration/documents/change_form.html",
            {
                "change_request": change_request,
                "blocks": describe(change_request.sections),
                "signatories": signatories(change_request),
            },
        )
    return html_to_pdf(html)


def sealed_change_form(change_request: ChangeRequest, *, language: str = "nl") -> bytes:
    return seal_pdf(change_form_pdf(change_request, language=language))


def documents_create(change_request_id: int) -> ChangeRequestDocuments | None:
    """Make the sealed PDF of a change request once; ``None`` if the request is gone.

    Idempotent: the row is locked while the PDF is made, so a second run finds it.
    """
    with transaction.atomic():
        if not ChangeRequest.objects.select_for_update().filter(pk=change_request_id).exists():
            return None
        existing = ChangeRequestDocuments.objects.filter(
            change_request_id=change_request_id
        ).first()
        if existing is not None:
            return existing
        change_request = ChangeRequest.objects.select_related("subscriber", "submitted_by").get(
            pk=change_request_id
        )
        documents = ChangeRequestDocuments.objects.create(
            change_request=change_request,
            pdf=sealed_change_form(change_request, language=change_request.language),
            language=change_request.language,
        )
    logger.info("Sealed form of change request %s made", change_request.reference)
    return documents
