"""Import badkeys' blocklists of weak and leaked keys into the portal (SPEC.md §7 rule 3).

badkeys downloads its blocklist at run time, which the portal never does
(STACK-NOTES.md). The operator fetches ``blocklist.dat`` (or the published
``blocklist.dat.xz``) once, e.g. with ``badkeys --update-bl`` on another host,
and imports it here; the CSR check then looks keys up in ``BlocklistedKey``.

Format (``badkeys/allkeys/block.py``, ``badkeys/update.py``): records of 16
bytes, sorted: the first 15 bytes of a key's SHA-256 (see
``certificates.csr._badkeys_hash``) and one byte with the blocklist's id.
"""

from __future__ import annotations

import lzma
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from certificates.models import BlocklistedKey

RECORD = 16
BATCH = 5000
_XZ_MAGIC = b"\xfd7zXZ\x00"


class Command(BaseCommand):
    help = (
        "Import badkeys blocklist files (blocklist.dat, or blocklist.dat.xz) into the "
        "portal's list of refused keys. Idempotent; nothing is downloaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        for path in paths:
            read, new = _import(path)
            self.stdout.write(
                f"{path}: {read} keys read, {new} new, {read - new} already known "
                f"({BlocklistedKey.objects.count()} in all)."
            )


def _import(path: Path) -> tuple[int, int]:
    """One file, in one transaction: a malformed file imports nothing."""
    try:
        stream = _open(path)
    except OSError as error:
        raise CommandError(f"{path}: cannot read: {error.strerror or error}") from None
    before = BlocklistedKey.objects.count()
    read = 0
    with stream, transaction.atomic():
        batch: list[BlocklistedKey] = []
        for key_hash, blocklist in _records(path, stream):
            batch.append(BlocklistedKey(key_hash=key_hash, blocklist=blocklist))
            read += 1
            if len(batch) == BATCH:
                BlocklistedKey.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        BlocklistedKey.objects.bulk_create(batch, ignore_conflicts=True)
    return read, BlocklistedKey.objects.count() - before


def _open(path: Path) -> BinaryIO:
    with path.open("rb") as probe:
        compressed = probe.read(len(_XZ_MAGIC)) == _XZ_MAGIC
    return lzma.open(path) if compressed else path.open("rb")  # type: ignore[return-value]  # LZMAFile reads bytes as BinaryIO does; typeshed types it BufferedIOBase


def _records(path: Path, stream: BinaryIO) -> Iterator[tuple[str, int]]:
    """The file's records as (hex hash, list id), streamed; CommandError when it is not
    a badkeys blocklist (length not a multiple of 16, records out of order)."""
    previous = b""
    offset = 0
    try:
        while chunk := stream.read(RECORD * BATCH):
            if len(chunk) % RECORD:
                raise CommandError(
                    f"{path}: {offset + len(chunk)} bytes is not a whole number of "
                    f"{RECORD}-byte records: not a badkeys blocklist.dat."
                )
            for start in range(0, len(chunk), RECORD):
                key_hash = chunk[start : start + RECORD - 1]
                if key_hash < previous:
                    raise CommandError(
                        f"{path}: record {(offset + start) // RECORD + 1} is out of order: "
                        "not a badkeys blocklist.dat (its records are sorted)."
                    )
                previous = key_hash
                yield key_hash.hex(), chunk[start + RECORD - 1]
            offset += len(chunk)
    except (lzma.LZMAError, EOFError) as error:
        raise CommandError(f"{path}: the xz data is damaged: {error}") from None
    if offset == 0:
        raise CommandError(f"{path}: the file is empty: not a badkeys blocklist.dat.")
