"""The authorisation matrix (SPEC.md §1, manual §7.2), as one table, through the Django test client.

Every role × every action with the demo people: maximo (authorised
representative), joost (contact person, all authorisations), herman (contact
person, basic). And the outsider frank gets a 404 on every object of
"Voorbeeld B.V.".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from certificates.models import Card, Certificate
from orders.models import Order
from organisations.authorisation import MATRIX, Action, Role, allowed
from organisations.models import Person, Subscriber
from tests.orders.placing import place_order
from tests.registration.submitting import address_change, submit_change

pytestmark = pytest.mark.django_db

PEOPLE = {"maximo": Role.REPRESENTATIVE, "joost": Role.CONTACT_FULL, "herman": Role.CONTACT_BASIC}

# The matrix as the seed (§7.2) and SPEC.md §1 state it: + allowed, - refused.
EXPECTED = {
    #                                  maximo joost herman
    Action.CHANGE_ORGANISATION: "++-",
    Action.CHANGE_BILLING: "++-",
    Action.CHANGE_CONTACTS: "++-",
    Action.CHANGE_REPRESENTATIVES: "+--",
    Action.CANCEL_SUBSCRIPTION: "+--",
    Action.CHANGE_MANAGERS: "+++",
    Action.ORDER: "+++",
    Action.RENEW: "+++",
    Action.REVOKE: "+++",
    Action.EXPORT: "+++",
}


def _www() -> Certificate:
    return Certificate.objects.get(common_name="www.voorbeeld.nl")


@dataclass(frozen=True)
class Probe:
    """One request that does (or opens) an action; ``ok`` is the allowed status."""

    method: str
    url: Callable[[], str]
    data: Callable[[], dict] = dict
    ok: tuple[int, ...] = (200,)


REGISTRATION = "/organisatie/wijzigen/"


def _choose(section: str) -> Probe:
    """Step 1 of "Wijzigen Abonneeregistratie" with one section ticked."""
    return Probe(
        "post",
        lambda: REGISTRATION,
        lambda: {"registration-change-current_step": "type", "type-sections": [section]},
    )


PROBES: dict[Action, list[Probe]] = {
    Action.CHANGE_ORGANISATION: [
        Probe("get", lambda: REGISTRATION),
        _choose("organisation"),
        _choose("contact_data"),
    ],
    Action.CHANGE_BILLING: [_choose("billing")],
    Action.CHANGE_CONTACTS: [_choose("contacts")],
    Action.CHANGE_REPRESENTATIVES: [_choose("representatives")],
    Action.CANCEL_SUBSCRIPTION: [_choose("cancel")],
    Action.CHANGE_MANAGERS: [Probe("get", lambda: "/organisatie/certificaatbeheerders/")],
    Action.ORDER: [
        Probe("get", lambda: "/servercertificaten/nieuw/pkio/"),
        Probe("get", lambda: "/servercertificaten/nieuw/certsign/"),
    ],
    Action.RENEW: [
        Probe("get", lambda: f"/servercertificaten/{_www().pk}/verlengen/"),
        Probe("get", lambda: f"/servercertificaten/{_www().pk}/verlengen/formulier/"),
    ],
    Action.REVOKE: [
        Probe("get", lambda: f"/servercertificaten/{_www().pk}/intrekken/"),
        Probe(
            "post",
            lambda: f"/servercertificaten/{_www().pk}/intrekken/",
            lambda: {"reason": "superseded", "confirm": "on"},
            ok=(302,),
        ),
    ],
    Action.EXPORT: [Probe("get", lambda: "/servercertificaten/export.csv")],
}


def test_the_matrix_is_the_documented_table():
    assert set(EXPECTED) == set(Action) == set(MATRIX)
    for action, marks in EXPECTED.items():
        assert [
            allowed(Person.objects.get(email=f"{slug}@voorbeeld.nl"), action) for slug in PEOPLE
        ] == [mark == "+" for mark in marks], action


@pytest.mark.parametrize("slug", list(PEOPLE))
@pytest.mark.parametrize("action", list(PROBES))
def test_every_role_and_action_through_the_views(client: Client, login_as, slug, action):
    assert set(PROBES) == set(Action)
    login_as(slug)
    may = EXPECTED[action][["maximo", "joost", "herman"].index(slug)] == "+"
    for probe in PROBES[action]:
        response = getattr(client, probe.method)(probe.url(), probe.data())
        if may:
            assert response.status_code in probe.ok, (probe.url(), response.status_code)
        else:
            assert response.status_code == 403, (probe.url(), response.status_code)
            assert "geautoriseerd" in response.content.decode() or (
                "alleen beschikbaar als u bent ingelogd als Bevoegd Vertegenwoordiger"
                in response.content.decode()
            )


def _voorbeeld_objects() -> list[str]:
    """Every page of an object of Voorbeeld B.V. a person could ask for by id."""
    www = _www()
    card = Card.objects.filter(subscriber=www.subscriber).first()
    card_certificate = Certificate.objects.filter(card=card).first()
    order = place_order()
    change = submit_change(address_change())
    victor = Person.objects.get(manager_number="CB9505784")
    urls = [
        f"/servercertificaten/{www.pk}/",
        f"/servercertificaten/{www.pk}/intrekken/",
        f"/servercertificaten/{www.pk}/verlengen/",
        f"/servercertificaten/{www.pk}/verlengen/formulier/",
        f"/passen/personal/{card_certificate.pk}/",
        f"/bestellingen/{order.reference}/",
        f"/bestellingen/{order.reference}/geplaatst/",
        f"/bestellingen/{order.reference}/bestelformulier.pdf",
        f"/bestellingen/{order.reference}/bestelformulier.xml",
        f"/organisatie/wijzigen/{change.reference}/ingediend/",
        f"/organisatie/wijzigen/{change.reference}/wijzigingsformulier.pdf",
        f"/servercertificaten/?beheerder={victor.pk}",
        f"/servercertificaten/?aangevraagd_door={victor.pk}",
        f"/passen/personal/?beheerder={victor.pk}",
        f"/organisatie/certificaatbeheerders/{victor.pk}/gegevens/",
        f"/organisatie/certificaatbeheerders/{victor.pk}/deactiveren/",
    ]
    urls += [f"/certificaten/{www.pk}/download/{fmt}/" for fmt in ("pem", "der", "chain", "p7b")]
    return urls


def test_the_outsider_gets_a_404_on_every_object_of_voorbeeld(client: Client, login_as):
    assert Order.objects.count() == 0
    urls = _voorbeeld_objects()
    login_as("frank")
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_a_cancelled_subscription_ends_ordering_and_renewing_but_not_revoking(
    client: Client, login_as
):
    www = _www()
    Subscriber.objects.filter(pk=www.subscriber_id).update(cancelled_at="2026-11-01T12:00:00+01:00")
    login_as("maximo")

    for url in [
        "/servercertificaten/nieuw/pkio/",
        f"/servercertificaten/{www.pk}/verlengen/",
        f"/servercertificaten/{www.pk}/verlengen/formulier/",
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Het abonnement van uw organisatie is opgezegd" in response.content.decode()
    assert client.get(f"/servercertificaten/{www.pk}/intrekken/").status_code == 200
    overview = client.get("/servercertificaten/").content.decode()
    assert 'data-testid="subscription-cancelled"' in overview
    assert 'data-testid="new-pkio"' not in overview
