"""Validation officers: the back office's staff accounts (issue 5, issue 11 point 1).

An officer is an active staff user in the officers' group whose own smartcard is
mapped to the account (``organisations.LoginCertificate.staff_user``): the back-office
login (portal/backoffice_login.py) wants that card and the password. ``manage.py
officer_add`` and ``seed_demo`` both make officers here. It spans the auth app, the
organisations' login mapping and the portal's card check, so it lives in the shell.
"""

from __future__ import annotations

import logging

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db import transaction
from django.db.models import Q

from audit.models import Action
from audit.services import SYSTEM, audit_record
from certificates.x509_fields import fingerprint, name_attribute
from organisations.models import LoginCertificate
from portal.backends import matching_login_certificates

logger = logging.getLogger("portal.auth")

VALIDATION_GROUP = "Validatiemedewerkers"

# What a validation officer may do besides looking (issue 5): each back-office decision
# is its own permission, and the audit log is readable.
OFFICER_PERMISSIONS = {
    "orders": ["take_order", "approve_order", "reject_order"],
    "certificates": [
        "execute_revocationrequest",
        "reject_revocationrequest",
        # Products and their issuance profiles are data the back office keeps (issue 12).
        "add_product",
        "change_product",
        "add_issuanceprofile",
        "change_issuanceprofile",
        # Replacement campaigns (issue 14, point 4): made and changed, never deleted.
        "add_replacementcampaign",
        "change_replacementcampaign",
    ],
    "audit": ["view_auditentry"],
    # What is still to be sent or made, and why it failed (core/admin.py).
    "core": ["view_outboxmessage"],
    "registration": ["view_changerequest", "approve_changerequest", "reject_changerequest"],
    # Locked-out logins: seeing them, and unlocking another officer (portal/admin.py).
    "axes": ["view_accessattempt", "delete_accessattempt"],
}
# Looking is allowed everywhere in these apps.
VIEW_APPS = ["organisations", "certificates", "orders"]


class OfficerError(Exception):
    """An officer that cannot be added as asked; the message says why."""


def officers_group() -> Group:
    """The officers' group, created when missing, with exactly its permissions: every
    view permission of ``VIEW_APPS`` and the decisions of ``OFFICER_PERMISSIONS``."""
    group, _created = Group.objects.get_or_create(name=VALIDATION_GROUP)
    decisions = Q()
    for app_label, codenames in OFFICER_PERMISSIONS.items():
        decisions |= Q(content_type__app_label=app_label, codename__in=codenames)
    group.permissions.set(
        Permission.objects.filter(
            Q(content_type__app_label__in=VIEW_APPS, codename__startswith="view_") | decisions
        )
    )
    return group


def card_mapping(certificate: x509.Certificate) -> LoginCertificate:
    """How an officer's card is mapped (unsaved): by issuer + subject serialNumber, as
    the demo officer's and the customers' cards are, so a new certificate from the same
    CA with the same serialNumber logs in too; by the SHA-256 fingerprint when the
    subject has no serialNumber (SPEC.md §5 step 3; never by the CN)."""
    serial = name_attribute(certificate.subject, NameOID.SERIAL_NUMBER)
    if serial:
        return LoginCertificate(
            match=LoginCertificate.Match.ISSUER_SERIAL,
            issuer=certificate.issuer.rfc4514_string(),
            subject_serial=serial,
        )
    return LoginCertificate(
        match=LoginCertificate.Match.FINGERPRINT, fingerprint=fingerprint(certificate)
    )


def _owner(mapping: LoginCertificate) -> str:
    if mapping.staff_user is not None:
        return f"staff user {mapping.staff_user.get_username()!r}"
    person = mapping.person
    assert person is not None
    return f"person {person.pk} ({person.email}, {person.subscriber.name})"


def officer_card_map(*, user: AbstractUser, certificate: x509.Certificate) -> list[str]:
    """Map ``certificate`` (the officer's card) to ``user`` (``card_mapping``) unless a
    mapping of ``user`` already matches it; what changed, as lines for the operator.

    Raises OfficerError when any mapping the card satisfies belongs to someone else (a
    staff user or a customer): one card, one owner, so no login is ever ambiguous.
    """
    existing = list(
        matching_login_certificates(certificate).select_related("staff_user", "person__subscriber")
    )
    others = [m for m in existing if m.staff_user_id != user.pk]
    if others:
        raise OfficerError(
            f"The card is already mapped to {_owner(others[0])} ({others[0]}): "
            "remove that mapping first (Organisaties > Inlogcertificaten)."
        )
    if existing:
        return []
    mapping = card_mapping(certificate)
    mapping.staff_user = user
    mapping.save()
    how = (
        f"issuer {mapping.issuer} + serialNumber {mapping.subject_serial}"
        if mapping.match == LoginCertificate.Match.ISSUER_SERIAL
        else f"SHA-256 fingerprint {mapping.fingerprint}"
    )
    return [f"card mapped by {how}"]


@transaction.atomic
def officer_add(
    *,
    username: str,
    certificate: x509.Certificate,
    password: str | None = None,
    email: str | None = None,
    superuser: bool = False,
    first_name: str = "",
    last_name: str = "",
    actor_label: str = SYSTEM,
) -> list[str]:
    """Make ``username`` a validation officer with ``certificate`` as their card:
    create or update the user (active, staff), put it in the officers' group
    (``officers_group``) and map the card (``officer_card_map``). Idempotent: returns
    what changed, empty when nothing did.

    ``password`` is needed for a new user and set on an existing one only when it
    differs; ``email``, the names and ``superuser`` only ever set (never cleared).
    What changed goes into the audit log, by ``actor_label`` (who ran the command).
    """
    user_model = get_user_model()
    user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
    created = user is None
    changes: list[str] = []
    if user is None:
        if not password:
            raise OfficerError(f"{username!r} is a new user and needs a password.")
        user = user_model(**{user_model.USERNAME_FIELD: username})
        changes.append("superuser created" if superuser else "user created")
    wanted = {"is_active": True, "is_staff": True}
    if superuser:
        wanted["is_superuser"] = True
    for field, value in [("email", email), ("first_name", first_name), ("last_name", last_name)]:
        if value:
            wanted[field] = value
    for field, value in wanted.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            if user.pk is not None:
                changes.append(f"{field} set to {value!r}")
    if password and (user.pk is None or not user.check_password(password)):
        user.set_password(password)
        if user.pk is not None:
            changes.append("password set")
    if changes:
        user.save()
    group = officers_group()
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
        changes.append(f"added to group {group.name!r}")
    changes += officer_card_map(user=user, certificate=certificate)
    if changes:
        logger.info("Officer %s (user %s): %s", username, user.pk, "; ".join(changes))
        audit_record(
            action=Action.OFFICER_ADDED if created else Action.OFFICER_CHANGED,
            obj=user,
            label=username,
            actor_label=actor_label,
            details={"changes": changes},
        )
    return changes
