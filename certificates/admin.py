"""The admin of the certificates app, and the back office's revocation-request queue (issue 5).

The work-queue pieces shared with the order queue (``orders/admin.py``) live
here too: the state filter that defaults to what is open, the page that
asks for a written reason, and running a decision on the ticked rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from certificates.models import (
    Card,
    Certificate,
    CompromisedKey,
    IssuingCA,
    Product,
    RevocationRequest,
)
from certificates.revocation import RequestAlreadyDecided, revocation_execute, revocation_reject
from core.forms import PortalForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from portal.admin_readonly import ReadOnlyAdmin


@admin.register(IssuingCA)
class IssuingCAAdmin(admin.ModelAdmin):
    list_display = ["name", "generation", "parent", "fingerprint"]
    readonly_fields = ["certificate_pem"]

    @admin.display(description="PEM")
    def certificate_pem(self, obj: IssuingCA) -> str:
        return obj.certificate.pem if obj.certificate else ""


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "short_name",
        "kind",
        "family",
        "validity_days",
        "publicly_trusted",
        "price_cents",
        "active",
    ]
    list_filter = ["kind", "family", "active", "publicly_trusted"]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["number", "holder_name", "kind", "carrier", "subscriber", "activation"]
    list_filter = ["kind", "carrier"]
    search_fields = ["number", "holder_name", "subscriber__name"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["common_name", "kind", "product", "subscriber", "not_after", "revoked_at"]
    list_filter = ["kind", "product", "issuing_ca"]
    search_fields = ["common_name", "serial", "spki_sha256", "fingerprint", "subscriber__name"]
    list_select_related = ["product", "subscriber"]
    readonly_fields = ["certificate_pem", "serial", "subject", "spki_sha256", "fingerprint"]
    raw_id_fields = ["certificate_manager", "requested_by", "card"]

    @admin.display(description="PEM")
    def certificate_pem(self, obj: Certificate) -> str:
        return obj.der.pem if obj.der else ""


@admin.register(CompromisedKey)
class CompromisedKeyAdmin(admin.ModelAdmin):
    """The portal's own list of refused public keys (CSR rule 3), kept by the back office."""

    list_display = ["spki_sha256", "reason", "added_at"]
    search_fields = ["spki_sha256", "reason"]


# --- The back office's work queues (issue 5) -------------------------------------------------


QueuedModel = TypeVar("QueuedModel", bound=models.Model)


class WorkQueueStateFilter(admin.SimpleListFilter):
    """The state filter of a work queue: without a choice it shows what is still open,
    and a search (a reference a customer quotes on the phone) looks in every state."""

    title = _("status")
    parameter_name = "status"
    OPEN, ALL = "te-behandelen", "alle"
    states: type[models.TextChoices]
    open_states: tuple[str, ...]

    def __init__(self, request: HttpRequest, *args: Any) -> None:
        super().__init__(request, *args)
        self.default = self.ALL if request.GET.get(SEARCH_VAR) else self.OPEN

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [
            (self.OPEN, _("Te behandelen")),
            # A state that is the whole open set (a revocation request's "open") is listed once.
            *[
                (value, label)
                for value, label in self.states.choices
                if (value,) != self.open_states
            ],
            (self.ALL, _("Alle")),
        ]

    def choices(self, changelist: ChangeList) -> Iterable[dict]:
        current = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value() or self.default
        if value == self.OPEN:
            return queryset.filter(state__in=self.open_states)
        if value in self.states.values:
            return queryset.filter(state=value)
        return queryset


