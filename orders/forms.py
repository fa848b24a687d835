"""The forms of the six wizard steps (manual §3.2–3.3) and the renewal start screen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from certificates.csr import MAX_CSR_BYTES, CheckedCsr, CsrExpectations, CsrRejected, csr_check
from certificates.models import Product
from core.forms import PortalForm
from orders.models import Declaration
from orders.selectors import certificate_managers, orderable_products
from organisations.models import Person, Subscriber

# The seed's explanation of each product type (manual §3.3), by product code.
PRODUCT_EXPLANATIONS = {
    "pkio-digipoort": _(
        "PKIoverheid Digipoort PRIVATE servercertificaten zijn bedoeld voor koppeling van uw "
        "systeem met Digipoort. Het portaal bepaalt automatisch de naam van de service, "
        "waardoor er geen controle op eigenaarschap van het domein nodig is en het "
        "aanvraagproces eenvoudiger verloopt. Het OIN van uw organisatie wordt opgenomen in het "
        "certificaat om de communicatie via Digikoppeling mogelijk te maken. Het stamcertificaat "
        "is niet opgenomen in browsers of operating systemen."
    ),
    "pkio-private": _(
        "PKIoverheid PRIVATE servercertificaten zijn bedoeld voor systeem-systeemkoppelingen "
        "voor toepassing in besloten gebruikersgroepen (bijvoorbeeld EDSN of NWRO). Het "
        "stamcertificaat is niet opgenomen in browsers of operating systemen."
    ),
    "pkio-trial": _(
        "PKIoverheid Trial servercertificaten zijn uitsluitend bedoeld voor testdoeleinden. Met "
        "dit type certificaat kunt u geen gebruik maken van standaardvoorzieningen van de "
        "overheid, zoals Digipoort. Het stamcertificaat is niet opgenomen in browsers of "
        "operating systemen."
    ),
    "certsign-ov": _(
        "certSIGN OV SSL servercertificaten zijn publiek vertrouwde websitecertificaten: het "
        "stamcertificaat is opgenomen in browsers en operating systemen. Plaats (L) en "
        "provincie (ST) zijn verplicht in de CSR."
    ),
}


class ManagerChoiceField(forms.ModelChoiceField):
    """A certificate manager as "Surname, Given name (CB1234567)"."""

    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.surname}, {obj.given_name} ({obj.manager_number})"


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return obj.name


class EmptyStepForm(PortalForm):
    """Steps that only show data: 1. Contactpersoon and 4. Controle."""


class ManagerForm(PortalForm):
    """Step 2: an already identified certificate manager, or a new one (manual §3.2)."""

    EXISTING = "existing"
    NEW = "new"

    choice = forms.ChoiceField(
        label=_("De certificaatbeheerder is"),
        choices=[(NEW, _("nieuw")), (EXISTING, _("reeds geïdentificeerd"))],
        widget=forms.RadioSelect,
        initial=EXISTING,
    )
    manager = ManagerChoiceField(
        label=_("Certificaatbeheerder"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_(
            "Kies een actieve Certificaatbeheerder uit uw organisatie. Bij uitgifte wordt het "
            "certificaat naar zijn of haar e-mailadres verzonden met een CC naar de "
            "Contactpersoon die de aanvraag uitvoert."
        ),
    )
    given_name = forms.CharField(label=_("Voornaam"), max_length=100, required=False)
    surname = forms.CharField(label=_("Achternaam"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail Certificaatbeheerder"), required=False)
    phone = forms.RegexField(
        label=_("Telefoonnummer"),
        regex=r"^\+?[0-9 ()-]{8,20}$",
        required=False,
        error_messages={"invalid": _("Vul een geldig telefoonnummer in, bijvoorbeeld 0612345678.")},
    )

    def __init__(self, *args: Any, subscriber: Subscriber, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        managers = certificate_managers(subscriber=subscriber)
        manager = self.fields["manager"]
        assert isinstance(manager, forms.ModelChoiceField)
        manager.queryset = managers
        if not managers.exists():
            self.fields["choice"].initial = self.NEW

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        if data.get("choice") == self.EXISTING:
            if not data.get("manager"):
                self.add_error("manager", _("Kies een certificaatbeheerder."))
        elif data.get("choice") == self.NEW:
            for name in ("given_name", "surname", "email", "phone"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Dit veld is verplicht voor een nieuwe beheerder."))
        return data


class CertificateForm(PortalForm):
    """Step 3: the product type and the CSR, as file or pasted PEM (manual §3.3)."""

    # The pasted PEM is base64 that the CSR parser reads or refuses like an uploaded file;
    # what reaches the certificate is the CSR's subject, checked by certificates/csr.py.
    invisible_characters_allowed = ("csr",)

    product = ProductChoiceField(
        label=_("De aanvraag betreft een"),
        queryset=Product.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    csr_file = forms.FileField(
        label=_("CSR-bestand"),
        required=False,
        help_text=_("Een .csr- of .pem-bestand van maximaal 16 KiB."),
    )
    csr = forms.CharField(
        label=_("Of plak de CSR (PEM)"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "class": "font-monospace",
                "spellcheck": "false",
                "data-csr-target": "",
                "placeholder": "-----BEGIN CERTIFICATE REQUEST-----",
            }
        ),
    )

    def __init__(
        self,
        *args: Any,
        subscriber: Subscriber,
        family: str,
        fixed_product: Product | None = None,
        fixed_common_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subscriber = subscriber
        self.fixed_product = fixed_product
        self.fixed_common_name = fixed_common_name
        self.checked_csr: CheckedCsr | None = None
        product = self.fields["product"]
        assert isinstance(product, forms.ModelChoiceField)
        # The products this form offers (a renewal: only its own).
        self.offered: QuerySet[Product]
        if fixed_product is not None:
            # A renewal keeps its product: a posted value is ignored.
            self.offered = Product.objects.filter(pk=fixed_product.pk)
            product.initial = fixed_product.pk
            product.disabled = True
        else:
            self.offered = orderable_products(family=family)
            if len(self.offered) == 1:
                product.initial = self.offered[0].pk
        product.queryset = self.offered

    def _csr_bytes(self) -> bytes | str | None:
        upload: UploadedFile | None = self.cleaned_data.get("csr_file")
        text = (self.cleaned_data.get("csr") or "").strip()
        if upload is not None:
            if upload.size is not None and upload.size > MAX_CSR_BYTES:
                self.add_error("csr_file", _("Het bestand is groter dan 16 KiB."))
                return None
            data = upload.read(MAX_CSR_BYTES + 1)
            if not data:
                self.add_error("csr_file", _("Het bestand is leeg."))
                return None
            return data
        if not text:
            self.add_error("csr", _("Upload een CSR-bestand of plak de CSR."))
            return None
        return text

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        product = self.fixed_product or data.get("product")
        if product is None:
            return data
        raw = self._csr_bytes()
        if raw is None:
            return data
        expect = CsrExpectations.for_order(
            subscriber=self.subscriber, product=product, common_name=self.fixed_common_name
        )
        try:
            self.checked_csr = csr_check(raw, expect=expect)
        except CsrRejected as rejected:
            field = "csr_file" if data.get("csr_file") is not None else "csr"
            for message in rejected.messages:
                self.add_error(field, message)
            return data
        data["csr"] = self.checked_csr.pem
        data["product"] = product
        return data


class DeclarationsForm(PortalForm):
    """Step 5 "Voorwaarden": every declaration of the seed must be accepted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Declaration.choices:
            self.fields[code] = forms.BooleanField(
                label=label,
                required=True,
                error_messages={"required": _("U moet akkoord gaan met deze verklaring.")},
            )

    def accepted(self) -> list[str]:
        return [code for code in Declaration.values if self.cleaned_data.get(code)]


class PlaceOrderForm(PortalForm):
    """Step 6 "Afronding": carries the wizard token so a replayed POST finds its order."""

    token = forms.UUIDField(widget=forms.HiddenInput)


class RenewalStartForm(PortalForm):
    """The renewal start screen's confirmation when a renewal was already submitted."""

    confirm = forms.BooleanField(
        label=_("Ik wil toch een nieuwe verlenging aanvragen."),
        required=True,
        error_messages={
            "required": _(
                "Er is al een verlenging aangevraagd. "
                "Bevestig dat u toch een nieuwe aanvraag wilt doen."
            )
        },
    )
