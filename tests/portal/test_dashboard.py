"""Home as a dashboard (issue 14, point 3): per kind counts that link to the list
showing exactly those rows; another subscriber's certificates are never counted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Person
from tests.certificates.test_card_overviews import card_certificate
from tests.factories import CertificateFactory, OrderFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

KINDS = ["server", "personal", "group", "eseal"]


def _expiring(days: int) -> dict[str, dt.datetime]:
    not_after = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    return {"not_before": not_after - dt.timedelta(days=365), "not_after": not_after}


def _numbers(client) -> dict[str, int]:  # noqa: ANN001
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {
        count.testid: count.number for row in response.context["dashboard"] for count in row.counts
    }


def _add(subscriber, kind: str, days: int) -> None:  # noqa: ANN001
    if kind == "server":
        CertificateFactory(subscriber=subscriber, **_expiring(days))
    else:
        card_certificate(subscriber, kind, f"Dashboard {kind} {days}", **_expiring(days))


@pytest.fixture
def joost(client, login_as) -> Person:  # noqa: ANN001
    login_as("joost")
    return Person.objects.get(email="joost@voorbeeld.nl")


def test_counts_per_kind_move_with_the_certificates_and_orders(client, joost):  # noqa: ANN001
    before = _numbers(client)
    other = SubscriberFactory()
    for kind in KINDS:
        for days in (20, 50, 80, 200):
            _add(joost.subscriber, kind, days)
            _add(other, kind, days)
    _add(joost.subscriber, "server", -3)  # expired: not valid, not counted
    OrderFactory(subscriber=joost.subscriber)
    OrderFactory(subscriber=other)
    after = _numbers(client)
    for kind in KINDS:
        assert after[f"{kind}-valid"] - before[f"{kind}-valid"] == 4
        assert after[f"{kind}-expiring-30"] - before[f"{kind}-expiring-30"] == 1
        assert after[f"{kind}-expiring-60"] - before[f"{kind}-expiring-60"] == 2
        assert after[f"{kind}-expiring-90"] - before[f"{kind}-expiring-90"] == 3
        assert after[f"{kind}-renewal"] - before[f"{kind}-renewal"] == 3
    assert after["server-open-orders"] - before["server-open-orders"] == 1


def test_each_count_links_to_a_list_of_exactly_that_many(client, joost):  # noqa: ANN001
    for kind in KINDS:
        for days in (20, 70):
            _add(joost.subscriber, kind, days)
    OrderFactory(subscriber=joost.subscriber)
    response = client.get(reverse("home"))
    content = response.content.decode()
    for row in response.context["dashboard"]:
        for count in row.counts:
            assert f'href="{count.url.replace("&", "&amp;")}"' in content
            listed = client.get(f"{count.url}&per_page=10")
            assert listed.status_code == 200, count.url
            page = listed.context["page"]
            # The certificate lists count with core.pagination, the order list with Django's.
            total = page.total.count if hasattr(page, "total") else page.paginator.count
            assert total == count.number, count.url
    numbers = _numbers(client)
    assert numbers["server-expiring-30"] >= 1
    assert numbers["server-open-orders"] >= 1


def test_home_is_responsive_cards(client, joost):  # noqa: ANN001
    content = client.get(reverse("home")).content.decode()
    assert "row-cols-1" in content  # one card per row on a 390 px phone
    for kind in KINDS:
        assert f'data-testid="dashboard-{kind}"' in content
