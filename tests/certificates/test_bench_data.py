"""manage.py bench_data (SPEC.md §10): realistic benchmark rows, 20% for Voorbeeld B.V."""

from __future__ import annotations

import hashlib
import os
from collections import Counter

import pytest
from cryptography import x509
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from certificates import bench_data
from certificates.models import Card, Certificate, Kind, Status
from certificates.x509_fields import serial_hex, spki_sha256, subject_alt_names
from organisations.models import Person, Subscriber

pytestmark = pytest.mark.django_db

N, M = 3000, 5


def _bench_rows(before: int) -> list[Certificate]:
    return list(Certificate.objects.filter(pk__gt=before).select_related("card"))


@pytest.fixture
def added() -> list[Certificate]:
    before = Certificate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result = bench_data.bench_data_create(certificates=N, subscribers=M, seed=15)
    assert result.certificates == N
    return _bench_rows(before)


def test_it_gives_voorbeeld_a_fifth_and_spreads_the_rest(added: list[Certificate]) -> None:
    per_subscriber = Counter(c.subscriber.kvk_number for c in added)
    assert per_subscriber.pop("12345678") == N // 5
    assert len(per_subscriber) == M
    assert sorted(per_subscriber.values()) == [(N - N // 5) // M] * M


def test_it_gives_new_subscribers_a_contact_person_and_managers(added: list[Certificate]) -> None:
    new = Subscriber.objects.filter(number__startswith="P8")
    assert new.count() == M
    for subscriber in new:
        persons = Person.objects.filter(subscriber=subscriber)
        assert persons.filter(contact_authorisation=Person.ContactAuthorisation.FULL).count() == 1
        assert persons.exclude(manager_number=None).count() == 2
        assert len(subscriber.oin) == 20 and len(subscriber.kvk_number) == 8


def test_every_kind_and_status_is_present(added: list[Certificate]) -> None:
    now = timezone.now()
    assert {c.kind for c in added} == {k.value for k in Kind}
    assert {c.status_at(now) for c in added} == set(Status)
    assert all(c.revocation_reason for c in added if c.revoked_at)
    assert any(c.expires_soon for c in added)
    assert len({c.product_id for c in added if c.kind == Kind.SERVER}) >= 3
    assert len({c.issuing_ca_id for c in added}) >= 3
    hits = [c for c in added if "fina" in c.common_name.lower()]
    assert 0.01 * N < len(hits) < 0.2 * N


def test_every_card_holds_its_certificates(added: list[Certificate]) -> None:
    cards = [c for c in added if c.kind != Kind.SERVER]
    assert all(c.card is not None and c.card.kind == c.kind for c in cards)
    usages = Counter((c.kind, c.card_usage) for c in cards)
    assert usages[("personal", "authentication")] and usages[("personal", "signature")]
    assert usages[("group", "authentication")] and usages[("eseal", "signature")]
    assert Card.objects.filter(certificates__in=cards).distinct().count() > 0


def test_every_der_parses_and_matches_its_columns(added: list[Certificate]) -> None:
    for row in added:
        der = row.der.der
        loaded = x509.load_der_x509_certificate(der)
        assert hashlib.sha256(der).hexdigest() == row.fingerprint
        assert spki_sha256(loaded) == row.spki_sha256
        assert serial_hex(loaded) == row.serial
        assert loaded.subject.rfc4514_string() == row.subject
        assert loaded.not_valid_after_utc == row.not_after
        assert loaded.not_valid_before_utc == row.not_before
        assert subject_alt_names(loaded) == row.sans
        assert loaded.issuer == row.issuing_ca.certificate.loaded.subject
    assert len({(c.issuing_ca_id, c.serial) for c in added}) == len(added)
    assert len({c.spki_sha256 for c in added}) == len(added)


def test_it_runs_twice_with_new_serials(added: list[Certificate]) -> None:
    total = Certificate.objects.count()
    bench_data.bench_data_create(certificates=N, subscribers=M, seed=15)
    assert Certificate.objects.count() == total + N
    assert Subscriber.objects.filter(number__startswith="P8").count() == 2 * M


def test_joost_sees_the_rows_in_the_server_list(added: list[Certificate], client, login_as) -> None:  # noqa: ANN001
    login_as("joost")
    response = client.get("/servercertificaten/", {"status": "all", "sort": "cn"})
    assert response.status_code == 200
    mine = {c.common_name for c in added if c.subscriber.kvk_number == "12345678"}
    assert any(name in response.content.decode() for name in mine)


def test_the_command_says_how_fast(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("bench_data", "--certificates", "200", "--subscribers", "2")
    assert "rows/s" in capsys.readouterr().out


def _index_definitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", ["certificates_certificate"]
        )
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(
    connection.vendor != "postgresql" and os.environ.get("CI") != "true",
    reason="COPY and the index rebuild are PostgreSQL's (CI runs the suite on it)",
)
def test_postgres_copy_with_indexes_set_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_data, "INDEX_REBUILD_ROWS", 0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", ["certificates_certificate"]
        )
        indexes = sorted(row[0] for row in cursor.fetchall())
    before = Certificate.objects.count()
    result = bench_data.bench_data_create(certificates=N, subscribers=M)
    assert Certificate.objects.count() == before + N == before + result.certificates
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", ["certificates_certificate"]
        )
        assert sorted(row[0] for row in cursor.fetchall()) == indexes
