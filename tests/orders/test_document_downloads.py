"""Downloading the sealed order form and its XML copy (SPEC.md §8, manual §3.2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.documents import documents_create
from orders.models import Order
from tests.orders.placing import place_order

pytestmark = pytest.mark.django_db


def _url(order: Order, extension: str) -> str:
    return reverse("order_document", args=[order.reference, extension])


@pytest.mark.parametrize(
    ("extension", "content_type", "field"),
    [("pdf", "application/pdf", "pdf"), ("xml", "application/xml", "xml")],
)
def test_the_documents_download_as_attachments(client, login_as, extension, content_type, field):
    order = place_order()
    documents = documents_create(order.pk)
    login_as("joost")

    response = client.get(_url(order, extension))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="bestelformulier-{order.reference}.{extension}"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == bytes(getattr(documents, field))


def test_before_the_documents_exist_the_link_says_they_are_being_made(client, login_as):
    order = place_order()
    login_as("joost")

    placed = client.get(reverse("order_placed", args=[order.reference]))
    assert "Download PDF bestelformulier" in placed.text
    assert 'data-testid="documents-pending"' in placed.text

    response = client.get(_url(order, "pdf"))
    assert response.status_code == 202
    assert response["Retry-After"] == "10"
    assert "wordt aangemaakt" in response.text

    documents_create(order.pk)
    for page in ("order_placed", "order_detail"):
        ready = client.get(reverse(page, args=[order.reference]))
        assert _url(order, "pdf") in ready.text
        assert _url(order, "xml") in ready.text
        assert 'data-testid="documents-pending"' not in ready.text
    assert client.get(_url(order, "pdf")).status_code == 200


@pytest.mark.parametrize("extension", ["pdf", "xml"])
def test_another_subscriber_gets_a_404(client, login_as, extension):
    order = place_order()
    documents_create(order.pk)
    login_as("frank")
    assert client.get(_url(order, extension)).status_code == 404


def test_another_subscriber_gets_a_404_before_the_documents_exist_too(client, login_as):
    order = place_order()
    login_as("frank")
    assert client.get(_url(order, "pdf")).status_code == 404


@pytest.mark.parametrize("extension", ["exe", "html", "PDF", "pdf.html"])
def test_only_pdf_and_xml_are_served(client, login_as, extension):
    order = place_order()
    documents_create(order.pk)
    login_as("joost")
    assert (
        client.get(f"/bestellingen/{order.reference}/bestelformulier.{extension}").status_code
        == 404
    )


def test_without_a_login_there_is_no_document(client):
    order = place_order()
    documents_create(order.pk)
    response = client.get(_url(order, "pdf"))
    assert response.status_code in (302, 403)
    assert not response.content.startswith(b"%PDF")
