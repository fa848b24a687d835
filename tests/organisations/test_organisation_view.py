from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_shows_company_billing_and_persons(client, login_as):
    login_as("herman")
    content = client.get(reverse("organisation")).content.decode()
    for text in [
        "P9571876",
        "Voorbeeld B.V.",
        "12345678",
        "00000003123456780000",
        "Wilhelminakade 123",
        "facturen@voorbeeld.nl",
        "NL001234567B01",
        "Maximo de Tester",
        "Joost Test",
        "Heeft alleen basis autorisaties",
        "Victor Achterlijn",
        "CB9505784",
        "Karel Tak",
        "voorbeeld.nl",
    ]:
        assert text in content, text


def test_it_shows_only_the_own_subscriber(client, login_as):
    login_as("frank")
    content = client.get(reverse("organisation")).content.decode()
    assert "Andere Organisatie B.V." in content
    assert "Maximo" not in content
    assert "P9571876" not in content
