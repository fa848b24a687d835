"""Where the printed, signed change form goes (manual §7.2, "Bijzondere scenario's" 1):
the confirmation page, the e-mail and the form itself say it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from registration import documents
from tests.registration.submitting import address_change, submit_change
from tests.registration.test_documents import _representative_change, _squash, _text

pytestmark = pytest.mark.django_db

ADDRESS = "Afdeling PKIoverheid validatie, Postbus 99, 9999 ZZ Teststad"


@pytest.fixture(autouse=True)
def signed_forms_address(settings):  # noqa: ANN001, ANN201
    settings.PORTAL_SIGNED_FORMS_ADDRESS = ADDRESS


def test_the_confirmation_of_a_new_representative_says_where_to_send_the_form(client, login_as):
    change_request = _representative_change()
    login_as("maximo")

    response = client.get(reverse("change_request_submitted", args=[change_request.reference]))

    assert 'data-testid="print-and-sign"' in response.text
    assert "Stuur het ondertekende formulier, met de referentie erop, naar:" in response.text
    assert f'data-testid="signed-form-address">{ADDRESS}</address>' in response.text


def test_a_change_without_a_new_representative_names_no_address(client, login_as):
    change_request = submit_change(address_change())
    login_as("maximo")

    response = client.get(reverse("change_request_submitted", args=[change_request.reference]))

    assert ADDRESS not in response.text
    assert "U hoeft verder geen vervolgactie te ondernemen." in response.text


def test_the_print_and_sign_mail_names_the_address(
    eager_tasks,  # noqa: ANN001
    django_capture_on_commit_callbacks,  # noqa: ANN001
):
    with django_capture_on_commit_callbacks(execute=True):
        _representative_change()

    (message,) = mail.outbox
    assert f"Stuur het ondertekende formulier, met de referentie erop, naar:\n{ADDRESS}" in (
        message.body
    )


def test_the_printed_form_names_the_address(tmp_path):  # noqa: ANN001
    change_request = _representative_change()

    text = _text(documents.change_form_pdf(change_request), tmp_path)

    assert _squash(ADDRESS) in text
