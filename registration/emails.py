"""E-mails about a change request, in the language it was submitted in (manual §7.2).

"Dit formulier ontvangt u ook als bijlage bij een e-mailbericht": the
confirmation carries the sealed PDF; with a new authorised representative it
says the form must be printed and signed. "Per e-mail wordt u geïnformeerd
over de verdere voortgang": the back office's approval or rejection (with
its reason) follows.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.mail import CONFIRMATION_MAX_AGE, send_once, stable_message_id
from registration.models import ChangeRequest, ChangeRequestDocuments

logger = logging.getLogger("portal.registration")


def change_form_filename(change_request: ChangeRequest) -> str:
    """``wijzigingsformulier-ABW….pdf``: the reference is letters and digits, safe anywhere."""
    return f"wijzigingsformulier-{change_request.reference}.pdf"


def _message(change_request: ChangeRequest, name: str, key: str) -> EmailMessage:
    with translation.override(change_request.language):
        context = {"change_request": change_request}
        subject = render_to_string(f"registration/email/{name}_subject.txt", context)
        body = render_to_string(f"registration/email/{name}.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[change_request.submitted_by.email],
        headers={"Message-ID": stable_message_id(f"{change_request.reference}.{key}")},
    )


def confirmation_send(change_request_id: int) -> bool:
    """Send the confirmation with the sealed PDF once; ``False`` when sent before, not
    ready (no PDF yet: its task queues this one again) or submitted too long ago."""

    def build(change_request: ChangeRequest) -> EmailMessage | None:
        if change_request.submitted_at < timezone.now() - CONFIRMATION_MAX_AGE:
            logger.warning("No confirmation for %s: submitted too long ago", change_request)
            return None
        documents = ChangeRequestDocuments.objects.filter(change_request=change_request).first()
        if documents is None:
            return None
        message = _message(change_request, "confirmation", "bevestiging")
        message.attach(
            change_form_filename(change_request), bytes(documents.pdf), "application/pdf"
        )
        return message

    return send_once(ChangeRequest, change_request_id, "confirmation_sent_at", build)


def approval_send(change_request_id: int) -> bool:
    """Tell the submitter that the change was approved and applied."""

    def build(change_request: ChangeRequest) -> EmailMessage | None:
        if change_request.state != ChangeRequest.State.APPROVED:
            return None
        return _message(change_request, "approved", "goedkeuring")

    return send_once(ChangeRequest, change_request_id, "approval_sent_at", build)


def rejection_send(change_request_id: int) -> bool:
    """The rejection and its reason to the submitter."""

    def build(change_request: ChangeRequest) -> EmailMessage | None:
        if change_request.state != ChangeRequest.State.REJECTED:
            return None
        return _message(change_request, "rejected", "afkeuring")

    return send_once(ChangeRequest, change_request_id, "rejection_sent_at", build)
