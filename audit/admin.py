from django.contrib import admin

from audit.models import AuditEntry
from core.admin_readonly import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Readable by staff with the view permission; nobody adds, edits or deletes."""

    list_display = [
        "at",
        "actor_label",
        "action",
        "object_label",
        "state_before",
        "state_after",
        "address",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["object_label", "actor_label", "object_id"]
    date_hierarchy = "at"
