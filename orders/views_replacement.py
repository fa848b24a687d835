"""The customer's side of a replacement campaign (issue 14, point 4; the Logius
replacement-plan seed): "Vervangen" for one certificate, and the campaign page with
the subscriber's progress and "Alle certificaten vervangen".

Both place ordinary orders through ``orders.replacement``; a double submit lands on
the order it placed (the page's token), and "Alle certificaten vervangen" twice
places nothing twice (the service's derived tokens and the open-renewal constraint).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certificates.campaigns import campaign_for, campaign_target_ca, replacement_not_after
from certificates.login_certificate import login_certificate_data
from certificates.models import Certificate, Kind, ReplacementCampaign
from certificates.permissions import RENEW, certificate_actions
from certificates.selectors import certificate_for_subscriber
from core.access import person_required
from orders.forms import SERVER_DECLARATIONS, DeclarationsForm, ReplacementForm
from orders.models import Order
from orders.replacement import replacement_place, replacements_place_all
from orders.selectors import (
    active_campaign,
    campaign_outstanding,
    campaign_progress,
    open_renewal,
)
from orders.services import (
    KeyAlreadyOrdered,
    OrderAlreadyPlaced,
    OrderNotPlaced,
    RenewalAlreadyOpen,
    RenewalNotAllowed,
)
from organisations.authorisation import Action, PersonRequest, denied, refusal

# The prefix of the declarations of "Alle certificaten vervangen".
BULK_PREFIX = "alle"


def _placed_order(request: PersonRequest) -> Order | None:
    """The order a posted token already placed (a double click or a replayed POST)."""
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return None
    return Order.objects.filter(wizard_token=token, subscriber=request.person.subscriber).first()


@require_http_methods(["GET", "POST"])
@person_required
def replacement_new(request: PersonRequest, pk: int) -> HttpResponse:
    """The "Vervangen" page: order the replacement of a certificate a campaign covers, on one
    page prefilled from the old certificate."""
    certificate = certificate_for_subscriber(
        subscriber=request.person.subscriber, pk=pk, kind=Kind.SERVER
    )
    if request.method == "POST" and (placed := _placed_order(request)) is not None:
        return redirect("order_placed", reference=placed.reference)
    detail_url = redirect("server_detail", pk=certificate.pk)
    campaign = campaign_for(certificate)
    if campaign is None:
        messages.error(
            request,
            _("Dit certificaat valt niet onder een lopende vervangingscampagne."),
        )
        return detail_url
    actions = certificate_actions(request.person, certificate)
    if actions.refused_by_role(RENEW):
        return denied(request, actions.refusals[RENEW])
    if not actions.renew:
        messages.error(request, actions.refusals[RENEW])
        return detail_url

    form = ReplacementForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        subscriber=request.person.subscriber,
        certificate=certificate,
        product=campaign.target_product,
        initial={"token": uuid.uuid4()},
    )
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            order = replacement_place(
                campaign=campaign,
                certificate=certificate,
                contact_person=request.person,
                token=form.cleaned_data["token"],
                declarations=form.accepted(),
                csr=form.checked_csr if form.cleaned_data["key"] == form.NEW else None,
                manager=form.cleaned_data["certificate_manager"],
                login_certificate=login_certificate_data(request),
                language=translation.get_language(),
            )
        except OrderAlreadyPlaced as placed:
            order = placed.order
        except RenewalAlreadyOpen as already:
            problem = _(
                "Voor dit certificaat is al een vervanging of verlenging besteld "
                "(bestelling %(reference)s). U hoeft niets meer te doen; een tweede "
                "bestelling is niet mogelijk zolang die openstaat."
            ) % {"reference": already.order.reference if already.order else ""}
        except KeyAlreadyOrdered:
            problem = _(
                "Deze sleutel is al in een andere openstaande bestelling gebruikt. "
                "Kies een nieuwe CSR met een nieuw sleutelpaar, of wacht tot die "
                "bestelling is afgehandeld."
            )
        except RenewalNotAllowed as refused:
            messages.error(request, str(refused))
            return detail_url
        except OrderNotPlaced:
            problem = _("De bestelling kon niet worden geplaatst. Probeer het later opnieuw.")
        if not problem:
            return redirect("order_placed", reference=order.reference)
    return render(
        request,
        "orders/replacement_new.html",
        {
            "certificate": certificate,
            "campaign": campaign,
            "target_ca": campaign_target_ca(campaign.target_product),
            "not_after": replacement_not_after(certificate, campaign),
            "sans": certificate.sans or [certificate.common_name],
            "open_order": open_renewal(certificate=certificate),
            "form": form,
            "problem": problem,
        },
        status=409 if problem else 200,
    )


@require_http_methods(["GET", "POST"])
@person_required
def campaign_overview(request: PersonRequest, pk: int) -> HttpResponse:
    """A campaign for a customer: its message and deadline, the new product and CA,
    this subscriber's certificates and how far their replacement is, and
    "Alle certificaten vervangen"."""
    campaign = active_campaign(pk=pk)
    subscriber = request.person.subscriber
    bulk_refused = refusal(request.person, Action.RENEW)
    form = DeclarationsForm(
        request.POST if request.method == "POST" else None,
        codes=SERVER_DECLARATIONS,
        prefix=BULK_PREFIX,
    )
    if request.method == "POST":
        if bulk_refused is not None:
            return denied(request, bulk_refused)
        if form.is_valid():
            return _replace_all(request, campaign, form)
    progress = campaign_progress(campaign=campaign, subscriber=subscriber)
    return render(
        request,
        "orders/campaign_overview.html",
        {
            "campaign": campaign,
            "target_ca": campaign_target_ca(campaign.target_product),
            "progress": progress,
            "form": form,
            "bulk_allowed": bulk_refused is None and progress.outstanding > 0,
        },
        status=400 if form.is_bound else 200,
    )


def _replace_all(
    request: PersonRequest, campaign: ReplacementCampaign, form: DeclarationsForm
) -> HttpResponse:
    certificates: list[Certificate] = campaign_outstanding(
        campaign=campaign, subscriber=request.person.subscriber
    )
    result = replacements_place_all(
        campaign=campaign,
        certificates=certificates,
        contact_person=request.person,
        declarations=form.accepted(),
        login_certificate=login_certificate_data(request),
        language=translation.get_language(),
    )
    text = _("%(placed)d vervangingen besteld, %(already)d waren al besteld.") % {
        "placed": len(result.placed),
        "already": len(result.already),
    }
    messages.success(request, text)
    for certificate, reason in result.refused:
        messages.error(
            request,
            _("%(cn)s is niet besteld: %(reason)s")
            % {"cn": certificate.common_name, "reason": reason},
        )
    return redirect("campaign_overview", pk=campaign.pk)
