"""One reference helper and one create-once-per-wizard-token pattern (core.submissions)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import IntegrityError

from core.submissions import NoFreeReference, ReferenceFormat, submission_create_once
from registration.models import CHANGE_REFERENCE, ChangeRequest
from tests.factories import ChangeRequestFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_a_card_order_reference_is_grp_and_18_digits():
    grp = ReferenceFormat("GRP", 18)

    reference = grp.new()

    assert re.fullmatch(grp.pattern, reference) and len(reference) == grp.length == 21


def test_a_reference_needs_random_digits_after_the_time():
    with pytest.raises(ValueError):
        ReferenceFormat("X", 14)


class Drawn(ReferenceFormat):
    """References drawn from a list, to force a collision."""

    def new(self) -> str:
        return DRAWS.pop(0)


DRAWS: list[str] = []


def _create(token: uuid.UUID, submitted_by):  # noqa: ANN001, ANN202
    def create(reference: str) -> ChangeRequest:
        return ChangeRequestFactory(
            reference=reference,
            wizard_token=token,
            subscriber=submitted_by.subscriber,
            submitted_by=submitted_by,
        )

    return create


class Again(Exception):
    def __init__(self, row: ChangeRequest) -> None:
        self.row = row


def test_a_reference_collision_draws_again_and_a_reused_token_reports_the_row():
    taken = ChangeRequestFactory()
    person = PersonFactory()
    DRAWS[:] = [taken.reference, "ABW20240101000000123"]
    token = uuid.uuid4()

    made = submission_create_once(
        model=ChangeRequest,
        token=token,
        create=_create(token, person),
        reference=Drawn("ABW", 17),
        already=Again,
    )

    assert made.reference == "ABW20240101000000123"
    with pytest.raises(Again) as again:
        submission_create_once(
            model=ChangeRequest,
            token=token,
            create=_create(token, person),
            reference=CHANGE_REFERENCE,
            already=Again,
        )
    assert again.value.row == made


def test_no_free_reference_after_every_draw_collided():
    taken = ChangeRequestFactory()
    person = PersonFactory()
    DRAWS[:] = [taken.reference] * 5
    token = uuid.uuid4()

    with pytest.raises(NoFreeReference):
        submission_create_once(
            model=ChangeRequest,
            token=token,
            create=_create(token, person),
            reference=Drawn("ABW", 17),
            already=Again,
        )
    assert isinstance(NoFreeReference(), IntegrityError)
    assert not ChangeRequest.objects.filter(wizard_token=token).exists()
