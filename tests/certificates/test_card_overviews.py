"""Persoons, Groeps and eSeal overviews (manual §4.1, §5, §6): buttons, filters, search,
sorting, paging, columns, rows that open the detail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import Card, Certificate
from certificates.views import CARD_PAGES
from organisations.models import Person
from tests.factories import CertificateFactory, PersonFactory

pytestmark = pytest.mark.django_db

KINDS = ["personal", "group", "eseal"]


def card_certificate(
    subscriber, kind: str, holder: str, *, email: str = "", **fields: object
) -> Certificate:  # noqa: ANN001
    """A certificate on a new card of ``kind`` (a personal card's is its authenticity one)."""
    return CertificateFactory(
        on_card=True,
        subscriber=subscriber,
        kind=kind,
        card__kind=kind,
        card__holder_name=holder,
        card__email=email,
        **fields,
    )


def holders(response) -> list[str]:  # noqa: ANN001
    return [c.card.holder_name for c in response.context["page"]]


@pytest.fixture
def voorbeeld(maximo):  # noqa: ANN001, ANN201
    return maximo.subscriber


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001, ANN201
    login_as("maximo")
    return client


@pytest.mark.parametrize("kind", KINDS)
def test_each_overview_lists_only_its_own_kind(maximo_client, voorbeeld, kind):
    for other in KINDS:
        card_certificate(voorbeeld, other, f"Zoeklijst {other}")
    response = maximo_client.get(reverse("card_list", args=[kind]), {"q": "Zoeklijst"})
    assert response.status_code == 200
    assert holders(response) == [f"Zoeklijst {kind}"]


@pytest.mark.parametrize("kind", KINDS)
def test_it_filters_on_status(maximo_client, voorbeeld, kind):
    now = timezone.now().replace(microsecond=0)
    card_certificate(voorbeeld, kind, "Statuskaart geldig")
    card_certificate(
        voorbeeld,
        kind,
        "Statuskaart verlopen",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=3),
    )
    card_certificate(
        voorbeeld,
        kind,
        "Statuskaart ingetrokken",
        revoked_at=now - dt.timedelta(days=1),
        revocation_reason="keyCompromise",
    )
    url = reverse("card_list", args=[kind])
    assert holders(maximo_client.get(url, {"q": "Statuskaart"})) == ["Statuskaart geldig"]
    for status, holder in [("expired", "verlopen"), ("revoked", "ingetrokken")]:
        response = maximo_client.get(url, {"q": "Statuskaart", "status": status})
        assert holders(response) == [f"Statuskaart {holder}"]
    everything = maximo_client.get(url, {"q": "Statuskaart", "status": "all"})
    assert len(holders(everything)) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_it_searches_part_of_the_common_name_or_the_email(maximo_client, voorbeeld, kind):
    card_certificate(voorbeeld, kind, "Anna Zoekmans", email="anna@voorbeeld.nl")
    card_certificate(voorbeeld, kind, "Bert Ander", email="bert.zoekmans@voorbeeld.nl")
    card_certificate(voorbeeld, kind, "Carla Niet", email="carla@voorbeeld.nl")
    url = reverse("card_list", args=[kind])
    assert sorted(holders(maximo_client.get(url, {"q": "ZOEKMANS"}))) == [
        "Anna Zoekmans",
        "Bert Ander",
    ]
    assert holders(maximo_client.get(url, {"q": "carla@"})) == ["Carla Niet"]


@pytest.mark.parametrize("kind", KINDS)
def test_it_sorts_on_a_column_heading(maximo_client, voorbeeld, kind):
    for holder in ["Sorteer B", "Sorteer C", "Sorteer A"]:
        card_certificate(voorbeeld, kind, holder)
    url = reverse("card_list", args=[kind])
    ascending = maximo_client.get(url, {"q": "Sorteer", "sort": "cn"})
    descending = maximo_client.get(url, {"q": "Sorteer", "sort": "cn", "dir": "desc"})
    assert holders(ascending) == ["Sorteer A", "Sorteer B", "Sorteer C"]
    assert holders(descending) == ["Sorteer C", "Sorteer B", "Sorteer A"]
    # The heading links to the other direction and keeps the search.
    assert "q=Sorteer&amp;sort=cn&amp;dir=desc" in ascending.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_it_pages_the_list(maximo_client, voorbeeld, kind):
    for n in range(12):
        card_certificate(voorbeeld, kind, f"Paginakaart {n:02d}")
    url = reverse("card_list", args=[kind])
    response = maximo_client.get(url, {"q": "Pagina", "sort": "cn", "per_page": "10", "page": 2})
    assert holders(response) == ["Paginakaart 10", "Paginakaart 11"]
    content = response.content.decode()
    assert "11 t/m 12 (totaal 12)" in content
    assert "Pagina 2 van 2" in content


