"""The order and renewal wizards of every kind (manual §3.2–3.3, §4–6, SPEC.md §7).

1. Contactpersoon 2. Certificaatbeheerder 3. Certificaat 4. Controle
5. Voorwaarden 6. Afronding. The wizard's data lives in the session
(formtools); the order is created only by "Plaats bestelling", through
``orders.services.order_place``. ``OrderWizard`` is the one lifecycle (token,
steps, revalidation, renewal confirmation); a server order adds its CSR
(``ServerOrderWizard``), a card order its holder and carrier (``CardOrderWizard``).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
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
from orders.models import (
    CARRIERS_FOR_KIND,
    CardOrderDetail,
    Order,
    OrderDetail,
    ServerOrderDetail,
)
from orders.selectors import orderable_card_products, orderable_products, renewals_submitted
from orders.services import (
    KeyAlreadyOrdered,
    NewManager,
    OrderAlreadyPlaced,
    RenewalAlreadyOpen,
    RenewalNotAllowed,
    order_place,
)
from organisations.authorisation import Action, PersonRequest, denied, refusal
from organisations.models import Person

STEPS = [
    ("contactpersoon", forms.EmptyStepForm, gettext_lazy("Contactpersoon")),
    ("certificaatbeheerder", forms.ManagerForm, gettext_lazy("Certificaatbeheerder")),
    ("certificaat", forms.CertificateForm, gettext_lazy("Certificaat")),
    ("controle", forms.EmptyStepForm, gettext_lazy("Controle")),
    ("voorwaarden", forms.DeclarationsForm, gettext_lazy("Voorwaarden")),
    ("afronding", forms.PlaceOrderForm, gettext_lazy("Afronding")),
]
CARD_STEPS = [
    ("contactpersoon", forms.EmptyStepForm, gettext_lazy("Contactpersoon")),
    ("certificaatbeheerder", forms.ManagerForm, gettext_lazy("Certificaatbeheerder")),
    ("certificaat", forms.CardForm, gettext_lazy("Certificaat")),
    ("controle", forms.EmptyStepForm, gettext_lazy("Controle")),
    ("voorwaarden", forms.DeclarationsForm, gettext_lazy("Voorwaarden")),
    ("afronding", forms.PlaceOrderForm, gettext_lazy("Afronding")),
]

FAMILIES = {
    "pkio": gettext_lazy("PKIoverheid servercertificaat"),
    "certsign": gettext_lazy("certSIGN OV SSL servercertificaat"),
}
CARD_KINDS: dict[str, object] = {
    Kind.PERSONAL: gettext_lazy("Persoonlijk certificaat"),
    Kind.GROUP: gettext_lazy("Groepscertificaat"),
    Kind.ESEAL: gettext_lazy("eSeal certificaat"),
}
# "Nieuw certificaat via Mobiel": ``?drager=mobile`` preselects the carrier (manual §4.1).
CARRIER_PARAMETER = "drager"

# Session key: renewal confirmations on the start screen, {certificate pk: order pk}.
SESSION_RENEWAL_CONFIRMED = "portal_renewal_confirmed"


def certificate_detail_url(certificate: Certificate) -> str:
    """The detail page of a certificate of any kind (manual §3.1, §4.1)."""
    if certificate.kind == Kind.SERVER:
        return reverse("server_detail", args=[certificate.pk])
    return reverse("card_detail", args=[certificate.kind, certificate.pk])


def renewal_start_url(certificate: Certificate) -> str:
    """The renewal start screen with the warning about earlier renewals (manual §3.2)."""
    if certificate.kind == Kind.SERVER:
        return reverse("renewal_start", args=[certificate.pk])
    return reverse("card_renewal_start", args=[certificate.kind, certificate.pk])


def renewal_wizard_url(certificate: Certificate) -> str:
    """The renewal wizard of a certificate of any kind (manual §3.2, §4.2)."""
    if certificate.kind == Kind.SERVER:
        return reverse("renewal_wizard", args=[certificate.pk])
    return reverse("card_renewal_wizard", args=[certificate.kind, certificate.pk])


@method_decorator(person_required, name="dispatch")
class OrderWizard(PortalWizardView):
    """The lifecycle every order wizard shares: a token per submission, steps that
    cannot be skipped, revalidation of every step and ``order_place`` at the end.

    A renewal (``certificate`` set by ``renewal_setup``) asks ``certificate_actions``
    instead of the matrix, and confirms an earlier renewal on the start screen.
    """

    template_name = "orders/wizard.html"
    # Step templates that differ from orders/steps/<step>.html.
    step_templates: dict[str, str] = {}
    steps_table: list[tuple[str, Any, Any]] = []
    file_storage = None
    certificate: Certificate | None = None
    # What the matrix must allow; a renewal asks certificate_actions instead.
    action: Action | None = Action.ORDER

    def dispatch(self, request: PersonRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        reason = refusal(request.person, self.action) if self.action is not None else None
        if reason is not None:
            return denied(request, reason)
        self.subscriber = request.person.subscriber
        response = self.setup_order(**kwargs)
        if response is not None:
            return response
        return super().dispatch(request, *args, **kwargs)

    def setup_order(self, **kwargs: Any) -> HttpResponse | None:
        raise NotImplementedError

    def renewal_setup(self, certificate: Certificate) -> HttpResponse | None:
        """Renew ``certificate`` if this person may now; else the reason (manual §3.2)."""
        self.certificate = certificate
        actions = certificate_actions(self.request.person, certificate)
        if actions.refused_by_role(RENEW):
            return denied(self.request, actions.refusals[RENEW])
        if not actions.renew:
            messages.error(self.request, actions.refusals[RENEW])
            return redirect(certificate_detail_url(certificate))
        if self.request.method == "GET" and self.needs_confirmation():
            return redirect(renewal_start_url(certificate))
        return None

    # -- steps ------------------------------------------------------------

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """A fresh wizard with a new token: the key of "one order per submission"."""
        self.storage.reset()
        self.storage.current_step = self.steps.first
        self.storage.extra_data = {"token": str(uuid.uuid4()), **self.start_data()}
        return self.render(self.get_form())

    def start_data(self) -> dict[str, str]:
        """What the start URL preselects, kept for the whole wizard."""
        return {}

    def token(self) -> uuid.UUID:
        extra = self.storage.extra_data
        if "token" not in extra:
            extra["token"] = str(uuid.uuid4())
            self.storage.extra_data = extra
        return uuid.UUID(extra["token"])

    def step_names(self) -> list[str]:
        """The steps this wizard shows this person, in order."""
        return list(self.get_form_list())

    def first_incomplete_step(self) -> str:
        names = self.step_names()
        for name in names:
            if self.storage.get_step_data(name) is None:
                return name
        return names[-1]

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        request = self.request
        placed = self._placed_order(request.POST.get("afronding-token", ""))
        if placed is not None:
            # A double click, a replayed POST or a back-button resubmit.
            return redirect("order_placed", reference=placed.reference)

        names = self.step_names()
        goto = request.POST.get("wizard_goto_step", "")
        posted = request.POST.get(f"{self.prefix}-current_step", "")
        target = goto if goto in names else posted
        first_open = self.first_incomplete_step()
        if target in names and names.index(target) > names.index(first_open):
            messages.error(
                request,
                _("Vul eerst de stap “%(step)s” in.") % {"step": self.step_label(first_open)},
            )
            return self.render_goto_step(first_open)

        if goto in names and posted in names and posted == self.steps.current:
            # Going back keeps what was entered on this page, when it is valid.
            form = self.get_form(data=request.POST, files=request.FILES)
            if form.is_valid():
                self.storage.set_step_data(posted, self.process_step(form))
            return self.render_goto_step(goto)
        return self.post_step(*args, **kwargs)

    def post_step(self, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().post(*args, **kwargs)

    def _placed_order(self, token: str) -> Order | None:
        try:
            value = uuid.UUID(token)
        except ValueError:
            return None
        return Order.objects.filter(wizard_token=value, subscriber=self.subscriber).first()

    def step_label(self, name: str) -> str:
        return str(dict((step, label) for step, _form, label in self.steps_table)[name])

    def get_form_kwargs(self, step: str | None = None) -> dict[str, object]:
        if step == "certificaatbeheerder":
            return {"subscriber": self.subscriber}
        return {}

    def get_form_initial(self, step: str) -> dict[str, object]:
        if step == "afronding":
            return {"token": self.token()}
        if step == "certificaatbeheerder" and self.certificate is not None:
            manager = self.certificate.certificate_manager
            if manager is not None and manager.is_active:
                return {"choice": forms.ManagerForm.EXISTING, "manager": manager.pk}
        return {}

    def get_form_step_files(self, form: object) -> dict[str, object]:
        return {}

    # -- context ----------------------------------------------------------

    def get_context_data(self, form: object, **kwargs: Any) -> dict[str, object]:
        context = super().get_context_data(form=form, **kwargs)
        current = self.steps.current
        labels = dict((name, label) for name, _form, label in self.steps_table)
        done = True
        step_bar = []
        for index, name in enumerate(self.step_names(), start=1):
            if name == current:
                done = False
            step_bar.append(
                {
                    "number": index,
                    "name": name,
                    "label": labels[name],
                    "current": name == current,
                    "done": done and name != current,
                }
            )
        context.update(
            {
                "step_bar": step_bar,
                "step_template": self.step_templates.get(current, f"orders/steps/{current}.html"),
                "subscriber": self.subscriber,
                "renewal_of": self.certificate,
            }
        )
        if current in ("certificaat", "controle", "voorwaarden", "afronding"):
            context.update(self.summary())
        return context

    def summary(self) -> dict[str, object]:
        """What step 4 "Controle" shows, read from the stored steps."""
        manager: dict[str, object] = {}
        if "certificaatbeheerder" in self.get_form_list():
            manager = self.get_cleaned_data_for_step("certificaatbeheerder") or {}
        product = self.summary_product()
        return {
            "summary_manager": manager,
            "summary_product": product,
            # The validity the certificate gets when issued today (UTC, as the CA counts).
            "summary_validity_days": product.validity_days_on(timezone.now().date())
            if product
            else None,
        }

    def summary_product(self) -> Product | None:
        raise NotImplementedError

    # -- placing the order ------------------------------------------------

    def render_done(self, form: object, **kwargs: Any) -> HttpResponse:
        """Revalidate every step, place the order; reset the wizard only on success."""
        final_forms = OrderedDict()
        for name in self.step_names():
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

    def order_manager(
        self, form_dict: dict[str, BaseForm]
    ) -> tuple[Person | None, NewManager | None]:
        """Step 2's certificate manager: an existing one, or a new one to register."""
        manager_data = form_dict["certificaatbeheerder"].cleaned_data
        if manager_data["choice"] == forms.ManagerForm.EXISTING:
            return manager_data["manager"], None
        return None, NewManager(
            given_name=manager_data["given_name"],
            surname=manager_data["surname"],
            email=manager_data["email"],
            phone=manager_data["phone"],
        )

    def order_content(self, form_dict: dict[str, BaseForm]) -> tuple[Product, OrderDetail]:
        """The product and the (unsaved) kind-specific detail of the order."""
        raise NotImplementedError

    def done(
        self, form_list: object, form_dict: dict[str, BaseForm], **kwargs: Any
    ) -> HttpResponse:
        declarations_form = form_dict["voorwaarden"]
        assert isinstance(declarations_form, forms.DeclarationsForm)
        manager, new_manager = self.order_manager(form_dict)
        product, detail = self.order_content(form_dict)
        try:
            order = order_place(
                token=self.token(),
                subscriber=self.subscriber,
                product=product,
                contact_person=self.request.person,
                detail=detail,
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
            return redirect(certificate_detail_url(self.certificate))
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

    # -- renewals ---------------------------------------------------------

    def needs_confirmation(self) -> bool:
        if self.certificate is None:
            return False
        latest = renewals_submitted(certificate=self.certificate).first()
        if latest is None:
            return False
        confirmed = self.request.session.get(SESSION_RENEWAL_CONFIRMED, {})
        return confirmed.get(str(self.certificate.pk)) != latest.pk

    def confirmed_renewal(self) -> Order | None:
        if self.certificate is None:
            return None
        confirmed = self.request.session.get(SESSION_RENEWAL_CONFIRMED, {})
        order_id = confirmed.get(str(self.certificate.pk))
        if order_id is None:
            return None
        return Order.objects.filter(pk=order_id, renews=self.certificate).first()

    def renewal_conflict(self) -> HttpResponse:
        if self.certificate is None:
            raise Http404
        messages.error(
            self.request,
            _(
                "Intussen is een andere verlenging van dit certificaat geplaatst. "
                "Bekijk de waarschuwing en bevestig opnieuw als u toch wilt verlengen."
            ),
        )
        return redirect(renewal_start_url(self.certificate))


class ServerOrderWizard(OrderWizard):
    """A new server certificate: "Nieuw PKIO servercertificaat" / "Nieuw certSIGN certificaat"."""

    form_list = [(name, form) for name, form, _label in STEPS]
    steps_table = STEPS
    # Uploaded CSRs are read in step 3 and kept as PEM text (get_form_step_data):
    # no file ever goes to the wizard's storage.

    def setup_order(self, *, family: str) -> HttpResponse | None:
        if family not in FAMILIES:
            raise Http404
        self.family = family
        return None

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return f"order-{self.family}"

    def post_step(self, *args: Any, **kwargs: Any) -> HttpResponse:
        request = self.request
        posted = request.POST.get(f"{self.prefix}-current_step", "")
        if posted == "certificaat" and "csr_preview" in request.POST:
            # "CSR inlezen": show what was read from the CSR before going on.
            self.storage.current_step = "certificaat"
            form = self.get_form(data=request.POST, files=request.FILES)
            if form.is_valid():
                self.storage.set_step_data("certificaat", self.process_step(form))
                form = self.get_form(data=self.storage.get_step_data("certificaat"))
            return self.render(form)
        return super().post_step(*args, **kwargs)

    def get_form_kwargs(self, step: str | None = None) -> dict[str, object]:
        if step == "certificaat":
            return {
                "subscriber": self.subscriber,
                "family": self.family,
                "fixed_product": self.fixed_product(),
                "fixed_common_name": self.fixed_common_name(),
            }
        return super().get_form_kwargs(step)

    def fixed_product(self) -> Product | None:
        return None

    def fixed_common_name(self) -> str | None:
        return None

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

    def get_context_data(self, form: object, **kwargs: Any) -> dict[str, object]:
        context = super().get_context_data(form=form, **kwargs)
        context.update(
            {
                "wizard_title": self.wizard_title(),
                "csr": self.storage.extra_data.get("csr"),
                "product_explanations": forms.PRODUCT_EXPLANATIONS,
                "assistant_url": reverse("csr_assistant"),
                "csr_generator": True,
            }
        )
        if self.steps.current == "certificaat":
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

    def wizard_title(self) -> str:
        return _("Aanvraag %(what)s") % {"what": FAMILIES[self.family]}

    def host_names(self) -> list[str]:
        return []

    def _allow_ecdsa(self, form: forms.CertificateForm) -> bool:
        return any(product.allows_ecdsa for product in form.offered)

    def summary_product(self) -> Product | None:
        product = self.fixed_product()
        stored = self.storage.get_step_data("certificaat") or {}
        product_id = str(stored.get("certificaat-product", ""))
        if product is None and product_id.isdigit():
            product = orderable_products(family=self.family).filter(pk=product_id).first()
        return product

    def order_content(self, form_dict: dict[str, BaseForm]) -> tuple[Product, OrderDetail]:
        certificate_form = form_dict["certificaat"]
        assert isinstance(certificate_form, forms.CertificateForm)
        assert certificate_form.checked_csr is not None  # the form is valid: its CSR passed
        return (
            certificate_form.cleaned_data["product"],
            ServerOrderDetail.from_csr(certificate_form.checked_csr),
        )


class RenewalWizard(ServerOrderWizard):
    """Verlengen: everything prefilled from the certificate, CN and product fixed (manual §3.2)."""

    action = None
    certificate: Certificate  # set by setup_order before anything else runs

    def setup_order(self, *, pk: int) -> HttpResponse | None:
        certificate = certificate_for_subscriber(
            subscriber=self.subscriber, pk=pk, kind=Kind.SERVER
        )
        self.family = (certificate.product.family if certificate.product else "") or "pkio"
        return self.renewal_setup(certificate)

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return f"renewal-{self.certificate.pk}"

    def wizard_title(self) -> str:
        return _("Verlengen servercertificaat %(cn)s") % {"cn": self.certificate.common_name}

    def fixed_product(self) -> Product | None:
        return self.certificate.product

    def fixed_common_name(self) -> str | None:
        return self.certificate.common_name

    def host_names(self) -> list[str]:
        return list(self.certificate.sans or [self.certificate.common_name])


def _needs_manager(wizard: CardOrderWizard) -> bool:
    """A group or eSeal certificate has a certificate manager (manual §5–6); a personal
    certificate's holder is the person on the card."""
    return wizard.kind != Kind.PERSONAL


class CardOrderWizard(OrderWizard):
    """A new Persoons, Groeps or eSeal certificate (manual §4.3, §5, §6): "Nieuw
    persoonlijk certificaat", "Nieuw certificaat via Mobiel", "Nieuw groeps
    certificaat", "Nieuw eSeal certificaat". No CSR: the key is made on the card.

    A personal order has no step 2: the contact person who orders it is recorded as
    the order's certificate manager.
    """

    form_list = [(name, form) for name, form, _label in CARD_STEPS]
    steps_table = CARD_STEPS
    condition_dict = {"certificaatbeheerder": _needs_manager}
    step_templates = {"certificaat": "orders/steps/card_certificaat.html"}

    def setup_order(self, *, kind: str) -> HttpResponse | None:
        if kind not in CARD_KINDS:
            raise Http404
        self.kind = kind
        return None

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return f"order-{self.kind}"

    def start_data(self) -> dict[str, str]:
        carrier = self.request.GET.get(CARRIER_PARAMETER, "")
        return {"carrier": carrier} if carrier in CARRIERS_FOR_KIND[self.kind] else {}

    def fixed_product(self) -> Product | None:
        return None

    def fixed_holder(self) -> str | None:
        return None

    def get_form_kwargs(self, step: str | None = None) -> dict[str, object]:
        if step == "certificaat":
            return {
                "subscriber": self.subscriber,
                "kind": self.kind,
                "fixed_product": self.fixed_product(),
                "fixed_holder": self.fixed_holder(),
            }
        if step == "voorwaarden":
            return {"codes": forms.CARD_DECLARATIONS}
        return super().get_form_kwargs(step)

    def get_form_initial(self, step: str) -> dict[str, object]:
        initial = super().get_form_initial(step)
        if step == "certificaat":
            carrier = self.storage.extra_data.get("carrier")
            if carrier:
                initial["carrier"] = carrier
            initial.update(self.holder_initial())
        return initial

    def holder_initial(self) -> dict[str, object]:
        return {}

    def get_context_data(self, form: object, **kwargs: Any) -> dict[str, object]:
        context = super().get_context_data(form=form, **kwargs)
        context.update({"wizard_title": self.wizard_title(), "card_kind": self.kind})
        if self.steps.current == "certificaat":
            assert isinstance(form, forms.CardForm)
            today = timezone.now().date()
            context["product_offers"] = [
                (product, product.validity_days_on(today)) for product in form.offered
            ]
        return context

    def wizard_title(self) -> str:
        return _("Aanvraag %(what)s") % {"what": CARD_KINDS[self.kind]}

    def summary(self) -> dict[str, object]:
        summary = super().summary()
        stored = self.storage.get_step_data("certificaat")
        if stored is not None:
            card_form = self.get_form(step="certificaat", data=stored)
            if card_form.is_valid():
                assert isinstance(card_form, forms.CardForm)
                summary["summary_card"] = card_form.detail()
        return summary

    def summary_product(self) -> Product | None:
        product = self.fixed_product()
        stored = self.storage.get_step_data("certificaat") or {}
        product_id = str(stored.get("certificaat-product", ""))
        if product is None and product_id.isdigit():
            product = orderable_card_products(kind=self.kind).filter(pk=product_id).first()
        return product

    def order_manager(
        self, form_dict: dict[str, BaseForm]
    ) -> tuple[Person | None, NewManager | None]:
        if "certificaatbeheerder" not in form_dict:
            return self.request.person, None
        return super().order_manager(form_dict)

    def order_content(self, form_dict: dict[str, BaseForm]) -> tuple[Product, OrderDetail]:
        card_form = form_dict["certificaat"]
        assert isinstance(card_form, forms.CardForm)
        return card_form.cleaned_data["product"], card_form.detail()


class CardRenewalWizard(CardOrderWizard):
    """Verlengen of a Persoons, Groeps or eSeal certificate (manual §4.2): the holder
    and the product of the certificate, the rest prefilled from its card and order."""

    action = None
    certificate: Certificate  # set by setup_order before anything else runs

    def setup_order(self, *, kind: str, pk: int) -> HttpResponse | None:
        if kind not in CARD_KINDS:
            raise Http404
        self.kind = kind
        certificate = certificate_for_subscriber(subscriber=self.subscriber, pk=pk, kind=Kind(kind))
        return self.renewal_setup(certificate)

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return f"renewal-{self.certificate.pk}"

    def start_data(self) -> dict[str, str]:
        card = self.certificate.card
        return {"carrier": card.carrier} if card is not None else {}

    def wizard_title(self) -> str:
        return _("Verlengen %(what)s %(name)s") % {
            "what": CARD_KINDS[self.kind],
            "name": self.holder(),
        }

    def holder(self) -> str:
        card = self.certificate.card
        return card.holder_name if card is not None else self.certificate.common_name

    def fixed_product(self) -> Product | None:
        product = self.certificate.product
        if product is None or product.kind != self.kind:
            # A certificate from before card orders: the kind's product today.
            product = orderable_card_products(kind=self.kind).first()
        return product

    def fixed_holder(self) -> str | None:
        return self.holder()

    def holder_initial(self) -> dict[str, object]:
        """The holder's data from the order that issued the certificate, else its card."""
        issued = getattr(self.certificate, "issued_for", None)
        detail = issued.order.detail if issued is not None else None
        if isinstance(detail, CardOrderDetail):
            return {
                "email": detail.email,
                "phone": detail.phone,
                "date_of_birth": detail.date_of_birth,
            }
        card = self.certificate.card
        return {"email": card.email} if card is not None else {}
