"""The authorisation matrix (SPEC.md §1, manual §7.2): one table, one check.

Rows are what a person can do in the portal, columns the three roles that
log in. Every view and every POST that does one of these things asks
``allowed`` (through ``action_required``); templates ask the same function
only to hide what would be refused anyway. Viewing the subscriber's own data
needs no action: being logged in as one of its persons is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.access import person_required
from organisations.models import Person


class Role(StrEnum):
    REPRESENTATIVE = "representative"
    CONTACT_FULL = "contact_full"
    CONTACT_BASIC = "contact_basic"


class Action(StrEnum):
    CHANGE_ORGANISATION = "change_organisation"
    CHANGE_BILLING = "change_billing"
    CHANGE_CONTACTS = "change_contacts"
    CHANGE_REPRESENTATIVES = "change_representatives"
    CANCEL_SUBSCRIPTION = "cancel_subscription"
    CHANGE_MANAGERS = "change_managers"
    ORDER = "order"
    RENEW = "renew"
    REVOKE = "revoke"
    EXPORT = "export"


R, F, B = Role.REPRESENTATIVE, Role.CONTACT_FULL, Role.CONTACT_BASIC

# Manual §7.2's matrix (the first three rows) and SPEC.md §1 for the rest:
# "Wijzigen Organisatiegegevens, Facturatiegegevens, Contactpersonen" + + −,
# "Wijzigen Bevoegd Vertegenwoordiger" + − −, "Opzeggen abonnement" + − −;
# "Wijzigen Certificaatbeheerders" is open to every contact person (§7.3).
MATRIX: dict[Action, frozenset[Role]] = {
    Action.CHANGE_ORGANISATION: frozenset({R, F}),
    Action.CHANGE_BILLING: frozenset({R, F}),
    Action.CHANGE_CONTACTS: frozenset({R, F}),
    Action.CHANGE_REPRESENTATIVES: frozenset({R}),
    Action.CANCEL_SUBSCRIPTION: frozenset({R}),
    Action.CHANGE_MANAGERS: frozenset({R, F, B}),
    Action.ORDER: frozenset({R, F, B}),
    Action.RENEW: frozenset({R, F, B}),
    Action.REVOKE: frozenset({R, F, B}),
    Action.EXPORT: frozenset({R, F, B}),
}

# What the registration change form ("Wijzigen Abonneeregistratie") can change.
REGISTRATION_CHANGES = (
    Action.CHANGE_ORGANISATION,
    Action.CHANGE_BILLING,
    Action.CHANGE_CONTACTS,
    Action.CHANGE_REPRESENTATIVES,
    Action.CANCEL_SUBSCRIPTION,
)

DENIED_MESSAGES = {
    # Manual §7.2, the message a basic contact person sees instead of the form.
    "registration": _(
        "U bent niet geautoriseerd om wijzigingen door te voeren in de geregistreerde "
        "abonneegegevens van uw organisatie. U heeft als contactpersoon alleen basis "
        "autorisaties. Indien gewenst kan een Bevoegd Vertegenwoordiger of een "
        "Contactpersoon met alle autorisaties via dit wijzigingsformulier uw autorisaties "
        "uitbreiden."
    ),
    "representative": _(
        "Deze optie is alleen beschikbaar als u bent ingelogd als Bevoegd Vertegenwoordiger."
    ),
    "default": _("U bent niet geautoriseerd voor deze actie."),
    "cancelled": _(
        "Het abonnement van uw organisatie is opgezegd. U kunt geen certificaten meer "
        "bestellen of verlengen; bestaande certificaten kunt u nog inzien, downloaden en "
        "intrekken."
    ),
}

# What a cancelled subscription (an approved "Opzeggen abonnement") no longer allows.
ENDS_WITH_SUBSCRIPTION = frozenset({Action.ORDER, Action.RENEW})


def roles_of(person: Person) -> frozenset[Role]:
    """The roles with which ``person`` uses the portal (none for an inactive person)."""
    if not person.is_active:
        return frozenset()
    roles = set()
    if person.is_representative:
        roles.add(Role.REPRESENTATIVE)
    if person.contact_authorisation == Person.ContactAuthorisation.FULL:
        roles.add(Role.CONTACT_FULL)
    elif person.contact_authorisation == Person.ContactAuthorisation.BASIC:
        roles.add(Role.CONTACT_BASIC)
    return frozenset(roles)


def refusal(person: Person | None, action: Action) -> object | None:
    """Why ``person`` may not do ``action`` (a message), or ``None`` when they may.

    A person with several roles gets the union of what the roles allow.
    """
    if person is None or not roles_of(person) & MATRIX[action]:
        return DENIED_MESSAGES["default"]
    if action in ENDS_WITH_SUBSCRIPTION and person.subscriber.cancelled_at is not None:
        return DENIED_MESSAGES["cancelled"]
    return None


def allowed(person: Person | None, action: Action) -> bool:
    """May ``person`` do ``action``?"""
    return refusal(person, action) is None


def allowed_actions(person: Person | None) -> frozenset[Action]:
    return frozenset(action for action in Action if allowed(person, action))


class PersonRequest(HttpRequest):
    """A request to a view behind ``person_required``: a registered person is logged in
    (portal.middleware sets ``person`` from the client certificate, SPEC.md §5)."""

    person: Person


def may_change_registration(person: Person | None) -> bool:
    """Does "Wijzigen Abonneeregistratie" open at all (manual §7.2)?"""
    return any(allowed(person, action) for action in REGISTRATION_CHANGES)


def denied(request: HttpRequest, message: object) -> HttpResponse:
    """403 with the reason, in the portal's layout."""
    return render(request, "organisations/not_authorised.html", {"message": message}, status=403)


def action_required(
    action: Action, *, message: str = "default"
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: a logged-in person (else "U bent niet ingelogd") allowed ``action``."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @person_required
        @wraps(view)
        def wrapper(request: PersonRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            reason = refusal(request.person, action)
            if reason is not None:
                if reason is DENIED_MESSAGES["default"]:
                    reason = DENIED_MESSAGES[message]
                return denied(request, reason)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
