"""The admin of the certificates app, and the back office's revocation-request queue (issue 5).

The work-queue pieces it shares with the order and change-request queues live
in ``core/admin_workqueue.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# Replacement campaigns and their dashboard (issue 14, point 4) register themselves.
from certificates import admin_campaigns, admin_reminders  # noqa: F401
from certificates.issuance_profiles import issuance_profile_save
from certificates.models import (
    REVOCATION_REQUEST_LIFECYCLE,
    Card,
    Certificate,
    CompromisedKey,
    IssuanceProfile,
    IssuingCA,
    Product,
    RevocationRequest,
)
from certificates.revocation import RequestAlreadyDecided, revocation_execute, revocation_reject
from core.admin_workqueue import WorkQueueAdmin, WorkQueueStateFilter, waiting_time


@admin.register(IssuingCA)
class IssuingCAAdmin(admin.ModelAdmin):
    list_display = ["name", "generation", "parent", "fingerprint"]
    readonly_fields = ["certificate_pem"]

    @admin.display(description="PEM")
    def certificate_pem(self, obj: IssuingCA) -> str:
        return obj.certificate.pem if obj.certificate else ""


@admin.register(IssuanceProfile)
class IssuanceProfileAdmin(admin.ModelAdmin):
    """Issuance profiles are data (issue 12); every save goes through the audited service.

    A profile that has issued certificates may still be changed: what is already
    issued stays as it is, and the audit log records the change."""

    list_display = ["name", "code", "ca_slug", "subject_template", "validity_rule", "products"]
    list_filter = ["subject_template", "validity_rule", "ca_slug"]
    search_fields = ["code", "name", "ca_slug"]

    @admin.display(description=_("producten"))
    def products(self, obj: IssuanceProfile) -> str:
        return ", ".join(product.name for product in obj.products.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[IssuanceProfile]:
        return super().get_queryset(request).prefetch_related("products")

    def save_model(
        self, request: HttpRequest, obj: IssuanceProfile, form: object, change: bool
    ) -> None:
        issuance_profile_save(profile=obj, by=request.user)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "short_name",
        "kind",
        "family",
        "validity_days",
        "renewal_window_days",
        "profile",
        "price_cents",
        "active",
    ]
    list_filter = ["kind", "family", "active", "profile"]
    list_select_related = ["profile"]


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


class RevocationStateFilter(WorkQueueStateFilter):
    states = RevocationRequest.State
    open_states = REVOCATION_REQUEST_LIFECYCLE.open_states


@admin.register(RevocationRequest)
class RevocationRequestAdmin(WorkQueueAdmin[RevocationRequest]):
    """The queue of revocation requests, oldest first; executing or declining goes through
    ``certificates.revocation`` (manual §3.1 "Intrekken")."""

    lifecycle = REVOCATION_REQUEST_LIFECYCLE

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
        return self.may(request, "execute")

    def has_decline_permission(self, request: HttpRequest) -> bool:
        return self.may(request, "reject")

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
        if not obj.is_open:
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
        if obj is not None:
            context["decisions"] = self.offered_decisions(
                request,
                obj,
                {
                    "execute": (_("Intrekken uitvoeren"), "intrekken", False),
                    "reject": (_("Afwijzen"), "afwijzen", True),
                },
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
