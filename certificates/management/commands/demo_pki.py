from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from certificates import demo_pki


class Command(BaseCommand):
    help = (
        "Write the demo PKI (CA hierarchies, nginx TLS, seal, client certificates, trust "
        "bundle) to DIR. DEMO/TEST material only. Idempotent: existing files are reused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, metavar="DIR")

    def handle(self, *args: Any, out: Path, **options: Any) -> None:
        demo_pki.build(out.resolve())
        self.stdout.write(self.style.SUCCESS(f"Demo PKI in {out.resolve()}"))
