from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database DATABASE_URL names and"
        " into PORTAL_UPLOAD_DIR. Stop the portal (web, worker, beat) first. Every file is"
        " checked against the manifest's SHA-256 before anything changes: a damaged or"
        " truncated backup is refused and nothing is restored. Refuses a database that holds"
        " tables unless --force. Runs no migration: it says when `manage.py migrate` is"
        " needed. The backup holds NO keys: put the CA keys (PORTAL_CA_DIR), the seal key,"
        " SECRET_KEY and the proxy secret back from your secret store."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the backup's tables and uploads of the same name in a non-empty target.",
        )

    def handle(self, *args: object, file: Path, force: bool, **options: object) -> None:
        try:
            result = backup_restore(
                path=file, upload_dir=Path(settings.PORTAL_UPLOAD_DIR), force=force
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = result.manifest
        engine = manifest["database"]["engine"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {file} (made {manifest['created']}): the {engine} database"
                f" into {result.database}, {result.uploads} upload(s) into"
                f" {settings.PORTAL_UPLOAD_DIR}."
            )
        )
        if result.migrate_needed:
            self.stdout.write(
                self.style.WARNING(
                    "The backup is older than this portal (migrations of"
                    f" {', '.join(result.migrate_needed)}): run `manage.py migrate` before"
                    " starting it."
                )
            )
        self.stdout.write(
            "Not in the backup: the CA keys and certificates (PORTAL_CA_DIR), the seal key,"
            " SECRET_KEY and the proxy secret. Put them back from your secret store."
        )
