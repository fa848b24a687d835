"""The back office's queue of change requests (issue 6; manual §7.2 "De afdeling PKIoverheid
validatie zal het wijzigingsverzoek zo snel mogelijk in behandeling nemen").

Requests are never edited here: the officer compares the proposed changes
with the registration, opens the ID copies of new contact persons, and
decides through ``registration.services`` ("Goedkeuren en doorvoeren"
applies everything in one transaction; "Afkeuren" needs a reason).
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from audit.selectors import history_of
from core.admin_workqueue import WorkQueueAdmin, WorkQueueStateFilter, waiting_time
from registration.changes import describe
from registration.emails import change_form_filename
from registration.id_documents import open_id_document
from registration.models import (
    CHANGE_REQUEST_LIFECYCLE,
    ChangeRequest,
    ChangeRequestDocuments,
    PersonChange,
    Section,
)
from registration.services import (
    ChangeAlreadyDecided,
    change_request_approve,
    change_request_reject,
)

logger = logging.getLogger("portal.registration")


class ChangeRequestStateFilter(WorkQueueStateFilter):
    states = ChangeRequest.State
    open_states = CHANGE_REQUEST_LIFECYCLE.open_states


@admin.register(ChangeRequest)
class ChangeRequestAdmin(WorkQueueAdmin[ChangeRequest]):
    """The queue: submitted requests, oldest first; the detail page for the decision."""

    lifecycle = CHANGE_REQUEST_LIFECYCLE

    list_display = [
        "reference",
        "subscriber",
        "changes",
        "submitted_by",
        "print_and_sign",
        "state",
        "submitted_at",
        "waiting",
    ]
    list_filter = [ChangeRequestStateFilter, "print_and_sign"]
    search_fields = ["reference", "subscriber__name", "subscriber__number"]
    list_select_related = ["subscriber", "submitted_by"]
    ordering = ["submitted_at", "pk"]
    actions = None
    fieldsets = [
        (
            _("Wijzigingsverzoek"),
            {
                "fields": [
                    "reference",
                    "state",
                    "subscriber",
                    "changes",
                    "submitted_by",
                    "submitted_at",
                    "waiting",
                    "print_and_sign",
                    "rejection_reason",
                    "decided_at",
                    "decided_by",
                ]
            },
        ),
        (
            _("Indiening en verzending"),
            {
                "classes": ["collapse"],
                "fields": [
                    "login_certificate_issuer",
                    "login_certificate_serial",
                    "language",
                    "documents_ready",
                    "confirmation_sent_at",
                    "approval_sent_at",
                    "rejection_sent_at",
                ],
            },
        ),
    ]

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return self.may(request, "approve")

    def has_reject_permission(self, request: HttpRequest) -> bool:
        return self.may(request, "reject")

    def has_id_document_permission(self, request: HttpRequest) -> bool:
        """ID copies are for the officers who decide, not for every admin user who may look."""
        return self.has_approve_permission(request) or self.has_reject_permission(request)

    @admin.display(description=_("wijzigingen"))
    def changes(self, change_request: ChangeRequest) -> str:
        return ", ".join(change_request.section_labels())

    @admin.display(description=_("wacht sinds"), ordering="submitted_at")
    def waiting(self, change_request: ChangeRequest) -> str:
        if not change_request.is_open:
            return self.get_empty_value_display()
        return waiting_time(change_request.submitted_at)

    @admin.display(boolean=True, description=_("wijzigingsformulier gemaakt"))
    def documents_ready(self, change_request: ChangeRequest) -> bool:
        return ChangeRequestDocuments.objects.filter(change_request=change_request).exists()

    def get_urls(self) -> list:
        return [
            *self.decision_paths({"goedkeuren": self.approve_view, "afkeuren": self.reject_view}),
            path(
                "<path:object_id>/identiteitsbewijs/<int:index>/",
                self.admin_site.admin_view(self.id_document_view),
                name=self.url_name("id_document"),
            ),
            path(
                "<path:object_id>/wijzigingsformulier/",
                self.admin_site.admin_view(self.document_view),
                name=self.url_name("document"),
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: ChangeRequest | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context.update(self._review(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _review(self, request: HttpRequest, change_request: ChangeRequest) -> dict:
        """The proposed changes next to the registration at submission and as it is now."""
        blocks = describe(change_request.sections, subscriber=change_request.subscriber)
        may_see_ids = self.has_id_document_permission(request)
        for block in blocks:
            for person in block.persons:
                person.id_document_url = (
                    reverse(
                        f"admin:{self.url_name('id_document')}",
                        args=[change_request.pk, person.index],
                        current_app=self.admin_site.name,
                    )
                    if person.id_document and may_see_ids
                    else ""
                )
        decisions = self.offered_decisions(
            request,
            change_request,
            {
                "approve": (_("Goedkeuren en doorvoeren"), "goedkeuren", False),
                "reject": (_("Afkeuren"), "afkeuren", True),
            },
        )
        return {
            "blocks": blocks,
            "may_see_ids": may_see_ids,
            "history": history_of(change_request),
            "decisions": decisions,
            "document_url": reverse(
                f"admin:{self.url_name('document')}",
                args=[change_request.pk],
                current_app=self.admin_site.name,
            ),
        }

    # -- the decisions ----------------------------------------------------

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.button_view(
            request,
            object_id,
            self.has_approve_permission,
            lambda change_request: self.decide_each(
                request,
                [change_request],
                lambda row: change_request_approve(
                    change_request_id=row.pk,
                    officer=request.user,
                ),
                refused=ChangeAlreadyDecided,
                refused_message=_already_decided,
                done_message=lambda count: _(
                    "Het wijzigingsverzoek is goedgekeurd en de wijzigingen zijn doorgevoerd."
                ),
            ),
        )

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        change_request = self.decision_target(request, object_id, self.has_reject_permission)
        return self._reject(request, change_request) or self.back_to(change_request)

    def _reject(
        self, request: HttpRequest, change_request: ChangeRequest
    ) -> TemplateResponse | None:
        reason = self.note_page(
            request,
            [change_request],
            title=_("Wijzigingsverzoek afkeuren"),
            label=_("Reden van afkeuring, wordt aan de klant gemaild"),
            submit_label=_("Afkeuren"),
        )
        if isinstance(reason, TemplateResponse):
            return reason
        self.decide_each(
            request,
            [change_request],
            lambda row: change_request_reject(
                change_request_id=row.pk,
                officer=request.user,
                reason=reason,
            ),
            refused=ChangeAlreadyDecided,
            refused_message=_already_decided,
            done_message=lambda count: _("Het wijzigingsverzoek is afgekeurd."),
        )
        return None

    # -- documents --------------------------------------------------------

    def id_document_view(self, request: HttpRequest, object_id: str, index: int) -> HttpResponse:
        """The ID copy of the new contact person in row ``index``: for deciding officers only,
        by request and row (a stored name never appears in a URL)."""
        change_request = self.decision_target(request, object_id, self.has_id_document_permission)
        changes = change_request.sections.get(Section.CONTACTS.value, {}).get("changes", [])
        if not 0 <= index < len(changes):
            raise Http404
        entry = changes[index]
        document = entry.get("id_document") if entry["change"] == PersonChange.NEW else None
        if not document:
            raise Http404
        try:
            content = open_id_document(document["stored_name"])
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        logger.info(
            "ID copy of change request %s row %s opened by %s",
            change_request.reference,
            index,
            request.user.get_username(),
        )
        extension = PurePosixPath(document["stored_name"]).suffix
        response = HttpResponse(content, content_type=document["content_type"])
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True,
            filename=f"identiteitsbewijs-{change_request.reference}-{index + 1}{extension}",
        )
        return response

    def document_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The sealed change form, as the customer received it."""
        change_request = self.decision_target(
            request, object_id, lambda request: self.has_view_permission(request)
        )
        documents = ChangeRequestDocuments.objects.filter(change_request=change_request).first()
        if documents is None:
            raise Http404
        response = HttpResponse(bytes(documents.pdf), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=change_form_filename(change_request)
        )
        return response


def _already_decided(change_request: ChangeRequest) -> str:
    return _(
        "Wijzigingsverzoek %(reference)s heeft de status %(state)s; deze actie is dan niet "
        "mogelijk. Er is niets gewijzigd."
    ) % {"reference": change_request.reference, "state": change_request.get_state_display()}
