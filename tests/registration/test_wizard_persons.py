"""The change form's person sections: contact persons and authorised representatives
(manual §7.2: new, change, remove; the ID copy; the special scenarios)."""

from __future__ import annotations

import pytest

from organisations.models import Person
from registration.models import ChangeRequest
from tests.registration.conftest import pdf_upload, png_upload, stored_id_documents
from tests.registration.steps import (
    choose,
    current_step,
    errors,
    form_of,
    formset_data,
    post_step,
    submit,
    url,
)

pytestmark = pytest.mark.django_db

NEW_CONTACT = {
    "given_name": "Nina",
    "surname": "Nieuw",
    "email": "nina@voorbeeld.nl",
    "phone": "06 1234 5678",
    "job_title": "Security officer",
    "contact_authorisation": "basic",
}
NEW_REPRESENTATIVE = {
    "given_name": "Pedro",
    "surname": "con Certo",
    "birth_date": "22-12-1971",
    "job_title": "Dirigent",
    "phone": "0612390875",
    "email": "pedro@voorbeeld.nl",
}
ID_REQUIRED = (
    "U dient een kopie van een geldig identiteitsbewijs van de Contactpersoon te uploaden. "
    "Toegestane bestandsformaten zijn een PDF of als afbeelding in JPEG, GIF of PNG formaat."
)
WITH_CONTACTS = (
    "U kunt geen wijzigingen in Contactpersonen doorgeven in combinatie met het registreren "
    "van een nieuwe Bevoegd Vertegenwoordiger. Geef uw wijzigingen met betrekking tot "
    "Contactpersonen door in een apart wijzigingsformulier."
)


def _rows(response) -> list[str]:  # noqa: ANN001
    return [form.initial.get("email") for form in form_of(response).forms if form.is_registered]


def test_the_contact_persons_step_is_prefilled_with_the_registered_contact_persons(
    client, login_as
):
    login_as("joost")

    response = choose(client, "contacts")

    assert current_step(response) == "contactpersonen"
    assert _rows(response) == ["joost@voorbeeld.nl", "herman@voorbeeld.nl"]
    herman = form_of(response).forms[1]
    assert herman.initial["contact_authorisation"] == "basic"
    assert "herman@voorbeeld.nl" in response.text
    assert "Upload kopie identiteitsbewijs Contactpersoon" in response.text
    assert (
        "In het kader van uw privacy adviseert het Certificaatportaal om zowel de pasfoto als "
        "het BSN onleesbaar te maken." in response.text
    )


@pytest.mark.parametrize(
    ("upload", "content_type", "extension"),
    [(png_upload, "image/png", ".png"), (pdf_upload, "application/pdf", ".pdf")],
)
def test_a_new_contact_person_with_an_id_copy(
    client, login_as, upload_dir, upload, content_type, extension
):
    login_as("joost")
    response = choose(client, "contacts")
    file = upload()

    response = post_step(
        client,
        "contactpersonen",
        formset_data(response, new=[{**NEW_CONTACT, "id_document": file}]),
    )
    assert current_step(response) == "indienen", errors(response)
    assert "Nina Nieuw" in response.text
    submit(client, response)

    (entry,) = ChangeRequest.objects.get().sections["contacts"]["changes"]
    assert entry["change"] == "new"
    assert entry["after"] == {**NEW_CONTACT, "phone": "0612345678"}
    document = entry["id_document"]
    assert document["original_name"] == file.name
    assert document["content_type"] == content_type
    (stored,) = stored_id_documents(upload_dir)
    assert stored.name == document["stored_name"]
    assert stored.suffix == extension
    assert file.name.rsplit(".", 1)[0] not in stored.name
    assert len(stored.stem) == 32
    assert not Person.objects.filter(email="nina@voorbeeld.nl").exists()


def test_a_new_contact_person_without_an_id_copy_is_refused(client, login_as, upload_dir):
    login_as("joost")
    response = choose(client, "contacts")

    response = post_step(client, "contactpersonen", formset_data(response, new=[NEW_CONTACT]))

    assert current_step(response) == "contactpersonen"
    assert form_of(response).forms[2].errors["id_document"] == [ID_REQUIRED]
    assert not stored_id_documents(upload_dir)


