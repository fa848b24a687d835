"""Submitting, approving and rejecting change requests (services, see STYLE.md).

"Wijzigen Abonneeregistratie" (manual §7.2): submitting creates exactly one
change request per wizard submission (unique ``wizard_token``) and changes
nothing of the registration; the back office's approval applies every
change in one transaction, with an audit entry per changed subscriber or
person; a rejection carries a reason that is e-mailed.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import Action
from audit.services import audit_record
from certificates.login_certificate import LoginCertificateData
from core.language import supported_language
from core.lifecycle import state_change
from core.mail import CONFIRMATION_MAX_AGE
from core.outbox import outbox_add
from core.submissions import submission_create_once
from organisations.authorisation import DENIED_MESSAGES, allowed
from organisations.models import Person, Subscriber
from registration.changes import (
    PERSON_FIELDS,
    REPRESENTATIVE_WITH_CONTACTS,
    SECTION_ACTIONS,
    SUBSCRIBER_FIELDS,
    subscriber_values,
)
from registration.models import (
    CHANGE_REFERENCE,
    CHANGE_REQUEST_LIFECYCLE,
    ChangeRequest,
    PersonChange,
    Section,
)
from registration.tasks import APPROVAL, DOCUMENTS, REJECTION

logger = logging.getLogger("portal.registration")


class ChangeNotAllowed(Exception):
    """The person may not submit these changes; ``message`` says why (Dutch)."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


class ChangeAlreadySubmitted(Exception):
    """This wizard submission was submitted before (double click, replayed POST)."""

    def __init__(self, change_request: ChangeRequest) -> None:
        super().__init__(change_request.reference)
        self.change_request = change_request


class ChangeAlreadyDecided(Exception):
    """The change request was approved or rejected before; nothing was changed."""

    def __init__(self, change_request: ChangeRequest) -> None:
        super().__init__(f"{change_request.reference} is {change_request.state}")
        self.change_request = change_request


def _person_changes(sections: dict[str, Any], section: Section) -> list[dict[str, Any]]:
    return sections.get(section.value, {}).get("changes", [])


def needs_print_and_sign(sections: dict[str, Any]) -> bool:
    """A new authorised representative signs on paper too (manual §7.2, "Bijzondere
    scenario's" 1): the form is printed and signed by the current and the new one."""
    return any(
        entry["change"] == PersonChange.NEW
        for entry in _person_changes(sections, Section.REPRESENTATIVES)
    )


def check_sections(*, person: Person, sections: dict[str, Any]) -> None:
    """Raise ``ChangeNotAllowed`` unless ``person`` may submit ``sections`` (manual §7.2):
    each section by the authorisation matrix, and no new authorised representative
    together with contact-person changes."""
    if not sections or any(key not in Section.values for key in sections):
        raise ChangeNotAllowed(DENIED_MESSAGES["default"])
    for key in sections:
        if not allowed(person, SECTION_ACTIONS[Section(key)]):
            raise ChangeNotAllowed(DENIED_MESSAGES["representative"])
    if needs_print_and_sign(sections) and Section.CONTACTS.value in sections:
        raise ChangeNotAllowed(REPRESENTATIVE_WITH_CONTACTS)


def change_request_submit(
    *,
    token: uuid.UUID,
    subscriber: Subscriber,
    submitted_by: Person,
    sections: dict[str, Any],
    login_certificate: LoginCertificateData | None = None,
    language: str | None = "nl",
) -> ChangeRequest:
    """Submit one change request in one transaction and return it.

    Raises ``ChangeAlreadySubmitted`` when the token was used before and
    ``ChangeNotAllowed`` when ``check_sections`` refuses. The registration
    itself does not change. The sealed PDF (and after it the confirmation
    e-mail) is an outbox message in the same transaction
    (``registration.tasks``); were the broker down, the outbox sweeper
    delivers it later.
    """
    if submitted_by.subscriber_id != subscriber.pk:
        raise ChangeNotAllowed(DENIED_MESSAGES["default"])
    check_sections(person=submitted_by, sections=sections)
    login_certificate = login_certificate or LoginCertificateData()

    def create(reference: str) -> ChangeRequest:
        change_request = ChangeRequest.objects.create(
            reference=reference,
            wizard_token=token,
            subscriber=subscriber,
            submitted_by=submitted_by,
            sections=sections,
            print_and_sign=needs_print_and_sign(sections),
            login_certificate_issuer=login_certificate.issuer,
            login_certificate_serial=login_certificate.serial,
            language=supported_language(language),
        )
        audit_record(
            action=Action.CHANGE_SUBMITTED,
            obj=change_request,
            label=change_request.reference,
            state_after=ChangeRequest.State.SUBMITTED,
            actor_label=submitted_by.name,
            details={"sections": list(sections)},
        )
        outbox_add(DOCUMENTS, change_request.pk)
        return change_request

    change_request = submission_create_once(
        model=ChangeRequest,
        token=token,
        create=create,
        reference=CHANGE_REFERENCE,
        already=ChangeAlreadySubmitted,
    )
    logger.info(
        "Change request %s (%s) submitted by person %s for subscriber %s",
        change_request.reference,
        ", ".join(sections),
        submitted_by.pk,
        subscriber.pk,
    )
    return change_request


def _decide(
    change_request_id: int,
    *,
    transition: str,
    action: Action,
    officer: Any,
    address: str | None,
    **changes: str,
) -> ChangeRequest:
    """Move an open request as ``CHANGE_REQUEST_LIFECYCLE`` allows (``ChangeAlreadyDecided``
    otherwise) and record who decided, with an audit entry; the request stays locked."""
    change_request, before = state_change(
        ChangeRequest,
        change_request_id,
        lifecycle=CHANGE_REQUEST_LIFECYCLE,
        action=transition,
        refused=ChangeAlreadyDecided,
        decided_at=timezone.now(),
        decided_by=officer,
        **changes,
    )
    audit_record(
        action=action,
        obj=change_request,
        label=change_request.reference,
        state_before=before,
        state_after=change_request.state,
        actor=officer,
        address=address,
        details=changes,
    )
    return change_request


