"""Certificate overviews, details, downloads and the CSV export (manual §3–6)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from certificates import csv_export, downloads, handover
from certificates.campaigns import campaign_for
from certificates.csv_export import stream_csv
from certificates.forms import (
    CardFilterForm,
    OverviewFilterForm,
    RevocationRequestForm,
    ServerCertificateFilterForm,
)
from certificates.models import Card, Certificate, Kind, Status
from certificates.permissions import REVOKE, certificate_actions
from certificates.selectors import (
    card_certificates,
    certificate_for_subscriber,
    open_revocation,
    server_certificates,
)
from certificates.services import RevocationNotPossible, revocation_request_create
from core.access import person_required
from core.pagination import PAGE_PARAMS, paginate
from organisations.authorisation import (
    Action,
    PersonRequest,
    action_required,
    allowed,
    denied,
)
from organisations.models import Person, Subscriber
from organisations.selectors import (
    PersonFilter,
    PersonReport,
    active_manager,
    active_managers,
    person_report,
)
from organisations.services import ManagerChangeRefused
from organisations.views import manager_change_done

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _overview(
    request: HttpRequest,
    form: OverviewFilterForm,
    certificates: QuerySet[Certificate],
    template: str,
    **context: object,
) -> HttpResponse:
    """Render an overview page: the filtered list, sortable, paged by cursor with a
    bounded total (core.pagination, issue 15)."""
    page = paginate(certificates, request.GET, per_page=form.page_size())
    query = request.GET.copy()
    for key in PAGE_PARAMS:
        query.pop(key, None)
    sort_query = query.copy()
    for key in ("sort", "dir"):
        sort_query.pop(key, None)
    return render(
        request,
        template,
        {
            "form": form,
            "filters": form.filters(),
            "page": page,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            **context,
        },
    )


# What a report per person (manual §7.4) says the overview is narrowed to.
REPORT_NOUNS = {
    "server": gettext_lazy("servercertificaten"),
    "personal": gettext_lazy("persoonlijke certificaten"),
    "group": gettext_lazy("groepscertificaten"),
    "eseal": gettext_lazy("eSeal certificaten"),
}


def _report_filters(report: PersonReport | None) -> PersonFilter:
    return report.filters() if report is not None else {}


@require_GET
@person_required
def server_list(request: PersonRequest) -> HttpResponse:
    form = ServerCertificateFilterForm(request.GET or None)
    report = person_report(subscriber=request.person.subscriber, params=request.GET)
    certificates = server_certificates(
        subscriber=request.person.subscriber, **form.filters(), **_report_filters(report)
    ).select_related("product")
    return _overview(
        request,
        form,
        certificates,
        "certificates/server_list.html",
        order_buttons=_order_buttons(
            request.person,
            [
                (
                    gettext_lazy("Nieuw PKIO servercertificaat"),
                    reverse("order_wizard", args=["pkio"]),
                    "new-pkio",
                ),
                (
                    gettext_lazy("Nieuw certSIGN certificaat"),
                    reverse("order_wizard", args=["certsign"]),
                    "new-certsign",
                ),
            ],
        ),
        csv_url=reverse("server_csv"),
        report=report,
        report_noun=REPORT_NOUNS["server"],
    )


@dataclass(frozen=True)
class OrderButton:
    """A "Nieuw ..." button above an overview (manual §3.1, §4.1, §5, §6)."""

    label: StrOrPromise
    url: str
    testid: str


def _order_buttons(
    person: Person, wanted: list[tuple[StrOrPromise, str, str]]
) -> list[OrderButton]:
    """The order buttons to show: none unless the matrix allows ordering (manual §7.2,
    also not after the subscription was cancelled)."""
    if not allowed(person, Action.ORDER):
        return []
    return [OrderButton(label, url, testid) for label, url, testid in wanted]


@dataclass(frozen=True)
class CardPages:
    """The texts and buttons of one card kind's overview and detail (manual §4.1, §5, §6)."""

    kind: Kind
    title: StrOrPromise
    heading: StrOrPromise
    detail_title: StrOrPromise
    order_heading: StrOrPromise
    order_intro: StrOrPromise
    # (label, query string, test id) per "Nieuw ..." button, each to ``card_order_new``.
    orders: tuple[tuple[StrOrPromise, str, str], ...]
    csv_name: str

    def order_buttons(self, person: Person) -> list[OrderButton]:
        return _order_buttons(
            person,
            [
                (label, reverse("card_order_new", args=[self.kind.value]) + query, testid)
                for label, query, testid in self.orders
            ],
        )