class WorkQueueAdmin(ReadOnlyAdmin, Generic[QueuedModel]):
    """Rows change only through the back office's decisions (services that check the
    state and write the audit log): the admin shows them, never adds, edits or deletes."""

    def url_name(self, name: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{name}"

    def decision_url(self, name: str, obj: QueuedModel) -> str:
        return reverse(
            f"admin:{self.url_name(name)}", args=[obj.pk], current_app=self.admin_site.name
        )

    def decision_paths(self, views: dict[str, Callable]) -> list:
        """URLs ``<id>/<name>/`` for the buttons on the detail page; the view checks the
        permission itself (a hidden button guards nothing)."""
        return [
            path(
                f"<path:object_id>/{name}/",
                self.admin_site.admin_view(view),
                name=self.url_name(name),
            )
            for name, view in views.items()
        ]

    def offered(
        self,
        request: HttpRequest,
        obj: QueuedModel,
        decisions: Iterable[tuple[StrOrPromise, str, Callable[[HttpRequest], bool], bool]],
    ) -> list[dict]:
        """The buttons of the detail page: (label, URL name, permission check, asks for a
        note). One that asks for a note is a link to its page, the others post at once."""
        return [
            {"label": label, "url": self.decision_url(name, obj), "post": not asks_note}
            for label, name, allowed, asks_note in decisions
            if allowed(request)
        ]

    def decision_target(
        self, request: HttpRequest, object_id: str, allowed: Callable[[HttpRequest], bool]
    ) -> QueuedModel:
        if not allowed(request):
            raise PermissionDenied
        return get_object_or_404(self.model, pk=unquote(object_id))

    def button_view(
        self,
        request: HttpRequest,
        object_id: str,
        allowed: Callable[[HttpRequest], bool],
        decide: Callable[[QueuedModel], None],
    ) -> HttpResponse:
        """A detail-page button that decides at once: POST only, back to the detail page."""
        obj = self.decision_target(request, object_id, allowed)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        decide(obj)
        return self.back_to(obj)

    def back_to(self, obj: QueuedModel) -> HttpResponseRedirect:
        return HttpResponseRedirect(self.decision_url("change", obj))

    def selected_rows(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        """The ticked rows, also those the queue's filter no longer shows (a colleague
        decided them meanwhile): those get a message instead of silently nothing."""
        if request.POST.get("select_across") == "1":
            return queryset
        return self.model._default_manager.filter(
            pk__in=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        )

    def decide_each(
        self,
        request: HttpRequest,
        rows: Iterable[QueuedModel],
        decide: Callable[[QueuedModel], object],
        *,
        refused: type[Exception],
        refused_message: Callable[[QueuedModel], str],
        done_message: Callable[[int], str],
    ) -> None:
        """Run one decision per row; a row in the wrong state is a message, never a 500."""
        done = 0
        for row in rows:
            try:
                decide(row)
            except refused:
                row.refresh_from_db()
                self.message_user(request, refused_message(row), messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    def note_page(
        self,
        request: HttpRequest,
        rows: Sequence[QueuedModel],
        *,
        title: StrOrPromise,
        label: StrOrPromise,
        submit_label: StrOrPromise,
        action: str = "",
    ) -> str | TemplateResponse:
        """A decision that needs a written reason: the note, or the page asking for it.

        From the list (``action`` names the admin action) the page posts back to the
        changelist with the ticked rows; from a detail page to that page's own URL.
        """
        form = NoteForm(request.POST if "apply" in request.POST else None, label=label)
        if form.is_valid():
            return form.cleaned_data["note"]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "rows": rows,
            "form": form,
            "submit_label": submit_label,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/certificates/decision_note.html", context)


class NoteForm(PortalForm):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "cols": 80}), max_length=2000)

    def __init__(self, *args: Any, label: StrOrPromise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].label = label


def waiting_time(since: datetime) -> str:
    """ "3 dagen", "5 uur": how long a row has been waiting in the queue."""
    return timesince(since, timezone.now(), depth=1)


class RevocationStateFilter(WorkQueueStateFilter):
    states = RevocationRequest.State
    open_states = (RevocationRequest.State.OPEN,)


