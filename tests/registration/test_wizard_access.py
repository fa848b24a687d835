"""Who may open "Wijzigen Abonneeregistratie" and which options they get (manual §7.2)."""

from __future__ import annotations

import pytest

from organisations.authorisation import DENIED_MESSAGES
from registration.models import ChangeRequest
from tests.registration.steps import choose, current_step, form_of, post_step, url

pytestmark = pytest.mark.django_db

ALL = ["organisation", "contact_data", "billing", "representatives", "contacts", "cancel"]
CANCEL_NOTE = (
    "De optie voor Opzeggen van het abonnement is alleen beschikbaar als u bent ingelogd als "
    "Bevoegd Vertegenwoordiger."
)


def _choices(response) -> list[str]:  # noqa: ANN001
    return [value for value, _label in form_of(response).fields["sections"].choices]


def test_it_needs_a_login(client):
    response = client.get(url())

    assert response.status_code == 403
    assert "U bent niet ingelogd" in response.text


def test_a_basic_contact_person_gets_the_seeds_message_instead_of_the_form(client, login_as):
    login_as("herman")

    for response in (client.get(url()), post_step(client, "type", {"sections": ["billing"]})):
        assert response.status_code == 403
        assert str(DENIED_MESSAGES["registration"]) in response.text
        assert 'name="type-sections"' not in response.text
    assert not ChangeRequest.objects.exists()


def test_an_authorised_representative_gets_every_option(client, login_as):
    login_as("maximo")

    response = client.get(url())

    assert response.status_code == 200
    assert _choices(response) == ALL
    assert CANCEL_NOTE not in response.text


def test_a_full_contact_person_does_not_see_the_representative_options(client, login_as):
    login_as("joost")

    response = client.get(url())

    assert _choices(response) == ["organisation", "contact_data", "billing", "contacts"]
    assert 'value="representatives"' not in response.text
    assert 'value="cancel"' not in response.text
    assert CANCEL_NOTE in response.text
    assert (
        "Deze optie is alleen beschikbaar als u bent ingelogd als Bevoegd Vertegenwoordiger."
        in response.text
    )


@pytest.mark.parametrize("section", ["representatives", "cancel"])
def test_a_full_contact_person_posting_a_representative_option_gets_403(client, login_as, section):
    login_as("joost")
    client.get(url())

    response = post_step(client, "type", {"sections": ["billing", section]})

    assert response.status_code == 403
    assert str(DENIED_MESSAGES["representative"]) in response.text
    assert not ChangeRequest.objects.exists()


def test_choosing_nothing_is_a_form_error(client, login_as):
    login_as("joost")
    client.get(url())

    response = post_step(client, "type", {})

    assert current_step(response) == "type"
    assert "Kies ten minste één wijziging." in response.text


def test_only_the_chosen_sections_are_steps(client, login_as):
    login_as("maximo")

    response = choose(client, "billing", "cancel")

    steps = [step["label"] for step in response.context["step_bar"]]
    assert [str(label) for label in steps] == [
        "Type wijziging",
        "Facturatiegegevens",
        "Opzeggen abonnement",
        "Indienen",
    ]
    assert current_step(response) == "facturatie"


@pytest.mark.parametrize(
    "step",
    [
        "bogus",
        # A real step, but not one of the chosen sections (billing only).
        "opzeggen",
        # A real step this person may never use (a full contact person, no representatives).
        "vertegenwoordigers",
    ],
)
def test_a_step_the_form_does_not_offer_shows_the_current_step(client, login_as, step):
    login_as("joost")
    assert current_step(choose(client, "billing")) == "facturatie"

    response = post_step(client, step, {"reason": "weg", "TOTAL_FORMS": "0"})

    assert current_step(response) == "facturatie"
    assert "Deze stap bestaat niet of is niet voor u beschikbaar." in response.text
    assert not ChangeRequest.objects.exists()
