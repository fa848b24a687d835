"""``manage.py campaigns_run [--date YYYY-MM-DD]``: the daily job of the replacement
campaigns (certificates.campaign_jobs) for a given day, as Celery beat runs it for today."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from certificates.campaign_jobs import campaigns_run


class Command(BaseCommand):
    help = (
        "Run the replacement campaigns' daily job for a day (default: today): add newly "
        "covered certificates, send notices and reminders, revoke replaced certificates "
        "after the grace period. Idempotent."
    )

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
        result = campaigns_run(day=on)
        self.stdout.write(
            f"Campaigns run for {on.isoformat()}: {result.added} certificate(s) added, "
            f"{result.notices} notice(s) written, {result.revoked} certificate(s) revoked."
        )
