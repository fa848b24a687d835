from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from certificates.models import RevocationReason, Status
from certificates.selectors import (
    CARD_SORTS,
    SERVER_SORTS,
    OverviewFilters,
    ServerOverviewFilters,
    server_products,
)
from core.forms import PortalForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZES = [10, 25, 50, 100]
DEFAULT_PAGE_SIZE = 25
# The choices of "Verloopt binnen … dagen" (issue 14), also the dashboard's columns.
EXPIRY_FILTER_DAYS = (30, 60, 90)


class OverviewFilterForm(PortalForm):
    """Status, search text, sorting and page size of a certificate overview (manual §3–6).

    Anything invalid in the query string falls back to the default: a
    tampered URL never causes a 500.
    """

    sorts: Mapping[str, object] = {}
    search_label: StrOrPromise = ""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*Status.choices, ("all", _("Alle"))],
        initial=Status.VALID,
    )
    expires_within = forms.TypedChoiceField(
        label=_("Verloopt binnen … dagen"),
        required=False,
        coerce=int,
        choices=[("", _("Alles")), *((days, days) for days in EXPIRY_FILTER_DAYS)],
        empty_value=None,
    )
    renewal = forms.ChoiceField(
        label=_("Verlengen"),
        required=False,
        # "Te vervangen" (issue 14, point 4): covered by an active replacement campaign;
        # one choice field, as those rows are also "Te verlengen" (their window is open).
        choices=[("", _("Alles")), ("due", _("Te verlengen")), ("replace", _("Te vervangen"))],
    )
    q = forms.CharField(required=False, max_length=253)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    dir = forms.ChoiceField(
        required=False, choices=[("asc", "asc"), ("desc", "desc")], widget=forms.HiddenInput
    )
    per_page = forms.TypedChoiceField(
        label=_("Aantal per pagina"),
        required=False,
        coerce=int,
        choices=[(n, n) for n in PAGE_SIZES],
        empty_value=DEFAULT_PAGE_SIZE,
        initial=DEFAULT_PAGE_SIZE,
    )

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            # Missing filters mean their defaults, also in the rendered form.
            data = data.copy()
            for name in ("status", "per_page"):
                if not data.get(name):
                    data[name] = self.base_fields[name].initial
        super().__init__(data, *args, **kwargs)
        sort = self.fields["sort"]
        assert isinstance(sort, forms.ChoiceField)
        sort.choices = [(k, k) for k in self.sorts]
        self.fields["q"].label = self.search_label
        self.fields["q"].widget.attrs["placeholder"] = self.search_label

    def filters(self) -> OverviewFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or Status.VALID,
            "name_part": (data.get("q") or "").strip(),
            "expires_within": data.get("expires_within"),
            "renewal_due": data.get("renewal") == "due",
            "to_replace": data.get("renewal") == "replace",
            "sort": data.get("sort") or "expiry",
            "descending": data.get("dir") == "desc",
        }

    def page_size(self) -> int:
        if self.is_valid():
            return self.cleaned_data.get("per_page") or DEFAULT_PAGE_SIZE
        return DEFAULT_PAGE_SIZE


class ServerCertificateFilterForm(OverviewFilterForm):
    """Type / Status / (Deel van) Naam van de Service (FQDN) (manual §3.1)."""

    sorts = SERVER_SORTS
    search_label = _("(Deel van) Naam van de Service (FQDN)")

    type = forms.ChoiceField(label=_("Type"), required=False)
    field_order = ["type", "status", "expires_within", "renewal", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product_type = self.fields["type"]
        assert isinstance(product_type, forms.ChoiceField)
        product_type.choices = [("", _("Alles"))] + [
            (p.code, p.short_name) for p in server_products()
        ]

    def filters(self) -> ServerOverviewFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return {"product": data.get("type") or "", **super().filters()}


class CardFilterForm(OverviewFilterForm):
    """Status / (Deel van) Common Name of e-mailadres (manual §4.1)."""

    sorts = CARD_SORTS
    search_label = _("(Deel van) Common Name of e-mailadres")


class RevocationRequestForm(PortalForm):
    """ "Intrekken": the reason (RFC 5280, in Dutch) and an explicit confirmation."""

    reason = forms.ChoiceField(
        label=_("Reden van intrekking"),
        choices=[
            (value, label)
            for value, label in RevocationReason.choices
            if value != RevocationReason.CA_COMPROMISE
        ],
        widget=forms.RadioSelect,
    )
    explanation = forms.CharField(
        label=_("Toelichting (optioneel)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_(
            "Ik begrijp dat een ingetrokken certificaat niet meer te gebruiken is en dat "
            "intrekken niet ongedaan kan worden gemaakt."
        ),
        required=True,
        error_messages={"required": _("Bevestig dat u het certificaat wilt laten intrekken.")},
    )
