"""The forms of the wizard steps (manual §3.2–3.3, §4–6) and the renewal start screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from certificates.csr import MAX_CSR_BYTES, CheckedCsr, CsrExpectations, CsrRejected, csr_check
from certificates.models import Card, Certificate, Kind, Product
from core.forms import PortalForm
from orders.models import CARRIERS_FOR_KIND, CardOrderDetail, Declaration
from orders.selectors import certificate_managers, orderable_card_products, orderable_products
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


PHONE_PATTERN = r"^\+?[0-9 ()-]{8,20}$"
PHONE_INVALID = _("Vul een geldig telefoonnummer in, bijvoorbeeld 0612345678.")


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
        regex=PHONE_PATTERN,
        required=False,
        error_messages={"invalid": PHONE_INVALID},
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


def csr_fields(*, browser_target: bool = False) -> tuple[forms.FileField, forms.CharField]:
    """The CSR as an uploaded file or pasted PEM (manual §3.3): step 3 of the order wizard
    and the replacement page. ``browser_target``: the in-browser CSR maker fills it in."""
    attrs = {
        "rows": 8,
        "class": "font-monospace",
        "spellcheck": "false",
        **({"data-csr-target": ""} if browser_target else {}),
        "placeholder": "-----BEGIN CERTIFICATE REQUEST-----",
    }
    return (
        forms.FileField(
            label=_("CSR-bestand"),
            required=False,
            help_text=_("Een .csr- of .pem-bestand van maximaal 16 KiB."),
        ),
        forms.CharField(
            label=_("Of plak de CSR (PEM)"), required=False, widget=forms.Textarea(attrs=attrs)
        ),
    )


def csr_input(form: forms.Form) -> bytes | str | None:
    """What ``form``'s ``csr_fields`` hold: the upload (at most 16 KiB) or the pasted text;
    ``None`` with the error on its field when neither is usable."""
    upload: UploadedFile | None = form.cleaned_data.get("csr_file")
    text = (form.cleaned_data.get("csr") or "").strip()
    if upload is not None:
        if upload.size is not None and upload.size > MAX_CSR_BYTES:
            form.add_error("csr_file", _("Het bestand is groter dan 16 KiB."))
            return None
        data = upload.read(MAX_CSR_BYTES + 1)
        if not data:
            form.add_error("csr_file", _("Het bestand is leeg."))
            return None
        return data
    if not text:
        form.add_error("csr", _("Upload een CSR-bestand of plak de CSR."))
        return None
    return text


def declaration_field(code: Declaration) -> forms.BooleanField:
    """One declaration that must be accepted (manual §3.2, "Akkoordverklaringen")."""
    return forms.BooleanField(
        label=code.label,
        required=True,
        error_messages={"required": _("U moet akkoord gaan met deze verklaring.")},
    )


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
    csr_file, csr = csr_fields(browser_target=True)

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
        return csr_input(self)

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


# The declarations of a server order (manual §3.2) and of an order on a card: no
# domain name and no key the customer made, but a holder who knows the rules.
SERVER_DECLARATIONS = (
    Declaration.TRUTHFUL,
    Declaration.TERMS,
    Declaration.MANAGER,
    Declaration.SECURE_KEY,
    Declaration.PRICES,
    Declaration.PUBLICATION,
    Declaration.DOMAIN,
)
CARD_DECLARATIONS = (
    Declaration.TRUTHFUL,
    Declaration.TERMS,
    Declaration.HOLDER,
    Declaration.PRICES,
    Declaration.PUBLICATION,
)


class DeclarationsForm(PortalForm):
    """Step 5 "Voorwaarden": every declaration the order asks must be accepted."""

    def __init__(
        self, *args: Any, codes: tuple[Declaration, ...] = SERVER_DECLARATIONS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.codes = codes
        for code in codes:
            self.fields[code.value] = declaration_field(code)

    def accepted(self) -> list[str]:
        return [code.value for code in self.codes if self.cleaned_data.get(code.value)]


class CardForm(PortalForm):
    """Step 3 of a card order: the product, its carrier and the holder (manual §4–6).

    No CSR: the key is made on the card. A personal card asks the holder's name,
    e-mail, phone and date of birth; a group card the function or group name and its
    mailbox; an eSeal carries the organisation's name and asks its mailbox. A renewal
    keeps its product and its holder (``fixed``).
    """

    product = ProductChoiceField(
        label=_("De aanvraag betreft een"),
        queryset=Product.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    carrier = forms.ChoiceField(label=_("Drager"), widget=forms.RadioSelect)
    holder_name = forms.CharField(label=_("Naam pashouder"), max_length=200)
    group_name = forms.CharField(
        label=_("Functie- of groepsnaam"),
        max_length=200,
        help_text=_(
            "De naam van de functie of groep in het certificaat, bijvoorbeeld Servicedesk."
        ),
    )
    email = forms.EmailField(label=_("E-mailadres"))
    phone = forms.RegexField(
        label=_("Telefoonnummer"),
        regex=PHONE_PATTERN,
        required=False,
        error_messages={"invalid": PHONE_INVALID},
    )
    date_of_birth = forms.DateField(
        label=_("Geboortedatum"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Vul een geldige datum in, bijvoorbeeld 1980-05-17.")},
    )

    # What each kind asks besides product, carrier and e-mail.
    FIELDS_FOR_KIND: dict[str, tuple[str, ...]] = {
        Kind.PERSONAL: ("holder_name", "phone", "date_of_birth"),
        Kind.GROUP: ("group_name", "phone"),
        Kind.ESEAL: ("phone",),
    }

    def __init__(
        self,
        *args: Any,
        subscriber: Subscriber,
        kind: str,
        fixed_product: Product | None = None,
        fixed_holder: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subscriber = subscriber
        self.kind = kind
        self.fixed_product = fixed_product
        self.fixed_holder = fixed_holder
        keep = {"product", "carrier", "email", *self.FIELDS_FOR_KIND[kind]}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        carriers = dict(Card.Carrier.choices)
        carrier = self.fields["carrier"]
        assert isinstance(carrier, forms.ChoiceField)
        carrier.choices = [(code, carriers[code]) for code in CARRIERS_FOR_KIND[kind]]
        carrier.initial = CARRIERS_FOR_KIND[kind][0]
        if kind == Kind.PERSONAL:
            self.fields["phone"].required = True
        product = self.fields["product"]
        assert isinstance(product, forms.ModelChoiceField)
        self.offered: QuerySet[Product]
        if fixed_product is not None:
            self.offered = Product.objects.filter(pk=fixed_product.pk)
            product.initial = fixed_product.pk
            product.disabled = True
        else:
            self.offered = orderable_card_products(kind=kind)
            if len(self.offered) == 1:
                product.initial = self.offered[0].pk
        product.queryset = self.offered
        if fixed_holder is not None:
            # A renewal keeps the name in the certificate: a posted value is ignored.
            holder = self.holder_field()
            if holder is not None:
                self.fields[holder].initial = fixed_holder
                self.fields[holder].disabled = True

    def holder_field(self) -> str | None:
        """The field that holds the certificate's name (CN), if the person types it."""
        names: dict[str, str] = {Kind.PERSONAL: "holder_name", Kind.GROUP: "group_name"}
        return names.get(self.kind)

    def clean_date_of_birth(self) -> dt.date:
        born: dt.date = self.cleaned_data["date_of_birth"]
        if not dt.date(1900, 1, 1) <= born < dt.date.today():
            raise forms.ValidationError(_("Vul een geboortedatum in het verleden in."))
        return born

    def clean(self) -> dict[str, object]:
        super().clean()
        if self.fixed_product is not None:
            self.cleaned_data["product"] = self.fixed_product
        return self.cleaned_data

    def detail(self) -> CardOrderDetail:
        """The (unsaved) detail of the order: the holder as the certificate will name it."""
        data = self.cleaned_data
        group_name = data.get("group_name", "")
        if self.kind == Kind.GROUP:
            holder = group_name
        elif self.kind == Kind.ESEAL:
            holder = self.subscriber.name
        else:
            holder = data["holder_name"]
        return CardOrderDetail(
            carrier=data["carrier"],
            holder_name=holder,
            group_name=group_name,
            email=data["email"],
            phone=data.get("phone", ""),
            date_of_birth=data.get("date_of_birth"),
        )


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


