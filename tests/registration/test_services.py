"""The submit service guards the matrix itself, whatever the caller (manual §7.2)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from organisations.authorisation import DENIED_MESSAGES
from organisations.models import Subscriber
from registration.changes import REPRESENTATIVE_WITH_CONTACTS
from registration.models import CHANGE_REFERENCE, ChangeRequest
from registration.services import (
    ChangeAlreadySubmitted,
    ChangeNotAllowed,
    change_request_submit,
)
from tests.registration.submitting import (
    address_change,
    new_contact,
    new_representative,
    person,
    submit_change,
)

pytestmark = pytest.mark.django_db


def test_the_reference_is_abw_and_17_digits():
    reference = CHANGE_REFERENCE.new()

    assert reference.startswith("ABW")
    assert len(reference) == 20 and reference[3:].isdigit()


@pytest.mark.parametrize("section", ["representatives", "cancel"])
def test_a_full_contact_person_cannot_submit_representative_sections(section):
    with pytest.raises(ChangeNotAllowed) as refused:
        submit_change({section: {"changes": [], "reason": ""}}, by="joost")

    assert refused.value.message == DENIED_MESSAGES["representative"]
    assert not ChangeRequest.objects.exists()


def test_a_basic_contact_person_cannot_submit_anything():
    with pytest.raises(ChangeNotAllowed):
        submit_change(address_change(), by="herman")


def test_a_new_representative_with_contact_changes_is_refused():
    sections = {
        "representatives": {"changes": [new_representative()], "remaining": []},
        "contacts": {"changes": [new_contact()]},
    }

    with pytest.raises(ChangeNotAllowed) as refused:
        submit_change(sections)

    assert refused.value.message == REPRESENTATIVE_WITH_CONTACTS


def test_a_person_cannot_submit_for_another_subscriber():
    maximo = person("maximo")
    other = Subscriber.objects.get(name="Andere Organisatie B.V.")

    with pytest.raises(ChangeNotAllowed):
        change_request_submit(
            token=uuid4(), subscriber=other, submitted_by=maximo, sections=address_change()
        )


def test_the_same_token_submits_once():
    maximo = person("maximo")
    token = uuid4()
    first = change_request_submit(
        token=token, subscriber=maximo.subscriber, submitted_by=maximo, sections=address_change()
    )

    with pytest.raises(ChangeAlreadySubmitted) as again:
        change_request_submit(
            token=token,
            subscriber=maximo.subscriber,
            submitted_by=maximo,
            sections=address_change(),
        )

    assert again.value.change_request == first
    assert ChangeRequest.objects.count() == 1
