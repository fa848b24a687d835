"""Long lists (issue 15): a fixed number of queries at any size, a bounded total shown
as "meer dan …", and paging by cursor that shows every row once, in order."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, Kind
from certificates.selectors import CARD_SORTS, SERVER_SORTS, card_certificates, server_certificates
from tests.factories import CardFactory

pytestmark = pytest.mark.django_db

_serials = itertools.count(0x10000)


def _copies(template: Certificate, n: int, *, on_cards: bool = False) -> None:
    """``n`` rows like ``template`` with their own serial, fingerprint and name, some
    sharing an expiry date and a name, so that the id decides between them; every
    status (about one in five expired, one in seven revoked)."""
    now = timezone.now().replace(microsecond=0)
    rows = []
    for i in range(n):
        serial = next(_serials)
        row = Certificate(
            **{
                f.attname: getattr(template, f.attname)
                for f in Certificate._meta.concrete_fields
                if f.attname != "id"
            }
        )
        row.serial = f"{serial:x}"
        row.fingerprint = f"{serial:064x}"
        row.common_name = f"lijst{i // 2:03d}.voorbeeld.nl"
        row.not_after = now + dt.timedelta(days=(i // 3) - n // 5)
        row.not_before = row.not_after - dt.timedelta(days=400)
        if i % 7 == 3:
            row.revoked_at, row.revocation_reason = now, "superseded"
        else:
            row.revoked_at, row.revocation_reason = None, ""
        if on_cards:
            row.card = CardFactory(
                subscriber=template.subscriber,
                kind=template.kind,
                holder_name=f"Lijsthouder {i // 2:03d}",
                email=f"h{i % 4}@voorbeeld.nl",
            )
        rows.append(row)
    Certificate.objects.bulk_create(rows)


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001, ANN201
    login_as("maximo")
    return client


@pytest.fixture
def server_template(maximo) -> Certificate:  # noqa: ANN001
    return Certificate.objects.filter(subscriber=maximo.subscriber, kind=Kind.SERVER).first()


@pytest.fixture
def card_template(maximo) -> Certificate:  # noqa: ANN001
    return Certificate.objects.filter(
        subscriber=maximo.subscriber, kind=Kind.PERSONAL, card_usage="authentication"
    ).first()


def _queries(client, url: str, params: dict[str, str] | None = None) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def _pages(client, url: str, params: dict[str, str]) -> dict[str, dict[str, str]]:  # noqa: ANN001
    """The query strings of a list's first, next, last and previous pages."""
    first = client.get(url, params).context["page"]
    last = client.get(url, {**params, "page": "last"}).context["page"]
    return {
        "first": params,
        "next": {**params, **dict(parse_qsl(first.next_param))},
        "last": {**params, "page": "last"},
        "previous": {**params, **dict(parse_qsl(last.previous_param))},
    }


def _numbers_of_queries(client, url: str) -> dict[str, int]:  # noqa: ANN001
    pages = _pages(client, url, {"status": "all", "per_page": "10"})
    return {name: _queries(client, url, params) for name, params in pages.items()}


def test_the_server_list_does_a_fixed_number_of_queries(maximo_client, server_template):
    url = reverse("server_list")
    _copies(server_template, 30)
    few = _numbers_of_queries(maximo_client, url)
    _copies(server_template, 270)
    assert _numbers_of_queries(maximo_client, url) == few
    assert max(few.values()) <= 12


@pytest.mark.parametrize("kind", ["personal", "group", "eseal"])
def test_each_card_list_does_a_fixed_number_of_queries(maximo_client, maximo, kind):
    template = Certificate.objects.filter(subscriber=maximo.subscriber, kind=kind).first()
    template.card_usage = "authentication" if kind != "eseal" else template.card_usage
    url = reverse("card_list", args=[kind])
    _copies(template, 30, on_cards=True)
    few = _numbers_of_queries(maximo_client, url)
    _copies(template, 270, on_cards=True)
    assert _numbers_of_queries(maximo_client, url) == few
    for sort in ("cn", "email"):
        assert _queries(maximo_client, url, {"sort": sort}) == few["first"]


def test_details_and_home_do_a_fixed_number_of_queries(
    maximo_client, server_template, card_template
):
    urls = [
        reverse("home"),
        reverse("server_detail", args=[server_template.pk]),
        reverse("card_detail", args=["personal", card_template.pk]),
    ]
    _copies(server_template, 30)
    _copies(card_template, 30, on_cards=True)
    maximo_client.get(urls[0])  # the session's first request also logs in
    few = [_queries(maximo_client, url) for url in urls]
    _copies(server_template, 270)
    _copies(card_template, 270, on_cards=True)
    assert [_queries(maximo_client, url) for url in urls] == few