class ReplacementForm(PortalForm):
    """The "Vervangen" page of a replacement campaign (issue 14, point 4): one page, everything
    prefilled from the old certificate. The key is the old one again (the seed's one
    exception to the key-reuse rule) or a new CSR with the same name; the server
    declarations; a token so a double submit finds the order it placed."""

    REUSE = "reuse"
    NEW = "new"

    # The pasted PEM is read or refused by the CSR parser (see CertificateForm).
    invisible_characters_allowed = ("csr",)

    certificate_manager = ManagerChoiceField(
        label=_("Certificaatbeheerder"),
        queryset=Person.objects.none(),
        empty_label=None,
        help_text=_(
            "Bij uitgifte wordt het certificaat naar zijn of haar e-mailadres verzonden met "
            "een CC naar de Contactpersoon die de aanvraag uitvoert."
        ),
    )
    key = forms.ChoiceField(
        label=_("Sleutel"),
        choices=[
            (REUSE, _("Bestaande sleutel (CSR) hergebruiken")),
            (NEW, _("Nieuwe CSR")),
        ],
        widget=forms.RadioSelect,
        initial=REUSE,
    )
    csr_file, csr = csr_fields()
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        subscriber: Subscriber,
        certificate: Certificate,
        product: Product,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subscriber = subscriber
        self.certificate = certificate
        self.product = product
        self.checked_csr: CheckedCsr | None = None
        managers = certificate_managers(subscriber=subscriber)
        manager = self.fields["certificate_manager"]
        assert isinstance(manager, forms.ModelChoiceField)
        manager.queryset = managers
        old = certificate.certificate_manager
        if old is not None and managers.filter(pk=old.pk).exists():
            manager.initial = old.pk
        self.declaration_names: list[str] = []
        for code in SERVER_DECLARATIONS:
            self.fields[code.value] = declaration_field(code)
            self.declaration_names.append(code.value)

    def declaration_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.declaration_names]

    def accepted(self) -> list[str]:
        return [name for name in self.declaration_names if self.cleaned_data.get(name)]

    def _csr_bytes(self) -> bytes | str | None:
        return csr_input(self)

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        if data.get("key") != self.NEW:
            return data
        raw = self._csr_bytes()
        if raw is None:
            return data
        expect = CsrExpectations.for_order(
            subscriber=self.subscriber,
            product=self.product,
            common_name=self.certificate.common_name,
        )
        try:
            self.checked_csr = csr_check(
                raw, expect=expect, reusable_spki=self.certificate.spki_sha256
            )
        except CsrRejected as rejected:
            field = "csr_file" if data.get("csr_file") is not None else "csr"
            for message in rejected.messages:
                self.add_error(field, message)
            return data
        data["csr"] = self.checked_csr.pem
        return data
