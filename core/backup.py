"""Backups that restore (issue 16): one tar file with the database, the uploads and a manifest.

What a backup holds, and why:

- ``database.pgdump`` (PostgreSQL: ``pg_dump --format=custom``) or
  ``database.sqlite3`` (SQLite, the embedded default: a consistent copy made
  with SQLite's backup API). Every order, certificate, change request, audit
  entry and sealed document is a row. So is the built-in CA's state: its
  serial numbers are 126 random bits, recorded only in the Certificate rows
  (unique per CA), and the CRLs are signed from the revoked rows. A CRL's
  number is the signing time in milliseconds (``certificates.ca.local``):
  there is no counter to back up. While the clock runs forward, a CRL signed
  after a restore is numbered above every CRL signed before it, even CRLs
  published after the backup was made. A counter restored from the backup
  would hand those numbers out a second time.
- ``uploads/``: the files in ``PORTAL_UPLOAD_DIR`` (the ID copies of
  ``registration.id_documents``), except dot files (uploads still being written).
- ``manifest.json`` (last): the format version, when it was made, the
  database engine, the latest applied migration per app, and the size and
  SHA-256 of every other file in the archive.

Not in a backup: the CA keys and certificates (``PORTAL_CA_DIR``), the seal
key, ``SECRET_KEY`` and the proxy secret. Those are secrets. An operator keeps
them in an HSM or a secret store, apart from the data, so a stolen backup
signs nothing. The portal cannot make them again, so they need a safe copy of
their own. Also not in a backup: the CRL files in ``PORTAL_CRL_DIR``. They
come from their CAs, or the built-in CA writes them from the restored rows.
The login check reads the rows as well. The card ``.p12`` files of the demo
CA are demo material and also left out.

The SHA-256 sums catch a damaged or truncated archive, or one file changed
without the manifest. They do not stop someone who can rewrite the manifest
too. Keep backups where only operators can write, as you would the database.

``backup_restore`` checks the whole archive, the migrations and the target
before it changes anything. The database is restored in one transaction
(PostgreSQL) or by one rename (SQLite), and the uploads are moved in after it.
It runs no migration: ``RestoreResult.migrate_needed`` names the apps that the
code has newer migrations for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "certificaatportaal-backup"
VERSION = 1
MANIFEST = "manifest.json"
NAME_PREFIX = "certificaatportaal-backup-"
UPLOADS = "uploads"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # about 400,000 files
_TIMESTAMP = "%Y%m%dT%H%M%SZ"

# libpq reads these from the environment, so no password ends up on a command line.
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}
# "TABLE DATA public orders_order postgres" in ``pg_restore --list``.
_PG_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+) ")


class BackupError(Exception):
    """Why a backup cannot be made or restored; ``str()`` is the message for the operator."""


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict[str, Any]
    database: str  # what was restored into, for the operator
    uploads: int  # the backup's uploads, now in place
    migrate_needed: tuple[str, ...]  # apps whose migrations the code has past the backup's


def backup_create(*, out_dir: Path, upload_dir: Path) -> Path:
    """Write ``<out_dir>/certificaatportaal-backup-<UTC time>.tar`` (mode 0600) and return
    its path. The file appears complete or not at all, and an existing one is never replaced.

    The database is dumped first and the uploads copied after it. An ID copy
    is stored before the row that names it, so every file the dump names is
    in the backup.
    """
    engine = _engine()
    migrations = _applied_migrations()
    if not migrations:
        raise BackupError("The database has no migrations applied: there is nothing to back up.")
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = out_dir / f"{NAME_PREFIX}{created.strftime(_TIMESTAMP)}.tar"
    if target.exists():
        raise BackupError(f"{target} exists already")
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".backup-") as work:
        database = Path(work) / DATABASE_FILES[engine]
        _dump_database(engine, database)
        files = [(DATABASE_FILES[engine], database), *_upload_files(upload_dir)]
        partial = Path(work) / "backup.tar"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
                listed = [_add(archive, name, path) for name, path in files]
                manifest = {
                    "format": FORMAT,
                    "version": VERSION,
                    "created": created.isoformat().replace("+00:00", "Z"),
                    "database": {"engine": engine, "file": DATABASE_FILES[engine]},
                    "migrations": migrations,
                    "files": listed,
                    "not_included": (
                        "CA keys and certificates (PORTAL_CA_DIR), the seal key, SECRET_KEY"
                        " and the proxy secret: keep those in your secret store."
                    ),
                }
                body = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
                info = _tarinfo(MANIFEST, len(body), created)
                archive.addfile(info, io.BytesIO(body))
            raw.flush()
            os.fsync(raw.fileno())
        try:
            # A hard link, unlike a rename, fails if a backup of that name appeared meanwhile.
            os.link(partial, target)
        except FileExistsError:
            raise BackupError(f"{target} exists already") from None
    return target


def _verify(path: Path, staging: Path) -> dict[str, Any]:
    """Read the whole archive into ``staging`` and return its manifest; raises BackupError
    unless every file is there, in the manifest, of the listed size and SHA-256, and
    nothing else is in the archive."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_body: bytes | None = None
    try:
        with tarfile.open(path, mode="r:") as archive:
            for member in archive:
                name = _safe_name(member)
                if name in seen or (name == MANIFEST and manifest_body is not None):
                    raise BackupError(
                        f"{path} holds {name} twice: not a portal backup. Nothing was restored."
                    )
                source = archive.extractfile(member)
                assert source is not None  # _safe_name admits regular files only
                if name == MANIFEST:
                    if member.size > MAX_MANIFEST_BYTES:
                        raise BackupError(f"{path}: {MANIFEST} is too large. Nothing was restored.")
                    manifest_body = source.read()
                    continue
                destination = staging / name
                destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                with destination.open("xb") as out:
                    seen[name] = _copy(source, out)
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(
            f"{path} is damaged or incomplete ({exc}). Nothing was restored."
        ) from None
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist. Nothing was restored.") from None
    if manifest_body is None:
        raise BackupError(
            f"{path} has no {MANIFEST}: it is incomplete (truncated?) or not a portal backup."
            " Nothing was restored."
        )
    try:
        manifest = json.loads(manifest_body)
        listed = {entry["name"]: entry for entry in manifest["files"]}
        if not isinstance(manifest["database"]["engine"], str) or not isinstance(
            manifest["migrations"], dict
        ):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{path}: {MANIFEST} cannot be read. Nothing was restored.") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(
            f"{path} is not a portal backup of version {VERSION} "
            f"(format {manifest.get('format')!r}, version {manifest.get('version')!r})."
            " Nothing was restored."
        )
    problems = [f"{name} is missing" for name in sorted(listed.keys() - seen.keys())]
    problems += [f"{name} is not in the manifest" for name in sorted(seen.keys() - listed.keys())]
    problems += [
        f"{name} does not match its SHA-256 in the manifest"
        for name in sorted(listed.keys() & seen.keys())
        if (seen[name]["size"], seen[name]["sha256"])
        != (listed[name].get("size"), listed[name].get("sha256"))
    ]
    if problems:
        raise BackupError(
            f"{path} is damaged or was changed: {'; '.join(problems)}. Nothing was restored."
        )
    return manifest


