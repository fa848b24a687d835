"""``manage.py expiry_reminders [--date YYYY-MM-DD]``: the daily expiry reminders
(certificates.reminders) for a given day, as Celery beat runs them for today."""

from __future__ import annotations

from datetime import date

from certificates.reminders import expiry_reminders_run
from core.daily_job import DailyJobCommand


class Command(DailyJobCommand):
    help = "Write and send the expiry reminders due on a day (default: today). Idempotent."

    def run(self, day: date) -> str:
        created = expiry_reminders_run(day=day)
        return f"{created} expiry reminder(s) written for {day.isoformat()}."
