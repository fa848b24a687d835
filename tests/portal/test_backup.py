"""Backups that restore (issue 16, core/backup.py): `manage.py backup` and `manage.py restore`.

The backup is made in this process from the test database, and restored by
``manage.py restore`` in a subprocess into a separate, empty database: on
PostgreSQL ``<test database>_restore``, on SQLite a file. The rows this test
adds are committed, so that pg_dump and the SQLite backup, both outside the test
transaction, see them. They are removed afterwards. Audit entries cannot be
removed, since the log is append-only.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import operator
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from cryptography import x509
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q

from audit.models import AuditEntry
from certificates.ca import ca_backend
from certificates.models import Certificate, IssuingCA, Product
from certificates.revocation import revocation_execute
from certificates.x509_fields import fingerprint
from core.backup import MANIFEST
from core.models import OutboxMessage
from organisations.models import Person
from registration.models import ChangeRequest
from tests.e2e.conftest import served_database_url
from tests.factories import CertificateFactory, RevocationRequestFactory
from tests.orders.placing import place_order
from tests.registration.submitting import new_contact, submit_change

BASE_DIR = Path(__file__).resolve().parents[2]
RESTORED = "restored"
CA_SLUG = "g1-services"
ID_COPY = f"{'a' * 32}.pdf"

# Signs the CRL of CA_SLUG from whatever database DATABASE_URL names.
SIGN_CRL = (
    "import base64, sys; from certificates.ca import ca_backend; b = ca_backend(); "
    f"sys.stdout.write(base64.b64encode(b.crl(b.ca_certificate('{CA_SLUG}'))).decode())"
)


@pytest.fixture
def upload_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "uploads"
    before = settings.PORTAL_UPLOAD_DIR
    settings.PORTAL_UPLOAD_DIR = directory
    yield directory
    settings.PORTAL_UPLOAD_DIR = before


@pytest.fixture
def committed_rows(django_db_setup, django_db_blocker) -> Iterator[list]:  # noqa: ANN001
    """Real commits; the rows the test appends to the list are deleted afterwards, last first,
    with the outbox messages they queued."""
    with django_db_blocker.unblock():
        outbox_before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first()
        made: list = []
        try:
            yield made
        finally:
            for row in reversed(made):
                row.delete()
            OutboxMessage.objects.filter(pk__gt=outbox_before or 0).delete()
            connections.close_all()


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The DATABASE_URL and name of a new, empty database beside the test database; dropped
    after."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", str(path)
        return
    source = urlsplit(served_database_url())
    name = f"{connection.settings_dict['NAME']}_restore"
    maintenance = urlunsplit(source._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(source._replace(path=f"/{name}")), name
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_alias(name: str) -> Iterator[str]:
    """The restored database as a Django connection, for comparing it row by row."""
    connections.settings[RESTORED] = {**connection.settings_dict, "NAME": name}
    try:
        yield RESTORED
    finally:
        connections[RESTORED].close()
        del connections[RESTORED]
        del connections.settings[RESTORED]


def manage(
    database_url: str, upload_dir: Path, pki_dir: Path, *args: str
) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` as an operator runs it, against ``database_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=database_url,
        PORTAL_UPLOAD_DIR=str(upload_dir),
        PORTAL_PKI_DIR=str(pki_dir),
        SECRET_KEY="backup-test",
        DEBUG="0",
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def rows(alias: str) -> dict[str, list[tuple]]:
    """Every row of every table of the project's and Django's models, by table."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        values = model._base_manager.using(alias).order_by("pk").values_list()
        tables[model._meta.db_table] = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in values
        ]
    return tables


def crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def revoked_serials(crl: x509.CertificateRevocationList) -> set[int]:
    return {entry.serial_number for entry in crl}


