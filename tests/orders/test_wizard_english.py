"""The wizard in English (the complete translation, SPEC.md §4)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail

from certificates.models import Product
from orders.models import Order, OrderDocuments
from organisations.models import Person
from tests.certificates.csr_factory import make_csr
from tests.orders.wizard_steps import (
    manager_choice,
    new_order_url,
    place,
    post_step,
    prefix_of,
    walk_to_final_step,
)

pytestmark = pytest.mark.django_db


def test_the_wizard_speaks_english(client, login_as):
    login_as("joost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = new_order_url()
    response = client.get(url)
    content = response.content.decode()
    assert "1. Contact person" in content
    assert "Next step >>" in content
    response = post_step(client, url, prefix_of(response), "contactpersoon")
    assert "2. Certificate manager" in response.content.decode()


def test_an_order_placed_in_english_gets_english_documents_and_mail(
    client, login_as, eager_tasks, django_capture_on_commit_callbacks
):
    login_as("joost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = new_order_url()
    prefix, token = walk_to_final_step(
        client,
        url,
        csr_pem=make_csr(cn="app.voorbeeld.nl", sans=["app.voorbeeld.nl"]).decode(),
        manager=manager_choice(Person.objects.get(manager_number="CB9505784")),
        product_id=Product.objects.get(code="pkio-private").pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        place(client, url, prefix, token)

    order = Order.objects.get()
    assert order.language == "en"
    assert OrderDocuments.objects.get(order=order).language == "en"
    (message,) = mail.outbox
    assert message.subject == f"Confirmation of order {order.reference}"
    page = client.get(f"/bestellingen/{order.reference}/geplaatst/").content.decode()
    assert "Download PDF order form" in page
