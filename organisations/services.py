"""Changing certificate managers (services, see STYLE.md; manual §7.3).

"Wijzigen Certificaatbeheerders" is applied at once: no back-office step,
unlike "Wijzigen Abonneeregistratie". Every change is one transaction with its
audit entries; the manager's row is locked so that two colleagues changing the
same manager at once get a clear refusal instead of a half-done transfer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import Action
from audit.services import audit_record
from certificates.models import Certificate
from organisations.models import Person, Subscriber
from organisations.selectors import certificates_still_managed

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


class TransferRequired(ManagerChangeRefused):
    """ "N.v.t." chosen while valid certificates are still managed."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count
        self.message = ngettext(
            "Deze Certificaatbeheerder heeft nog %(count)d geldig certificaat in beheer. "
            "Draag het beheer over aan een nieuwe of bestaande Certificaatbeheerder.",
            "Deze Certificaatbeheerder heeft nog %(count)d geldige certificaten in beheer. "
            "Draag het beheer over aan een nieuwe of bestaande Certificaatbeheerder.",
            count,
        ) % {"count": count}


class NothingToTransfer(ManagerChangeRefused):
    # The seed: a new manager is registered with an order, "los van deactivatie".
    message = _(
        "Deze Certificaatbeheerder heeft geen geldige certificaten in beheer; kies "
        '"N.v.t. geen geldige certificaten in beheer". Een nieuwe Certificaatbeheerder '
        "registreert u bij de aanvraag van een Servercertificaat of Groeps-certificaat."
    )


class Transfer(StrEnum):
    """ "Overdracht van certificaten" (manual §7.3)."""

    NONE = "none"
    NEW = "new"
    EXISTING = "existing"


@dataclass(frozen=True)
class Deactivation:
    manager: Person
    successor: Person | None
    certificate_ids: list[int]


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


def _active_managers_locked(*, subscriber: Subscriber, pks: list[int]) -> list[Person]:
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


def _label(person: Person) -> str:
    return f"{person.name} ({person.manager_number})"


MANAGER_FIELDS = ("given_name", "surname", "email", "phone")


def manager_update(*, manager: Person, data: ManagerData, by: Person) -> bool:
    """Change a manager's name, e-mail and phone at once (manual §7.3 "Gegevens wijzigen").

    Returns whether anything changed; a change writes MANAGER_UPDATED with the
    fields before and after. A manager who is also a representative or contact
    person is refused (ManagerHasOtherRoles): that is registration data.
    """
    with transaction.atomic():
        rows = _active_managers_locked(subscriber=by.subscriber, pks=[manager.pk])
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
            label=_label(locked),
            actor_label=by.name,
            details={
                "before": {field: before[field] for field in changed},
                "after": {field: after[field] for field in changed},
            },
        )
    return True


def manager_deactivate(
    *,
    manager: Person,
    by: Person,
    transfer: Transfer,
    successor: Person | None = None,
    new_manager: ManagerData | None = None,
) -> Deactivation:
    """Deactivate a certificate manager, handing over what they manage (manual §7.3).

    The seed's rule: a manager who still manages valid certificates (see
    ``certificates_still_managed``) is deactivated only with a transfer, to an
    existing active manager of the same subscriber or to a new one. Exactly
    those certificates move; expired and revoked ones stay. "N.v.t." with
    valid certificates raises TransferRequired; a new manager for nothing to
    transfer raises NothingToTransfer.

    A manager who is also a representative or contact person keeps that role
    and can still log in: only the manager registration is dropped (their
    ``manager_number`` is cleared, and kept in the audit entry). Anyone else
    becomes inactive and stays listed as an inactive manager.
    """
    if (transfer == Transfer.NEW) != (new_manager is not None):
        raise ValueError("a new manager's data goes with Transfer.NEW only")
    if (transfer == Transfer.EXISTING) != (successor is not None):
        raise ValueError("a successor goes with Transfer.EXISTING only")
    if successor is not None and successor.pk == manager.pk:
        raise ValueError("a manager cannot succeed themselves")
    subscriber = by.subscriber
    with transaction.atomic():
        # Both rows in one order: two colleagues transferring A→B and B→A wait, not deadlock.
        locked_rows = {
            person.pk: person
            for person in _active_managers_locked(
                subscriber=subscriber,
                pks=[manager.pk] + ([successor.pk] if successor is not None else []),
            )
        }
        locked = locked_rows.get(manager.pk)
        if locked is None:
            raise ManagerNotActive
        if successor is not None:
            successor = locked_rows.get(successor.pk)
            if successor is None:
                raise ManagerNotActive
        number = locked.manager_number
        certificate_ids = list(
            certificates_still_managed(manager=locked)
            .select_for_update()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if transfer == Transfer.NONE and certificate_ids:
            raise TransferRequired(len(certificate_ids))
        if new_manager is not None:
            if not certificate_ids:
                raise NothingToTransfer
            successor = manager_create(subscriber=subscriber, data=new_manager)
        if successor is not None and certificate_ids:
            Certificate.objects.filter(pk__in=certificate_ids).update(certificate_manager=successor)
        keeps_login = locked.is_representative or locked.is_contact_person
        if keeps_login:
            locked.manager_number = None
            locked.save(update_fields=["manager_number"])
        else:
            locked.status = Person.Status.INACTIVE
            locked.save(update_fields=["status"])
        audit_record(
            action=Action.MANAGER_DEACTIVATED,
            obj=locked,
            label=f"{locked.name} ({number})",
            state_before=Person.Status.ACTIVE,
            state_after=Person.Status.ACTIVE if keeps_login else Person.Status.INACTIVE,
            actor_label=by.name,
            details={
                "manager_number": number,
                "transfer": str(transfer),
                "successor": successor.manager_number if successor is not None else None,
                "certificates": certificate_ids,
                "other_roles_kept": keeps_login,
            },
        )
        if successor is not None and certificate_ids:
            audit_record(
                action=Action.MANAGEMENT_TRANSFERRED,
                obj=successor,
                label=_label(successor),
                actor_label=by.name,
                details={
                    "from": number,
                    "from_person": locked.pk,
                    "to": successor.manager_number,
                    "new_manager": transfer == Transfer.NEW,
                    "certificates": certificate_ids,
                },
            )
    return Deactivation(manager=locked, successor=successor, certificate_ids=certificate_ids)
