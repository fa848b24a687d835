"""Order pages: the renewal start screen, confirmation, overview and detail (manual §3.2)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from audit.selectors import history_of
from certificates.campaigns import campaign_for
from certificates.models import Kind
from certificates.permissions import RENEW, certificate_actions
from certificates.selectors import certificate_for_subscriber, open_revocation
from core.access import person_required
from orders.emails import order_form_filename
from orders.forms import RenewalStartForm
from orders.models import Order, OrderDocuments
from orders.selectors import order_for_subscriber, orders_for_subscriber, renewals_submitted
from orders.wizards import (
    CARD_KINDS,
    SESSION_RENEWAL_CONFIRMED,
    certificate_detail_url,
    renewal_wizard_url,
)
from organisations.authorisation import PersonRequest, denied


@require_http_methods(["GET", "POST"])
@person_required
def renewal_start(request: PersonRequest, pk: int, kind: str | None = None) -> HttpResponse:
    """The seed's start screen: the old certificate's data and the warning (manual §3.2,
    §4.2), for a certificate of any kind; it leads to the kind's renewal wizard.

    When a renewal was already submitted, going on needs an explicit
    confirmation, remembered for exactly that earlier renewal. Whether this
    person may renew is ``certificate_actions``' answer. ``kind`` comes from the
    card URL (``passen/<kind>/<pk>/verlengen/``); another kind's certificate is a 404.
    """
    if kind is not None and kind not in CARD_KINDS:
        raise Http404
    certificate = certificate_for_subscriber(
        subscriber=request.person.subscriber, pk=pk, kind=Kind(kind) if kind else None
    )
    actions = certificate_actions(request.person, certificate)
    if actions.refused_by_role(RENEW):
        return denied(request, actions.refusals[RENEW])
    latest = renewals_submitted(certificate=certificate).first()
    form = RenewalStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and actions.renew and latest is not None and form.is_valid():
        confirmed = request.session.get(SESSION_RENEWAL_CONFIRMED, {})
        confirmed[str(certificate.pk)] = latest.pk
        request.session[SESSION_RENEWAL_CONFIRMED] = confirmed
        return redirect(renewal_wizard_url(certificate))
    if request.method == "POST" and actions.renew and latest is None:
        return redirect(renewal_wizard_url(certificate))
    return render(
        request,
        "orders/renewal_start.html",
        {
            "certificate": certificate,
            "kind_label": CARD_KINDS.get(certificate.kind),
            "latest_renewal": latest,
            "form": form,
            "actions": actions,
            "wizard_url": renewal_wizard_url(certificate),
            "detail_url": certificate_detail_url(certificate),
        },
    )


@require_GET
@person_required
def server_detail(request: PersonRequest, pk: int) -> HttpResponse:
    """A server certificate's detail page (manual §3.1) with the renewals submitted for it;
    here, not in certificates, because it shows orders."""
    certificate = certificate_for_subscriber(
        subscriber=request.person.subscriber, pk=pk, kind=Kind.SERVER
    )
    return render(
        request,
        "certificates/server_detail.html",
        {
            "certificate": certificate,
            "renewals": renewals_submitted(certificate=certificate),
            "campaign": campaign_for(certificate),
            "open_revocation": open_revocation(certificate),
            "actions": certificate_actions(request.person, certificate),
        },
    )


@require_GET
@person_required
def order_placed(request: PersonRequest, reference: str) -> HttpResponse:
    """ "Bestelling geplaatst" with the reference (manual §3.2)."""
    order = order_for_subscriber(subscriber=request.person.subscriber, reference=reference)
    return render(request, "orders/order_placed.html", _with_documents(order))


@require_GET
@person_required
def order_list(request: PersonRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    open_only = request.GET.get("open") == "1"
    orders = orders_for_subscriber(
        subscriber=request.person.subscriber, kind=kind, open_only=open_only
    )
    page = Paginator(orders, 25).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("kind", kind), ("open", "1" if open_only else "")) if v})
    return render(request, "orders/order_list.html", {"page": page, "query": query})


@require_GET
@person_required
def order_detail(request: PersonRequest, reference: str) -> HttpResponse:
    order = order_for_subscriber(subscriber=request.person.subscriber, reference=reference)
    context = _with_documents(order)
    context["history"] = history_of(order)
    context["certificates"] = order.certificates.order_by("card_usage", "pk")
    return render(request, "orders/order_detail.html", context)


def _with_documents(order: Order) -> dict[str, object]:
    return {
        "order": order,
        "documents_ready": OrderDocuments.objects.filter(order=order).exists(),
    }


DOCUMENT_TYPES = {"pdf": "application/pdf", "xml": "application/xml"}


@require_GET
@person_required
def order_document(request: PersonRequest, reference: str, extension: str) -> HttpResponse:
    """The sealed PDF order form or the signed XML, as an attachment (SPEC.md §8).

    Another subscriber's order is a 404. Until the worker has made the
    documents, a page says they are being made ("wordt aangemaakt").
    """
    if extension not in DOCUMENT_TYPES:
        raise Http404
    order = order_for_subscriber(subscriber=request.person.subscriber, reference=reference)
    documents = OrderDocuments.objects.filter(order=order).only(extension).first()
    if documents is None:
        response = render(request, "orders/document_pending.html", {"order": order}, status=202)
        response["Retry-After"] = "10"
        return response
    response = HttpResponse(bytes(getattr(documents, extension)), DOCUMENT_TYPES[extension])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=order_form_filename(order, extension)
    )
    return response
