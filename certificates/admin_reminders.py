"""The reminders sent, in the back office (read only; issue 14, points 2 and 4).

An officer answering "did we warn them?" sees every expiry reminder (certificate,
threshold, recipient, day, and when its e-mail went out) and every campaign notice.
The rows change only through the daily jobs (certificates.reminders,
certificates.campaign_jobs).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from certificates.models import CampaignNotice, ExpiryReminder
from core.admin_readonly import ReadOnlyAdmin


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "threshold_days", "recipient", "day", "sent_at"]
    list_filter = ["threshold_days", "day"]
    search_fields = ["certificate__common_name", "certificate__serial", "recipient__email"]
    date_hierarchy = "day"
    list_select_related = ["certificate", "recipient", "digest"]

    @admin.display(description=_("verzonden op"), ordering="digest__sent_at")
    def sent_at(self, reminder: ExpiryReminder) -> object:
        return reminder.digest.sent_at


@admin.register(CampaignNotice)
class CampaignNoticeAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "recipient", "threshold_days", "day", "sent_at"]
    list_filter = ["campaign", "threshold_days"]
    search_fields = ["recipient__email", "certificates__common_name"]
    date_hierarchy = "day"
    list_select_related = ["campaign", "recipient"]
    filter_horizontal = ["certificates"]
