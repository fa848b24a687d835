"""'Exporteer lijst als .csv': exactly the filtered list, safe for spreadsheets."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from certificates.csv_export import BOM, DELIMITER, safe_cell, stream_csv
from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def export(client, **params) -> tuple[StreamingHttpResponse, list[list[str]]]:  # noqa: ANN001
    response = client.get(reverse("server_csv"), params)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    return response, list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=DELIMITER))


def test_it_exports_exactly_the_filtered_list(client, login_as):
    login_as("maximo")
    params = {"status": "all", "q": "voorbeeld", "sort": "cn"}
    page = client.get(reverse("server_list"), params).context["page"]
    response, rows = export(client, **params)
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="servercertificaten-P9571876-'
    )
    assert rows[0][:3] == ["Certificate Type", "Status", "Naam van de Service (CN)"]
    assert [r[2] for r in rows[1:]] == [c.common_name for c in page]


def test_filters_apply_to_the_export(client, login_as):
    login_as("maximo")
    _, rows = export(client, status="revoked")
    assert [r[2] for r in rows[1:]] == ["ingetrokken.voorbeeld.nl"]
    assert rows[1][1] == "Ingetrokken"


def test_it_exports_every_page_not_just_the_first(client, login_as):
    login_as("maximo")
    _, rows = export(client, status="all", per_page="10", page="2")
    assert len(rows) == 1 + 7


def test_it_uses_iso_dates_and_full_serials(client, login_as):
    login_as("maximo")
    _, rows = export(client, q="www")
    certificate = Certificate.objects.get(common_name="www.voorbeeld.nl")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Geldig van"] == timezone.localdate(certificate.not_before).isoformat()
    assert row["Verloopdatum"] == timezone.localdate(certificate.not_after).isoformat()
    assert row["Serienummer certificaat"] == certificate.serial
    assert row["SAN 1 t/m SAN 10"] == "www.voorbeeld.nl voorbeeld.nl"
    assert row["Certificaatbeheerder"] == "Victor Achterlijn"
    assert row["Contactpersoon"] == "Joost Test"


def test_it_never_contains_another_subscribers_rows(client, login_as):
    login_as("frank")
    _, rows = export(client, status="all")
    assert sorted(r[2] for r in rows[1:]) == ["api.andere.nl", "portaal.andere.nl"]
    # A query aimed at the other subscriber's names finds nothing.
    _, rows = export(client, status="all", q="voorbeeld")
    assert rows[1:] == []


def test_formula_cells_are_defused(client, login_as):
    login_as("maximo")
    Certificate.objects.filter(common_name="www.voorbeeld.nl").update(
        common_name='=HYPERLINK("http://evil","x")'
    )
    _, rows = export(client, q="HYPERLINK")
    assert rows[1][2] == '\'=HYPERLINK("http://evil","x")'


def test_export_needs_a_login(client):
    assert client.get(reverse("server_csv")).status_code == 403


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_safe_cell_prefixes_formula_starters(prefix):
    assert safe_cell(prefix + "1+1") == "'" + prefix + "1+1"


def test_safe_cell_leaves_ordinary_text():
    assert safe_cell("www.voorbeeld.nl") == "www.voorbeeld.nl"
    assert safe_cell(None) == ""


@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), max_size=30))
def test_stream_round_trips_through_an_rfc4180_reader(rows):
    body = b"".join(stream_csv(["a", "b", "c", "d"], rows)).decode("utf-8")
    parsed = list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=DELIMITER))
    assert parsed[0] == ["a", "b", "c", "d"]
    assert parsed[1:] == [[safe_cell(c) for c in row] for row in rows]


def test_it_opens_in_columns_in_dutch_excel():
    body = b"".join(stream_csv(["Naam", "Opmerking"], [["één", "a;b"], ["x", 'zei "ja"']]))

    # UTF-8 with a byte-order mark, a semicolon between the fields, and a field that holds
    # a semicolon or a quote quoted (quotes doubled).
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8") == (
        '\ufeffNaam;Opmerking\r\n\u00e9\u00e9n;"a;b"\r\nx;"zei ""ja"""\r\n'
    )


def test_stream_yields_big_chunks():
    rows = ([f"host{i}.voorbeeld.nl", "x" * 100] for i in range(5000))
    chunks = list(stream_csv(["cn", "pad"], rows))
    assert len(chunks) > 1
    assert all(len(c) >= 64 * 1024 for c in chunks[:-1])
