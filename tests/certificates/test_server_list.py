"""The Servercertificaten overview (manual §3.1): filters, sorting, paging, warning mark."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from certificates.models import Certificate, Kind

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:  # noqa: ANN001
    return [c.common_name for c in response.context["page"]]


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001
    login_as("maximo")
    return client


def test_it_shows_valid_certificates_by_default(maximo_client):
    response = maximo_client.get(reverse("server_list"))
    assert response.status_code == 200
    assert set(names(response)) == {
        "www.voorbeeld.nl",
        "api.voorbeeld.nl",
        "digipoort.voorbeeld.nl",
        "koppeling.voorbeeld.nl",
        "test.voorbeeld.nl",
    }


def test_it_never_shows_another_subscribers_certificates(maximo_client):
    response = maximo_client.get(reverse("server_list"), {"status": "all"})
    assert not [n for n in names(response) if n.endswith("andere.nl")]
    assert "portaal.andere.nl" not in response.content.decode()


@pytest.mark.parametrize(
    ("status", "expected"),
    [("expired", {"oud.voorbeeld.nl"}), ("revoked", {"ingetrokken.voorbeeld.nl"})],
)
def test_it_filters_on_status(maximo_client, status, expected):
    assert set(names(maximo_client.get(reverse("server_list"), {"status": status}))) == expected


def test_all_statuses(maximo_client):
    assert len(names(maximo_client.get(reverse("server_list"), {"status": "all"}))) == 7


def test_it_filters_on_part_of_the_name_case_insensitively(maximo_client):
    response = maximo_client.get(reverse("server_list"), {"q": "API", "status": "all"})
    assert names(response) == ["api.voorbeeld.nl"]


def test_it_filters_on_type(maximo_client):
    response = maximo_client.get(reverse("server_list"), {"type": "pkio-digipoort"})
    assert names(response) == ["digipoort.voorbeeld.nl"]


def test_it_sorts_on_a_column_both_ways(maximo_client):
    up = names(maximo_client.get(reverse("server_list"), {"sort": "cn", "dir": "asc"}))
    down = names(maximo_client.get(reverse("server_list"), {"sort": "cn", "dir": "desc"}))
    assert up == sorted(up)
    assert down == list(reversed(up))


def test_default_order_is_by_expiry(maximo_client):
    page = maximo_client.get(reverse("server_list")).context["page"]
    expiries = [c.not_after for c in page]
    assert expiries == sorted(expiries)


def test_sorting_on_status_groups_statuses(maximo_client):
    # Verlopen, Geldig, Ingetrokken: the order an index can hold (not revoked first,
    # then by expiry; issue 15), and descending exactly the other way round.
    up = maximo_client.get(reverse("server_list"), {"status": "all", "sort": "status"})
    statuses = [c.status_code for c in up.context["page"]]
    rank = {"expired": 0, "valid": 1, "revoked": 2}
    assert statuses == sorted(statuses, key=rank.__getitem__)
    assert len(set(statuses)) == 3
    down = maximo_client.get(
        reverse("server_list"), {"status": "all", "sort": "status", "dir": "desc"}
    )
    assert list(down.context["page"]) == list(reversed(list(up.context["page"])))


def test_paging_and_page_range_text(maximo_client):
    response = maximo_client.get(reverse("server_list"), {"status": "all", "per_page": 10})
    assert "1 t/m 7 (totaal 7)" in response.content.decode()


def test_page_size_choice_pages_the_list(maximo_client, maximo):
    certificate = Certificate.objects.filter(subscriber=maximo.subscriber, kind=Kind.SERVER).first()
    # 30 more rows (copies with other serials/fingerprints) to fill more than one page.
    for i in range(30):
        certificate.pk = None
        certificate.serial = f"{i + 1:x}0"
        certificate.fingerprint = f"{i:064x}"
        certificate.common_name = f"host{i:02d}.voorbeeld.nl"
        certificate.save()
    first = maximo_client.get(reverse("server_list"), {"status": "all"})
    assert len(first.context["page"]) == 25
    assert "1 t/m 25 (totaal 37)" in first.content.decode()
    second = maximo_client.get(reverse("server_list"), {"status": "all", "page": 2})
    assert "26 t/m 37 (totaal 37)" in second.content.decode()
    fifty = maximo_client.get(reverse("server_list"), {"status": "all", "per_page": 50})
    assert len(fifty.context["page"]) == 37


def test_tampered_query_strings_fall_back_to_defaults(maximo_client):
    response = maximo_client.get(
        reverse("server_list"),
        {
            "status": "x",
            "sort": "password",
            "dir": "sideways",
            "per_page": "-1",
            "page": "zz",
            "type": "<script>",
            "q": "a" * 1000,
        },
    )
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_expiry_within_30_days_gets_the_warning_mark(maximo_client):
    response = maximo_client.get(reverse("server_list"))
    content = response.content.decode()
    api_row = content[content.index("api.voorbeeld.nl") :]
    api_row = api_row[: api_row.index("</tr>")]
    assert 'data-testid="expiry-warning"' in api_row
    www_row = content[content.index("www.voorbeeld.nl") :]
    assert 'data-testid="expiry-warning"' not in www_row[: www_row.index("</tr>")]


def test_warning_mark_is_not_shown_for_expired_or_revoked(maximo_client, maximo):
    Certificate.objects.filter(common_name="ingetrokken.voorbeeld.nl").update(
        not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    )
    response = maximo_client.get(reverse("server_list"), {"status": "revoked"})
    assert 'data-testid="expiry-warning"' not in response.content.decode()


def test_overview_needs_a_login(client):
    assert client.get(reverse("server_list")).status_code == 403


def test_the_form_shows_the_page_size_in_use(maximo_client):
    response = maximo_client.get(reverse("server_list"), {"status": "all"})
    assert response.context["form"]["per_page"].value() == 25
    assert '<option value="25" selected>' in response.content.decode()
