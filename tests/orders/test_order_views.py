"""The order overview, order detail and confirmation pages, and the subscriber boundary."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates.models import Certificate, Product
from orders.models import Order, ServerOrderDetail
from orders.services import order_place
from organisations.models import Person
from tests.certificates.csr_factory import make_csr

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(db) -> Order:  # noqa: ANN001
    from uuid import uuid4

    from certificates.csr import CsrExpectations, csr_check

    joost = Person.objects.get(email="joost@voorbeeld.nl")
    product = Product.objects.get(code="pkio-private")
    www = Certificate.objects.get(common_name="www.voorbeeld.nl")
    checked = csr_check(
        make_csr(cn="www.voorbeeld.nl", sans=["www.voorbeeld.nl"]),
        expect=CsrExpectations.for_order(subscriber=joost.subscriber, product=product),
    )
    return order_place(
        token=uuid4(),
        subscriber=joost.subscriber,
        product=product,
        contact_person=joost,
        detail=ServerOrderDetail.from_csr(checked),
        declarations=["truthful"],
        manager=www.certificate_manager,
        renews=www,
    )


def test_the_overview_lists_the_subscribers_orders(client, login_as, order):
    login_as("herman")
    content = client.get(reverse("order_list")).content.decode()
    for text in [
        order.reference,
        "PRIVATE SSL",
        "(verlenging)",
        "www.voorbeeld.nl",
        "Geplaatst",
        "Joost Test",
    ]:
        assert text in content, text


def test_the_detail_shows_the_order(client, login_as, order):
    login_as("maximo")
    content = client.get(reverse("order_detail", args=[order.reference])).content.decode()
    for text in [
        order.reference,
        "Geplaatst",
        "PKIoverheid PRIVATE servercertificaat",
        "Gegevens uit de CSR",
        order.renews.serial,
        "RSA 2048 bits",
    ]:
        assert text in content, text


@pytest.mark.parametrize("name", ["order_detail", "order_placed"])
def test_another_subscribers_order_is_not_found(client, login_as, order, name):
    login_as("frank")
    assert client.get(reverse(name, args=[order.reference])).status_code == 404
    assert order.reference not in client.get(reverse("order_list")).content.decode()


def test_the_overview_has_the_order_buttons(client, login_as):
    login_as("joost")
    content = client.get(reverse("server_list")).content.decode()
    assert "Nieuw PKIO servercertificaat" in content
    assert "Nieuw certSIGN certificaat" in content
    assert reverse("order_wizard", args=["pkio"]) in content