def test_a_refused_id_copy_gives_the_checks_message(client, login_as, upload_dir):
    login_as("joost")
    response = choose(client, "contacts")
    from django.core.files.uploadedfile import SimpleUploadedFile

    html = SimpleUploadedFile("paspoort.png", b"<html><script>alert(1)</script></html>")
    response = post_step(
        client,
        "contactpersonen",
        formset_data(response, new=[{**NEW_CONTACT, "id_document": html}]),
    )

    assert current_step(response) == "contactpersonen"
    assert form_of(response).forms[2].errors["id_document"] == [
        "Dit bestand is geen PDF, JPEG, GIF of PNG."
    ]
    assert not stored_id_documents(upload_dir)


def test_an_id_copy_is_kept_when_another_field_is_wrong(client, login_as, upload_dir):
    login_as("joost")
    response = choose(client, "contacts")
    data = formset_data(response, new=[{**NEW_CONTACT, "email": "", "id_document": png_upload()}])

    response = post_step(client, "contactpersonen", data)
    assert current_step(response) == "contactpersonen"
    assert "Kopie identiteitsbewijs ontvangen: paspoort.png" in response.text
    (stored,) = stored_id_documents(upload_dir)

    # The page posts the stored name back; no new upload is needed.
    del data["2-id_document"]
    data.update({"2-email": "nina@voorbeeld.nl", "2-id_document_stored": stored.name})
    response = post_step(client, "contactpersonen", data)
    assert current_step(response) == "indienen", errors(response)
    submit(client, response)

    (entry,) = ChangeRequest.objects.get().sections["contacts"]["changes"]
    assert entry["id_document"]["stored_name"] == stored.name
    assert stored_id_documents(upload_dir) == [stored]


def test_a_stored_name_this_form_did_not_store_is_not_accepted(client, login_as, upload_dir):
    """Nobody can point a new contact person at another upload by its name."""
    login_as("joost")
    response = choose(client, "contacts")
    foreign = "0123456789abcdef0123456789abcdef.png"

    response = post_step(
        client,
        "contactpersonen",
        formset_data(response, new=[{**NEW_CONTACT, "id_document_stored": foreign}]),
    )

    assert current_step(response) == "contactpersonen"
    assert form_of(response).forms[2].errors["id_document"] == [ID_REQUIRED]


def test_change_a_contact_persons_data_and_authorisation(client, login_as, herman):
    login_as("joost")
    response = choose(client, "contacts")

    response = post_step(
        client,
        "contactpersonen",
        formset_data(
            response,
            changes={1: {"contact_authorisation": "full", "job_title": "Hoofd beheer"}},
        ),
    )
    assert current_step(response) == "indienen", errors(response)
    submit(client, response)

    (entry,) = ChangeRequest.objects.get().sections["contacts"]["changes"]
    assert entry["change"] == "change"
    assert entry["person"] == herman.pk
    assert entry["before"]["contact_authorisation"] == "basic"
    assert entry["after"]["contact_authorisation"] == "full"
    assert entry["after"]["job_title"] == "Hoofd beheer"
    herman.refresh_from_db()
    assert herman.contact_authorisation == "basic"


def test_remove_a_contact_person(client, login_as, herman):
    login_as("joost")
    response = choose(client, "contacts")

    response = post_step(
        client,
        "contactpersonen",
        formset_data(response, changes={1: {"remove": "on", "email": "not an address"}}),
    )
    assert current_step(response) == "indienen", errors(response)
    assert "Verwijderen Contactpersoon: Herman Testing" in response.text
    submit(client, response)

    (entry,) = ChangeRequest.objects.get().sections["contacts"]["changes"]
    assert entry == {
        "change": "remove",
        "person": herman.pk,
        "before": {
            "given_name": "Herman",
            "surname": "Testing",
            "email": "herman@voorbeeld.nl",
            "phone": "0688442211",
            "job_title": "Beheerder",
            "contact_authorisation": "basic",
        },
    }
    assert Person.objects.get(pk=herman.pk).is_active


def test_a_contact_persons_step_without_changes_is_refused(client, login_as):
    login_as("joost")
    response = choose(client, "contacts")

    response = post_step(client, "contactpersonen", formset_data(response))

    assert current_step(response) == "contactpersonen"
    assert "U heeft in deze rubriek niets gewijzigd." in response.text


def test_a_row_posted_for_another_person_is_refused(client, login_as, frank):
    login_as("joost")
    response = choose(client, "contacts")

    response = post_step(
        client,
        "contactpersonen",
        formset_data(response, changes={1: {"person": frank.pk, "job_title": "Baas"}}),
    )

    assert current_step(response) == "contactpersonen"
    assert "De geregistreerde personen zijn intussen gewijzigd." in response.text
    assert not ChangeRequest.objects.exists()


def test_a_new_authorised_representative_makes_a_print_and_sign_request(client, login_as):
    login_as("maximo")
    response = choose(client, "representatives")
    assert current_step(response) == "vertegenwoordigers"
    assert _rows(response) == ["maximo@voorbeeld.nl"]

    response = post_step(
        client, "vertegenwoordigers", formset_data(response, new=[NEW_REPRESENTATIVE])
    )
    assert current_step(response) == "indienen", errors(response)
    assert 'data-testid="print-and-sign"' in response.text
    response = submit(client, response)

    change_request = ChangeRequest.objects.get()
    assert change_request.print_and_sign
    data = change_request.sections["representatives"]
    assert data["remaining"] == ["Maximo de Tester"]
    (entry,) = data["changes"]
    assert entry["after"]["birth_date"] == "1971-12-22"
    page = client.get(response["Location"])
    assert "moet worden uitgeprint en ondertekend" in page.text
    assert "de huidige en de nieuwe Bevoegd Vertegenwoordiger" in page.text
    assert "U hoeft verder geen vervolgactie te ondernemen." not in page.text
    assert not Person.objects.filter(email="pedro@voorbeeld.nl").exists()


def test_a_new_representative_needs_a_birth_date_of_an_adult(client, login_as):
    login_as("maximo")
    response = choose(client, "representatives")

    response = post_step(
        client,
        "vertegenwoordigers",
        formset_data(response, new=[{**NEW_REPRESENTATIVE, "birth_date": "01-01-2020"}]),
    )

    assert form_of(response).forms[1].errors["birth_date"] == [
        "Een Bevoegd Vertegenwoordiger is ten minste 18 jaar oud."
    ]


def test_a_new_representative_with_contact_persons_gets_the_message_on_step_1(client, login_as):
    """The seed's message comes on "Type wijziging", before anything is filled in
    (manual §7.2, "Bijzondere scenario's"), not as a stuck representatives step."""
    login_as("maximo")
    client.get(url())

    response = post_step(
        client,
        "type",
        {"sections": ["representatives", "contacts"], "new_representative": "on"},
    )

    assert current_step(response) == "type"
    assert list(form_of(response).non_field_errors()) == [WITH_CONTACTS]
    assert WITH_CONTACTS in response.text


def test_a_new_representative_alone_goes_on_to_the_representatives_step(client, login_as):
    login_as("maximo")
    client.get(url())

    response = post_step(
        client, "type", {"sections": ["representatives"], "new_representative": "on"}
    )

    assert current_step(response) == "vertegenwoordigers", errors(response)
    assert not form_of(response).forms[-1].is_registered  # an empty row for the new one


def test_a_new_representative_needs_the_representatives_section(client, login_as):
    login_as("maximo")
    client.get(url())

    response = post_step(client, "type", {"sections": ["billing"], "new_representative": "on"})

    assert current_step(response) == "type"
    assert form_of(response).errors["sections"] == [
        "Kies ook “Bevoegd Vertegenwoordigers” om een nieuwe op te voeren."
    ]


def test_only_a_representative_is_asked_about_a_new_representative(client, login_as):
    login_as("joost")

    response = client.get(url())

    assert "new_representative" not in form_of(response).fields
    assert "Ik voer een nieuwe Bevoegd Vertegenwoordiger op" not in response.text


def test_with_contact_persons_the_representatives_step_offers_no_new_row(client, login_as):
    login_as("maximo")
    response = choose(client, "representatives", "contacts")

    assert current_step(response) == "vertegenwoordigers"
    assert all(form.is_registered for form in form_of(response).forms)
    assert 'data-testid="no-new-representative"' in response.text


def test_a_new_representative_posted_anyway_with_contact_persons_is_refused(client, login_as):
    login_as("maximo")
    response = choose(client, "representatives", "contacts")
    data = formset_data(response)
    index = data["TOTAL_FORMS"]
    data["TOTAL_FORMS"] = index + 1
    data.update({f"{index}-{name}": value for name, value in NEW_REPRESENTATIVE.items()})

    response = post_step(client, "vertegenwoordigers", data)

    assert current_step(response) == "vertegenwoordigers"
    assert list(form_of(response).non_form_errors()) == [WITH_CONTACTS]
    assert WITH_CONTACTS in response.text


def test_a_representative_change_with_contact_person_changes_is_fine(client, login_as):
    login_as("maximo")
    response = choose(client, "representatives", "contacts")

    response = post_step(
        client, "vertegenwoordigers", formset_data(response, changes={0: {"job_title": "CEO"}})
    )
    assert current_step(response) == "contactpersonen", errors(response)
    response = post_step(
        client, "contactpersonen", formset_data(response, changes={1: {"remove": "on"}})
    )
    submit(client, response)

    sections = ChangeRequest.objects.get().sections
    assert sections["representatives"]["changes"][0]["after"]["job_title"] == "CEO"
    assert not ChangeRequest.objects.get().print_and_sign


def test_change_an_authorised_representative(client, login_as, maximo):
    login_as("maximo")
    response = choose(client, "representatives")

    response = post_step(
        client,
        "vertegenwoordigers",
        formset_data(response, changes={0: {"phone": "0622225556", "job_title": "CEO"}}),
    )
    submit(client, response)

    (entry,) = ChangeRequest.objects.get().sections["representatives"]["changes"]
    assert entry["change"] == "change"
    assert entry["person"] == maximo.pk
    assert (entry["before"]["job_title"], entry["after"]["job_title"]) == ("DGA", "CEO")
    assert "birth_date" not in entry["after"]


def test_the_last_authorised_representative_cannot_be_removed(client, login_as):
    login_as("maximo")
    response = choose(client, "representatives")

    response = post_step(
        client, "vertegenwoordigers", formset_data(response, changes={0: {"remove": "on"}})
    )

    assert current_step(response) == "vertegenwoordigers"
    assert "Er moet ten minste één Bevoegd Vertegenwoordiger geregistreerd blijven." in (
        response.text
    )


def test_remove_an_authorised_representative(client, login_as, maximo):
    second = Person.objects.create(
        subscriber=maximo.subscriber,
        given_name="Rita",
        surname="Vertrek",
        email="rita@voorbeeld.nl",
        is_representative=True,
    )
    login_as("maximo")
    response = choose(client, "representatives")
    rows = _rows(response)
    assert sorted(rows) == ["maximo@voorbeeld.nl", "rita@voorbeeld.nl"]

    response = post_step(
        client,
        "vertegenwoordigers",
        formset_data(response, changes={rows.index("rita@voorbeeld.nl"): {"remove": "on"}}),
    )
    submit(client, response)

    change_request = ChangeRequest.objects.get()
    (entry,) = change_request.sections["representatives"]["changes"]
    assert (entry["change"], entry["person"]) == ("remove", second.pk)
    assert not change_request.print_and_sign


def test_a_changed_contact_person_needs_name_and_email(client, login_as):
    login_as("joost")
    response = choose(client, "contacts")

    response = post_step(
        client, "contactpersonen", formset_data(response, changes={1: {"email": ""}})
    )

    assert current_step(response) == "contactpersonen"
    assert form_of(response).forms[1].errors["email"] == ["Dit veld is verplicht."]


def test_a_new_contact_person_with_a_registered_email_is_refused(client, login_as):
    login_as("joost")
    response = choose(client, "contacts")

    response = post_step(
        client,
        "contactpersonen",
        formset_data(
            response,
            new=[{**NEW_CONTACT, "email": "HERMAN@voorbeeld.nl", "id_document": png_upload()}],
        ),
    )

    assert current_step(response) == "contactpersonen"
    assert "Een nieuwe Contactpersoon heeft het e-mailadres van een andere" in response.text


def test_starting_again_deletes_the_id_copies_of_the_unsubmitted_form(client, login_as, upload_dir):
    login_as("joost")
    response = choose(client, "contacts")
    post_step(
        client,
        "contactpersonen",
        formset_data(response, new=[{**NEW_CONTACT, "id_document": png_upload()}]),
    )
    assert len(stored_id_documents(upload_dir)) == 1

    client.get(url())

    assert stored_id_documents(upload_dir) == []


def test_starting_again_after_submitting_keeps_the_submitted_id_copy(client, login_as, upload_dir):
    login_as("joost")
    response = choose(client, "contacts")
    response = post_step(
        client,
        "contactpersonen",
        formset_data(response, new=[{**NEW_CONTACT, "id_document": pdf_upload()}]),
    )
    submit(client, response)

    client.get(url())

    (stored,) = stored_id_documents(upload_dir)
    entry = ChangeRequest.objects.get().sections["contacts"]["changes"][0]
    assert entry["id_document"]["stored_name"] == stored.name
