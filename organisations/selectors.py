"""Reads on subscribers and their persons (selectors, see STYLE.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

from django.db.models import QuerySet
from django.http import Http404

from organisations.models import Person, Subscriber


@dataclass(frozen=True)
class RegisteredPersons:
    representatives: list[Person]
    contact_persons: list[Person]
    certificate_managers: list[Person]


def registered_persons(*, subscriber: Subscriber) -> RegisteredPersons:
    """The three lists of the Organisatiegegevens page (manual §7.1), active first."""
    persons = list(subscriber.persons.order_by("status", "surname", "given_name"))
    return RegisteredPersons(
        representatives=[p for p in persons if p.is_representative],
        contact_persons=[p for p in persons if p.is_contact_person],
        certificate_managers=[p for p in persons if p.is_certificate_manager],
    )


def person_for_subscriber(*, subscriber: Subscriber, pk: object) -> Person:
    """One person of this subscriber, or 404 (another subscriber's person is not found)."""
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    person = subscriber.persons.filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def active_manager(*, subscriber: Subscriber, pk: int) -> Person:
    """One of the subscriber's active managers, or 404 (anyone else's is not found)."""
    manager = active_managers(subscriber=subscriber).filter(pk=pk).first()
    if manager is None:
        raise Http404
    return manager


def active_managers(*, subscriber: Subscriber) -> QuerySet[Person]:
    """The subscriber's active certificate managers: what "Wijzigen Certificaatbeheerders"
    works on (manual §7.3), identified or not."""
    return subscriber.persons.filter(
        manager_number__isnull=False, status=Person.Status.ACTIVE
    ).order_by("surname", "given_name")


# Query parameters of the reports per person (manual §7.4) on the overviews.
REQUESTED_BY = "aangevraagd_door"
MANAGED_BY = "beheerder"


class PersonFilter(TypedDict, total=False):
    """Keyword arguments that narrow a certificate selector to one person."""

    requested_by: Person
    managed_by: Person


@dataclass(frozen=True)
class PersonReport:
    """An overview narrowed to one person: what they requested, or what they manage."""

    person: Person
    parameter: str

    @property
    def managed(self) -> bool:
        return self.parameter == MANAGED_BY

    def filters(self) -> PersonFilter:
        """Keyword arguments for the certificate selectors."""
        if self.managed:
            return {"managed_by": self.person}
        return {"requested_by": self.person}


def person_report(*, subscriber: Subscriber, params: Mapping[str, str]) -> PersonReport | None:
    """The report per person asked for in ``params`` (manual §7.4), if any.

    The person must be this subscriber's: anyone else's id, a second person
    filter, or garbage is a 404, never another subscriber's data.
    """
    asked = [name for name in (REQUESTED_BY, MANAGED_BY) if params.get(name)]
    if not asked:
        return None
    if len(asked) > 1:
        raise Http404
    person = person_for_subscriber(subscriber=subscriber, pk=params[asked[0]])
    return PersonReport(person=person, parameter=asked[0])
