"""References and wizard tokens of customer submissions (issue 12: one submission lifecycle).

A reference is a prefix and a fixed number of digits: the time to the second
(14 digits) and random digits for the rest, like the seed's
S20240209211100661 (orders, ``S`` + 17), ABW20180604266170846 (change
requests, ``ABW`` + 17) and ``GRP`` + 18 (card orders). A wizard submission
creates its row once: the row's unique token refuses a second one, and a
reference that collided is drawn again.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.core.validators import RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Row = TypeVar("Row", bound=models.Model)

STAMP = "%Y%m%d%H%M%S"  # 14 digits
ATTEMPTS = 5


@dataclass(frozen=True)
class ReferenceFormat:
    """``prefix`` and ``digits`` digits, of which the first 14 are the time."""

    prefix: str
    digits: int

    def __post_init__(self) -> None:
        if self.digits <= len(timezone.now().strftime(STAMP)):
            raise ValueError("a reference needs random digits after the time")

    @property
    def pattern(self) -> str:
        """The database's spelling (CheckConstraint), ``^S[0-9]{17}$``."""
        return rf"^{self.prefix}[0-9]{{{self.digits}}}$"

    @property
    def length(self) -> int:
        return len(self.prefix) + self.digits

    def q(self, field: str = "reference") -> Q:
        return Q(**{f"{field}__regex": self.pattern})

    def validator(self, message: StrOrPromise) -> RegexValidator:
        return RegexValidator(rf"^{self.prefix}\d{{{self.digits}}}$", message)

    def new(self) -> str:
        """A fresh reference: time to the second, then random digits."""
        stamp = timezone.localtime().strftime(STAMP)
        random_digits = self.digits - len(stamp)
        return self.prefix + stamp + f"{secrets.randbelow(10**random_digits):0{random_digits}d}"


class NoFreeReference(IntegrityError):
    """Every reference drawn collided (only under a storm of submissions in one second)."""


def submission_create_once(
    *,
    model: type[Row],
    token: uuid.UUID,
    create: Callable[[str], Row],
    reference: ReferenceFormat,
    already: Callable[[Row], Exception],
    other_conflict: Callable[[], None] | None = None,
    token_field: str = "wizard_token",  # noqa: S107  # a field name, not a secret
) -> Row:
    """Create the row of one wizard submission once and return it.

    ``create(reference)`` runs in its own transaction. Raises ``already(row)``
    when the token was used before (double click, replayed POST) or is used
    concurrently; ``other_conflict()`` may raise a friendlier error for a
    different guarantee the database held. A reference collision draws a new
    reference; after ``ATTEMPTS`` draws ``NoFreeReference``.
    """
    tokened = model._default_manager.filter(**{token_field: token})
    existing = tokened.first()
    if existing is not None:
        raise already(existing)
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return create(reference.new())
        except IntegrityError:
            # Which guarantee held? Each check reads committed rows.
            existing = tokened.first()
            if existing is not None:
                raise already(existing) from None
            if other_conflict is not None:
                other_conflict()
            # The reference collided: draw again.
    raise NoFreeReference(f"no free {reference.prefix} reference")
