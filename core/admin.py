"""The outbox in the back office: what is still waiting, and why it failed (read only).

Messages change only through delivery and the sweeper (core.outbox); an
officer or operator sees which e-mail, document or CA call is stuck and the
error of its last attempt.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_readonly import ReadOnlyAdmin
from core.models import OutboxMessage


class DeliveredFilter(admin.SimpleListFilter):
    title = _("afgehandeld")
    parameter_name = "afgehandeld"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("nee", _("Wachtend")), ("ja", _("Afgehandeld"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> QuerySet[OutboxMessage]:
        if self.value() in ("nee", "ja"):
            return queryset.filter(done_at__isnull=self.value() == "nee")
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["key", "topic", "created_at", "done_at", "attempts", "last_error_short"]
    list_filter = [DeliveredFilter, "topic"]
    search_fields = ["key"]
    date_hierarchy = "created_at"

    @admin.display(description=_("laatste fout"))
    def last_error_short(self, message: OutboxMessage) -> str:
        return message.last_error[:120]
