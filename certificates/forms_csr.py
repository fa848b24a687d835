"""The CSR assistant's form: which product, which host names, which OpenSSL."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from certificates.csr import MAX_SANS, CsrExpectations, is_host_name, within_domains
from certificates.csr_assistant import base_name, openssl_commands, openssl_config
from certificates.models import Kind, Product
from core.forms import PortalForm
from organisations.models import Subscriber

OPENSSL_3 = "3"
OPENSSL_LEGACY = "legacy"
DEFAULT_PRODUCT = "pkio-private"


class CsrAssistantForm(PortalForm):
    """Host names are checked as the CSR rules will (SPEC.md §7 rule 7) before
    the assistant writes them into a config: better a form error now than a
    refused CSR later. The organisation data is not a field: it comes from the
    registration and must match it exactly."""

    product = forms.ModelChoiceField(
        label=_("Type servercertificaat"),
        queryset=Product.objects.none(),
        to_field_name="code",
        empty_label=None,
    )
    host_names = forms.CharField(
        label=_("Servernamen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Eén servernaam per regel, maximaal tien. De eerste wordt de Naam van de "
            "service (commonName) en DNS.1."
        ),
    )
    openssl = forms.ChoiceField(
        label=_("Uw OpenSSL-versie"),
        choices=[
            (OPENSSL_3, _("OpenSSL 3 (aanbevolen)")),
            (OPENSSL_LEGACY, _("OpenSSL 1.1 of ouder (oid_section)")),
        ],
        initial=OPENSSL_3,
        widget=forms.RadioSelect,
        help_text=_(
            "Het commando openssl version toont uw versie. OpenSSL 3 kent "
            "organizationIdentifier zelf; het bestand met oid_section uit de instructie "
            "van Digidentity stopt daar met de melding “OBJ_create: oid exists” en maakt "
            "geen CSR. Kies die vorm alleen voor OpenSSL 1.1 of ouder."
        ),
    )

    def __init__(self, *args: Any, subscriber: Subscriber, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscriber = subscriber
        product = self.fields["product"]
        assert isinstance(product, forms.ModelChoiceField)
        product.queryset = self.products()
        product.initial = DEFAULT_PRODUCT
        self.config = ""

    @staticmethod
    def products() -> QuerySet[Product]:
        """The products the assistant offers: certSIGN OV needs L and ST, which the
        registration does not hold."""
        return Product.objects.filter(
            kind=Kind.SERVER, active=True, requires_locality=False
        ).order_by("name")

    def clean_host_names(self) -> list[str]:
        names = [
            name.strip().rstrip(".").lower()
            for name in re.split(r"[\s,;]+", self.cleaned_data["host_names"])
            if name.strip()
        ]
        errors = []
        if len(names) > MAX_SANS:
            errors.append(
                ValidationError(
                    _("U kunt maximaal %(max)d servernamen opnemen, niet %(count)d."),
                    params={"max": MAX_SANS, "count": len(names)},
                    code="too_many",
                )
            )
        for name in dict.fromkeys(names):
            if not is_host_name(name):
                errors.append(
                    ValidationError(
                        _(
                            "“%(name)s” is geen geldige servernaam (zoals server1.voorbeeld.nl; "
                            "geen wildcard of IP-adres)."
                        ),
                        params={"name": name},
                        code="invalid",
                    )
                )
            elif names.count(name) > 1:
                errors.append(
                    ValidationError(
                        _("“%(name)s” staat er meer dan één keer in."),
                        params={"name": name},
                        code="duplicate",
                    )
                )
        if errors:
            raise ValidationError(errors)
        return names

    def clean(self) -> dict[str, object]:
        super().clean()
        cleaned = self.cleaned_data
        product: Product | None = cleaned.get("product")
        names: list[str] | None = cleaned.get("host_names")
        if product is None or names is None:
            return cleaned
        expect = CsrExpectations.for_order(subscriber=self.subscriber, product=product)
        if expect.common_name_from_oin:
            # Digipoort: the portal determines the name from the OIN.
            names = cleaned["host_names"] = [expect.common_name]
        elif not names:
            self.add_error("host_names", _("Vul minstens één servernaam in."))
            return cleaned
        elif expect.check_domains:
            outside = [name for name in names if not within_domains(name, expect.verified_domains)]
            for name in outside:
                self.add_error(
                    "host_names",
                    ValidationError(
                        _(
                            "“%(name)s” valt niet binnen een geverifieerd domein van uw "
                            "organisatie (%(domains)s)."
                        ),
                        params={"name": name, "domains": ", ".join(expect.verified_domains) or "—"},
                        code="domain",
                    ),
                )
            if outside:
                return cleaned
        try:
            self.config = openssl_config(
                organization=self.subscriber.name,
                oin=self.subscriber.oin,
                country=self.subscriber.country,
                host_names=names,
                legacy_oid_section=cleaned.get("openssl") == OPENSSL_LEGACY,
            )
        except ValueError:
            raise ValidationError(
                _(
                    "Uw geregistreerde organisatiegegevens bevatten tekens die niet in een "
                    "CSR passen. Neem contact op met de validatieafdeling."
                ),
                code="registration",
            ) from None
        return cleaned

    def verified_domains(self) -> list[str]:
        return list(self.subscriber.verified_domains.values_list("domain", flat=True))

    @property
    def basename(self) -> str:
        return base_name(self.cleaned_data["host_names"])

    @property
    def commands(self) -> list[str]:
        return openssl_commands(basename=self.basename)