@admin.register(RevocationRequest)
class RevocationRequestAdmin(WorkQueueAdmin[RevocationRequest]):
    """The queue of revocation requests, oldest first; executing or declining goes through
    ``certificates.revocation`` (manual §3.1 "Intrekken")."""

    list_display = [
        "certificate_name",
        "certificate_serial",
        "subscriber",
        "reason",
        "requested_by",
        "requested_at",
        "waiting",
        "state",
    ]
    list_filter = [RevocationStateFilter, "reason"]
    search_fields = [
        "certificate__common_name",
        "certificate__serial",
        "certificate__subscriber__name",
        "requested_by__surname",
    ]
    list_select_related = ["certificate__subscriber", "requested_by"]
    ordering = ["requested_at", "pk"]
    actions = ["execute_selected", "decline_selected"]
    fieldsets = [
        (
            _("Verzoek"),
            {
                "fields": [
                    "state",
                    "reason",
                    "explanation",
                    "requested_by",
                    "requested_at",
                    "waiting",
                    "decided_at",
                    "decision_note",
                    "notified_at",
                ]
            },
        ),
        (
            _("Certificaat"),
            {
                "fields": [
                    "certificate",
                    "subscriber",
                    "certificate_subject",
                    "certificate_serial",
                    "certificate_sans",
                    "certificate_validity",
                    "certificate_status",
                    "certificate_issuer",
                    "certificate_manager",
                ]
            },
        ),
    ]

    def has_execute_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("certificates.execute_revocationrequest")

    def has_decline_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("certificates.reject_revocationrequest")

    @admin.display(description=_("certificaat"), ordering="certificate__common_name")
    def certificate_name(self, obj: RevocationRequest) -> str:
        return str(obj.certificate)

    @admin.display(description=_("serienummer"))
    def certificate_serial(self, obj: RevocationRequest) -> str:
        return obj.certificate.serial

    @admin.display(description=_("abonnee"), ordering="certificate__subscriber__name")
    def subscriber(self, obj: RevocationRequest) -> str:
        return str(obj.certificate.subscriber)

    @admin.display(description=_("wacht sinds"))
    def waiting(self, obj: RevocationRequest) -> str:
        if obj.state != RevocationRequest.State.OPEN:
            return self.get_empty_value_display()
        return waiting_time(obj.requested_at)

    @admin.display(description=_("subject"))
    def certificate_subject(self, obj: RevocationRequest) -> str:
        return obj.certificate.subject

    @admin.display(description=_("subjectAltName"))
    def certificate_sans(self, obj: RevocationRequest) -> str:
        return ", ".join(obj.certificate.sans)

    @admin.display(description=_("geldig"))
    def certificate_validity(self, obj: RevocationRequest) -> str:
        certificate = obj.certificate
        return _("%(start)s tot %(end)s") % {
            "start": f"{timezone.localtime(certificate.not_before):%Y-%m-%d %H:%M}",
            "end": f"{timezone.localtime(certificate.not_after):%Y-%m-%d %H:%M}",
        }

    @admin.display(description=_("status certificaat"))
    def certificate_status(self, obj: RevocationRequest) -> str:
        certificate = obj.certificate
        if certificate.revoked_at is None:
            return str(certificate.status.label)
        return _("%(status)s op %(date)s (%(reason)s)") % {
            "status": certificate.status.label,
            "date": f"{timezone.localtime(certificate.revoked_at):%Y-%m-%d %H:%M}",
            "reason": certificate.get_revocation_reason_display(),
        }

    @admin.display(description=_("uitgevende CA"))
    def certificate_issuer(self, obj: RevocationRequest) -> str:
        return str(obj.certificate.issuing_ca)

    @admin.display(description=_("certificaatbeheerder"))
    def certificate_manager(self, obj: RevocationRequest) -> str:
        manager = obj.certificate.certificate_manager
        return f"{manager.name} ({manager.email})" if manager else self.get_empty_value_display()

    def get_urls(self) -> list:
        return [
            *self.decision_paths({"intrekken": self.execute_view, "afwijzen": self.decline_view}),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: RevocationRequest | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.state == RevocationRequest.State.OPEN:
            context["decisions"] = self.offered(
                request,
                obj,
                [
                    (_("Intrekken uitvoeren"), "intrekken", self.has_execute_permission, False),
                    (_("Afwijzen"), "afwijzen", self.has_decline_permission, True),
                ],
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # The decisions, from the list (admin actions) and from the detail page (buttons).

    def _execute(self, request: HttpRequest, rows: Iterable[RevocationRequest]) -> None:
        self.decide_each(
            request,
            rows,
            lambda row: revocation_execute(request_id=row.pk, officer=request.user),
            refused=RequestAlreadyDecided,
            refused_message=_already_decided,
            done_message=_executed,
        )

    def _decline(
        self, request: HttpRequest, rows: list[RevocationRequest], action: str = ""
    ) -> TemplateResponse | None:
        note = self.note_page(
            request,
            rows,
            title=_("Intrekkingsverzoek afwijzen"),
            label=_("Toelichting bij de afwijzing, wordt aan de klant gemaild"),
            submit_label=_("Afwijzen"),
            action=action,
        )
        if isinstance(note, TemplateResponse):
            return note
        self.decide_each(
            request,
            rows,
            lambda row: revocation_reject(request_id=row.pk, officer=request.user, note=note),
            refused=RequestAlreadyDecided,
            refused_message=_already_decided,
            done_message=_declined,
        )
        return None

    @admin.action(description=_("Intrekken uitvoeren"), permissions=["execute"])
    def execute_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._execute(request, self.selected_rows(request, queryset).order_by("requested_at"))

    @admin.action(description=_("Afwijzen"), permissions=["decline"])
    def decline_selected(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        rows = list(self.selected_rows(request, queryset).select_related("certificate"))
        return self._decline(request, rows, action="decline_selected")

    def execute_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.button_view(
            request,
            object_id,
            self.has_execute_permission,
            lambda row: self._execute(request, [row]),
        )

    def decline_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        row = self.decision_target(request, object_id, self.has_decline_permission)
        return self._decline(request, [row]) or self.back_to(row)


def _executed(count: int) -> str:
    return ngettext(
        "%(count)d certificaat ingetrokken.", "%(count)d certificaten ingetrokken.", count
    ) % {"count": count}


def _declined(count: int) -> str:
    return ngettext(
        "%(count)d intrekkingsverzoek afgewezen.",
        "%(count)d intrekkingsverzoeken afgewezen.",
        count,
    ) % {"count": count}


def _already_decided(row: RevocationRequest) -> str:
    return _(
        "Het intrekkingsverzoek voor %(certificate)s is al afgehandeld (%(state)s); "
        "er is niets gewijzigd."
    ) % {"certificate": row.certificate, "state": row.get_state_display()}