def test_a_tampered_query_falls_back_to_the_defaults(maximo_client):
    response = maximo_client.get(
        reverse("card_list", args=["personal"]),
        {"status": "nope", "sort": "x;drop", "dir": "up", "per_page": "7", "page": "z"},
    )
    assert response.status_code == 200
    assert response.context["filters"]["sort"] == "expiry"


@pytest.mark.parametrize("kind", KINDS)
def test_a_row_shows_the_seeds_columns_and_opens_the_detail(maximo_client, voorbeeld, kind):
    now = timezone.now().replace(microsecond=0)
    certificate = card_certificate(
        voorbeeld,
        kind,
        "Rijkaart Bijna Verlopen",
        email="rij@voorbeeld.nl",
        not_before=now - dt.timedelta(days=300),
        not_after=now + dt.timedelta(days=5),
    )
    response = maximo_client.get(reverse("card_list", args=[kind]), {"q": "Rijkaart"})
    content = response.content.decode()
    head = content[content.index("<thead>") : content.index("</thead>")]
    for heading in [
        "Pastype",
        "Product",
        "Status",
        "Naam pashouder (CN)",
        "E-mailadres",
        "Geldig van",
        "Verloopdatum",
        "Beheren",
    ]:
        assert heading in head
    detail = reverse("card_detail", args=[kind, certificate.pk])
    assert f'<tr data-href="{detail}">' in content
    assert f'href="{detail}" data-testid="manage"' in content
    assert 'data-testid="expiry-warning"' in content
    assert "rij@voorbeeld.nl" in content
    assert certificate.card.get_kind_display() in content
    assert "js/row-links" in content
    csv_link = reverse("card_csv", args=[kind])
    assert f'href="{csv_link}?q=Rijkaart"' in content


def test_status_name_and_beheren_stay_visible_on_a_phone(maximo_client):
    content = maximo_client.get(reverse("card_list", args=["personal"])).content.decode()
    head = content[content.index("<thead>") : content.index("</thead>")]
    hidden = [part for part in head.split("<th ")[1:] if "col-secondary" in part]
    visible = [part for part in head.split("<th ")[1:] if "col-secondary" not in part]
    assert ["Status" in visible[0], "Naam pashouder" in visible[1], "Beheren" in visible[2]] == [
        True,
        True,
        True,
    ]
    assert len(hidden) == 5


def test_an_unknown_kind_is_not_found(maximo_client):
    assert maximo_client.get(reverse("card_list", args=["server"])).status_code == 404
    assert maximo_client.get(reverse("card_csv", args=["nope"])).status_code == 404


ORDER_BUTTONS = {
    "personal": {
        "Nieuw persoonlijk certificaat": "",
        "Nieuw certificaat via Mobiel": "?drager=mobile",
    },
    "group": {"Nieuw groeps certificaat": ""},
    "eseal": {"Nieuw eSeal certificaat": ""},
}


@pytest.mark.parametrize("slug", ["maximo", "joost", "herman"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_role_of_the_matrix_gets_the_order_buttons(client, login_as, slug, kind):
    login_as(slug)
    response = client.get(reverse("card_list", args=[kind]))
    buttons = {str(b.label): b.url for b in response.context["order_buttons"]}
    base = reverse("card_order_new", args=[kind])
    assert buttons == {label: base + query for label, query in ORDER_BUTTONS[kind].items()}
    content = response.content.decode()
    for label, url in buttons.items():
        assert f'href="{url}"' in content.replace("&amp;", "&")
        assert label in content


@pytest.mark.parametrize("kind", KINDS)
def test_no_order_buttons_after_the_subscription_was_cancelled(maximo_client, voorbeeld, kind):
    voorbeeld.cancelled_at = timezone.now()
    voorbeeld.save(update_fields=["cancelled_at"])
    response = maximo_client.get(reverse("card_list", args=[kind]))
    assert response.context["order_buttons"] == []
    content = response.content.decode()
    assert 'data-testid="order-block"' not in content
    assert reverse("card_order_new", args=[kind]) not in content


@pytest.mark.parametrize("kind", KINDS)
def test_a_person_without_a_role_in_the_matrix_gets_no_order_buttons(voorbeeld, kind):
    manager_only = PersonFactory(
        subscriber=voorbeeld,
        manager=True,
        contact_authorisation=Person.ContactAuthorisation.NONE,
    )
    contact = PersonFactory(
        subscriber=voorbeeld, contact_authorisation=Person.ContactAuthorisation.BASIC
    )
    assert CARD_PAGES[kind].order_buttons(manager_only) == []
    assert len(CARD_PAGES[kind].order_buttons(contact)) == len(ORDER_BUTTONS[kind])


def test_the_mobile_button_asks_for_the_mobile_carrier():
    label, query, _testid = CARD_PAGES["personal"].orders[1]
    assert str(label) == "Nieuw certificaat via Mobiel"
    assert query == f"?drager={Card.Carrier.MOBILE.value}"