def test_a_long_list_says_more_than_the_limit(maximo_client, server_template, settings):
    settings.PORTAL_LIST_EXACT_COUNT_LIMIT = 20
    _copies(server_template, 40)
    url = reverse("server_list")
    response = maximo_client.get(url, {"status": "all", "per_page": 10})
    content = response.content.decode()
    assert "1 t/m 10 (meer dan 20)" in content
    assert "Pagina 1<" in content and "Pagina 1 van" not in content
    for testid in ("page-next", "page-last"):
        assert f'data-testid="{testid}"' in content
    last = maximo_client.get(url, {"status": "all", "per_page": 10, "page": "last"})
    assert "10 van meer dan 20" in last.content.decode()
    assert 'data-testid="page-first"' in last.content.decode()
    english = maximo_client.get(
        url, {"status": "all", "per_page": 10}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1 to 10 (more than 20)" in english


def test_home_says_more_than_the_limit(maximo_client, server_template, settings):
    settings.PORTAL_LIST_EXACT_COUNT_LIMIT = 10
    _copies(server_template, 40)
    response = maximo_client.get(reverse("home"))
    valid = next(
        c for row in response.context["dashboard"] for c in row.counts if c.testid == "server-valid"
    )
    assert not valid.total.exact
    assert "meer dan 10" in response.content.decode()


def _walk(client, url: str, params: dict[str, str], direction: str) -> list[int]:  # noqa: ANN001
    """Every row id met following ``Volgende`` from the first page (or ``Vorige`` from
    the last page), in the order shown."""
    start = params if direction == "next" else {**params, "page": "last"}
    page = client.get(url, start).context["page"]
    seen = [[c.pk for c in page]]
    for _ in range(100):
        link = page.next_param if direction == "next" else page.previous_param
        if not link:
            break
        page = client.get(url, {**params, **dict(parse_qsl(link))}).context["page"]
        seen.append([c.pk for c in page])
    if direction == "previous":
        seen.reverse()
    return [pk for rows in seen for pk in rows]


@pytest.mark.parametrize("limit", [10_000, 15])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(SERVER_SORTS))
def test_cursor_paging_shows_every_server_row_once_in_order(
    maximo_client, maximo, server_template, settings, sort, descending, limit
):
    settings.PORTAL_LIST_EXACT_COUNT_LIMIT = limit
    _copies(server_template, 40)
    params = {"status": "all", "sort": sort, "dir": "desc" if descending else "asc"}
    expected = [
        c.pk
        for c in server_certificates(
            subscriber=maximo.subscriber, status="all", sort=sort, descending=descending
        )
    ]
    url = reverse("server_list")
    for per_page in ("10", "25"):
        paged = {**params, "per_page": per_page}
        assert _walk(maximo_client, url, paged, "next") == expected
        assert _walk(maximo_client, url, paged, "previous") == expected
    last = maximo_client.get(url, {**params, "per_page": "10", "page": "last"}).context["page"]
    assert [c.pk for c in last] == expected[-len(last) :]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(CARD_SORTS))
def test_cursor_paging_shows_every_card_row_once_in_order(
    maximo_client, maximo, card_template, sort, descending
):
    _copies(card_template, 25, on_cards=True)
    params = {"sort": sort, "dir": "desc" if descending else "asc", "per_page": "10"}
    expected = [
        c.pk
        for c in card_certificates(
            subscriber=maximo.subscriber, kind=Kind.PERSONAL, sort=sort, descending=descending
        )
    ]
    url = reverse("card_list", args=["personal"])
    assert _walk(maximo_client, url, params, "next") == expected
    assert _walk(maximo_client, url, params, "previous") == expected


def test_a_cursor_page_says_where_it_is(maximo_client, server_template):
    _copies(server_template, 30)
    url = reverse("server_list")
    pages = _pages(maximo_client, url, {"status": "all", "per_page": "10"})
    second = maximo_client.get(url, pages["next"]).content.decode()
    assert "11 t/m 20 (totaal 37)" in second
    assert "Pagina 2 van 4" in second
    last = maximo_client.get(url, pages["last"]).content.decode()
    assert "31 t/m 37 (totaal 37)" in last


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "zz",
        "!!!",
        _b64("not json"),
        _b64("{}"),
        _b64('["2026-01-01T00:00:00+00:00"]'),
        _b64('["2026-01-01T00:00:00", 5]'),
        _b64('["gisteren", 5]'),
        _b64('[5, "5"]'),
        _b64('["1999-01-01T00:00:00+00:00", -1]'),
    ],
)
@pytest.mark.parametrize("name", ["after", "before"])
def test_a_tampered_cursor_gives_the_first_page(maximo_client, server_template, name, cursor):
    _copies(server_template, 30)
    url = reverse("server_list")
    first = maximo_client.get(url, {"status": "all", "per_page": "10"})
    response = maximo_client.get(url, {"status": "all", "per_page": "10", name: cursor})
    assert response.status_code == 200
    assert list(response.context["page"]) == list(first.context["page"])


def test_a_cursor_from_another_sort_still_gives_a_page(maximo_client, server_template):
    _copies(server_template, 30)
    url = reverse("server_list")
    pages = _pages(maximo_client, url, {"status": "all", "per_page": "10", "sort": "cn"})
    response = maximo_client.get(url, {**pages["next"], "sort": "status"})
    assert response.status_code == 200
    assert len(response.context["page"]) > 0
