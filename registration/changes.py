"""What a change request changes, and how it reads (manual §7.2).

The fields of each section, snapshots of the registration as it is, and
the rows "label: old → new" that the wizard's summary, the sealed PDF and
the back office show. One place, so the three agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from organisations.authorisation import Action, allowed
from organisations.models import Person, Subscriber
from registration.models import PersonChange, Section

# Manual §7.2, "Bijzondere scenario's": not in one request with a new representative.
REPRESENTATIVE_WITH_CONTACTS = _(
    "U kunt geen wijzigingen in Contactpersonen doorgeven in combinatie met het registreren "
    "van een nieuwe Bevoegd Vertegenwoordiger. Geef uw wijzigingen met betrekking tot "
    "Contactpersonen door in een apart wijzigingsformulier."
)

# Which row of the authorisation matrix (manual §7.2) each section needs.
SECTION_ACTIONS = {
    Section.ORGANISATION: Action.CHANGE_ORGANISATION,
    Section.CONTACT_DATA: Action.CHANGE_ORGANISATION,
    Section.BILLING: Action.CHANGE_BILLING,
    Section.REPRESENTATIVES: Action.CHANGE_REPRESENTATIVES,
    Section.CONTACTS: Action.CHANGE_CONTACTS,
    Section.CANCEL: Action.CANCEL_SUBSCRIPTION,
}

ORGANISATION_FIELDS = ("name", "kvk_number", "street", "postcode", "city", "country")
CONTACT_DATA_FIELDS = ("phone",)
BILLING_FIELDS = (
    "billing_company",
    "billing_department",
    "billing_attention",
    "billing_street",
    "billing_postcode",
    "billing_city",
    "billing_country",
    "billing_email",
    "billing_phone",
    "direct_debit",
    "iban",
    "account_holder",
    "vat_number",
)
SUBSCRIBER_FIELDS = {
    Section.ORGANISATION: ORGANISATION_FIELDS,
    Section.CONTACT_DATA: CONTACT_DATA_FIELDS,
    Section.BILLING: BILLING_FIELDS,
}
# What a person change holds; "birth_date" only for a new representative
# (the registration does not keep it: the back office checks it on paper).
CONTACT_FIELDS = ("given_name", "surname", "email", "phone", "job_title", "contact_authorisation")
REPRESENTATIVE_FIELDS = ("given_name", "surname", "birth_date", "job_title", "phone", "email")
PERSON_FIELDS = {Section.CONTACTS: CONTACT_FIELDS, Section.REPRESENTATIVES: REPRESENTATIVE_FIELDS}

EXTRA_LABELS = {
    "birth_date": _("Geboortedatum"),
    "contact_authorisation": _("Autorisatie"),
    "phone": _("Telefoonnummer"),
    "email": _("E-mailadres"),
}
PERSON_HEADINGS = {
    Section.CONTACTS: {
        PersonChange.NEW: _("Nieuwe Contactpersoon"),
        PersonChange.CHANGE: _("Wijzigen Contactpersoon"),
        PersonChange.REMOVE: _("Verwijderen Contactpersoon"),
    },
    Section.REPRESENTATIVES: {
        PersonChange.NEW: _("Nieuwe Bevoegd Vertegenwoordiger"),
        PersonChange.CHANGE: _("Wijzigen Bevoegd Vertegenwoordiger"),
        PersonChange.REMOVE: _("Verwijderen Bevoegd Vertegenwoordiger"),
    },
}
PERSON_TITLES = {
    Section.CONTACTS: (_("Contactpersonen"), _("Contactpersoon")),
    Section.REPRESENTATIVES: (_("Bevoegd Vertegenwoordigers"), _("Bevoegd Vertegenwoordiger")),
}


def allowed_sections(person: Person | None) -> list[Section]:
    """The sections ``person`` may change, in the form's order (manual §7.2's matrix)."""
    return [section for section in Section if allowed(person, SECTION_ACTIONS[section])]


def subscriber_values(subscriber: Subscriber, fields: tuple[str, ...]) -> dict[str, Any]:
    """The registration's current values of ``fields`` (JSON-safe)."""
    return {name: getattr(subscriber, name) for name in fields}


