"""The back office's transitions of an order (issue 5; manual §3.2 "De afdeling
PKIoverheid validatie zal de aanvraag zo snel mogelijk in behandeling nemen").

placed → in_validation → approved → issued, or rejected (with a reason the
customer sees), as ``orders.models.ORDER_LIFECYCLE`` declares. Each
transition locks the order row, checks the table allows it from the state
the order is in (``core.lifecycle.state_change``), and writes an audit entry
in the same transaction; what follows (issuing, e-mail) is an outbox
message in that transaction too. A double click finds the order already
moved on and changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise

from audit.models import Action
from audit.services import audit_record
from core.lifecycle import TransitionNotAllowed as StateNotAllowed
from core.lifecycle import state_change
from core.mail import CONFIRMATION_MAX_AGE
from core.outbox import outbox_add
from orders.models import ORDER_LIFECYCLE, Order
from orders.tasks import ISSUE, REJECTION

State = Order.State


class TransitionNotAllowed(StateNotAllowed):
    """The order is not in a state this action starts from; the message says which."""

    def __init__(self, order: Order, action: str | Promise) -> None:
        super().__init__(order, action)
        self.args = (f"{order.reference}: cannot {action} an order in state {order.state}",)
        self.order = order


def _transition(
    *,
    order_id: int,
    transition: str,
    action: Action,
    officer: object,
    address: str | None,
    **changes: object,
) -> Order:
    with transaction.atomic():
        order, before = state_change(
            Order,
            order_id,
            lifecycle=ORDER_LIFECYCLE,
            action=transition,
            refused=lambda order: TransitionNotAllowed(order, action.label),
            **changes,
        )
        audit_record(
            action=action,
            obj=order,
            label=order.reference,
            state_before=before,
            state_after=order.state,
            actor=officer,
            address=address,
            details={key: str(value) for key, value in changes.items()},
        )
    return order


def order_take(*, order_id: int, officer: object, address: str | None = None) -> Order:
    """ "In behandeling nemen": a placed order goes to validation."""
    return _transition(
        order_id=order_id,
        transition="take",
        action=Action.ORDER_TAKEN,
        officer=officer,
        address=address,
    )


def order_approve(*, order_id: int, officer: object, address: str | None = None) -> Order:
    """ "Goedkeuren en uitgeven": approve, then issue (an outbox message; idempotent)."""
    with transaction.atomic():
        order = _transition(
            order_id=order_id,
            transition="approve",
            action=Action.ORDER_APPROVED,
            officer=officer,
            address=address,
        )
        outbox_add(ISSUE, order.pk)
    return order


def order_reject(
    *, order_id: int, officer: object, reason: str, address: str | None = None
) -> Order:
    """ "Afkeuren": the reason is shown to the customer and e-mailed to the contact person."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a rejection needs a reason")
    with transaction.atomic():
        order = _transition(
            order_id=order_id,
            transition="reject",
            action=Action.ORDER_REJECTED,
            officer=officer,
            address=address,
            rejection_reason=reason,
        )
        outbox_add(REJECTION, order.pk, give_up_after=timezone.now() + CONFIRMATION_MAX_AGE)
    return order
