"""Home, the menu and the top-right block, logout, not-logged-in and the dev login."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_shows_menu_and_the_subscriber_block(client, login_as):
    login_as("joost")
    content = client.get(reverse("home")).content.decode()
    for item in [
        "Home",
        "Servercertificaten",
        "Persoons",
        "Groeps",
        "eSeal",
        "Organisatiegegevens",
        "Uitloggen",
    ]:
        assert f">{item}<" in content, item
    assert 'data-testid="subscriber-number">P9571876<' in content
    assert 'data-testid="organisation-name">Voorbeeld B.V.<' in content
    assert 'data-testid="person-name" class="fw-semibold">Joost Test<' in content


def test_pages_carry_a_strict_content_security_policy(client, login_as):
    login_as("maximo")
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


def test_not_logged_in_page_explains_the_cause(client):
    response = client.get(reverse("not_logged_in"))
    assert response.status_code == 403
    content = response.content.decode()
    assert "U bent niet ingelogd." in content
    assert "Er is geen persoonlijk certificaat aangeboden" in content


def test_not_logged_in_page_sends_a_logged_in_person_home(client, login_as):
    login_as("maximo")
    assert client.get(reverse("not_logged_in")).status_code == 302


def test_logout_page_shows_the_two_steps(client):
    content = client.get(reverse("logout")).content.decode()
    assert "sluit uw browser af" in content
    assert "verwijder uw smartcard uit de kaartlezer" in content


def test_dev_login_is_not_found_without_the_flag(client):
    assert client.get(reverse("dev_login")).status_code == 404
    assert client.post(reverse("dev_login"), {"person": "1"}).status_code == 404


def test_dev_login_picks_a_demo_identity(client, settings, maximo):
    settings.PORTAL_DEV_LOGIN = True
    page = client.get(reverse("dev_login"))
    assert "Maximo de Tester" in page.content.decode()
    client.post(reverse("dev_login"), {"person": str(maximo.pk)})
    assert client.get(reverse("home")).context["person"] == maximo


def test_dev_login_offers_no_certificate_managers(client, settings):
    settings.PORTAL_DEV_LOGIN = True
    content = client.get(reverse("dev_login")).content.decode()
    assert "Victor Achterlijn" not in content