def test_a_restored_backup_holds_every_row_the_uploads_and_continues_the_crl_numbers(
    committed_rows: list, upload_dir: Path, pki_dir: Path, tmp_path: Path
) -> None:
    # An order, a change request with an ID copy, a revocation: each with its audit entry.
    order = place_order(cn="backup.voorbeeld.nl")
    committed_rows.append(order)
    change_request = submit_change({"contacts": {"changes": [new_contact()]}}, by="joost")
    committed_rows.append(change_request)
    stored = change_request.sections["contacts"]["changes"][0]["id_document"]["stored_name"]
    id_copy = (upload_dir / "id" / stored).read_bytes()
    ca_certificate = ca_backend().ca_certificate(CA_SLUG)
    certificate = CertificateFactory(
        subscriber=order.subscriber,
        product=Product.objects.get(code="pkio-private"),
        issuing_ca=IssuingCA.objects.get(fingerprint=fingerprint(ca_certificate)),
        certificate_manager=Person.objects.get(manager_number="CB9505784"),
    )
    committed_rows.append(certificate)
    request = RevocationRequestFactory(
        certificate=certificate, requested_by=Person.objects.get(email="joost@voorbeeld.nl")
    )
    committed_rows.append(request)
    revocation_execute(
        request_id=request.pk, officer=get_user_model().objects.get(username="validatie")
    )
    before_backup = x509.load_der_x509_crl(ca_backend().crl(ca_certificate))
    assert int(certificate.serial, 16) in revoked_serials(before_backup)
    audit_ids = set(
        AuditEntry.objects.filter(
            reduce(
                operator.or_,
                (
                    Q(object_type=row._meta.model_name, object_id=str(row.pk))
                    for row in (order, change_request, request)
                ),
            )
        ).values_list("pk", flat=True)
    )
    assert len(audit_ids) == 3

    backup = make_backup(tmp_path / "backups")
    assert backup.parent == tmp_path / "backups"
    assert backup.stat().st_mode & 0o777 == 0o600
    # Published after the backup was made: the restored CA must number above it too.
    after_backup = x509.load_der_x509_crl(ca_backend().crl(ca_certificate))
    assert crl_number(after_backup) > crl_number(before_backup)

    restored_uploads = tmp_path / "restored-uploads"
    with empty_database(tmp_path) as (target, name):
        done = manage(target, restored_uploads, pki_dir, "restore", str(backup))
        assert done.returncode == 0, done.stderr
        assert "Restored" in done.stdout and "secret store" in done.stdout

        with database_alias(name) as alias:
            source, restored = rows("default"), rows(alias)
            assert restored == source
            assert ChangeRequest.objects.using(alias).filter(pk=change_request.pk).exists()
            assert (
                set(
                    AuditEntry.objects.using(alias)
                    .filter(pk__in=audit_ids)
                    .values_list("pk", flat=True)
                )
                == audit_ids
            )
            assert Certificate.objects.using(alias).get(pk=certificate.pk).revoked_at is not None
            connections[alias].close()
        assert (restored_uploads / "id" / stored).read_bytes() == id_copy

        signed = manage(target, restored_uploads, pki_dir, "shell", "--no-imports", "-c", SIGN_CRL)
        assert signed.returncode == 0, signed.stderr
        after_restore = x509.load_der_x509_crl(base64.b64decode(signed.stdout))
        assert after_restore.is_signature_valid(ca_certificate.public_key())
        assert revoked_serials(after_restore) == revoked_serials(before_backup)
        assert crl_number(after_restore) > crl_number(after_backup)

        again = manage(target, restored_uploads, pki_dir, "restore", str(backup))
        assert again.returncode != 0
        assert "is not empty" in again.stderr and "--force" in again.stderr
        forced = manage(target, restored_uploads, pki_dir, "restore", "--force", str(backup))
        assert forced.returncode == 0, forced.stderr
        with database_alias(name) as alias:
            assert rows(alias) == source


def tampered(backup: Path, out: Path) -> Path:
    """The backup with one byte of its database changed and the manifest left as it was."""
    with tarfile.open(backup) as source, tarfile.open(out, "w") as target:
        for member in source:
            data = bytearray(source.extractfile(member).read())
            if member.name.startswith("database."):
                data[len(data) // 2] ^= 0xFF
            target.addfile(member, io.BytesIO(bytes(data)))
    return out


def from_a_newer_portal(backup: Path, out: Path) -> Path:
    """The backup as a newer portal would write it: a migration this code does not have."""
    with tarfile.open(backup) as source, tarfile.open(out, "w") as target:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == MANIFEST:
                manifest = json.loads(data)
                manifest["migrations"]["certificates"] = "9999_from_the_future"
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return out


def truncated(backup: Path, out: Path) -> Path:
    out.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    return out


@pytest.mark.django_db
def test_the_manifest_lists_every_file_with_its_sha256_and_the_migrations(
    upload_dir: Path, tmp_path: Path
) -> None:
    """(Marked, so pytest-django sets up the test database when this module runs alone.)"""
    (upload_dir / "id").mkdir(parents=True)
    (upload_dir / "id" / ID_COPY).write_bytes(b"%PDF-1.7\n%%EOF\n")
    (upload_dir / "id" / ".incoming-x").write_bytes(b"half written")
    backup = make_backup(tmp_path)
    assert backup.name.startswith("certificaatportaal-backup-") and backup.suffix == ".tar"
    with tarfile.open(backup) as archive:
        manifest = json.load(archive.extractfile(MANIFEST))
        files = {member.name: archive.extractfile(member).read() for member in archive}
    assert manifest["database"]["engine"] == connection.vendor
    assert {entry["name"] for entry in manifest["files"]} == {
        manifest["database"]["file"],
        f"uploads/id/{ID_COPY}",
    }
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]
    assert manifest["migrations"]["certificates"] == max(
        name
        for app, name in MigrationRecorder(connection).applied_migrations()
        if app == "certificates"
    )


def make_backup(out: Path) -> Path:
    call_command("backup", out=out, stdout=(printed := io.StringIO()))
    return Path(printed.getvalue().strip())


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (tampered, "does not match its SHA-256"),
        (truncated, "incomplete"),
        (from_a_newer_portal, "made by a newer version"),
    ],
)
def test_a_damaged_backup_is_refused_and_leaves_the_database_empty(
    damage, message: str, committed_rows: list, upload_dir: Path, pki_dir: Path, tmp_path: Path
) -> None:
    (upload_dir / "id").mkdir(parents=True)
    (upload_dir / "id" / ID_COPY).write_bytes(b"%PDF-1.7\n%%EOF\n")
    damaged = damage(make_backup(tmp_path), tmp_path / "damaged.tar")

    restored_uploads = tmp_path / "restored-uploads"
    with empty_database(tmp_path) as (target, name):
        done = manage(target, restored_uploads, pki_dir, "restore", str(damaged))
        assert done.returncode != 0
        assert message in done.stderr and "Nothing was restored" in done.stderr
        with database_alias(name) as alias:
            assert connections[alias].introspection.table_names() == []
            connections[alias].close()
    assert not [p for p in restored_uploads.rglob("*") if p.is_file()]


def test_a_file_outside_the_backup_layout_is_refused_before_anything_is_written(
    upload_dir: Path, tmp_path: Path
) -> None:
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as archive:
        info = tarfile.TarInfo("uploads/../../outside.txt")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(CommandError, match="does not belong in a portal backup"):
        call_command("restore", str(evil))
    assert not list(tmp_path.rglob("outside.txt"))