CARD_PAGES = {
    "personal": CardPages(
        kind=Kind.PERSONAL,
        title=gettext_lazy("Overzicht Persoonlijke certificaten"),
        heading=gettext_lazy("Zoeken en beheren Persoonlijke certificaten"),
        detail_title=gettext_lazy("Detailgegevens Persoonlijk certificaat"),
        order_heading=gettext_lazy("Aanvragen nieuwe Persoonlijke certificaten"),
        order_intro=gettext_lazy(
            "Hiernaast ziet u een aantal knoppen waarmee u direct een nieuwe aanvraag kunt "
            "starten voor Persoonlijke certificaten. Door gebruik te maken van deze knoppen "
            "wordt een aantal velden automatisch gevuld."
        ),
        orders=(
            (gettext_lazy("Nieuw persoonlijk certificaat"), "", "new-card"),
            (gettext_lazy("Nieuw certificaat via Mobiel"), "?drager=mobile", "new-mobile"),
        ),
        csv_name="persoonlijke-certificaten",
    ),
    "group": CardPages(
        kind=Kind.GROUP,
        title=gettext_lazy("Overzicht Groeps certificaten"),
        heading=gettext_lazy("Zoeken en beheren Groeps certificaten"),
        detail_title=gettext_lazy("Detailgegevens Groeps certificaat"),
        order_heading=gettext_lazy("Aanvragen nieuw Groeps certificaat"),
        order_intro=gettext_lazy(
            "Hiernaast ziet u een knop waarmee u direct een nieuwe aanvraag kunt starten voor "
            "een Groeps certificaat. Door gebruik te maken van deze knop wordt een aantal "
            "velden automatisch gevuld."
        ),
        orders=((gettext_lazy("Nieuw groeps certificaat"), "", "new-card"),),
        csv_name="groepscertificaten",
    ),
    "eseal": CardPages(
        kind=Kind.ESEAL,
        title=gettext_lazy("Overzicht eSeal certificaten"),
        heading=gettext_lazy("Zoeken en beheren eSeal certificaten"),
        detail_title=gettext_lazy("Detailgegevens eSeal certificaat"),
        order_heading=gettext_lazy("Aanvragen nieuw eSeal certificaat"),
        order_intro=gettext_lazy(
            "Hiernaast ziet u een knop waarmee u direct een nieuwe aanvraag kunt starten voor "
            "een eSeal certificaat. Door gebruik te maken van deze knop wordt een aantal "
            "velden automatisch gevuld."
        ),
        orders=((gettext_lazy("Nieuw eSeal certificaat"), "", "new-card"),),
        csv_name="eseal-certificaten",
    ),
}


def _card_pages(kind: str) -> CardPages:
    if kind not in CARD_PAGES:
        raise Http404
    return CARD_PAGES[kind]


def _card_listing(
    request: PersonRequest, pages: CardPages
) -> tuple[CardFilterForm, PersonReport | None, QuerySet[Certificate]]:
    """The filter form, the report per person and the filtered rows of a card overview;
    the page and its CSV export show exactly the same rows."""
    form = CardFilterForm(request.GET or None)
    report = person_report(subscriber=request.person.subscriber, params=request.GET)
    certificates = card_certificates(
        subscriber=request.person.subscriber,
        kind=pages.kind,
        **form.filters(),
        **_report_filters(report),
    )
    return form, report, certificates


@require_GET
@person_required
def card_list(request: PersonRequest, kind: str) -> HttpResponse:
    """Persoons, Groeps and eSeal overviews (manual §4.1, §5, §6)."""
    pages = _card_pages(kind)
    form, report, certificates = _card_listing(request, pages)
    return _overview(
        request,
        form,
        certificates.select_related("issuing_ca"),
        "certificates/card_list.html",
        kind=kind,
        pages=pages,
        order_buttons=pages.order_buttons(request.person),
        csv_url=reverse("card_csv", args=[kind]),
        report=report,
        report_noun=REPORT_NOUNS[kind],
    )


