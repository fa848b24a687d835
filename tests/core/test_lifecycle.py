"""The declared state tables (core.lifecycle) and the one helper that moves a row."""

from __future__ import annotations

import pytest
from django.db.models import Q

from core.lifecycle import Lifecycle, Transition, TransitionNotAllowed, state_change
from orders.models import ORDER_LIFECYCLE, Order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_a_transition_to_an_unknown_state_is_refused_at_declaration():
    with pytest.raises(ValueError, match="unknown states"):
        Lifecycle(states=("a",), open_states=("a",), transitions=(Transition("go", ("a",), "b"),))


def test_the_order_table_says_what_each_state_offers():
    assert ORDER_LIFECYCLE.actions_from("placed") == ["take", "approve", "reject", "cancel"]
    assert ORDER_LIFECYCLE.actions_from("in_validation") == ["approve", "reject"]
    assert ORDER_LIFECYCLE.actions_from("issued") == []
    assert ORDER_LIFECYCLE.permission("take", "orders") == "orders.take_order"
    assert ORDER_LIFECYCLE.permission("issue", "orders") == ""


def test_the_open_order_constraints_read_the_table():
    constraints = {c.name: c for c in Order._meta.constraints}

    assert constraints["order_one_open_order_per_key"].condition == ORDER_LIFECYCLE.open_q() & ~Q(
        spki_sha256=""
    )
    assert constraints["order_state_valid"].condition == ORDER_LIFECYCLE.valid_q()
    assert set(Order.OPEN_STATES) == {"placed", "in_validation", "approved"}


def test_state_change_moves_a_row_the_table_allows():
    order = OrderFactory()

    moved, before = state_change(Order, order.pk, lifecycle=ORDER_LIFECYCLE, action="take")

    assert (before, moved.state) == ("placed", "in_validation")
    order.refresh_from_db()
    assert order.state == "in_validation" and order.is_open


def test_state_change_refuses_what_the_table_does_not_allow_and_changes_nothing():
    order = OrderFactory()

    with pytest.raises(TransitionNotAllowed):
        state_change(
            Order, order.pk, lifecycle=ORDER_LIFECYCLE, action="issue", rejection_reason="x"
        )

    order.refresh_from_db()
    assert (order.state, order.rejection_reason) == ("placed", "")
