"""'Exporteer lijst als .csv' on the Persoons, Groeps and eSeal overviews (manual §4.1):
exactly the filtered list, every page, with the server export's safety rules."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.csv_export import BOM, DELIMITER
from tests.certificates.test_card_overviews import KINDS, card_certificate
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def export(client, kind: str, **params) -> tuple[object, list[list[str]]]:  # noqa: ANN001
    response = client.get(reverse("card_csv", args=[kind]), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    return response, list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=DELIMITER))


@pytest.fixture
def voorbeeld(maximo):  # noqa: ANN001, ANN201
    return maximo.subscriber


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001, ANN201
    login_as("maximo")
    return client


FILENAMES = {
    "personal": "persoonlijke-certificaten",
    "group": "groepscertificaten",
    "eseal": "eseal-certificaten",
}


@pytest.mark.parametrize("kind", KINDS)
def test_it_exports_exactly_the_filtered_list(maximo_client, voorbeeld, kind):
    requester = PersonFactory(subscriber=voorbeeld, given_name="Ria", surname="Aanvrager")
    for n in range(3):
        card_certificate(voorbeeld, kind, f"Exportkaart {n}", requested_by=requester)
    card_certificate(voorbeeld, kind, "Niet mee")
    params = {"q": "Exportkaart", "sort": "cn", "dir": "desc"}
    page = maximo_client.get(reverse("card_list", args=[kind]), params).context["page"]
    response, rows = export(maximo_client, kind, **params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{FILENAMES[kind]}-{voorbeeld.number}-'
    )
    assert rows[0] == [
        "Pastype",
        "Product",
        "Status",
        "Naam pashouder (CN)",
        "E-mailadres",
        "Geldig van",
        "Verloopdatum",
        "Pasnummer",
        "Serienummer certificaat",
        "Uitgevende CA",
        "Contactpersoon",
    ]
    assert [r[3] for r in rows[1:]] == [c.card.holder_name for c in page]
    assert [r[3] for r in rows[1:]] == ["Exportkaart 2", "Exportkaart 1", "Exportkaart 0"]
    certificate = page[0]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Pastype"] == certificate.card.get_kind_display()
    assert row["Product"] == certificate.card.get_carrier_display()
    assert row["Status"] == "Geldig"
    assert row["Geldig van"] == timezone.localdate(certificate.not_before).isoformat()
    assert row["Verloopdatum"] == timezone.localdate(certificate.not_after).isoformat()
    assert row["Pasnummer"] == certificate.card.number
    assert row["Serienummer certificaat"] == certificate.serial
    assert row["Uitgevende CA"] == certificate.issuing_ca.name
    assert row["Contactpersoon"] == "Ria Aanvrager"


@pytest.mark.parametrize("kind", KINDS)
def test_it_exports_every_page_and_the_status_filter(maximo_client, voorbeeld, kind):
    for n in range(12):
        card_certificate(voorbeeld, kind, f"Allepagina {n:02d}")
    card_certificate(
        voorbeeld,
        kind,
        "Allepagina ingetrokken",
        revoked_at=timezone.now(),
        revocation_reason="superseded",
    )
    _, rows = export(maximo_client, kind, q="Allepagina", per_page="10", page="2")
    assert len(rows) == 1 + 12
    _, revoked = export(maximo_client, kind, q="Allepagina", status="revoked")
    assert [(r[2], r[3]) for r in revoked[1:]] == [("Ingetrokken", "Allepagina ingetrokken")]


def test_a_cloud_eseal_shows_its_activation(maximo_client):
    _, rows = export(maximo_client, "eseal", q="Cloud")
    assert [r[1] for r in rows[1:]] == ["Cloud HSM (REQUESTED)"]


@pytest.mark.parametrize("kind", KINDS)
def test_formula_cells_are_defused(maximo_client, voorbeeld, kind):
    card_certificate(voorbeeld, kind, '=HYPERLINK("http://evil","x")', email="+31@voorbeeld.nl")
    card_certificate(voorbeeld, kind, "@SUM(1+1)", email="-1@voorbeeld.nl")
    _, rows = export(maximo_client, kind, q="@SUM")
    assert rows[1][3] == "'@SUM(1+1)"
    assert rows[1][4] == "'-1@voorbeeld.nl"
    _, rows = export(maximo_client, kind, q="HYPERLINK")
    assert rows[1][3] == """'=HYPERLINK("http://evil","x")"""
    assert rows[1][4] == "'+31@voorbeeld.nl"


@pytest.mark.parametrize("kind", KINDS)
def test_it_never_contains_another_subscribers_rows(client, login_as, voorbeeld, kind):
    card_certificate(voorbeeld, kind, "Geheim Voorbeeld")
    login_as("frank")
    _, rows = export(client, kind, status="all", q="Geheim")
    assert rows[1:] == []
    _, everything = export(client, kind, status="all")
    assert "Geheim Voorbeeld" not in {r[3] for r in everything[1:]}


def test_a_tampered_query_still_exports(maximo_client):
    _, rows = export(maximo_client, "personal", status="x", sort="';--", dir="?", per_page="-1")
    assert rows[0][0] == "Pastype"


def test_it_needs_a_login(client):
    assert client.get(reverse("card_csv", args=["personal"])).status_code == 403