@require_GET
@person_required
def card_detail(request: PersonRequest, kind: str, pk: int) -> HttpResponse:
    """Detailgegevens: the card, the serial numbers of every certificate on it, the
    contact person who requested it, and Downloaden / Verlengen / Intrekken as far as
    ``certificate_actions`` allows (manual §4.1)."""
    pages = _card_pages(kind)
    certificate = certificate_for_subscriber(
        subscriber=request.person.subscriber, pk=pk, kind=pages.kind
    )
    on_card = certificate.card.certificates.order_by("card_usage", "pk")
    return render(
        request,
        "certificates/card_detail.html",
        {
            "certificate": certificate,
            "card": certificate.card,
            "on_card": on_card,
            "kind": kind,
            "campaign": campaign_for(certificate),
            "pages": pages,
            "open_revocation": open_revocation(certificate),
            "actions": certificate_actions(request.person, certificate),
        },
    )


def certificate_detail_url(certificate: Certificate) -> str:
    """The detail page of a certificate of any kind (server: orders/urls.py, cards: here)."""
    if certificate.kind == Kind.SERVER:
        return reverse("server_detail", args=[certificate.pk])
    return reverse("card_detail", args=[certificate.kind, certificate.pk])


@require_http_methods(["GET", "POST"])
@person_required
def certificate_revoke(request: PersonRequest, pk: int) -> HttpResponse:
    """ "Intrekken" (manual §3.1): a revocation request for the back office, for a
    certificate of any kind; ``certificate_actions`` decides whether it may."""
    certificate = certificate_for_subscriber(subscriber=request.person.subscriber, pk=pk)
    detail_url = certificate_detail_url(certificate)
    actions = certificate_actions(request.person, certificate)
    if actions.refused_by_role(REVOKE):
        return denied(request, actions.refusals[REVOKE])
    if not actions.revoke:
        messages.info(request, actions.refusals[REVOKE])
        return redirect(detail_url)
    form = RevocationRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            revocation_request_create(
                certificate=certificate,
                reason=form.cleaned_data["reason"],
                explanation=form.cleaned_data["explanation"],
                requested_by=request.person,
            )
        except RevocationNotPossible as refused:
            messages.info(request, str(refused))
        else:
            messages.success(
                request,
                _(
                    "Uw verzoek tot intrekking is ingediend. De afdeling validatie voert de "
                    "intrekking zo snel mogelijk uit; u ontvangt daarover een e-mail."
                ),
            )
        return redirect(detail_url)
    return render(
        request,
        "certificates/server_revoke.html",
        {"certificate": certificate, "form": form, "detail_url": detail_url},
    )


def _download_name(certificate: Certificate, suffix: str) -> str:
    base = re.sub(r"[^A-Za-z0-9.-]+", "_", certificate.common_name or certificate.serial)
    base = re.sub(r"\.{2,}", ".", base)
    return f"{base.strip('._') or 'certificaat'}{suffix}"


DOWNLOADS = {
    "pem": ("application/x-pem-file", ".pem", downloads.certificate_pem),
    "der": ("application/pkix-cert", ".cer", downloads.certificate_der),
    "chain": ("application/x-pem-file", "-chain.pem", downloads.chain_pem),
    "p7b": ("application/x-pkcs7-certificates", ".p7b", downloads.pkcs7_der),
}


@require_GET
@person_required
def certificate_download(request: PersonRequest, pk: int, fmt: str) -> HttpResponse:
    """PEM, DER, the full chain as PEM (leaf, issuing CA, root), or PKCS#7 with the chain."""
    if fmt not in DOWNLOADS:
        raise Http404
    certificate = certificate_for_subscriber(subscriber=request.person.subscriber, pk=pk)
    content_type, suffix, render = DOWNLOADS[fmt]
    response = HttpResponse(render(certificate), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{_download_name(certificate, suffix)}"'
    )
    return response


