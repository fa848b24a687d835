"""Reading the audit log."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from audit.models import AuditEntry


def history_of(obj: models.Model) -> QuerySet[AuditEntry]:
    """Every entry about ``obj``, oldest first."""
    return AuditEntry.objects.filter(
        object_type=obj._meta.model_name, object_id=str(obj.pk)
    ).order_by("at", "pk")
