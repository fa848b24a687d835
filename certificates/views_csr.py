"""The CSR assistant (CSR-assistent): both methods of the Digidentity instruction.

With OpenSSL: the config file and commands, prefilled with the organisation's
registered data (certificates/csr_assistant.py). In the browser: a key pair
made with WebCrypto and a CSR built with PKI.js (assets/csr-browser.js); the
private key never leaves the browser.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from certificates.csr import digipoort_common_name
from certificates.forms_csr import CsrAssistantForm
from core.access import person_required
from organisations.authorisation import PersonRequest


def _form(request: PersonRequest) -> CsrAssistantForm:
    # A link with only ?product=… (from the order form) preselects the product
    # without showing "fill in a host name" before anything was typed.
    subscriber = request.person.subscriber
    if "host_names" in request.GET:
        return CsrAssistantForm(request.GET, subscriber=subscriber)
    initial = {"product": request.GET["product"]} if "product" in request.GET else {}
    return CsrAssistantForm(subscriber=subscriber, initial=initial)


@require_GET
@person_required
def csr_assistant(request: PersonRequest) -> HttpResponse:
    form = _form(request)
    valid = form.is_bound and form.is_valid()
    product = form.products().filter(code=form["product"].value()).first()
    if valid:
        host_names = form.cleaned_data["host_names"]
    elif product is not None and product.common_name_from_oin:
        host_names = [digipoort_common_name(request.person.subscriber)]
    else:
        host_names = []
    return render(
        request,
        "certificates/csr_assistant.html",
        {
            "form": form,
            "valid": valid,
            "product": product,
            "verified_domains": form.verified_domains(),
            "browser_host_names": host_names,
            "cnf_url": f"{reverse('csr_assistant_cnf')}?{request.GET.urlencode()}",
        },
    )


@require_GET
@person_required
def csr_assistant_cnf(request: PersonRequest) -> HttpResponse:
    """The config file as a download; with invalid input, the page with the errors."""
    form = _form(request)
    if not (form.is_bound and form.is_valid()):
        return redirect(f"{reverse('csr_assistant')}?{request.GET.urlencode()}")
    response = HttpResponse(form.config, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{form.basename}.cnf"'
    return response