def _iso(value: object) -> str:
    """ISO 8601 date in the portal's time zone, as the overview shows it."""
    return timezone.localdate(value).isoformat() if value is not None else ""


def _csv_response(
    *, header: list[str], body: Iterable[list[object]], name: str, subscriber: Subscriber
) -> StreamingHttpResponse:
    """ "Exporteer lijst als .csv": the rows streamed through ``stream_csv`` (which
    defuses formulas), as an attachment named after the list, subscriber and day."""
    response = StreamingHttpResponse(
        stream_csv(header, body), content_type="text/csv; charset=utf-8"
    )
    filename = f"{name}-{subscriber.number}-{date.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _full_name(given: str | None, surname: str | None) -> str:
    return f"{given or ''} {surname or ''}".strip()


@require_GET
@action_required(Action.EXPORT)
def server_csv(request: PersonRequest) -> StreamingHttpResponse:
    """Exactly the filtered list of the overview, every page, streamed (PostgreSQL
    writes the rows: csv_export.CopyRows)."""
    filters = ServerCertificateFilterForm(request.GET or None).filters()
    subscriber = request.person.subscriber
    report = person_report(subscriber=subscriber, params=request.GET)
    status_labels = dict(Status.choices)
    certificates = server_certificates(subscriber=subscriber, **filters, **_report_filters(report))
    header = [
        _("Certificate Type"),
        _("Status"),
        _("Naam van de Service (CN)"),
        _("SAN 1 t/m SAN 10"),
        _("Geldig van"),
        _("Verloopdatum"),
        _("Serienummer certificaat"),
        _("Uitgevende CA"),
        _("Registratienummer certificaatbeheerder"),
        _("Certificaatbeheerder"),
        _("Contactpersoon"),
    ]
    body: Iterable[list[object]] | csv_export.CopyRows
    if csv_export.copy_possible(certificates):
        body = csv_export.copy_rows(
            certificates,
            [
                csv_export.cell("product__short_name"),
                csv_export.label_cell("status_code", status_labels),
                csv_export.cell("common_name"),
                csv_export.joined_list_cell("sans"),
                csv_export.date_cell("not_before"),
                csv_export.date_cell("not_after"),
                csv_export.cell("serial"),
                csv_export.cell("issuing_ca__name"),
                csv_export.cell("certificate_manager__manager_number"),
                csv_export.name_cell(
                    "certificate_manager__given_name", "certificate_manager__surname"
                ),
                csv_export.name_cell("requested_by__given_name", "requested_by__surname"),
            ],
        )
    else:
        rows = certificates.values_list(
            "product__short_name",
            "status_code",
            "common_name",
            "sans",
            "not_before",
            "not_after",
            "serial",
            "issuing_ca__name",
            "certificate_manager__manager_number",
            "certificate_manager__given_name",
            "certificate_manager__surname",
            "requested_by__given_name",
            "requested_by__surname",
        ).iterator(chunk_size=2000)
        body = (
            [
                product,
                status_labels[status],
                cn,
                " ".join(sans or []),
                _iso(not_before),
                _iso(not_after),
                serial,
                ca,
                manager_number or "",
                _full_name(m_given, m_surname),
                _full_name(r_given, r_surname),
            ]
            for (
                product,
                status,
                cn,
                sans,
                not_before,
                not_after,
                serial,
                ca,
                manager_number,
                m_given,
                m_surname,
                r_given,
                r_surname,
            ) in rows
        )
    return _csv_response(header=header, body=body, name="servercertificaten", subscriber=subscriber)


