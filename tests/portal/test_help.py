"""Help on every page (issue 13 point 6): the "Toelichting" of the KPN manual and the
Servicedesk contact, on the overviews, the wizards and "U bent niet ingelogd"."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SERVICEDESK = 'data-testid="servicedesk"'


@pytest.fixture(autouse=True)
def servicedesk(settings):  # noqa: ANN001, ANN201
    settings.PORTAL_SERVICEDESK_EMAIL = "hulp@servicedesk.test"
    settings.PORTAL_SERVICEDESK_PHONE = "088 123 4567"


@pytest.mark.parametrize(
    ("name", "args", "toelichting"),
    [
        ("server_list", [], "Toelichting zoeken van servercertificaten."),
        ("card_list", ["personal"], "Toelichting zoeken van passen en mobiele certificaten."),
        ("card_list", ["group"], "Toelichting zoeken van passen en mobiele certificaten."),
        ("card_list", ["eseal"], "Toelichting zoeken van passen en mobiele certificaten."),
        ("order_list", [], "Toelichting bestellingen."),
        ("order_wizard", ["pkio"], "Toelichting en invulinstructie aanvraag."),
        ("registration_change", [], "Toelichting wijzigingsformulier abonneeregistratie."),
    ],
)
def test_overviews_and_wizards_have_their_toelichting_and_the_servicedesk(
    client,  # noqa: ANN001
    login_as,  # noqa: ANN001
    name: str,
    args: list[str],
    toelichting: str,
):
    login_as("maximo")

    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    text = response.content.decode()
    assert f"<summary>{toelichting}</summary>" in text
    assert SERVICEDESK in text
    assert 'href="mailto:hulp@servicedesk.test"' in text
    assert 'href="tel:0881234567"' in text


def test_the_not_logged_in_page_has_its_toelichting_and_the_servicedesk(client):  # noqa: ANN001
    response = client.get(reverse("not_logged_in"))

    assert response.status_code == 403
    text = response.content.decode()
    assert "<summary>Toelichting inloggen.</summary>" in text
    assert "bent u bij de Servicedesk aangemeld voor gebruik van het portaal." in text
    assert SERVICEDESK in text
    assert 'href="mailto:hulp@servicedesk.test"' in text


def test_a_page_that_needs_a_login_shows_the_login_help_not_the_pages_own(client):  # noqa: ANN001
    text = client.get(reverse("server_list")).content.decode()

    assert "Toelichting inloggen." in text
    assert "Toelichting zoeken van servercertificaten." not in text


def test_without_a_phone_number_only_the_e_mail_address_is_shown(client, settings):  # noqa: ANN001
    settings.PORTAL_SERVICEDESK_PHONE = ""

    text = client.get(reverse("not_logged_in")).content.decode()

    assert 'href="mailto:hulp@servicedesk.test"' in text
    assert "tel:" not in text


def test_the_menu_collapses_behind_a_toggler_on_a_phone(client, login_as):  # noqa: ANN001
    login_as("joost")

    text = client.get(reverse("home")).content.decode()

    assert 'data-bs-toggle="collapse" data-bs-target="#main-menu-items"' in text
    assert 'class="collapse navbar-collapse" id="main-menu-items"' in text


def test_the_server_list_keeps_status_name_and_beheren_on_a_phone(client, login_as):  # noqa: ANN001
    login_as("joost")

    text = client.get(reverse("server_list")).content.decode()

    heads = text[text.index("<thead>") : text.index("</thead>")]
    secondary = [cell for cell in heads.split("<th ")[1:] if 'class="col-secondary"' in cell]
    assert len(secondary) == 3
    assert not any(label in cell for cell in secondary for label in ("Status", "Naam", "Beheren"))
