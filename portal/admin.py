"""The back office's list of failed logins (django-axes), with unlocking by another officer."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.backoffice_login import SelfUnlockRefused, backoffice_unlock

admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Lockouts are lifted only through the audited ``unlock`` action, never by deleting."""

    actions = ["unlock"]

    def has_delete_permission(self, request: HttpRequest, obj: AccessAttempt | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessAttempt | None = None) -> bool:
        return False

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("axes.delete_accessattempt")

    @admin.action(description=_("Blokkade opheffen"), permissions=["unlock"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        try:
            count = backoffice_unlock(attempts=queryset, by=request.user)
        except SelfUnlockRefused:
            self.message_user(
                request,
                _("U kunt uw eigen blokkade niet opheffen; vraag een andere validatiemedewerker."),
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            ngettext("%(count)d blokkade opgeheven.", "%(count)d blokkades opgeheven.", count)
            % {"count": count},
            messages.SUCCESS,
        )
