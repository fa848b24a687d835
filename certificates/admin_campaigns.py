"""Replacement campaigns in the back office (issue 14, point 4; the Logius
replacement-plan seed): a validation officer makes a campaign, and follows it per
subscriber on its dashboard ("Voortgang per abonnee"), also as CSV.

Saving goes through ``certificates.campaigns.campaign_saved`` once the leaving CAs are
set (``save_related``): the certificates the campaign covers are added and the save is
in the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates.campaigns import (
    SubscriberProgress,
    campaign_progress,
    campaign_saved,
    campaign_snapshot,
    campaign_target_ca,
)
from certificates.csv_export import stream_csv
from certificates.models import Kind, Product, ReplacementCampaign
from core.forms import PortalModelForm


class TargetProductField(forms.ModelChoiceField):
    """The target product, each with the CA its issuance profile issues from."""

    def label_from_instance(self, obj: Product) -> str:
        ca = campaign_target_ca(obj)
        return gettext("%(product)s (uitgegeven door %(ca)s)") % {
            "product": obj.name,
            "ca": ca.name if ca is not None else gettext("onbekende CA"),
        }


class ReplacementCampaignForm(PortalModelForm):
    target_product = TargetProductField(
        queryset=Product.objects.filter(kind=Kind.SERVER, active=True).order_by("name"),
        label=_("nieuw product"),
        help_text=_(
            "De vervangende certificaten zijn van dit product en komen van de CA van zijn "
            "uitgifteprofiel."
        ),
    )

    class Meta:
        model = ReplacementCampaign
        fields = [
            "name",
            "leaving_cas",
            "target_product",
            "deadline",
            "message",
            "grace_days",
            "active",
        ]

    def clean_deadline(self) -> date:
        deadline: date = self.cleaned_data["deadline"]
        changed = self.instance.pk is None or "deadline" in self.changed_data
        if changed and deadline < timezone.localdate():
            raise forms.ValidationError(
                _("De deadline ligt in het verleden; kies een datum vanaf vandaag.")
            )
        return deadline

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        product: Product | None = cleaned.get("target_product")
        leaving = cleaned.get("leaving_cas")
        if product is None:
            return cleaned
        if product.kind != Kind.SERVER:
            self.add_error(
                "target_product",
                _("Een vervangingscampagne vervangt servercertificaten; kies een serverproduct."),
            )
            return cleaned
        target = campaign_target_ca(product)
        if target is None:
            self.add_error(
                "target_product",
                _(
                    "De uitgevende CA van dit product is onbekend; kies een product waarvan "
                    "het uitgifteprofiel een bekende CA gebruikt."
                ),
            )
        elif leaving is not None and target in leaving:
            self.add_error(
                "target_product",
                _(
                    "Dit product wordt uitgegeven door %(ca)s, een CA die deze campagne "
                    "verlaat. Kies een product van een andere CA."
                )
                % {"ca": target.name},
            )
        return cleaned


@admin.register(ReplacementCampaign)
class ReplacementCampaignAdmin(admin.ModelAdmin):
    """Campaigns: made and changed by validation officers, never deleted here (orders
    refer to them); the dashboard per subscriber and its CSV are extra views."""

    form = ReplacementCampaignForm
    list_display = ["name", "deadline", "target_product", "active", "covered", "progress"]
    list_filter = ["active", "leaving_cas"]
    search_fields = ["name"]
    list_select_related = ["target_product"]
    filter_horizontal = ["leaving_cas"]
    readonly_fields = ["target_ca", "covered", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReplacementCampaign]:
        return super().get_queryset(request).annotate(covered_count=Count("entries"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.readonly_fields) if obj is not None else []

    @admin.display(description=_("getroffen certificaten"), ordering="covered_count")
    def covered(self, obj: ReplacementCampaign) -> int:
        count = getattr(obj, "covered_count", None)
        return obj.entries.count() if count is None else count

    @admin.display(description=_("nieuwe CA"))
    def target_ca(self, obj: ReplacementCampaign) -> str:
        ca = campaign_target_ca(obj.target_product)
        return ca.name if ca is not None else self.get_empty_value_display()

    @admin.display(description=_("voortgang"))
    def progress(self, obj: ReplacementCampaign) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:certificates_replacementcampaign_progress", args=[obj.pk]),
            gettext("Voortgang per abonnee"),
        )

    def save_model(
        self, request: HttpRequest, obj: ReplacementCampaign, form: Any, change: bool
    ) -> None:
        stored = ReplacementCampaign.objects.filter(pk=obj.pk).first() if change else None
        form.campaign_before = campaign_snapshot(stored) if stored is not None else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The leaving CAs are set here, so the members are added after them."""
        super().save_related(request, form, formsets, change)
        campaign_saved(
            campaign=form.instance,
            by=request.user,
            before=getattr(form, "campaign_before", None),
        )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/voortgang/",
                view(self.progress_view),
                name="certificates_replacementcampaign_progress",
            ),
            path(
                "<path:object_id>/voortgang.csv",
                view(self.progress_csv_view),
                name="certificates_replacementcampaign_progress_csv",
            ),
            *super().get_urls(),
        ]

    def _campaign(self, request: HttpRequest, object_id: str) -> ReplacementCampaign:
        campaign = self.get_object(request, unquote(object_id))
        if campaign is None:
            raise Http404
        if not self.has_view_or_change_permission(request, campaign):
            raise PermissionDenied
        return campaign

    def progress_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The dashboard: per subscriber affected, ordered, issued, revoked, outstanding."""
        campaign = self._campaign(request, object_id)
        rows = campaign_progress(campaign=campaign)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Voortgang per abonnee: %(campaign)s") % {"campaign": campaign},
            "campaign": campaign,
            "rows": rows,
            "total": SubscriberProgress.total(rows),
        }
        return TemplateResponse(
            request, "admin/certificates/replacementcampaign/progress.html", context
        )

    def progress_csv_view(self, request: HttpRequest, object_id: str) -> StreamingHttpResponse:
        """The dashboard as CSV for Excel (``certificates.csv_export``), totals last."""
        campaign = self._campaign(request, object_id)
        rows = campaign_progress(campaign=campaign)
        header = [
            gettext("Abonnee"),
            gettext("KvK-nummer"),
            gettext("Getroffen"),
            gettext("Vervanging besteld"),
            gettext("Uitgegeven"),
            gettext("Oud ingetrokken"),
            gettext("Openstaand"),
        ]
        total = SubscriberProgress.total(rows)
        body = [[row.name, row.kvk_number, *_counts(row)] for row in rows] + [
            [gettext("Totaal"), "", *_counts(total)]
        ]
        response = StreamingHttpResponse(
            stream_csv(header, body), content_type="text/csv; charset=utf-8"
        )
        filename = f"campagne-{campaign.pk}-voortgang-{timezone.localdate().isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _counts(row: SubscriberProgress) -> list[int]:
    return [row.affected, row.ordered, row.issued, row.revoked, row.outstanding]
