"""Organisatiegegevens (manual §7.1): company and billing data, every registered person
(active and inactive) with details and report links, and the two change forms."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from organisations.authorisation import DENIED_MESSAGES
from organisations.models import Person

pytestmark = pytest.mark.django_db


def page(client, login_as, slug: str) -> str:  # noqa: ANN001
    login_as(slug)
    response = client.get(reverse("organisation"))
    assert response.status_code == 200
    return response.content.decode()


def person(email: str) -> Person:
    return Person.objects.get(email=email)


def block(content: str, testid: str) -> str:
    """The HTML of one element marked with ``data-testid`` (up to its accordion item's end)."""
    start = content.index(f'data-testid="{testid}"')
    end = content.find('data-testid="person-', start + 1)
    return content[start : end if end != -1 else None]


def test_it_shows_every_section_of_the_seed(client, login_as):
    content = page(client, login_as, "maximo")
    for text in [
        "U kunt wijzigingen in uw gegevens doorgeven via de twee wijzigingsformulieren.",
        "Wijzigen Abonneeregistratie",
        "Wijziging gegevens Abonnee organisatie (adres-, contact- en facturatiegegevens)",
        "Wijziging Contactpersoon (nieuw, wijzigen, verwijderen)",
        "Wijziging Bevoegd Vertegenwoordiger (nieuw, wijzigen, verwijderen)",
        "Opzeggen Abonnement",
        "LET OP: dit formulier vereist dat u voldoende",
        "Bedrijfsgegevens",
        "Abonneenummer",
        "Reseller",
        "Organisatienaam",
        "KvK-nummer",
        "Vestigingsadres",
        "Telefoonnummer",
        "Facturatiegegevens",
        "Bedrijfsnaam",
        "Afdeling",
        "Ter attentie van",
        "Factuuradres",
        "Facturatie e-mailadres",
        "Facturatie telefoonnummer",
        "Automatische Incasso",
        "Rekeningnummer",
        "Rekeninghouder",
        "BTW nummer",
        "Bevoegd vertegenwoordigers",
        "Contactpersonen",
        "Certificaatbeheerders",
        "Wijzigen Certificaatbeheerders",
        "P9571876",
        "NL001234567B01",
    ]:
        assert text in content, text


def test_it_shows_every_registered_person_with_details(client, login_as):
    content = page(client, login_as, "maximo")
    maximo = block(content, f"person-rep-{person('maximo@voorbeeld.nl').pk}")
    for text in ["Maximo de Tester", "DGA", "maximo@voorbeeld.nl", "0622225555", "Actief"]:
        assert text in maximo, text
    herman = block(content, f"person-cp-{person('herman@voorbeeld.nl').pk}")
    assert "Heeft alleen basis autorisaties" in herman
    joost = block(content, f"person-cp-{person('joost@voorbeeld.nl').pk}")
    assert "Heeft alle autorisaties" in joost
    victor = block(content, f"person-cb-{person('victor@voorbeeld.nl').pk}")
    for text in ["Victor Achterlijn", "Persoonsnummer", "CB9505784", "0600000000"]:
        assert text in victor, text
    assert "Karel Tak" in content


def test_it_shows_inactive_persons_too(client, login_as):
    Person.objects.filter(email="karel@voorbeeld.nl").update(status=Person.Status.INACTIVE)
    content = page(client, login_as, "maximo")
    karel = block(content, f"person-cb-{person('karel@voorbeeld.nl').pk}")
    assert "Karel Tak" in karel
    assert "Inactief" in karel


def test_details_expand_with_bootstraps_data_api_not_inline_script(client, login_as):
    content = page(client, login_as, "maximo")
    victor = person("victor@voorbeeld.nl")
    assert f'data-bs-toggle="collapse" data-bs-target="#cb-{victor.pk}"' in content
    assert f'id="cb-{victor.pk}" class="accordion-collapse collapse"' in content
    assert re.findall(r"<script[^>]*>", content) == [
        '<script src="/static/vendor/bootstrap/js/bootstrap.bundle.min.js">'
    ]
    assert " onclick=" not in content


def test_representatives_and_contact_persons_link_to_what_they_requested(client, login_as):
    content = page(client, login_as, "maximo")
    for email, prefix in [("maximo@voorbeeld.nl", "rep"), ("joost@voorbeeld.nl", "cp")]:
        pk = person(email).pk
        links = block(content, f"reports-{prefix}-{pk}")
        for url, label in [
            (f"/passen/personal/?aangevraagd_door={pk}", "Aangevraagde persoonlijke certificaten"),
            (f"/passen/group/?aangevraagd_door={pk}", "Aangevraagde groepscertificaten"),
            (f"/passen/eseal/?aangevraagd_door={pk}", "Aangevraagde eSeal certificaten"),
            (f"/servercertificaten/?aangevraagd_door={pk}", "Aangevraagde servercertificaten"),
        ]:
            assert f'<a href="{url}">{label}</a>' in links, label


def test_managers_link_to_what_they_manage(client, login_as):
    content = page(client, login_as, "maximo")
    pk = person("victor@voorbeeld.nl").pk
    links = block(content, f"reports-cb-{pk}")
    for url, label in [
        (f"/servercertificaten/?beheerder={pk}", "Servercertificaten in beheer"),
        (f"/passen/group/?beheerder={pk}", "Groepslicenties in beheer"),
        (f"/passen/eseal/?beheerder={pk}", "eSeal certificaten in beheer"),
    ]:
        assert f'<a href="{url}">{label}</a>' in links, label
    assert "aangevraagd_door" not in links


@pytest.mark.parametrize("slug", ["maximo", "joost"])
def test_who_may_change_the_registration_gets_the_button(client, login_as, slug):
    content = page(client, login_as, slug)
    assert 'data-testid="registration-change-button"' in content
    assert f'href="{reverse("registration_change")}"' in content
    assert str(DENIED_MESSAGES["registration"]) not in content


def test_the_registration_form_is_under_organisatie_wijzigen():
    assert reverse("registration_change") == "/organisatie/wijzigen/"


def test_the_basic_contact_person_sees_the_seeds_message_instead_of_the_button(client, login_as):
    content = page(client, login_as, "herman")
    assert 'data-testid="registration-change-button"' not in content
    assert "U bent niet geautoriseerd om wijzigingen door te voeren" in content
    assert "U heeft als contactpersoon alleen basis autorisaties." in content
    # The managers form is open to every contact person (manual §7.3).
    assert 'data-testid="managers-change-button"' in content


def test_without_active_managers_the_seeds_message_replaces_the_managers_button(client, login_as):
    Person.objects.filter(manager_number__isnull=False).update(status=Person.Status.INACTIVE)
    content = page(client, login_as, "maximo")
    assert 'data-testid="managers-change-button"' not in content
    assert (
        "Dit formulier is niet beschikbaar omdat er geen (actieve) Certificaatbeheerders zijn "
        "geregistreerd voor uw organisatie." in content
    )
    # The inactive managers are still listed.
    assert "Victor Achterlijn" in content


def test_the_outsider_sees_only_their_own_persons(client, login_as):
    content = page(client, login_as, "frank")
    assert "Frank TestF" in content
    assert "Victor Achterlijn" not in content
    assert "Maximo de Tester" not in content