def person_values(person: Person, fields: tuple[str, ...]) -> dict[str, Any]:
    """A registered person's current values of ``fields``; unknown fields are left out."""
    return {name: getattr(person, name) for name in fields if hasattr(person, name)}


def label_of(name: str) -> str:
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    for model in (Subscriber, Person):
        try:
            label = str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
        return label[:1].upper() + label[1:]
    return name


def display(name: str, value: Any) -> str:
    """A stored value as the forms and documents show it."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Ja") if value else _("Nee"))
    if name == "contact_authorisation":
        return str(dict(Person.ContactAuthorisation.choices).get(value, value))
    if name == "birth_date":
        return date.fromisoformat(value).strftime("%d-%m-%Y")
    return str(value)


@dataclass
class Row:
    field: str
    label: str
    before: str
    after: str
    now: str = ""

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class PersonBlock:
    number: int
    heading: str
    change: str
    name: str
    rows: list[Row]
    id_document: dict[str, Any] | None = None
    index: int = 0
    id_document_url: str = ""


@dataclass
class Block:
    section: str
    title: str
    rows: list[Row] = field(default_factory=list)
    persons: list[PersonBlock] = field(default_factory=list)
    person_title: str = ""
    reason: str = ""


def _rows(
    fields: tuple[str, ...],
    before: dict[str, Any],
    after: dict[str, Any],
    now: dict[str, Any] | None = None,
) -> list[Row]:
    return [
        Row(
            field=name,
            label=label_of(name),
            before=display(name, before.get(name)),
            after=display(name, after.get(name)),
            now=display(name, (now or {}).get(name)),
        )
        for name in fields
        if name in before or name in after
    ]


def describe(sections: dict[str, Any], *, subscriber: Subscriber | None = None) -> list[Block]:
    """The change request's sections as blocks of rows, in the form's order.

    With ``subscriber`` each row also carries the registration as it is now
    (the back office compares it with what it was at submission).
    """
    blocks = []
    for section in Section:
        data = sections.get(section.value)
        if data is None:
            continue
        block = Block(section=section.value, title=str(section.label))
        if section in SUBSCRIBER_FIELDS:
            fields = SUBSCRIBER_FIELDS[section]
            now = subscriber_values(subscriber, fields) if subscriber is not None else None
            block.rows = _rows(fields, data["before"], data["after"], now)
        elif section in PERSON_FIELDS:
            block.title, block.person_title = (str(title) for title in PERSON_TITLES[section])
            block.persons = _person_blocks(section, data["changes"], subscriber)
        else:
            block.reason = data.get("reason", "")
        blocks.append(block)
    return blocks


def _person_blocks(
    section: Section, changes: list[dict[str, Any]], subscriber: Subscriber | None
) -> list[PersonBlock]:
    fields = PERSON_FIELDS[section]
    live: dict[int, Person] = {}
    if subscriber is not None:
        ids = [change["person"] for change in changes if change.get("person")]
        live = {person.pk: person for person in subscriber.persons.filter(pk__in=ids)}
    blocks = []
    for index, change in enumerate(changes):
        before, after = change.get("before", {}), change.get("after", {})
        if change["change"] == PersonChange.REMOVE:
            after = {}
        person = live.get(change.get("person") or 0)
        now = person_values(person, fields) if person is not None else None
        shown = after or before
        name = f"{shown.get('given_name', '')} {shown.get('surname', '')}".strip()
        blocks.append(
            PersonBlock(
                number=index + 1,
                heading=str(PERSON_HEADINGS[section][change["change"]]),
                change=change["change"],
                name=name or (person.name if person is not None else ""),
                rows=_rows(fields, before, after, now),
                id_document=change.get("id_document"),
                index=index,
            )
        )
    return blocks
