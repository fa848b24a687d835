from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import demo_data
from portal.officers import OfficerError


class Command(BaseCommand):
    help = (
        "Load the demo data (subscribers, persons, certificates, validation officer). "
        "Needs the demo PKI: --pki DIR or PORTAL_PKI_DIR. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pki", type=Path, metavar="DIR", default=settings.PORTAL_PKI_DIR)

    def handle(self, *args: object, pki: Path | None, **options: object) -> None:
        if pki is None:
            raise CommandError(
                "No demo PKI: run `manage.py demo_pki --out DIR` and pass --pki DIR "
                "or set PORTAL_PKI_DIR."
            )
        try:
            demo_data.seed(pki.resolve())
        except FileNotFoundError as exc:
            raise CommandError(
                f"The demo PKI in {pki} is incomplete ({exc.filename} is missing): "
                "run `manage.py demo_pki --out DIR` first."
            ) from None
        except OfficerError as exc:
            raise CommandError(f"The demo officer {demo_data.OFFICER_USERNAME!r}: {exc}") from None
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
