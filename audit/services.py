"""Writing the audit log (issue 5): one call per transition, inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.context import request_address
from audit.models import Action, AuditEntry

SYSTEM = "systeem"


def audit_record(
    *,
    action: Action,
    obj: models.Model,
    label: str,
    state_before: str = "",
    state_after: str = "",
    actor: Any = None,
    actor_label: str = "",
    address: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry. ``actor`` is a back-office user; customers and tasks give
    ``actor_label``. Without ``address`` the current request's is used."""
    if actor is not None and not actor_label:
        full_name = actor.get_full_name()
        actor_label = f"{actor.get_username()} ({full_name})" if full_name else actor.get_username()
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor_label or SYSTEM,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_label=label,
        state_before=state_before,
        state_after=state_after,
        address=address or request_address.get(),
        details=details or {},
    )