@require_GET
@action_required(Action.EXPORT)
def card_csv(request: PersonRequest, kind: str) -> StreamingHttpResponse:
    """The Persoons / Groeps / eSeal overview as CSV (manual §4.1): exactly its filtered
    rows, every page, with the card's number and the row certificate's serial."""
    pages = _card_pages(kind)
    _form, _report, certificates = _card_listing(request, pages)
    status_labels = dict(Status.choices)
    kind_labels = dict(Kind.choices)
    carrier_labels = dict(Card.Carrier.choices)
    header = [
        _("Pastype"),
        _("Product"),
        _("Status"),
        _("Naam pashouder (CN)"),
        _("E-mailadres"),
        _("Geldig van"),
        _("Verloopdatum"),
        _("Pasnummer"),
        _("Serienummer certificaat"),
        _("Uitgevende CA"),
        _("Contactpersoon"),
    ]
    body: Iterable[list[object]] | csv_export.CopyRows
    if csv_export.copy_possible(certificates):
        body = csv_export.copy_rows(
            certificates,
            [
                csv_export.label_cell("card__kind", kind_labels),
                csv_export.cell(
                    csv_export.with_detail(
                        csv_export.label("card__carrier", carrier_labels), "card__activation"
                    )
                ),
                csv_export.label_cell("status_code", status_labels),
                csv_export.cell("card__holder_name"),
                csv_export.cell("card__email"),
                csv_export.date_cell("not_before"),
                csv_export.date_cell("not_after"),
                csv_export.cell("card__number"),
                csv_export.cell("serial"),
                csv_export.cell("issuing_ca__name"),
                csv_export.name_cell("requested_by__given_name", "requested_by__surname"),
            ],
        )
    else:
        rows = certificates.values_list(
            "card__kind",
            "card__carrier",
            "card__activation",
            "status_code",
            "card__holder_name",
            "card__email",
            "not_before",
            "not_after",
            "card__number",
            "serial",
            "issuing_ca__name",
            "requested_by__given_name",
            "requested_by__surname",
        ).iterator(chunk_size=2000)
        body = (
            [
                kind_labels[card_kind],
                f"{carrier_labels[carrier]} ({activation})"
                if activation
                else carrier_labels[carrier],
                status_labels[status],
                holder,
                email,
                _iso(not_before),
                _iso(not_after),
                number,
                serial,
                ca,
                _full_name(r_given, r_surname),
            ]
            for (
                card_kind,
                carrier,
                activation,
                status,
                holder,
                email,
                not_before,
                not_after,
                number,
                serial,
                ca,
                r_given,
                r_surname,
            ) in rows
        )
    return _csv_response(
        header=header, body=body, name=pages.csv_name, subscriber=request.person.subscriber
    )


@require_http_methods(["GET", "POST"])
@action_required(Action.CHANGE_MANAGERS)
def manager_deactivate(request: PersonRequest, pk: int) -> HttpResponse:
    """Deactivate one active manager with the "Overdracht beheer" (manual §7.3); an
    organisation page (organisations/urls.py has the others) that hands over certificates."""
    manager = active_manager(subscriber=request.person.subscriber, pk=pk)
    successors = active_managers(subscriber=request.person.subscriber).exclude(pk=manager.pk)
    form = handover.ManagerDeactivateForm(
        request.POST if request.method == "POST" else None, successors=successors
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = handover.manager_deactivate(
                manager=manager,
                by=request.person,
                transfer=handover.Transfer(form.cleaned_data["transfer"]),
                successor=form.chosen_successor(),
                new_manager=form.new_manager(),
            )
        except ManagerChangeRefused as refused:
            form.add_error("transfer", str(refused))
        else:
            message = _("%(name)s (%(number)s) is gedeactiveerd als Certificaatbeheerder.") % {
                "name": manager.name,
                "number": manager.manager_number,
            }
            if result.successor is not None and result.certificate_ids:
                count = len(result.certificate_ids)
                message += " " + ngettext(
                    "Het beheer van %(count)d geldig certificaat is overgedragen aan "
                    "%(name)s (%(number)s).",
                    "Het beheer van %(count)d geldige certificaten is overgedragen aan "
                    "%(name)s (%(number)s).",
                    count,
                ) % {
                    "count": count,
                    "name": result.successor.name,
                    "number": result.successor.manager_number,
                }
            if form.new_manager() is not None:
                message += " " + _(
                    "De afdeling validatie identificeert de nieuwe Certificaatbeheerder "
                    "voordat deze bij een aanvraag kan worden gekozen."
                )
            return manager_change_done(request, message)
    return render(
        request,
        "organisations/manager_deactivate.html",
        {
            "form": form,
            "manager": manager,
            "still_managed": handover.certificates_still_managed(manager=manager).count(),
        },
    )
