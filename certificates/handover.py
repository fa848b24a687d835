"""Handing over certificate management when a manager is deactivated (manual §7.3).

"Wijzigen Certificaatbeheerders" is an organisation page, but what moves are
certificates, so the rule, the service and the form live in this layer (README
"Layout"); the managers themselves are organisations' (``organisations.services``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.models import Action
from audit.services import audit_record
from certificates.models import Certificate
from core.forms import PortalForm
from organisations.forms import ManagerChoiceField
from organisations.models import Person
from organisations.services import (
    ManagerChangeRefused,
    ManagerData,
    ManagerNotActive,
    active_managers_locked,
    manager_create,
    manager_label,
)


def certificates_still_managed(*, manager: Person) -> QuerySet[Certificate]:
    """The certificates a manager must hand over before deactivation (manual §7.3).

    "Geldig" as the overviews show it: not revoked and not yet expired, of any
    kind (server, group, eSeal, personal). Expired and revoked certificates stay
    with the manager who managed them: they need no one any more and keep
    their history.
    """
    return Certificate.objects.filter(
        certificate_manager=manager, revoked_at__isnull=True, not_after__gt=timezone.now()
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
            for person in active_managers_locked(
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
                label=manager_label(successor),
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


class ManagerDeactivateForm(PortalForm):
    """Step 2, deactivation: "Overdracht beheer" (manual §7.3).

    Whether "N.v.t." is allowed is the service's decision, made inside the
    transaction; the form only asks for what the chosen transfer needs.
    """

    transfer = forms.ChoiceField(
        label=_("Overdracht van certificaten"),
        choices=[
            ("", _("- Maak een keuze -")),
            (Transfer.NONE, _("N.v.t. geen geldige certificaten in beheer")),
            (Transfer.NEW, _("Aan nieuwe Certificaatbeheerder")),
            (Transfer.EXISTING, _("Aan bestaande Certificaatbeheerder")),
        ],
    )
    successor = ManagerChoiceField(
        label=_("Bestaande Certificaatbeheerder"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("- Maak een keuze -"),
    )
    given_name = forms.CharField(label=_("Voornaam"), max_length=100, required=False)
    surname = forms.CharField(label=_("Achternaam"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("(Mobiel) telefoonnummer"), max_length=30, required=False)

    NEW_MANAGER_FIELDS = ("given_name", "surname", "email", "phone")

    def __init__(self, *args: Any, successors: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        successor = self.fields["successor"]
        assert isinstance(successor, forms.ModelChoiceField)
        successor.queryset = successors

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        transfer = data.get("transfer")
        if transfer == Transfer.EXISTING and not data.get("successor"):
            self.add_error("successor", _("Kies de Certificaatbeheerder die het beheer overneemt."))
        if transfer == Transfer.NEW:
            for name in ("given_name", "surname", "email"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Dit veld is verplicht voor een nieuwe beheerder."))
        return data

    def new_manager(self) -> ManagerData | None:
        if self.cleaned_data["transfer"] != Transfer.NEW:
            return None
        return ManagerData(
            **{name: self.cleaned_data[name].strip() for name in self.NEW_MANAGER_FIELDS}
        )

    def chosen_successor(self) -> Person | None:
        if self.cleaned_data["transfer"] != Transfer.EXISTING:
            return None
        return self.cleaned_data["successor"]