def backup_restore(*, path: Path, upload_dir: Path, force: bool = False) -> RestoreResult:
    """Restore the backup at ``path`` into the configured database and ``upload_dir``.

    Refuses (BackupError, nothing changed) a damaged archive, a backup of
    another engine or of migrations this code does not have, a database that
    holds tables (unless ``force``), and an upload of the same name with
    other content (unless ``force``). With ``force`` the backup's tables and
    files replace those of the same name. See the module docstring.
    """
    upload_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # In the upload directory, so the files move into place by rename. A dot
    # name, so neither a backup nor the orphan sweep takes it for an upload.
    with _staging(upload_dir) as staging:
        manifest = _verify(path, staging)
        engine = _engine()
        database = manifest["database"]
        if database.get("engine") != engine:
            raise BackupError(
                f"{path} holds a {database.get('engine')} database; DATABASE_URL names a"
                f" {engine} database. Nothing was restored."
            )
        migrate_needed = _migrations_behind(manifest["migrations"])
        dump = staging / DATABASE_FILES[engine]
        replace = _check_database_empty(engine, dump, force=force)
        moves, uploads = _staged_uploads(staging, upload_dir, force=force)
        described = _restore_database(engine, dump, replace=replace)
        for staged, target in moves:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.replace(staged, target)
    return RestoreResult(manifest, described, uploads, migrate_needed)


