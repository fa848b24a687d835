"""The change form's organisation sections: name/address, contact data, billing (manual §7.2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organisations.models import Subscriber
from registration.models import ChangeRequest
from tests.registration.steps import (
    choose,
    current_step,
    errors,
    form_of,
    post_step,
    prefilled,
    submit,
)

pytestmark = pytest.mark.django_db


def _voorbeeld() -> Subscriber:
    return Subscriber.objects.get(name="Voorbeeld B.V.")


def test_name_and_address_change_is_submitted_without_changing_the_registration(client, login_as):
    login_as("maximo")
    before = {field: getattr(_voorbeeld(), field) for field in ("name", "street", "postcode")}

    response = choose(client, "organisation")
    assert current_step(response) == "organisatie"
    shown = prefilled(response)
    assert shown["name"] == "Voorbeeld B.V."
    assert shown["postcode"] == "3072 AP"
    response = post_step(
        client,
        "organisatie",
        {**shown, "name": "Voorbeeld Holding B.V.", "street": "Kade 1", "postcode": "3011aa"},
    )
    assert current_step(response) == "indienen", errors(response)
    assert "Voorbeeld Holding B.V." in response.text
    response = submit(client, response)

    change_request = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "change_request_submitted", args=[change_request.reference]
    )
    assert change_request.sections["organisation"]["after"]["postcode"] == "3011 AA"
    assert change_request.sections["organisation"]["before"]["name"] == "Voorbeeld B.V."
    assert change_request.state == ChangeRequest.State.SUBMITTED
    assert not change_request.print_and_sign
    voorbeeld = _voorbeeld()
    assert {field: getattr(voorbeeld, field) for field in before} == before


def test_an_organisation_name_with_a_zero_width_space_is_refused(client, login_as):
    login_as("maximo")
    shown = prefilled(choose(client, "organisation"))

    response = post_step(client, "organisatie", {**shown, "name": "Voorbeeld\u200b B.V."})

    assert current_step(response) == "organisatie"
    assert "(U+200B ZERO WIDTH SPACE). Verwijder ze." in errors(response)
    assert not ChangeRequest.objects.exists()


def test_a_postcode_phone_and_kvk_number_in_the_wrong_format_are_refused(client, login_as):
    login_as("joost")
    shown = prefilled(choose(client, "organisation"))

    response = post_step(
        client, "organisatie", {**shown, "postcode": "30721 AP", "kvk_number": "1234567"}
    )

    assert current_step(response) == "organisatie"
    form = form_of(response)
    assert form.errors["postcode"] == [
        "Vul een geldige Nederlandse postcode in, bijvoorbeeld 3072 AP."
    ]
    assert form.errors["kvk_number"] == ["Een KvK-nummer bestaat uit 8 cijfers."]


def test_a_section_without_changes_is_refused(client, login_as):
    login_as("joost")
    shown = prefilled(choose(client, "organisation"))

    response = post_step(client, "organisatie", shown)

    assert current_step(response) == "organisatie"
    assert "U heeft in deze rubriek niets gewijzigd." in response.text


def test_contact_data_change(client, login_as):
    login_as("joost")
    response = choose(client, "contact_data")
    assert prefilled(response) == {"phone": "0688889900"}

    refused = post_step(client, "contactgegevens", {"phone": "06-1234"})
    assert "Vul een geldig Nederlands telefoonnummer in" in refused.text
    response = post_step(client, "contactgegevens", {"phone": "+31 10 123 45 67"})
    submit(client, response)

    change_request = ChangeRequest.objects.get()
    assert change_request.sections == {
        "contact_data": {"before": {"phone": "0688889900"}, "after": {"phone": "+31101234567"}}
    }
    assert _voorbeeld().phone == "0688889900"


def test_billing_change_checks_iban_and_vat_number(client, login_as):
    login_as("joost")
    shown = prefilled(choose(client, "billing"))
    assert shown["billing_email"] == "facturen@voorbeeld.nl"
    assert shown["vat_number"] == "NL001234567B01"

    response = post_step(
        client,
        "facturatie",
        {
            **shown,
            "direct_debit": "on",
            "iban": "NL91 ABNA 0417 1643 01",
            "account_holder": "Voorbeeld B.V.",
            "vat_number": "NL000099998B58",
        },
    )
    assert current_step(response) == "facturatie"
    assert form_of(response).errors["iban"] == [
        "Het rekeningnummer (IBAN) klopt niet: het controlegetal is onjuist."
    ]
    assert form_of(response).errors["vat_number"] == [
        "Het BTW-nummer klopt niet: het controlegetal is onjuist."
    ]
    assert "Het rekeningnummer (IBAN) klopt niet" in response.text

    response = post_step(
        client, "facturatie", {**shown, "direct_debit": "on", "account_holder": "Voorbeeld B.V."}
    )
    assert form_of(response).errors["iban"] == [
        "Vul dit in voor betaling via automatische incasso."
    ]

    response = post_step(
        client,
        "facturatie",
        {
            **shown,
            "billing_email": "crediteuren@voorbeeld.nl",
            "direct_debit": "on",
            "iban": "nl91 abna 0417 1643 00",
            "account_holder": "Voorbeeld B.V.",
            "vat_number": "NL 0000.99998.B57",
        },
    )
    assert current_step(response) == "indienen", errors(response)
    submit(client, response)

    after = ChangeRequest.objects.get().sections["billing"]["after"]
    assert after["iban"] == "NL91ABNA0417164300"
    assert after["vat_number"] == "NL000099998B57"
    assert after["direct_debit"] is True
    assert after["billing_email"] == "crediteuren@voorbeeld.nl"
    voorbeeld = _voorbeeld()
    assert (voorbeeld.iban, voorbeeld.billing_email) == ("", "facturen@voorbeeld.nl")


def test_a_registered_value_left_as_it_is_is_not_checked_again(client, login_as):
    """The demo's VAT number (the seed's NL001234567B01) fails the checksum: a billing change
    that leaves it alone must still go through; the back office registered it."""
    login_as("joost")
    shown = prefilled(choose(client, "billing"))

    response = post_step(client, "facturatie", {**shown, "billing_attention": "Crediteuren"})

    assert current_step(response) == "indienen", errors(response)


def test_cancel_subscription(client, login_as):
    login_as("maximo")
    choose(client, "cancel")

    refused = post_step(client, "opzeggen", {"reason": "Overstap"})
    assert "Bevestig dat u het abonnement wilt opzeggen." in refused.text
    response = post_step(client, "opzeggen", {"confirm": "on", "reason": "Overstap"})
    assert "Het abonnement wordt opgezegd." in response.text
    submit(client, response)

    assert ChangeRequest.objects.get().sections == {"cancel": {"reason": "Overstap"}}
    assert _voorbeeld().cancelled_at is None


def test_a_double_submit_makes_one_request_and_shows_its_confirmation(client, login_as):
    login_as("joost")
    choose(client, "contact_data")
    response = post_step(client, "contactgegevens", {"phone": "0101234567"})

    first = submit(client, response)
    second = submit(client, response)

    change_request = ChangeRequest.objects.get()
    assert first["Location"] == second["Location"]
    assert change_request.reference in second["Location"]
