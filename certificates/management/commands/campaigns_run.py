"""``manage.py campaigns_run [--date YYYY-MM-DD]``: the daily job of the replacement
campaigns (certificates.campaign_jobs) for a given day, as Celery beat runs it for today."""

from __future__ import annotations

from datetime import date

from certificates.campaign_jobs import campaigns_run
from core.daily_job import DailyJobCommand


class Command(DailyJobCommand):
    help = (
        "Run the replacement campaigns' daily job for a day (default: today): add newly "
        "covered certificates, send notices and reminders, revoke replaced certificates "
        "after the grace period. Idempotent."
    )

    def run(self, day: date) -> str:
        result = campaigns_run(day=day)
        return (
            f"Campaigns run for {day.isoformat()}: {result.added} certificate(s) added, "
            f"{result.notices} notice(s) written, {result.revoked} certificate(s) revoked."
        )
