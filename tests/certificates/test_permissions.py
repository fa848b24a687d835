"""certificate_actions: the one answer to "what may this person do with this certificate now"
(roles of the authorisation matrix × the certificate's state)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from certificates.models import RevocationReason
from certificates.permissions import (
    NOT_YOURS,
    ONLY_VALID_REVOKED,
    RENEWAL_IN_PROGRESS,
    REVOCATION_PENDING,
    REVOKED_NOT_RENEWED,
    certificate_actions,
)
from orders.models import Order
from organisations.authorisation import DENIED_MESSAGES
from organisations.models import Person
from tests.factories import (
    CertificateFactory,
    OrderFactory,
    PersonFactory,
    RevocationRequestFactory,
)

pytestmark = pytest.mark.django_db

FULL = Person.ContactAuthorisation.FULL
BASIC = Person.ContactAuthorisation.BASIC
NONE = Person.ContactAuthorisation.NONE


def person_in(subscriber, role: str) -> Person | None:  # noqa: ANN001
    """A person of ``subscriber`` (or of another one) in one of the roles that log in."""
    if role == "representative":
        return PersonFactory(
            subscriber=subscriber, is_representative=True, contact_authorisation=NONE
        )
    if role == "contact_full":
        return PersonFactory(subscriber=subscriber, contact_authorisation=FULL)
    if role == "contact_basic":
        return PersonFactory(subscriber=subscriber, contact_authorisation=BASIC)
    if role == "manager_only":
        # A certificate manager who is no contact person: no role in the matrix.
        return PersonFactory(subscriber=subscriber, manager=True)
    if role == "inactive":
        return PersonFactory(subscriber=subscriber, status=Person.Status.INACTIVE)
    if role == "cancelled":
        subscriber.cancelled_at = timezone.now()
        subscriber.save(update_fields=["cancelled_at"])
        return PersonFactory(subscriber=subscriber, contact_authorisation=FULL)
    if role == "other_subscriber":
        return PersonFactory()
    assert role == "nobody"
    return None


def certificate_in(state: str):  # noqa: ANN201
    now = timezone.now().replace(microsecond=0)
    if state == "expired":
        return CertificateFactory(
            not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=5)
        )
    certificate = CertificateFactory()
    if state == "revoked":
        certificate.revoked_at = now - dt.timedelta(hours=1)
        certificate.revocation_reason = RevocationReason.KEY_COMPROMISE
        certificate.save()
    elif state == "revocation_requested":
        RevocationRequestFactory(certificate=certificate)
    elif state == "renewal_placed":
        OrderFactory(subscriber=certificate.subscriber, renews=certificate)
    elif state == "renewal_in_validation":
        OrderFactory(
            subscriber=certificate.subscriber,
            renews=certificate,
            state=Order.State.IN_VALIDATION,
        )
    elif state == "renewal_issued":
        OrderFactory(subscriber=certificate.subscriber, renews=certificate, state="issued")
    else:
        assert state == "valid"
    return certificate


DEFAULT = str(DENIED_MESSAGES["default"])
CANCELLED = str(DENIED_MESSAGES["cancelled"])
MAY = None

# state -> (renew, revoke) for a person whose role allows both; None: allowed.
BY_STATE = {
    "valid": (MAY, MAY),
    "expired": (MAY, str(ONLY_VALID_REVOKED)),
    "revoked": (str(REVOKED_NOT_RENEWED), str(ONLY_VALID_REVOKED)),
    "revocation_requested": (MAY, str(REVOCATION_PENDING)),
    # A renewal only placed may be replaced after the start screen's warning.
    "renewal_placed": (MAY, MAY),
    "renewal_in_validation": (str(RENEWAL_IN_PROGRESS), MAY),
    # The successor does not end the old certificate: it may be renewed (with the
    # warning) and revoked until it expires.
    "renewal_issued": (MAY, MAY),
}

ROLES = [
    "representative",
    "contact_full",
    "contact_basic",
    "manager_only",
    "inactive",
    "cancelled",
    "other_subscriber",
    "nobody",
]


def expected(role: str, state: str) -> dict[str, str | None]:
    if role in ("inactive", "other_subscriber", "nobody"):
        return dict.fromkeys(["view", "download", "renew", "revoke"], str(NOT_YOURS))
    renew, revoke = BY_STATE[state]
    if role == "manager_only":
        renew = revoke = DEFAULT
    if role == "cancelled":
        # Ordering and renewing end with the subscription; revoking does not.
        renew = CANCELLED
    return {"view": MAY, "download": MAY, "renew": renew, "revoke": revoke}


@pytest.mark.parametrize("state", list(BY_STATE))
@pytest.mark.parametrize("role", ROLES)
def test_actions_follow_the_matrix_and_the_state(role, state):
    certificate = certificate_in(state)
    person = person_in(certificate.subscriber, role)
    actions = certificate_actions(person, certificate)
    answer = {
        action: actions.refusals.get(action) for action in ("view", "download", "renew", "revoke")
    }
    assert answer == expected(role, state)
    assert actions.renew == (answer["renew"] is None)
    assert actions.revoke == (answer["revoke"] is None)


def test_a_role_refusal_is_told_apart_from_a_state_refusal():
    certificate = certificate_in("revoked")
    basic = person_in(certificate.subscriber, "contact_basic")
    manager = person_in(certificate.subscriber, "manager_only")
    assert not certificate_actions(basic, certificate).refused_by_role("revoke")
    assert certificate_actions(manager, certificate).refused_by_role("revoke")


def test_the_answer_is_for_the_moment_asked():
    certificate = certificate_in("valid")
    person = person_in(certificate.subscriber, "contact_full")
    later = certificate.not_after + dt.timedelta(seconds=1)
    assert certificate_actions(person, certificate).revoke
    assert not certificate_actions(person, certificate, now=later).revoke
