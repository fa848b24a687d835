"""Changing certificate managers (services, see STYLE.md; manual §7.3).

"Wijzigen Certificaatbeheerders" is applied at once: no back-office step,
unlike "Wijzigen Abonneeregistratie". Every change is one transaction with its
audit entries; the manager's row is locked so that two colleagues changing the
same manager at once get a clear refusal instead of a half-done transfer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from audit.models import Action
from audit.services import audit_record
from organisations.models import LoginCertificate, Person, Subscriber

ATTEMPTS = 5


@dataclass(frozen=True)
class ManagerData:
    """What a contact person can give or change of a certificate manager (manual §3.2, §7.3)."""

    given_name: str
    surname: str
    email: str
    phone: str


class ManagerChangeRefused(Exception):
    """Why a change cannot be made; the form shows ``message`` in Dutch."""

    message: object = _("Deze wijziging kan niet worden doorgevoerd.")

    def __str__(self) -> str:
        return str(self.message)


class ManagerNotActive(ManagerChangeRefused):
    message = _(
        "Deze Certificaatbeheerder is niet (meer) actief bij uw organisatie. "
        "Vernieuw de pagina en probeer het opnieuw."
    )


class ManagerHasOtherRoles(ManagerChangeRefused):
    # Their data is registration data: changing it here would bypass the
    # authorisation matrix (manual §7.2) and the back office.
    message = _(
        "Deze Certificaatbeheerder is ook Bevoegd Vertegenwoordiger of Contactpersoon. "
        "Zijn of haar gegevens wijzigt u via het formulier Wijzigen Abonneeregistratie."
    )


def manager_number() -> str:
    """A new certificate manager's registration number, ``CB`` + 7 digits."""
    return f"CB{secrets.randbelow(10**7):07d}"


def manager_create(*, subscriber: Subscriber, data: ManagerData) -> Person:
    """Register a new certificate manager (manual §3.2, §7.3) with a fresh ``CB`` number.

    Not yet identified: the back office identifies a new manager before they
    can be chosen for an order. The unique ``manager_number`` is the guarantee;
    a collision (1 in 10⁷ per existing manager) draws again.
    """
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return Person.objects.create(
                    subscriber=subscriber,
                    given_name=data.given_name,
                    surname=data.surname,
                    email=data.email,
                    phone=data.phone,
                    manager_number=manager_number(),
                    identified=False,
                )
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def active_managers_locked(*, subscriber: Subscriber, pks: list[int]) -> list[Person]:
    """These persons, locked in pk order, as far as they are the subscriber's active managers."""
    return list(
        Person.objects.select_for_update()
        .filter(
            pk__in=pks,
            subscriber=subscriber,
            manager_number__isnull=False,
            status=Person.Status.ACTIVE,
        )
        .order_by("pk")
    )


def manager_label(person: Person) -> str:
    """ "Name (manager number)" as the audit log labels a manager."""
    return f"{person.name} ({person.manager_number})"


MANAGER_FIELDS = ("given_name", "surname", "email", "phone")


def manager_update(*, manager: Person, data: ManagerData, by: Person) -> bool:
    """Change a manager's name, e-mail and phone at once (manual §7.3 "Gegevens wijzigen").

    Returns whether anything changed; a change writes MANAGER_UPDATED with the
    fields before and after. A manager who is also a representative or contact
    person is refused (ManagerHasOtherRoles): that is registration data.
    """
    with transaction.atomic():
        rows = active_managers_locked(subscriber=by.subscriber, pks=[manager.pk])
        locked = rows[0] if rows else None
        if locked is None:
            raise ManagerNotActive
        if locked.is_representative or locked.is_contact_person:
            raise ManagerHasOtherRoles
        before = {field: getattr(locked, field) for field in MANAGER_FIELDS}
        after = {field: getattr(data, field) for field in MANAGER_FIELDS}
        changed = [field for field in MANAGER_FIELDS if before[field] != after[field]]
        if not changed:
            return False
        for field in changed:
            setattr(locked, field, after[field])
        locked.save(update_fields=changed)
        audit_record(
            action=Action.MANAGER_UPDATED,
            obj=locked,
            label=manager_label(locked),
            actor_label=by.name,
            details={
                "before": {field: before[field] for field in changed},
                "after": {field: after[field] for field in changed},
            },
        )
    return True


def card_login_register(*, subscriber: Subscriber, email: str, fingerprint: str) -> Person | None:
    """Let a newly issued card log in (issue 13): map its authenticity certificate, by
    fingerprint, to the registered person of ``subscriber`` with the holder's e-mail
    address who may use the portal. ``None`` when there is no such person (exactly
    one): the portal creates no accounts (SPEC.md §1); a representative registers the
    holder, and then maps the card in the back office."""
    people = [
        person
        for person in Person.objects.filter(subscriber=subscriber, email__iexact=email)
        if person.can_log_in
    ]
    if len(people) != 1:
        return None
    LoginCertificate.objects.get_or_create(
        match=LoginCertificate.Match.FINGERPRINT,
        fingerprint=fingerprint,
        defaults={"person": people[0]},
    )
    return people[0]
