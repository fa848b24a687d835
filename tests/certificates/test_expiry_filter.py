"""'Verloopt binnen … dagen' and 'Te verlengen' on the server and card overviews
(issue 14): kept in paging, sorting and the CSV export like the other filters."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.csv_export import BOM, DELIMITER
from tests.certificates.test_card_overviews import KINDS, card_certificate
from tests.factories import CertificateFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001, ANN201
    login_as("maximo")
    return client


def _expiring(days: int) -> dict[str, dt.datetime]:
    not_after = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return {"not_before": not_after - dt.timedelta(days=365), "not_after": not_after}


def _csv_names(response) -> list[str]:  # noqa: ANN001
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    return [row for row in csv.reader(io.StringIO(body[1:], newline=""), delimiter=DELIMITER)]


def test_server_list_filters_on_expiry_in_page_and_csv(maximo_client, maximo):  # noqa: ANN001
    subscriber = maximo.subscriber
    for days in (10, 45, 80, 200):
        CertificateFactory(
            subscriber=subscriber, common_name=f"exp{days}.test.nl", **_expiring(days)
        )
    url = reverse("server_list")
    for within, expected in (
        (30, ["exp10"]),
        (60, ["exp10", "exp45"]),
        (90, ["exp10", "exp45", "exp80"]),
    ):
        params = {"q": ".test.nl", "expires_within": within, "per_page": 10}
        response = maximo_client.get(url, params)
        names = [c.common_name.split(".")[0] for c in response.context["page"]]
        assert names == expected
        assert f"expires_within={within}" in response.context["query"]
        rows = _csv_names(maximo_client.get(reverse("server_csv"), params))
        assert len(rows) - 1 == len(expected)
        assert all(".test.nl" in ",".join(row) for row in rows[1:])
    # Sorting keeps the filter.
    response = maximo_client.get(
        url, {"q": ".test.nl", "expires_within": 60, "sort": "expiry", "dir": "desc"}
    )
    assert [c.common_name for c in response.context["page"]] == ["exp45.test.nl", "exp10.test.nl"]


def test_server_list_renewal_filter_skips_certificates_with_a_successor(maximo_client, maximo):  # noqa: ANN001
    subscriber = maximo.subscriber
    due = CertificateFactory(subscriber=subscriber, common_name="due.renew.nl", **_expiring(20))
    renewed = CertificateFactory(
        subscriber=subscriber, common_name="done.renew.nl", **_expiring(20)
    )
    OrderFactory(subscriber=subscriber, renews=renewed, state="issued")
    CertificateFactory(subscriber=subscriber, common_name="later.renew.nl", **_expiring(300))
    response = maximo_client.get(reverse("server_list"), {"q": "renew.nl", "renewal": "due"})
    assert list(response.context["page"]) == [due]


def test_bad_filter_values_fall_back(maximo_client):  # noqa: ANN001
    response = maximo_client.get(reverse("server_list"), {"expires_within": "x", "renewal": "?"})
    assert response.status_code == 200
    response = maximo_client.get(reverse("card_csv", args=["personal"]), {"expires_within": "7"})
    assert response.status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_card_lists_filter_on_expiry_in_page_and_csv(maximo_client, maximo, kind):  # noqa: ANN001
    subscriber = maximo.subscriber
    card_certificate(subscriber, kind, "Kaart Binnenkort", **_expiring(25))
    card_certificate(subscriber, kind, "Kaart Later", **_expiring(70))
    card_certificate(subscriber, kind, "Kaart Veel Later", **_expiring(300))
    params = {"q": "Kaart ", "expires_within": 30}
    response = maximo_client.get(reverse("card_list", args=[kind]), params)
    assert [c.card.holder_name for c in response.context["page"]] == ["Kaart Binnenkort"]
    rows = _csv_names(maximo_client.get(reverse("card_csv", args=[kind]), params))
    assert len(rows) == 2 and "Kaart Binnenkort" in rows[1]
    params["expires_within"] = 90
    response = maximo_client.get(reverse("card_list", args=[kind]), {**params, "renewal": "due"})
    assert [c.card.holder_name for c in response.context["page"]] == [
        "Kaart Binnenkort",
        "Kaart Later",
    ]
