"""``manage.py expiry_reminders [--date YYYY-MM-DD]``: the daily expiry reminders
(certificates.reminders) for a given day, as Celery beat runs them for today."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from certificates.reminders import expiry_reminders_run


class Command(BaseCommand):
    help = "Write and send the expiry reminders due on a day (default: today). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="day", metavar="YYYY-MM-DD", default=None)

    def handle(self, *args: Any, day: str | None = None, **options: Any) -> None:
        if day is None:
            on = timezone.localdate()
        else:
            try:
                on = date.fromisoformat(day)
            except ValueError:
                raise CommandError(
                    f"--date {day!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-31."
                ) from None
        created = expiry_reminders_run(day=on)
        self.stdout.write(f"{created} expiry reminder(s) written for {on.isoformat()}.")
