from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write one backup file, certificaatportaal-backup-<UTC time>.tar, and print its path:"
        " the database (pg_dump, or a copy of the SQLite file), the uploaded ID copies"
        " (PORTAL_UPLOAD_DIR) and a manifest with a SHA-256 per file. NOT included: the CA"
        " keys and certificates (PORTAL_CA_DIR), the seal key, SECRET_KEY and the proxy"
        " secret; keep those in your HSM or secret store. The backup holds personal data"
        " (ID copies): it is written readable by its owner only. See core/backup.py."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            default=Path(settings.VAR_DIR) / "backups",
            help="Where the backup goes (default: var/backups).",
        )

    def handle(self, *args: object, out: Path, **options: object) -> None:
        try:
            path = backup_create(out_dir=out, upload_dir=Path(settings.PORTAL_UPLOAD_DIR))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(path))
