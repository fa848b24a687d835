"""The "Nieuw PKIO servercertificaat" and "Nieuw certSIGN certificaat" wizards (manual §3.3)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.models import Product
from orders.models import Order
from organisations.models import Person
from tests.certificates.csr_factory import make_csr
from tests.orders.wizard_steps import (
    DECLARATIONS,
    current_step,
    manager_choice,
    new_order_url,
    place,
    post_step,
    prefix_of,
    walk_to_final_step,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def victor(db) -> Person:  # noqa: ANN001
    return Person.objects.get(manager_number="CB9505784")


def product(code: str) -> Product:
    return Product.objects.get(code=code)


def test_it_places_one_order_with_everything_recorded(client, login_as, victor):
    login_as("joost")
    csr = make_csr(cn="app.voorbeeld.nl", sans=["app.voorbeeld.nl", "api2.voorbeeld.nl"]).decode()
    url = new_order_url()
    prefix, token = walk_to_final_step(
        client,
        url,
        csr_pem=csr,
        manager=manager_choice(victor),
        product_id=product("pkio-private").pk,
    )
    assert Order.objects.count() == 0
    response = place(client, url, prefix, token)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url.endswith(f"/bestellingen/{order.reference}/geplaatst/")
    assert re.fullmatch(r"S\d{17}", order.reference)
    assert order.state == Order.State.PLACED
    assert str(order.wizard_token) == token
    assert order.product.code == "pkio-private"
    assert order.contact_person.email == "joost@voorbeeld.nl"
    assert order.certificate_manager == victor
    assert order.server.common_name == "app.voorbeeld.nl"
    assert order.server.sans == ["app.voorbeeld.nl", "api2.voorbeeld.nl"]
    assert order.server.csr_pem.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    assert order.server.csr_details["key_description"] == "RSA 2048 bits"
    assert order.declarations == DECLARATIONS
    assert order.renews is None
    # The login certificate of joost, for "Ingediend door: Certified by" on the sealed form.
    assert order.login_certificate_issuer.startswith("/C=NL/")
    assert "CN=" in order.login_certificate_issuer
    assert re.fullmatch(r"[0-9a-f]+", order.login_certificate_serial)

    confirmation = client.get(response.url).content.decode()
    assert "Bestelling geplaatst" in confirmation
    assert order.reference in confirmation
    assert "U hoeft verder geen vervolgactie te ondernemen" in confirmation


def test_the_step_bar_and_contact_data_are_shown(client, login_as):
    login_as("joost")
    content = client.get(new_order_url()).content.decode()
    for label in [
        "1. Contactpersoon",
        "2. Certificaatbeheerder",
        "3. Certificaat",
        "4. Controle",
        "5. Voorwaarden",
        "6. Afronding",
    ]:
        assert label in content
    assert "P9571876" in content
    assert "joost@voorbeeld.nl" in content
    assert "het getoonde e-mailadres wordt gebruikt" in content
    assert "Volgende stap >>" in content


def test_a_new_manager_is_created_only_when_the_order_is_placed(client, login_as):
    login_as("herman")
    url = new_order_url()
    new = manager_choice(
        given_name="Nina", surname="Nieuw", email="nina@voorbeeld.nl", phone="0612345678"
    )
    prefix, token = walk_to_final_step(
        client, url, csr_pem=make_csr().decode(), manager=new, product_id=product("pkio-private").pk
    )
    assert not Person.objects.filter(email="nina@voorbeeld.nl").exists()
    place(client, url, prefix, token)
    nina = Person.objects.get(email="nina@voorbeeld.nl")
    order = Order.objects.get()
    assert order.certificate_manager == nina
    assert order.manager_is_new
    assert re.fullmatch(r"CB\d{7}", nina.manager_number)
    assert not nina.identified
    assert nina.subscriber == order.subscriber


def test_a_new_manager_needs_name_email_and_phone(client, login_as):
    login_as("joost")
    url = new_order_url()
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    response = post_step(client, url, prefix, "certificaatbeheerder", {"choice": "new"})
    assert current_step(response) == "certificaatbeheerder"
    errors = response.context["form"].errors
    assert set(errors) >= {"given_name", "surname", "email", "phone"}


def test_a_new_manager_with_a_reading_direction_override_is_refused(client, login_as):
    login_as("joost")
    url = new_order_url()
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")

    response = post_step(
        client,
        url,
        prefix,
        "certificaatbeheerder",
        manager_choice(
            given_name="Nina",
            surname="\u202eredeeB",
            email="nina@voorbeeld.nl",
            phone="0612345678",
        ),
    )

    assert current_step(response) == "certificaatbeheerder"
    assert response.context["form"].errors["surname"] == [
        "Dit veld bevat onzichtbare tekens of tekens die de leesrichting omdraaien "
        "(U+202E RIGHT-TO-LEFT OVERRIDE). Verwijder ze."
    ]
    assert not Person.objects.filter(email="nina@voorbeeld.nl").exists()


def test_step_three_reads_the_csr_before_going_on(client, login_as, victor):
    login_as("joost")
    url = new_order_url()
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    post_step(client, url, prefix, "certificaatbeheerder", manager_choice(victor))
    csr = make_csr(cn="lees.voorbeeld.nl", sans=["lees.voorbeeld.nl"])
    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {
            "product": product("pkio-private").pk,
            "csr_file": SimpleUploadedFile("a.csr", csr),
            "csr_preview": "1",
        },
    )
    content = response.content.decode()
    assert current_step(response) == "certificaat"
    assert "Gegevens uit de CSR" in content
    assert "lees.voorbeeld.nl" in content
    assert "RSA 2048 bits" in content
    # The uploaded file is kept as PEM text, so "Volgende stap" needs no new upload.
    assert "-----BEGIN CERTIFICATE REQUEST-----" in content
    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {"product": product("pkio-private").pk, "csr": csr.decode()},
    )
    assert current_step(response) == "controle"


def test_a_refused_csr_shows_every_reason_and_stores_nothing(client, login_as, victor):
    login_as("joost")
    url = new_order_url()
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    post_step(client, url, prefix, "certificaatbeheerder", manager_choice(victor))
    csr = make_csr(cn="www.elders.nl", sans=["www.elders.nl"], o="Iemand Anders B.V.", c="BE")
    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {"product": product("pkio-private").pk, "csr": csr.decode()},
    )
    assert current_step(response) == "certificaat"
    content = response.content.decode()
    assert "countryName moet NL zijn" in content
    assert "organizationName moet" in content
    assert "geverifieerd domein" in content
    assert Order.objects.count() == 0


def test_skipping_a_step_is_refused(client, login_as):
    login_as("joost")
    url = new_order_url()
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    # Straight to step 6 with a made-up token, and straight to step 5.
    response = post_step(
        client, url, prefix, "afronding", {"token": "00000000-0000-4000-8000-000000000000"}
    )
    assert current_step(response) == "certificaatbeheerder"
    assert "Vul eerst de stap" in response.content.decode()
    response = post_step(client, url, prefix, "voorwaarden", {code: "on" for code in DECLARATIONS})
    assert current_step(response) == "certificaatbeheerder"
    assert Order.objects.count() == 0


def test_every_declaration_is_required(client, login_as, victor):
    login_as("joost")
    url = new_order_url()
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    post_step(client, url, prefix, "certificaatbeheerder", manager_choice(victor))
    post_step(
        client,
        url,
        prefix,
        "certificaat",
        {"product": product("pkio-private").pk, "csr": make_csr().decode()},
    )
    post_step(client, url, prefix, "controle")
    response = post_step(
        client, url, prefix, "voorwaarden", {code: "on" for code in DECLARATIONS[:-1]}
    )
    assert current_step(response) == "voorwaarden"
    assert list(response.context["form"].errors) == ["domain"]


def test_going_back_keeps_what_was_entered(client, login_as, victor):
    login_as("joost")
    url = new_order_url()
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    post_step(client, url, prefix, "certificaatbeheerder", manager_choice(victor))
    csr = make_csr(cn="terug.voorbeeld.nl", sans=["terug.voorbeeld.nl"]).decode()
    post_step(client, url, prefix, "certificaat", {"product": product("pkio-trial").pk, "csr": csr})
    response = post_step(client, url, prefix, "controle", {"wizard_goto_step": "certificaat"})
    assert current_step(response) == "certificaat"
    form = response.context["form"]
    assert form.data["certificaat-csr"].strip() == csr.strip()
    assert str(form.data["certificaat-product"]) == str(product("pkio-trial").pk)
    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {
            "wizard_goto_step": "certificaatbeheerder",
            "product": product("pkio-trial").pk,
            "csr": csr,
        },
    )
    assert str(response.context["form"].data["certificaatbeheerder-manager"]) == str(victor.pk)


@pytest.mark.parametrize("replay", ["double_click", "back_button"])
def test_a_replayed_final_post_does_not_place_a_second_order(client, login_as, victor, replay):
    login_as("joost")
    url = new_order_url()
    prefix, token = walk_to_final_step(
        client,
        url,
        csr_pem=make_csr().decode(),
        manager=manager_choice(victor),
        product_id=product("pkio-private").pk,
    )
    first = place(client, url, prefix, token)
    if replay == "back_button":
        client.get(url)  # a new wizard in between; the old page is resubmitted
    second = place(client, url, prefix, token)
    assert Order.objects.count() == 1
    assert second.status_code == 302
    assert second.url == first.url


def test_the_certsign_wizard_offers_only_certsign(client, login_as, victor):
    login_as("joost")
    url = new_order_url("certsign")
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    response = post_step(client, url, prefix, "certificaatbeheerder", manager_choice(victor))
    choices = [str(label) for _value, label in response.context["form"].fields["product"].choices]
    assert choices == ["certSIGN OV SSL"]
    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {"product": product("pkio-private").pk, "csr": make_csr().decode()},
    )
    assert "product" in response.context["form"].errors


def test_certsign_requires_locality_and_state(client, login_as, victor):
    login_as("joost")
    url = new_order_url("certsign")
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    post_step(client, url, prefix, "certificaatbeheerder", manager_choice(victor))
    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {"product": product("certsign-ov").pk, "csr": make_csr().decode()},
    )
    assert current_step(response) == "certificaat"
    assert "localityName" in response.content.decode() or "L " in response.content.decode()


def test_an_unknown_wizard_is_not_found(client, login_as):
    login_as("joost")
    assert client.get("/servercertificaten/nieuw/anders/").status_code == 404


def test_the_wizard_needs_a_login(client):
    response = client.get(new_order_url())
    assert response.status_code == 403
    assert "U bent niet ingelogd" in response.content.decode()


def test_a_missing_management_form_is_a_clear_400(client, login_as):
    login_as("joost")
    client.get(new_order_url())
    response = client.post(new_order_url(), {"x": "y"})
    assert response.status_code == 400