# --- The archive ------------------------------------------------------------


class _Reader:
    """A file's bytes as tarfile reads them, hashed and counted on the way."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _tarinfo(name: str, size: int, when: dt.datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(when.timestamp())
    return info


def _add(archive: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as raw:
        stat = os.fstat(raw.fileno())
        reader = _Reader(raw)
        modified = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
        archive.addfile(_tarinfo(name, stat.st_size, modified), reader)
    return {"name": name, "size": reader.size, "sha256": reader.sha256.hexdigest()}


def _copy(source: IO[bytes], out: IO[bytes]) -> dict[str, Any]:
    sha256, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        sha256.update(chunk)
        size += len(chunk)
        out.write(chunk)
    return {"size": size, "sha256": sha256.hexdigest()}


def _safe_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is a regular file this format writes; BackupError otherwise."""
    name = PurePosixPath(member.name)
    allowed = (
        member.isfile()
        and not name.is_absolute()
        and ".." not in name.parts
        and (
            str(name) in (MANIFEST, *DATABASE_FILES.values())
            or (len(name.parts) > 1 and name.parts[0] == UPLOADS)
        )
    )
    if not allowed:
        raise BackupError(
            f"{member.name!r} does not belong in a portal backup. Nothing was restored."
        )
    return str(name)


