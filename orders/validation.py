"""The back office's transitions of an order (issue 5; manual §3.2 "De afdeling
PKIoverheid validatie zal de aanvraag zo snel mogelijk in behandeling nemen").

placed → in_validation → approved → issued, or rejected (with a reason the
customer sees). Each transition locks the order row, checks the state it
starts from, and writes an audit entry in the same transaction; what follows
(issuing, e-mail) is queued on commit. A double click finds the order already
moved on and changes nothing.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils.functional import Promise

from audit.models import Action
from audit.services import audit_record
from orders.models import Order
from orders.tasks import issue_queue, rejection_queue

State = Order.State


class TransitionNotAllowed(Exception):
    """The order is not in a state this action starts from; the message says which."""

    def __init__(self, order: Order, action: str | Promise) -> None:
        super().__init__(f"{order.reference}: cannot {action} an order in state {order.state}")
        self.order = order


def _transition(
    *,
    order_id: int,
    allowed_from: tuple[str, ...],
    to: str,
    action: Action,
    officer: object,
    address: str | None,
    **changes: object,
) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.state not in allowed_from:
            raise TransitionNotAllowed(order, action.label)
        before = order.state
        order.state = to
        for field, value in changes.items():
            setattr(order, field, value)
        order.save(update_fields=["state", "updated_at", *changes])
        audit_record(
            action=action,
            obj=order,
            label=order.reference,
            state_before=before,
            state_after=to,
            actor=officer,
            address=address,
            details={key: str(value) for key, value in changes.items()},
        )
    return order


def order_take(*, order_id: int, officer: object, address: str | None = None) -> Order:
    """ "In behandeling nemen": a placed order goes to validation."""
    return _transition(
        order_id=order_id,
        allowed_from=(State.PLACED,),
        to=State.IN_VALIDATION,
        action=Action.ORDER_TAKEN,
        officer=officer,
        address=address,
    )


def order_approve(*, order_id: int, officer: object, address: str | None = None) -> Order:
    """ "Goedkeuren en uitgeven": approve, then issue (queued on commit; idempotent)."""
    with transaction.atomic():
        order = _transition(
            order_id=order_id,
            allowed_from=(State.PLACED, State.IN_VALIDATION),
            to=State.APPROVED,
            action=Action.ORDER_APPROVED,
            officer=officer,
            address=address,
        )
        transaction.on_commit(partial(issue_queue, order.pk))
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
            allowed_from=(State.PLACED, State.IN_VALIDATION),
            to=State.REJECTED,
            action=Action.ORDER_REJECTED,
            officer=officer,
            address=address,
            rejection_reason=reason,
        )
        transaction.on_commit(partial(rejection_queue, order.pk))
    return order
