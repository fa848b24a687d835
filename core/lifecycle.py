"""The declared state table of a customer submission (issue 12: one submission lifecycle).

Each kind of submission (an order, a registration change request, a
revocation request, and the kinds that follow) declares one ``Lifecycle``:
its states, which of them are open, and each action the back office (or the
portal) takes with the states it starts from, the state it leads to and the
permission it needs. The services refuse what the table does not allow
(``state_change``), the admin offers only the buttons the table allows, the
database constraints and ``is_open`` read the open states from it. The audit
entry stays with each app's service: core imports no app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Q

Row = TypeVar("Row", bound=models.Model)


@dataclass(frozen=True)
class Transition:
    """``action``: from any of ``sources`` to ``target``; ``permission`` is a codename."""

    action: str
    sources: tuple[str, ...]
    target: str
    permission: str = ""


@dataclass(frozen=True)
class Lifecycle:
    states: tuple[str, ...]
    open_states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    state_field: str = "state"
    _by_action: dict[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Plain strings (not TextChoices members): the migrations spell them so.
        object.__setattr__(self, "states", tuple(str(state) for state in self.states))
        object.__setattr__(self, "open_states", tuple(str(state) for state in self.open_states))
        object.__setattr__(
            self,
            "transitions",
            tuple(
                Transition(t.action, tuple(str(s) for s in t.sources), str(t.target), t.permission)
                for t in self.transitions
            ),
        )
        by_action = {transition.action: transition for transition in self.transitions}
        if len(by_action) != len(self.transitions):
            raise ValueError("an action is declared twice")
        for transition in self.transitions:
            unknown = {*transition.sources, transition.target} - set(self.states)
            if unknown:
                raise ValueError(f"{transition.action}: unknown states {sorted(unknown)}")
        if set(self.open_states) - set(self.states):
            raise ValueError("an open state is not a state")
        object.__setattr__(self, "_by_action", by_action)

    def transition(self, action: str) -> Transition:
        return self._by_action[action]

    def allows(self, action: str, state: str) -> bool:
        """May ``action`` start from ``state``?"""
        return state in self._by_action[action].sources

    def actions_from(self, state: str) -> list[str]:
        """The actions that may start from ``state``, in declared order."""
        return [t.action for t in self.transitions if state in t.sources]

    def is_open(self, state: str) -> bool:
        return state in self.open_states

    def permission(self, action: str, app_label: str) -> str:
        """``app_label.codename`` for ``user.has_perm``; ``""`` when the action needs none."""
        codename = self._by_action[action].permission
        return f"{app_label}.{codename}" if codename else ""

    # For the model's constraints and querysets (lists, as the migrations spell them).
    def open_q(self) -> Q:
        if len(self.open_states) == 1:
            return Q(**{self.state_field: self.open_states[0]})
        return Q(**{f"{self.state_field}__in": list(self.open_states)})

    def valid_q(self) -> Q:
        return Q(**{f"{self.state_field}__in": list(self.states)})


class TransitionNotAllowed(Exception):
    """The row is not in a state ``action`` starts from; nothing was changed."""

    def __init__(self, row: models.Model, action: object) -> None:
        super().__init__(f"{row}: cannot {action} in state {getattr(row, 'state', '?')}")
        self.row = row
        self.action = action


def state_change(
    queryset: models.QuerySet[Row] | type[Row],
    pk: int,
    *,
    lifecycle: Lifecycle,
    action: str,
    refused: Callable[[Row], Exception] | None = None,
    **changes: Any,
) -> tuple[Row, str]:
    """Lock the row, check ``action`` may start from its state, set the target state
    (and ``changes``) and save; returns the row and the state it had.

    Raises ``refused(row)`` (default ``TransitionNotAllowed``) when the table
    does not allow it: a double click finds the row moved on and changes nothing.
    """
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    transition = lifecycle.transition(action)
    with transaction.atomic():
        row = queryset.select_for_update(of=("self",)).get(pk=pk)
        before = getattr(row, lifecycle.state_field)
        if before not in transition.sources:
            raise (refused or _refused(action))(row)
        setattr(row, lifecycle.state_field, transition.target)
        for name, value in changes.items():
            setattr(row, name, value)
        row.save(update_fields=[lifecycle.state_field, *changes, *_auto_now(row)])
    return row, before


def _refused(action: str) -> Callable[[models.Model], Exception]:
    return lambda row: TransitionNotAllowed(row, action)


def _auto_now(row: models.Model) -> Iterable[str]:
    return [f.name for f in row._meta.concrete_fields if getattr(f, "auto_now", False)]