@contextmanager
def _staging(upload_dir: Path) -> Iterator[Path]:
    staging = Path(tempfile.mkdtemp(dir=upload_dir, prefix=".restore-"))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _upload_files(upload_dir: Path) -> list[tuple[str, Path]]:
    if not upload_dir.is_dir():
        return []
    files = []
    for directory, dirnames, filenames in os.walk(upload_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            path = Path(directory) / filename
            if filename.startswith(".") or not path.is_file() or path.is_symlink():
                continue
            files.append((str(PurePosixPath(UPLOADS, *path.relative_to(upload_dir).parts)), path))
    return files


def _staged_uploads(
    staging: Path, upload_dir: Path, *, force: bool
) -> tuple[list[tuple[Path, Path]], int]:
    """(staged file, its place) for every upload in the backup not already in place, and
    how many uploads the backup holds; refuses a different file of the same name unless
    ``force``."""
    root = staging / UPLOADS
    staged_files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    moves, conflicts = [], []
    for staged in staged_files:
        target = upload_dir / staged.relative_to(root)
        if target.exists():
            if _sha256(target) == _sha256(staged):
                continue
            if not force:
                conflicts.append(str(target))
        staged.chmod(0o600)
        moves.append((staged, target))
    if conflicts:
        raise BackupError(
            f"{len(conflicts)} upload(s) in {upload_dir} differ from the backup's "
            f"(first: {conflicts[0]}); add --force to replace them. Nothing was restored."
        )
    return moves, len(staged_files)


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


# --- The database -----------------------------------------------------------


def _engine() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups know PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _applied_migrations() -> dict[str, str]:
    """The latest applied migration per app (names sort by their number)."""
    if MigrationRecorder.Migration._meta.db_table not in connection.introspection.table_names():
        return {}
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(name, latest.get(app, name))
    return dict(sorted(latest.items()))


def _migrations_behind(recorded: dict[str, str]) -> tuple[str, ...]:
    """Apps whose migrations this code has past the backup's; BackupError for a migration the
    code does not know (a backup of a newer portal)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    unknown = [f"{app}.{name}" for app, name in recorded.items() if (app, name) not in graph.nodes]
    if unknown:
        raise BackupError(
            "The backup's database has migrations this portal does not know"
            f" ({', '.join(unknown)}): it was made by a newer version. Install that version,"
            " then restore. Nothing was restored."
        )
    leaves = dict(graph.leaf_nodes())
    return tuple(sorted(app for app, leaf in leaves.items() if recorded.get(app) != leaf))


def _dump_database(engine: str, out: Path) -> None:
    if engine == "sqlite":
        name = Path(connection.settings_dict["NAME"]).resolve()
        source = sqlite3.connect(f"{name.as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(out)
        try:
            with target:
                # One step: the source stays read-locked for the copy, so it is consistent.
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    _pg_run(["pg_dump", "--format=custom", f"--file={out}"], what="pg_dump")


def _check_database_empty(engine: str, dump: Path, *, force: bool) -> bool:
    """False for an empty database; True if ``force`` lets the backup replace its tables."""
    tables = set(connection.introspection.table_names())
    connection.close()
    if not tables:
        return False
    name = connection.settings_dict["NAME"]
    if not force:
        raise BackupError(
            f"The database {name} is not empty ({len(tables)} tables). Restore into an empty"
            " database, or add --force to replace the backup's tables in this one. Nothing"
            " was restored."
        )
    if engine == "postgresql":
        # pg_restore --clean drops only the tables in the dump: any other would be left
        # beside the restored ones, with no migration recorded for it.
        listing = _pg_run(["pg_restore", "--list", str(dump)], what="pg_restore --list")
        dumped = {m.group(1) for line in listing.splitlines() if (m := _PG_TABLE.match(line))}
        if extra := sorted(tables - dumped):
            raise BackupError(
                f"The database {name} holds tables the backup does not ({', '.join(extra[:5])}"
                f"{', …' if len(extra) > 5 else ''}); --force replaces only the backup's own."
                " Restore into an empty database. Nothing was restored."
            )
    return True


def _restore_database(engine: str, dump: Path, *, replace: bool) -> str:
    name = str(connection.settings_dict["NAME"])
    if engine == "sqlite":
        target = Path(name)
        for suffix in ("-wal", "-journal"):
            if Path(f"{target}{suffix}").exists():
                raise BackupError(
                    f"{target}{suffix} exists: the portal still has the database open. Stop it,"
                    " then restore. Nothing was restored."
                )
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=".restore-", delete=False
        ) as tmp:
            with dump.open("rb") as source:
                shutil.copyfileobj(source, tmp, CHUNK)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, target)
        return str(target)
    arguments = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    arguments += ["--single-transaction", f"--dbname={name}"]
    if replace:
        arguments += ["--clean", "--if-exists"]
    _pg_run([*arguments, str(dump)], what="pg_restore")
    return f"{name} on {connection.settings_dict.get('HOST') or 'localhost'}"


def _pg_run(arguments: list[str], *, what: str) -> str:
    settings_dict = connection.settings_dict
    env = {**os.environ, "PGDATABASE": str(settings_dict["NAME"])}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    for option, variable in _PG_OPTIONS.items():
        if option in settings_dict.get("OPTIONS", {}):
            env[variable] = str(settings_dict["OPTIONS"][option])
    try:
        done = subprocess.run(
            [arguments[0], "--no-password", *arguments[1:]],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise BackupError(
            f"{arguments[0]} is not installed (Debian: apt-get install postgresql-client)."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{what} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout
