"""The sealed change form, its e-mail and its download (SPEC.md §8, manual §7.2)."""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from registration import documents
from registration.documents import documents_create
from registration.models import ChangeRequest, ChangeRequestDocuments
from tests.registration.submitting import (
    LOGIN_ISSUER,
    address_change,
    new_representative,
    person,
    submit_change,
)

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path: Path) -> str:
    """pdftotext output with all whitespace removed: line breaks fall anywhere."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return "".join(output.split())


def _squash(text: str) -> str:
    return "".join(text.split())


def _representative_change() -> ChangeRequest:
    maximo = person("maximo")
    return submit_change(
        {
            "representatives": {
                "changes": [
                    new_representative(),
                    {
                        "change": "change",
                        "person": maximo.pk,
                        "before": {"job_title": "DGA"},
                        "after": {"job_title": "CEO"},
                    },
                ],
                "remaining": ["Maximo de Tester"],
            }
        }
    )


def test_the_sealed_form_validates_intact_and_trusted(pki_dir):
    change_request = submit_change(address_change())
    sealed = documents.sealed_change_form(change_request)

    root = load_cert_from_pemder(pki_dir / "ca" / "g3-root.crt")
    (signature,) = PdfFileReader(BytesIO(sealed)).embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[root], allow_fetching=False)
    )
    assert signature.field_name == "Verzegeling"
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_the_form_shows_the_change_and_who_submitted_it(tmp_path):
    change_request = submit_change(address_change())

    text = _text(documents.change_form_pdf(change_request), tmp_path)

    for expected in [
        "Abonneeregistratie PKIoverheid",
        f"Referentie {change_request.reference}",
        "Organisatienaam en/of adresgegevens",
        "Straat en huisnummer Wilhelminakade 123 Coolsingel 40",
        "Postcode 3072 AP 3011 AD",
        "Ingediend door: Maximo de Tester",
        f"Certified by: {LOGIN_ISSUER}",
        "Plaats: Online via selfservice portal",
    ]:
        assert _squash(expected) in text, expected
    # Unchanged fields are not listed as changes.
    assert _squash("Plaats Rotterdam Rotterdam") not in text
    assert "Handtekening" not in text


def test_a_new_representative_gives_signature_lines_for_the_current_and_the_new_one(tmp_path):
    change_request = _representative_change()
    assert change_request.print_and_sign

    text = _text(documents.change_form_pdf(change_request), tmp_path)

    for expected in [
        "Bevoegd Vertegenwoordigers",
        "Bevoegd Vertegenwoordiger 1",
        "Type wijziging: Nieuwe Bevoegd Vertegenwoordiger",
        "Naam: Pedro con Certo",
        "Geboortedatum: 22-12-1971",
        "Functie: Dirigent",
        "Functie: DGA CEO",
        "dient uitgeprint en ondertekend te worden",
        "Huidige Bevoegd Vertegenwoordiger Maximo de Tester",
        "Nieuwe Bevoegd Vertegenwoordiger Pedro con Certo",
    ]:
        assert _squash(expected) in text, expected
    assert text.count("Handtekening:") == 2
    assert text.count("Datum:") == 3  # two signature lines and the submission
    assert text.count("Plaats:") == 3


def test_submitting_makes_the_pdf_and_mails_it(eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change_request = submit_change(address_change(), by="joost")

    change_request.refresh_from_db()
    stored = ChangeRequestDocuments.objects.get(change_request=change_request)
    (message,) = mail.outbox
    assert message.to == ["joost@voorbeeld.nl"]
    assert change_request.reference in message.subject
    assert "U hoeft verder geen vervolgactie te ondernemen." in message.body
    ((name, content, mimetype),) = message.attachments
    assert name == f"wijzigingsformulier-{change_request.reference}.pdf"
    assert (content, mimetype) == (bytes(stored.pdf), "application/pdf")
    assert change_request.confirmation_sent_at is not None


def test_the_print_and_sign_mail_says_so(eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _representative_change()

    (message,) = mail.outbox
    assert "Print het wijzigingsformulier uit" in message.body
    assert "de huidige en de nieuwe Bevoegd Vertegenwoordiger" in message.body


def test_making_the_documents_twice_makes_them_once():
    change_request = submit_change(address_change())

    first = documents_create(change_request.pk)
    second = documents_create(change_request.pk)

    assert first.pk == second.pk
    assert ChangeRequestDocuments.objects.count() == 1


def _download(change_request: ChangeRequest) -> str:
    return reverse("change_request_document", args=[change_request.reference])


def test_the_pdf_downloads_for_the_own_subscriber(client, login_as):
    change_request = submit_change(address_change())
    stored = documents_create(change_request.pk)
    login_as("joost")

    response = client.get(_download(change_request))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="wijzigingsformulier-{change_request.reference}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == bytes(stored.pdf)


def test_before_the_pdf_exists_the_download_says_it_is_being_made(client, login_as):
    change_request = submit_change(address_change())
    login_as("maximo")

    confirmation = client.get(reverse("change_request_submitted", args=[change_request.reference]))
    response = client.get(_download(change_request))

    assert 'data-testid="documents-pending"' in confirmation.text
    assert response.status_code == 202
    assert response["Retry-After"] == "10"
    assert "wordt aangemaakt" in response.text


@pytest.mark.parametrize("page", ["change_request_submitted", "change_request_document"])
def test_another_subscriber_gets_404(client, login_as, page):
    change_request = submit_change(address_change())
    documents_create(change_request.pk)
    login_as("frank")

    assert client.get(reverse(page, args=[change_request.reference])).status_code == 404


def test_the_confirmation_page_has_the_seeds_texts(client, login_as):
    change_request = submit_change(address_change())
    login_as("maximo")

    response = client.get(reverse("change_request_submitted", args=[change_request.reference]))

    for expected in [
        "Wijzigingsformulier ingediend",
        f'Referentie: <strong data-testid="change-reference">{change_request.reference}',
        "Bedankt voor het doorgeven van de wijziging! Het wijzigingsverzoek is met succes "
        "ingediend.",
        "Download PDF wijzigingsformulier abonneeregistratie",
        "U hoeft verder geen vervolgactie te ondernemen.",
    ]:
        assert expected in response.text, expected
    assert 'data-testid="print-and-sign"' not in response.text