def _locked_open(change_request_id: int, transition: str) -> ChangeRequest:
    change_request = ChangeRequest.objects.select_for_update().get(pk=change_request_id)
    if not CHANGE_REQUEST_LIFECYCLE.allows(transition, change_request.state):
        raise ChangeAlreadyDecided(change_request)
    return change_request


def change_request_approve(
    *, change_request_id: int, officer: Any, address: str | None = None
) -> ChangeRequest:
    """ "Goedkeuren en doorvoeren": apply every change in one transaction.

    Only what the request changed is written (a field left as it was at
    submission keeps what the registration holds now). Each changed subscriber
    or person gets a ``REGISTRATION_CHANGED`` audit entry with before and after;
    new persons are created active and identified (the officer checked the ID
    copy); a removed person loses that role, and becomes inactive when it was
    their only one; a cancellation sets ``Subscriber.cancelled_at``.
    """
    with transaction.atomic():
        change_request = _locked_open(change_request_id, "approve")
        subscriber = Subscriber.objects.select_for_update().get(pk=change_request.subscriber_id)
        record = partial(
            audit_record,
            action=Action.REGISTRATION_CHANGED,
            actor=officer,
            address=address,
        )
        _apply_subscriber(change_request, subscriber, record)
        for section in (Section.REPRESENTATIVES, Section.CONTACTS):
            for entry in _person_changes(change_request.sections, section):
                _apply_person(change_request, subscriber, section, entry, record)
        change_request = _decide(
            change_request.pk,
            transition="approve",
            action=Action.CHANGE_APPROVED,
            officer=officer,
            address=address,
        )
        outbox_add(APPROVAL, change_request.pk, give_up_after=timezone.now() + CONFIRMATION_MAX_AGE)
    logger.info("Change request %s approved and applied", change_request.reference)
    return change_request


def _apply_subscriber(
    change_request: ChangeRequest, subscriber: Subscriber, record: partial
) -> None:
    after: dict[str, Any] = {}
    for section, fields in SUBSCRIBER_FIELDS.items():
        data = change_request.sections.get(section.value)
        if data is None:
            continue
        after.update(
            {
                name: data["after"][name]
                for name in fields
                if name in data["after"] and data["after"][name] != data["before"].get(name)
            }
        )
    if Section.CANCEL.value in change_request.sections:
        after["cancelled_at"] = timezone.now()
    if not after:
        return
    before = subscriber_values(subscriber, tuple(after))
    for name, value in after.items():
        setattr(subscriber, name, value)
    subscriber.save(update_fields=[*after, "updated_at"])
    record(
        obj=subscriber,
        label=str(subscriber),
        details={
            "change_request": change_request.reference,
            "before": _json(before),
            "after": _json(after),
        },
    )


def _apply_person(
    change_request: ChangeRequest,
    subscriber: Subscriber,
    section: Section,
    entry: dict[str, Any],
    record: partial,
) -> None:
    stored = [name for name in PERSON_FIELDS[section] if name != "birth_date"]
    if entry["change"] == PersonChange.NEW:
        values = {name: entry["after"][name] for name in stored if name in entry["after"]}
        if section == Section.REPRESENTATIVES:
            values["is_representative"] = True
        person = Person.objects.create(subscriber=subscriber, identified=True, **values)
        before: dict[str, Any] = {}
        after: dict[str, Any] = values
    else:
        person = subscriber.persons.select_for_update().get(pk=entry["person"])
        if entry["change"] == PersonChange.CHANGE:
            after = {
                name: entry["after"][name]
                for name in stored
                if name in entry["after"] and entry["after"][name] != entry["before"].get(name)
            }
        else:
            after = _role_removed(person, section)
        if not after:
            return
        before = {name: getattr(person, name) for name in after}
        for name, value in after.items():
            setattr(person, name, value)
        person.save(update_fields=list(after))
    record(
        obj=person,
        label=person.name,
        state_before=before.get("status", ""),
        state_after=after.get("status", ""),
        details={
            "change_request": change_request.reference,
            "section": section.value,
            "change": entry["change"],
            "before": _json(before),
            "after": _json(after),
        },
    )


def _role_removed(person: Person, section: Section) -> dict[str, Any]:
    """Removing a role: the person keeps their other roles, or becomes inactive."""
    if section == Section.CONTACTS:
        other_roles = person.is_representative or person.is_certificate_manager
        role = {"contact_authorisation": Person.ContactAuthorisation.NONE}
    else:
        other_roles = person.is_contact_person or person.is_certificate_manager
        role = {"is_representative": False}
    if other_roles:
        return role
    return {"status": Person.Status.INACTIVE} if person.is_active else {}


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in values.items()
    }


def change_request_reject(
    *, change_request_id: int, officer: Any, reason: str, address: str | None = None
) -> ChangeRequest:
    """ "Afkeuren": nothing of the registration changes; the reason is e-mailed to the
    person who submitted the request."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a rejection needs a reason")
    with transaction.atomic():
        change_request = _decide(
            change_request_id,
            transition="reject",
            action=Action.CHANGE_REJECTED,
            officer=officer,
            address=address,
            rejection_reason=reason,
        )
        outbox_add(
            REJECTION, change_request.pk, give_up_after=timezone.now() + CONFIRMATION_MAX_AGE
        )
    logger.info("Change request %s rejected", change_request.reference)
    return change_request
