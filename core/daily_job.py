"""The command of a daily job that Celery beat runs for today: ``manage.py <job> [--date
YYYY-MM-DD]`` runs the same job for a given day (SPEC.md §10)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class DailyJobCommand(BaseCommand):
    """Subclasses say what ``run`` does for one day and return the line to print."""

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
        self.stdout.write(self.run(on))

    def run(self, day: date) -> str:
        raise NotImplementedError
