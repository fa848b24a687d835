"""The steps of "Wijzigen Abonneeregistratie" (manual §7.2, issue 6).

Every step is prefilled with the registration as it is. A value the person
leaves as registered is taken as it is; what they change is checked against
the Dutch formats (``registration.formats``). Persons are formsets: one row
per registered person (change it, or tick "Verwijderen") and empty rows for
new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import PortalForm
from organisations.models import Person, Subscriber
from registration import formats
from registration.changes import (
    BILLING_FIELDS,
    CONTACT_DATA_FIELDS,
    ORGANISATION_FIELDS,
    REPRESENTATIVE_WITH_CONTACTS,
    allowed_sections,
    person_values,
    subscriber_values,
)
from registration.id_documents import IdDocumentRejected, check_id_document, store_id_document
from registration.models import PersonChange, Section

NOTHING_CHANGED = _(
    "U heeft in deze rubriek niets gewijzigd. Pas de gegevens aan, of ga terug naar "
    "“Type wijziging” en kies deze rubriek af."
)
ID_DOCUMENT_REQUIRED = _(
    "U dient een kopie van een geldig identiteitsbewijs van de Contactpersoon te uploaden. "
    "Toegestane bestandsformaten zijn een PDF of als afbeelding in JPEG, GIF of PNG formaat."
)
ID_DOCUMENT_PRIVACY = _(
    "In het kader van uw privacy adviseert het Certificaatportaal om zowel de pasfoto als het "
    "BSN onleesbaar te maken."
)
REQUIRED = _("Dit veld is verplicht.")


class ChangeTypeForm(PortalForm):
    """Step 1 "Type wijziging": only the sections the person may change are offered.

    Whether a new authorised representative comes is asked here too: with one,
    contact persons cannot change in the same form (manual §7.2, "Bijzondere
    scenario's"), and this step says so before anything is filled in.
    """

    sections = forms.MultipleChoiceField(
        label=_("Gewenste wijziging"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies ten minste één wijziging.")},
    )
    new_representative = forms.BooleanField(
        label=_("Ik voer een nieuwe Bevoegd Vertegenwoordiger op"),
        required=False,
        help_text=_(
            "Als u een nieuwe Bevoegd Vertegenwoordiger opvoert, dan kunt u in hetzelfde "
            "formulier geen wijzigingen in Contactpersonen doorgeven."
        ),
    )

    def __init__(self, *args: object, person: Person, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        permitted = allowed_sections(person)
        self.fields["sections"].choices = [(section.value, section.label) for section in permitted]
        if Section.REPRESENTATIVES not in permitted:
            del self.fields["new_representative"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("new_representative"):
            sections = data.get("sections") or []
            if Section.CONTACTS.value in sections:
                raise ValidationError(REPRESENTATIVE_WITH_CONTACTS, code="with_contacts")
            if Section.REPRESENTATIVES.value not in sections:
                self.add_error(
                    "sections",
                    _("Kies ook “Bevoegd Vertegenwoordigers” om een nieuwe op te voeren."),
                )
        return data


class RegisteredValuesMixin:
    """Values left as registered are accepted as they are; changed ones are checked."""

    def checked(self, name: str, check: Callable[[str], str]) -> str:
        value = self.cleaned_data.get(name, "")  # type: ignore[attr-defined]  # mixed into a Form
        if not value or value == self.initial.get(name):  # type: ignore[attr-defined]  # mixed into a Form
            return value
        return check(value)


class SubscriberSectionForm(RegisteredValuesMixin, PortalForm):
    """A section of the subscriber's own data, prefilled by the wizard."""

    field_names: tuple[str, ...] = ()

    def __init__(self, *args: object, subscriber: Subscriber, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.subscriber = subscriber

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and self.after() == self.before():
            raise ValidationError(NOTHING_CHANGED, code="unchanged")
        return data

    def before(self) -> dict[str, Any]:
        return subscriber_values(self.subscriber, self.field_names)

    def after(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.field_names}

    def section_data(self) -> dict[str, Any]:
        return {"before": self.before(), "after": self.after()}


def _country_field(label: str) -> forms.RegexField:
    return forms.RegexField(
        label=label,
        regex=r"^[A-Z]{2}$",
        max_length=2,
        error_messages={"invalid": _("Een landcode bestaat uit 2 hoofdletters, zoals NL.")},
    )


class OrganisationForm(SubscriberSectionForm):
    """ "Organisatienaam en/of adresgegevens"."""

    field_names = ORGANISATION_FIELDS

    name = forms.CharField(label=_("Organisatienaam"), max_length=200)
    kvk_number = forms.CharField(label=_("KvK-nummer"), max_length=12)
    street = forms.CharField(label=_("Straat en huisnummer"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=10)
    city = forms.CharField(label=_("Plaats"), max_length=100)
    country = _country_field(_("Land"))

    def clean_kvk_number(self) -> str:
        return self.checked("kvk_number", formats.clean_kvk_number)

    def clean(self) -> dict[str, Any]:
        if self.cleaned_data.get("country") == "NL" and "postcode" in self.cleaned_data:
            try:
                self.cleaned_data["postcode"] = self.checked("postcode", formats.clean_postcode)
            except ValidationError as error:
                self.add_error("postcode", error)
        return super().clean()


class ContactDataForm(SubscriberSectionForm):
    """ "Organisatie contactgegevens" (the seed's "Telefoon*")."""

    field_names = CONTACT_DATA_FIELDS

    phone = forms.CharField(label=_("Telefoon"), max_length=30)

    def clean_phone(self) -> str:
        return self.checked("phone", formats.clean_phone)


class BillingForm(SubscriberSectionForm):
    """ "Facturatiegegevens" (manual §7.1)."""

    field_names = BILLING_FIELDS

    billing_company = forms.CharField(label=_("Bedrijfsnaam"), max_length=200)
    billing_department = forms.CharField(label=_("Afdeling"), max_length=200, required=False)
    billing_attention = forms.CharField(label=_("Ter attentie van"), max_length=200, required=False)
    billing_street = forms.CharField(label=_("Factuuradres"), max_length=200)
    billing_postcode = forms.CharField(label=_("Postcode"), max_length=10)
    billing_city = forms.CharField(label=_("Plaats"), max_length=100)
    billing_country = _country_field(_("Land"))
    billing_email = forms.EmailField(label=_("Facturatie e-mailadres"))
    billing_phone = forms.CharField(
        label=_("Facturatie telefoonnummer"), max_length=30, required=False
    )
    direct_debit = forms.BooleanField(label=_("Automatische incasso"), required=False)
    iban = forms.CharField(label=_("Rekeningnummer (IBAN)"), max_length=42, required=False)
    account_holder = forms.CharField(label=_("Rekeninghouder"), max_length=200, required=False)
    vat_number = forms.CharField(label=_("BTW-nummer"), max_length=20, required=False)

    def clean_billing_phone(self) -> str:
        return self.checked("billing_phone", formats.clean_phone)

    def clean_iban(self) -> str:
        return self.checked("iban", formats.clean_iban)

    def clean_vat_number(self) -> str:
        return self.checked("vat_number", formats.clean_vat_number)

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data.get("billing_country") == "NL" and "billing_postcode" in data:
            try:
                data["billing_postcode"] = self.checked("billing_postcode", formats.clean_postcode)
            except ValidationError as error:
                self.add_error("billing_postcode", error)
        if data.get("direct_debit"):
            for name in ("iban", "account_holder"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Vul dit in voor betaling via automatische incasso."))
        return super().clean()


class PersonChangeForm(RegisteredValuesMixin, PortalForm):
    """One row: a registered person (prefilled; change or remove) or a new person."""

    VALUE_FIELDS: tuple[str, ...] = ("given_name", "surname", "email", "phone", "job_title")
    NEW_ONLY: tuple[str, ...] = ()

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    remove = forms.BooleanField(label=_("Verwijderen"), required=False)
    given_name = forms.CharField(label=_("Voornaam"), max_length=100, required=False)
    surname = forms.CharField(label=_("Achternaam"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mailadres"), required=False)
    phone = forms.CharField(label=_("(Mobiel) telefoonnummer"), max_length=30, required=False)
    job_title = forms.CharField(label=_("Functie"), max_length=100, required=False)

    def __init__(
        self, *args: object, subscriber: Subscriber, id_documents: dict, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subscriber = subscriber
        self.id_documents = id_documents
        # Whether a row is a registered person is the server's initial data, never the POST.
        self.registered_pk: int | None = self.initial.get("person")
        if self.registered_pk is None:
            del self.fields["remove"]
        else:
            for name in self.NEW_ONLY:
                del self.fields[name]

    @property
    def is_registered(self) -> bool:
        return self.registered_pk is not None

    def has_changed(self) -> bool:
        # An empty row for a new person posts its default authorisation: still empty.
        ignored = {"person"} if self.is_registered else {"person", "contact_authorisation"}
        return bool(set(self.changed_data) - ignored)

    def required_for(self, change: str) -> tuple[str, ...]:
        """What a new person needs; a registered one keeps what was registered before."""
        if change == PersonChange.NEW:
            return ("given_name", "surname", "email", "phone", "job_title")
        return ("given_name", "surname", "email")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.is_registered:
            if data.get("person") != self.registered_pk:
                raise ValidationError(
                    _(
                        "De geregistreerde personen zijn intussen gewijzigd. Begin opnieuw met "
                        "het wijzigingsformulier."
                    ),
                    code="stale",
                )
            if data.get("remove"):
                # A removed person's other fields do not matter.
                for name in self.fields:
                    if name not in ("person", "remove"):
                        self._errors.pop(name, None)
                data["change"] = PersonChange.REMOVE
                return data
            changed = set(self.changed_data) - {"person", "remove"}
            if not changed:
                data["change"] = ""
                return data
            data["change"] = PersonChange.CHANGE
        else:
            data["change"] = PersonChange.NEW
        for name in self.required_for(data["change"]):
            if name in self.fields and not data.get(name) and name not in self.errors:
                self.add_error(name, REQUIRED)
        if "phone" in data:
            try:
                data["phone"] = self.checked("phone", formats.clean_phone)
            except ValidationError as error:
                self.add_error("phone", error)
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data.get(name) or "" for name in self.VALUE_FIELDS}
        return {name: value for name, value in values.items() if name in self.fields}

    def change(self) -> dict[str, Any] | None:
        """This row as an entry of the change request, or ``None`` when it changes nothing."""
        change = self.cleaned_data.get("change")
        if not change:
            return None
        entry: dict[str, Any] = {"change": change}
        if self.is_registered:
            person = self.subscriber.persons.get(pk=self.registered_pk)
            entry["person"] = person.pk
            entry["before"] = person_values(person, self.VALUE_FIELDS)
        if change != PersonChange.REMOVE:
            entry["after"] = self.values()
        return entry


class ContactPersonForm(PersonChangeForm):
    """A contact person: the data of manual §7.1 and, for a new one, a copy of an ID document."""

    VALUE_FIELDS = (
        "given_name",
        "surname",
        "email",
        "phone",
        "job_title",
        "contact_authorisation",
    )
    NEW_ONLY = ("id_document", "id_document_stored")

    contact_authorisation = forms.ChoiceField(
        label=_("Autorisatie"),
        choices=[
            (Person.ContactAuthorisation.FULL.value, Person.ContactAuthorisation.FULL.label),
            (Person.ContactAuthorisation.BASIC.value, Person.ContactAuthorisation.BASIC.label),
        ],
        initial=Person.ContactAuthorisation.FULL.value,
        widget=forms.RadioSelect,
        required=False,
    )
    id_document = forms.FileField(
        label=_("Upload kopie identiteitsbewijs Contactpersoon (paspoort of identiteitskaart)"),
        required=False,
        widget=forms.FileInput,
        help_text=ID_DOCUMENT_REQUIRED,
    )
    # The stored name of a copy uploaded before, in this wizard only (see ``clean``).
    id_document_stored = forms.CharField(required=False, widget=forms.HiddenInput)

    def required_for(self, change: str) -> tuple[str, ...]:
        return (*super().required_for(change), "contact_authorisation")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("change") == PersonChange.NEW:
            data["id_document"] = self._id_document(data)
        return data

    def _id_document(self, data: dict[str, Any]) -> dict[str, str] | None:
        """Check and store an uploaded copy at once: only its stored name stays in the wizard.

        A stored name posted back is accepted only when this wizard stored it
        (``id_documents``): nobody can point at another upload.
        """
        upload = data.get("id_document")
        if upload is not None:
            try:
                checked = check_id_document(upload)
            except IdDocumentRejected as rejected:
                self.add_error("id_document", str(rejected))
                return None
            document = {
                "stored_name": store_id_document(checked),
                "original_name": checked.original_name,
                "content_type": checked.content_type,
            }
            self.id_documents[document["stored_name"]] = document
            # Shown again (and posted back) when another field of this page is wrong.
            self.data = self.data.copy()
            self.data[self.add_prefix("id_document_stored")] = document["stored_name"]
            return document
        stored = data.get("id_document_stored")
        if stored and stored in self.id_documents:
            return dict(self.id_documents[stored])
        self.add_error("id_document", ID_DOCUMENT_REQUIRED)
        return None

    def stored_document(self) -> dict[str, str] | None:
        """The copy uploaded before (for "Ontvangen: paspoort.pdf")."""
        stored = self.data.get(self.add_prefix("id_document_stored")) if self.is_bound else None
        return self.id_documents.get(stored) if stored else None

    def change(self) -> dict[str, Any] | None:
        entry = super().change()
        if entry is not None and entry["change"] == PersonChange.NEW:
            entry["id_document"] = self.cleaned_data["id_document"]
        return entry


class RepresentativeForm(PersonChangeForm):
    """An authorised representative (manual §7.2: name, birth date, job title, phone, e-mail)."""

    VALUE_FIELDS = ("given_name", "surname", "birth_date", "job_title", "phone", "email")
    NEW_ONLY = ("birth_date",)

    birth_date = forms.DateField(
        label=_("Geboortedatum"),
        required=False,
        input_formats=["%d-%m-%Y", "%Y-%m-%d"],
        help_text=_("Bijvoorbeeld 22-12-1971."),
        error_messages={"invalid": _("Vul een geldige datum in, bijvoorbeeld 22-12-1971.")},
    )

    def required_for(self, change: str) -> tuple[str, ...]:
        return (*super().required_for(change), "birth_date")

    def clean_birth_date(self) -> date | None:
        born = self.cleaned_data.get("birth_date")
        if born is None:
            return None
        today = timezone.localdate()
        if born.year < 1900 or born > today.replace(year=today.year - 18):
            raise ValidationError(
                _("Een Bevoegd Vertegenwoordiger is ten minste 18 jaar oud."), code="age"
            )
        return born

    def values(self) -> dict[str, Any]:
        values = super().values()
        if isinstance(values.get("birth_date"), date):
            values["birth_date"] = values["birth_date"].isoformat()
        return values


class BasePersonFormSet(forms.BaseFormSet):
    """The rows of one person section; at least one row must change something."""

    def changes(self) -> list[dict[str, Any]]:
        return [entry for form in self.forms if (entry := form.change()) is not None]

    def section_data(self) -> dict[str, Any]:
        return {"changes": self.changes()}

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.changes():
            raise ValidationError(NOTHING_CHANGED, code="unchanged")


class BaseContactPersonFormSet(BasePersonFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.non_form_errors():
            return
        new = [
            entry["after"]["email"].lower()
            for entry in self.changes()
            if entry["change"] == PersonChange.NEW
        ]
        registered = {form.initial["email"].lower() for form in self.forms if form.is_registered}
        if len(set(new)) != len(new) or set(new) & registered:
            raise ValidationError(
                _(
                    "Een nieuwe Contactpersoon heeft het e-mailadres van een andere "
                    "Contactpersoon. Wijzig die Contactpersoon in plaats van een nieuwe op te "
                    "voeren."
                ),
                code="duplicate",
            )


class BaseRepresentativeFormSet(BasePersonFormSet):
    def section_data(self) -> dict[str, Any]:
        """With the names of the representatives who stay: with a new one they sign the
        printed form too (manual §7.2, "Bijzondere scenario's" 1)."""
        remaining = [
            f"{form.initial['given_name']} {form.initial['surname']}".strip()
            for form in self.forms
            if form.is_registered and form.cleaned_data.get("change") != PersonChange.REMOVE
        ]
        return {**super().section_data(), "remaining": remaining}

    def __init__(self, *args: object, contacts_chosen: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.contacts_chosen = contacts_chosen
        if contacts_chosen:
            # Step 1 said so: no empty row for a new representative in this form.
            self.extra = 0

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.non_form_errors():
            return
        changes = self.changes()
        kinds = [entry["change"] for entry in changes]
        if self.contacts_chosen and PersonChange.NEW in kinds:
            raise ValidationError(REPRESENTATIVE_WITH_CONTACTS, code="with_contacts")
        registered = sum(1 for form in self.forms if form.is_registered)
        if registered - kinds.count(PersonChange.REMOVE) + kinds.count(PersonChange.NEW) < 1:
            raise ValidationError(
                _("Er moet ten minste één Bevoegd Vertegenwoordiger geregistreerd blijven."),
                code="last_representative",
            )


def person_formset(
    form: type[PersonChangeForm], base: type[BasePersonFormSet], extra: int
) -> type[BasePersonFormSet]:
    return forms.formset_factory(form, formset=base, extra=extra, max_num=200, validate_max=True)


ContactPersonFormSet = person_formset(ContactPersonForm, BaseContactPersonFormSet, extra=2)
RepresentativeFormSet = person_formset(RepresentativeForm, BaseRepresentativeFormSet, extra=1)


class CancelForm(PortalForm):
    """ "Opzeggen abonnement", for authorised representatives only (manual §7.2)."""

    confirm = forms.BooleanField(
        label=_("Ik wil het abonnement van mijn organisatie op PKIoverheid certificaten opzeggen."),
        error_messages={"required": _("Bevestig dat u het abonnement wilt opzeggen.")},
    )
    reason = forms.CharField(
        label=_("Reden van opzegging"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def section_data(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data.get("reason", "")}


class SubmitForm(PortalForm):
    """The last step "Indienen": carries the wizard token so a replayed POST finds its request."""

    token = forms.UUIDField(widget=forms.HiddenInput)
