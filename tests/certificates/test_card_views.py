"""Persoons, Groeps and eSeal overviews and details (manual §4–6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def holders(response) -> list[str]:  # noqa: ANN001
    return [c.card.holder_name for c in response.context["page"]]


def test_personal_overview_lists_one_row_per_valid_card(client, login_as):
    login_as("maximo")
    response = client.get(reverse("card_list", args=["personal"]))
    assert sorted(holders(response)) == ["Herman Testing", "Joost Test", "Maximo de Tester"]


def test_personal_overview_finds_expired_and_revoked_cards(client, login_as):
    login_as("maximo")
    expired = client.get(reverse("card_list", args=["personal"]), {"status": "expired"})
    revoked = client.get(reverse("card_list", args=["personal"]), {"status": "revoked"})
    assert [c.card.number for c in expired.context["page"]] == ["46970001"]
    assert [c.card.number for c in revoked.context["page"]] == ["46970002"]


def test_search_on_name_or_email(client, login_as):
    login_as("maximo")
    by_email = client.get(reverse("card_list", args=["personal"]), {"q": "herman@"})
    assert holders(by_email) == ["Herman Testing"]


def test_group_and_eseal_overviews(client, login_as):
    login_as("joost")
    assert holders(client.get(reverse("card_list", args=["group"]))) == ["Servicedesk Voorbeeld"]
    eseal = client.get(reverse("card_list", args=["eseal"]))
    assert sorted(holders(eseal)) == ["Voorbeeld B.V.", "Voorbeeld B.V. Cloud"]
    assert "REQUESTED" in eseal.content.decode()


def test_card_detail_shows_both_certificates_of_the_card(client, login_as):
    login_as("maximo")
    auth = Certificate.objects.get(card__number="46980946", card_usage="authentication")
    sign = Certificate.objects.get(card__number="46980946", card_usage="signature")
    content = client.get(reverse("card_detail", args=["personal", auth.pk])).content.decode()
    assert "Betreft pas voor: Maximo de Tester" in content
    assert f"Authenticiteitcertificaat: {auth.serial}" in content
    assert f"Handtekeningcertificaat: {sign.serial}" in content
    assert "900000001" in content  # Subject.serienummer


def test_unknown_kind_is_not_found(client, login_as):
    login_as("maximo")
    assert client.get(reverse("card_list", args=["server"])).status_code == 404


def test_another_subscribers_card_is_not_found(client, login_as):
    login_as("frank")
    auth = Certificate.objects.get(card__number="46980946", card_usage="authentication")
    assert client.get(reverse("card_detail", args=["personal", auth.pk])).status_code == 404


def test_frank_sees_only_his_own_card(client, login_as):
    login_as("frank")
    assert holders(client.get(reverse("card_list", args=["personal"]))) == ["Frank TestF"]
