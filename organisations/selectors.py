"""Reads on subscribers and their persons (selectors, see STYLE.md)."""

from __future__ import annotations

from dataclasses import dataclass

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
