"""The CSV export written by PostgreSQL (COPY) is byte for byte the Python path's
(issue 15 point 4): quoting, formula prefixes, accents, names, dates and statuses."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from certificates import csv_export
from certificates.models import Card, Certificate
from tests.certificates.test_card_overviews import KINDS, card_certificate
from tests.factories import CertificateFactory, PersonFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("CI"),
        reason="COPY needs PostgreSQL (CI runs the suite on it)",
    ),
]

AWKWARD = [
    "semi;colon",
    'zei "ja"',
    "regel\neen\r\ntwee\rdrie",
    "=1+1",
    "+31 6",
    "-min",
    "@SUM(A1)",
    "\tinspringen",
    "\rterug",
    "Ærøskøbing één café",
    " spaties ",
    "",
    "'al veilig",
    "\\.",
]


def both_paths(client, monkeypatch, url: str, params: dict[str, str]) -> tuple[bytes, bytes]:  # noqa: ANN001
    """The export's bytes through COPY, then through the Python path."""
    response = client.get(url, params)
    assert response.status_code == 200
    copied = b"".join(response.streaming_content)
    monkeypatch.setattr(csv_export, "copy_possible", lambda queryset: False)
    response = client.get(url, params)
    python = b"".join(response.streaming_content)
    return copied, python


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001, ANN201
    login_as("maximo")
    return client


def test_the_server_export_is_the_same_bytes_either_way(maximo_client, maximo, monkeypatch):
    now = timezone.now()
    for n, text in enumerate(AWKWARD):
        manager = PersonFactory(subscriber=maximo.subscriber, given_name=text, surname="Beheer")
        requester = PersonFactory(subscriber=maximo.subscriber, given_name="\n", surname=text)
        certificate = CertificateFactory(
            subscriber=maximo.subscriber,
            sans=[text, f"{n}.voorbeeld.nl"] if n % 3 else [],
            certificate_manager=manager,
            requested_by=requester,
            # Around midnight in Amsterdam, in the past (expired), revoked or valid.
            not_before=now.replace(hour=22, minute=30) - dt.timedelta(days=400 + n),
            not_after=now.replace(hour=23, minute=30) + dt.timedelta(days=n - 5),
            revoked_at=now if n % 4 == 0 else None,
            revocation_reason="keyCompromise" if n % 4 == 0 else "",
        )
        # The factory's real certificate needs a DNS name; the row need not.
        Certificate.objects.filter(pk=certificate.pk).update(
            common_name=f"{text}{n}" if n % 2 else text
        )
    copied, python = both_paths(
        maximo_client, monkeypatch, reverse("server_csv"), {"status": "all"}
    )
    assert copied.count(b"\r\n") > len(AWKWARD)
    assert "Ærøskøbing".encode() in copied
    assert copied == python


@pytest.mark.parametrize(
    "sans",
    [["", "=1+1"], ["=1+1", "a.voorbeeld.nl"], ["", ""], [" =x"], []],
)
def test_the_sans_cell_is_the_same_either_way(maximo_client, maximo, monkeypatch, sans):
    """The formula check of the joined SANs looks at the first element only: the joined
    text starts with what that element starts with (an empty first element: a space)."""
    certificate = CertificateFactory(subscriber=maximo.subscriber)
    Certificate.objects.filter(pk=certificate.pk).update(sans=sans)
    copied, python = both_paths(
        maximo_client, monkeypatch, reverse("server_csv"), {"status": "all"}
    )
    assert copied == python


@pytest.mark.parametrize("kind", KINDS)
def test_the_card_export_is_the_same_bytes_either_way(maximo_client, maximo, monkeypatch, kind):
    now = timezone.now()
    for n, text in enumerate(AWKWARD):
        certificate = card_certificate(
            maximo.subscriber,
            kind,
            f"Houder {n}",
            email=f"{text}@voorbeeld.nl" if n % 2 else "",
            requested_by=PersonFactory(subscriber=maximo.subscriber, given_name=text),
            not_after=now + dt.timedelta(days=n - 5),
            revoked_at=now if n % 4 == 0 else None,
            revocation_reason="keyCompromise" if n % 4 == 0 else "",
        )
        Card.objects.filter(pk=certificate.card_id).update(holder_name=text)
        if kind == "eseal" and n % 3 == 0:
            Card.objects.filter(pk=certificate.card_id).update(
                carrier=Card.Carrier.CLOUD, activation=text[:10]
            )
    copied, python = both_paths(
        maximo_client, monkeypatch, reverse("card_csv", args=[kind]), {"status": "all"}
    )
    assert copied.count(b"\r\n") > len(AWKWARD)
    assert copied == python


def test_the_copy_path_streams_big_chunks(maximo_client, maximo):
    long_sans = [f"host{n:04}.voorbeeld.nl" for n in range(150)]
    CertificateFactory.create_batch(60, subscriber=maximo.subscriber, sans=long_sans)
    response = maximo_client.get(reverse("server_csv"), {"status": "all"})
    chunks = list(response.streaming_content)
    assert len(chunks) > 2
    assert all(len(chunk) >= csv_export.CHUNK_SIZE for chunk in chunks[:-1])
