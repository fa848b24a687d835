"""The six-step order and renewal wizards (manual §3.2–3.3, SPEC.md §7).

1. Contactpersoon 2. Certificaatbeheerder 3. Certificaat 4. Controle
5. Voorwaarden 6. Afronding. The wizard's data lives in the session
(formtools); the order is created only by "Plaats bestelling", through
``orders.services.order_place``.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.csr import digipoort_common_name
from certificates.login_certificate import login_certificate_data
from certificates.models import Certificate, Kind, Product
from certificates.permissions import RENEW, certificate_actions
from certificates.selectors import certificate_for_subscriber
from core.access import person_required
from core.wizards import PortalWizardView
from orders import forms
from orders.models import Declaration, Order, ServerOrderDetail
from orders.selectors import orderable_products, renewals_submitted
from orders.services import (
    KeyAlreadyOrdered,
    NewManager,
    OrderAlreadyPlaced,
    RenewalAlreadyOpen,
    RenewalNotAllowed,
    order_place,
)
from organisations.authorisation import Action, PersonRequest, denied, refusal

STEPS = [
    ("contactpersoon", forms.EmptyStepForm, gettext_lazy("Contactpersoon")),
    ("certificaatbeheerder", forms.ManagerForm, gettext_lazy("Certificaatbeheerder")),
    ("certificaat", forms.CertificateForm, gettext_lazy("Certificaat")),
    ("controle", forms.EmptyStepForm, gettext_lazy("Controle")),
    ("voorwaarden", forms.DeclarationsForm, gettext_lazy("Voorwaarden")),
    ("afronding", forms.PlaceOrderForm, gettext_lazy("Afronding")),
]
STEP_NAMES = [name for name, _form, _label in STEPS]

FAMILIES = {
    "pkio": gettext_lazy("PKIoverheid servercertificaat"),
    "certsign": gettext_lazy("certSIGN OV SSL servercertificaat"),
}

# Session key: renewal confirmations on the start screen, {certificate pk: order pk}.
SESSION_RENEWAL_CONFIRMED = "portal_renewal_confirmed"


@method_decorator(person_required, name="dispatch")
class ServerOrderWizard(PortalWizardView):
    """A new server certificate: "Nieuw PKIO servercertificaat" / "Nieuw certSIGN certificaat"."""

    form_list = [(name, form) for name, form, _label in STEPS]
    template_name = "orders/wizard.html"
    # Uploaded CSRs are read in step 3 and kept as PEM text (get_form_step_data):
    # no file ever goes to the wizard's storage.
    file_storage = None
    certificate: Certificate | None = None
    # What the matrix must allow; a renewal asks certificate_actions instead.
    action: Action | None = Action.ORDER

    def dispatch(self, request: PersonRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reason = refusal(request.person, self.action) if self.action is not None else None
        if reason is not None:
            return denied(request, reason)
        self.subscriber = request.person.subscriber
        response = self.setup_order(**kwargs)
        if response is not None:
            return response
        return super().dispatch(request, *args, **kwargs)

    def setup_order(self, *, family: str) -> HttpResponse | None:
        if family not in FAMILIES:
            raise Http404
        self.family = family
        return None

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return f"order-{self.family}"

    # -- steps ------------------------------------------------------------

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """A fresh wizard with a new token: the key of "one order per submission"."""
        self.storage.reset()
        self.storage.current_step = self.steps.first
        self.storage.extra_data = {"token": str(uuid.uuid4())}
        return self.render(self.get_form())

    def token(self) -> uuid.UUID:
        extra = self.storage.extra_data
        if "token" not in extra:
            extra["token"] = str(uuid.uuid4())
            self.storage.extra_data = extra
        return uuid.UUID(extra["token"])

    def first_incomplete_step(self) -> str:
        for name in STEP_NAMES:
            if self.storage.get_step_data(name) is None:
                return name
        return STEP_NAMES[-1]

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        request = self.request
        placed = self._placed_order(request.POST.get("afronding-token", ""))
        if placed is not None:
            # A double click, a replayed POST or a back-button resubmit.
            return redirect("order_placed", reference=placed.reference)

        goto = request.POST.get("wizard_goto_step", "")
        posted = request.POST.get(f"{self.prefix}-current_step", "")
        target = goto if goto in STEP_NAMES else posted
        first_open = self.first_incomplete_step()
        if target in STEP_NAMES and STEP_NAMES.index(target) > STEP_NAMES.index(first_open):
            messages.error(
                request,
                _("Vul eerst de stap “%(step)s” in.") % {"step": self.step_label(first_open)},
            )
            return self.render_goto_step(first_open)

        if goto in STEP_NAMES and posted in STEP_NAMES and posted == self.steps.current:
            # Going back keeps what was entered on this page, when it is valid.
            form = self.get_form(data=request.POST, files=request.FILES)
            if form.is_valid():
                self.storage.set_step_data(posted, self.process_step(form))
            return self.render_goto_step(goto)

        if posted == "certificaat" and "csr_preview" in request.POST:
            # "CSR inlezen": show what was read from the CSR before going on.
            self.storage.current_step = "certificaat"
            form = self.get_form(data=request.POST, files=request.FILES)
            if form.is_valid():
                self.storage.set_step_data("certificaat", self.process_step(form))
                form = self.get_form(data=self.storage.get_step_data("certificaat"))
            return self.render(form)
        return super().post(*args, **kwargs)

    def _placed_order(self, token: str) -> Order | None:
        try:
            value = uuid.UUID(token)
        except ValueError:
            return None
        return Order.objects.filter(wizard_token=value, subscriber=self.subscriber).first()

    def step_label(self, name: str) -> str:
        return str(dict((step, label) for step, _form, label in STEPS)[name])

    def get_form_kwargs(self, step: str | None = None) -> dict[str, object]:
        if step == "certificaatbeheerder":
            return {"subscriber": self.subscriber}
        if step == "certificaat":
            return {
                "subscriber": self.subscriber,
                "family": self.family,
                "fixed_product": self.fixed_product(),
                "fixed_common_name": self.fixed_common_name(),
            }
        return {}

    def fixed_product(self) -> Product | None:
        return None

    def fixed_common_name(self) -> str | None:
        return None

    def get_form_initial(self, step: str) -> dict[str, object]:
        if step == "afronding":
            return {"token": self.token()}
        return {}

    def get_form_step_data(self, form: object) -> object:
        data = super().get_form_step_data(form)
        if isinstance(form, forms.CertificateForm) and form.checked_csr is not None:
            # Keep the CSR as PEM text: an upload is not kept between requests.
            data = data.copy()
            data[form.add_prefix("csr")] = form.checked_csr.pem
            extra = self.storage.extra_data
            extra["csr"] = form.checked_csr.as_details()
            self.storage.extra_data = extra
        return data

    def get_form_step_files(self, form: object) -> dict[str, object]:
        return {}

    # -- context ----------------------------------------------------------

    def get_context_data(self, form: object, **kwargs: Any) -> dict[str, object]:
        context = super().get_context_data(form=form, **kwargs)
        current = self.steps.current
        done = True
        step_bar = []
        for index, (name, _form, label) in enumerate(STEPS, start=1):
            if name == current:
                done = False
            step_bar.append(
                {
                    "number": index,
                    "name": name,
                    "label": label,
                    "current": name == current,
                    "done": done and name != current,
                }
            )
        context.update(
            {
                "step_bar": step_bar,
                "step_template": f"orders/steps/{current}.html",
                "subscriber": self.subscriber,
                "family_label": FAMILIES[self.family],
                "renewal_of": self.certificate,
                "csr": self.storage.extra_data.get("csr"),
                "product_explanations": forms.PRODUCT_EXPLANATIONS,
                "declarations": Declaration.choices,
                "assistant_url": reverse("csr_assistant"),
            }
        )
        if current in ("certificaat", "controle", "voorwaarden", "afronding"):
            context.update(self.summary())
        if current == "certificaat":
            assert isinstance(form, forms.CertificateForm)
            if form.is_bound:
                # What this very CSR says, or nothing when it was refused.
                valid = form.is_valid()
                checked = form.checked_csr if valid else None
                context["csr"] = checked.as_details() if checked is not None else None
            context["host_names"] = self.host_names()
            context["allow_ecdsa"] = self._allow_ecdsa(form)
            # What each product gives if ordered today (public ones: SC-081v3).
            today = timezone.now().date()
            context["product_offers"] = [
                (product, product.validity_days_on(today)) for product in form.offered
            ]
            context["digipoort_common_name"] = digipoort_common_name(self.subscriber)
        return context

    def host_names(self) -> list[str]:
        return []

    def _allow_ecdsa(self, form: forms.CertificateForm) -> bool:
        return any(product.allows_ecdsa for product in form.offered)

    def summary(self) -> dict[str, object]:
        """What step 4 "Controle" shows, read from the stored steps."""
        manager = self.get_cleaned_data_for_step("certificaatbeheerder") or {}
        product = self.fixed_product()
        stored = self.storage.get_step_data("certificaat") or {}
        product_id = str(stored.get("certificaat-product", ""))
        if product is None and product_id.isdigit():
            product = orderable_products(family=self.family).filter(pk=product_id).first()
        return {
            "summary_manager": manager,
            "summary_product": product,
            # The validity the certificate gets when issued today (UTC, as the CA counts).
            "summary_validity_days": product.validity_days_on(timezone.now().date())
            if product
            else None,
        }

    # -- placing the order ------------------------------------------------

    def render_done(self, form: object, **kwargs: Any) -> HttpResponse:
        """Revalidate every step, place the order; reset the wizard only on success."""
        final_forms = OrderedDict()
        for name in STEP_NAMES:
            form_obj = self.get_form(
                step=name,
                data=self.storage.get_step_data(name),
                files=self.storage.get_step_files(name),
            )
            if not form_obj.is_valid():
                # A twin request may have placed this very submission meanwhile:
                # its key now counts as used. Show that order, not an error.
                placed = self._placed_order(str(self.token()))
                if placed is not None:
                    return redirect("order_placed", reference=placed.reference)
                return self.render_revalidation_failure(name, form_obj, **kwargs)
            final_forms[name] = form_obj
        response = self.done(list(final_forms.values()), form_dict=final_forms, **kwargs)
        if isinstance(response, HttpResponseRedirect) and response.url.endswith("/geplaatst/"):
            self.storage.reset()
        return response

    def done(
        self, form_list: object, form_dict: dict[str, BaseForm], **kwargs: Any
    ) -> HttpResponse:
        manager_data = form_dict["certificaatbeheerder"].cleaned_data
        certificate_form = form_dict["certificaat"]
        declarations_form = form_dict["voorwaarden"]
        assert isinstance(certificate_form, forms.CertificateForm)
        assert isinstance(declarations_form, forms.DeclarationsForm)
        assert certificate_form.checked_csr is not None  # the form is valid: its CSR passed
        manager = new_manager = None
        if manager_data["choice"] == forms.ManagerForm.EXISTING:
            manager = manager_data["manager"]
        else:
            new_manager = NewManager(
                given_name=manager_data["given_name"],
                surname=manager_data["surname"],
                email=manager_data["email"],
                phone=manager_data["phone"],
            )
        try:
            order = order_place(
                token=self.token(),
                subscriber=self.subscriber,
                product=certificate_form.cleaned_data["product"],
                contact_person=self.request.person,
                detail=ServerOrderDetail.from_csr(certificate_form.checked_csr),
                declarations=declarations_form.accepted(),
                manager=manager,
                new_manager=new_manager,
                login_certificate=login_certificate_data(self.request),
                renews=self.certificate,
                replaces=self.confirmed_renewal(),
                language=translation.get_language(),
            )
        except OrderAlreadyPlaced as placed:
            order = placed.order
        except RenewalAlreadyOpen:
            return self.renewal_conflict()
        except RenewalNotAllowed as refused:
            messages.error(self.request, str(refused))
            assert self.certificate is not None  # only a renewal is refused this way
            return redirect("server_detail", pk=self.certificate.pk)
        except KeyAlreadyOrdered:
            messages.error(
                self.request,
                _(
                    "Deze sleutel is zojuist in een andere bestelling gebruikt; "
                    "maak een nieuw sleutelpaar en een nieuwe CSR aan."
                ),
            )
            return self.render_goto_step("certificaat")
        return redirect("order_placed", reference=order.reference)

    def confirmed_renewal(self) -> Order | None:
        return None

    def renewal_conflict(self) -> HttpResponse:
        raise Http404


class RenewalWizard(ServerOrderWizard):
    """Verlengen: everything prefilled from the certificate, CN and product fixed (manual §3.2)."""

    action = None
    certificate: Certificate  # set by setup_order before anything else runs

    def setup_order(self, *, pk: int) -> HttpResponse | None:
        certificate = certificate_for_subscriber(
            subscriber=self.subscriber, pk=pk, kind=Kind.SERVER
        )
        self.certificate = certificate
        self.family = (certificate.product.family if certificate.product else "") or "pkio"
        actions = certificate_actions(self.request.person, certificate)
        if actions.refused_by_role(RENEW):
            return denied(self.request, actions.refusals[RENEW])
        if not actions.renew:
            messages.error(self.request, actions.refusals[RENEW])
            return redirect("server_detail", pk=certificate.pk)
        if self.request.method == "GET" and self.needs_confirmation():
            return redirect("renewal_start", pk=certificate.pk)
        return None

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return f"renewal-{self.certificate.pk}"

    def fixed_product(self) -> Product | None:
        return self.certificate.product

    def fixed_common_name(self) -> str | None:
        return self.certificate.common_name

    def host_names(self) -> list[str]:
        return list(self.certificate.sans or [self.certificate.common_name])

    def get_form_initial(self, step: str) -> dict[str, object]:
        initial = super().get_form_initial(step)
        manager = self.certificate.certificate_manager
        if step == "certificaatbeheerder" and manager is not None and manager.is_active:
            initial.update({"choice": forms.ManagerForm.EXISTING, "manager": manager.pk})
        return initial

    def needs_confirmation(self) -> bool:
        latest = renewals_submitted(certificate=self.certificate).first()
        if latest is None:
            return False
        confirmed = self.request.session.get(SESSION_RENEWAL_CONFIRMED, {})
        return confirmed.get(str(self.certificate.pk)) != latest.pk

    def confirmed_renewal(self) -> Order | None:
        confirmed = self.request.session.get(SESSION_RENEWAL_CONFIRMED, {})
        order_id = confirmed.get(str(self.certificate.pk))
        if order_id is None:
            return None
        return Order.objects.filter(pk=order_id, renews=self.certificate).first()

    def renewal_conflict(self) -> HttpResponse:
        messages.error(
            self.request,
            _(
                "Intussen is een andere verlenging van dit certificaat geplaatst. "
                "Bekijk de waarschuwing en bevestig opnieuw als u toch wilt verlengen."
            ),
        )
        return redirect("renewal_start", pk=self.certificate.pk)
