"""The wizard shows the validity and price the certificate will get (issue 11 point 16)."""

from __future__ import annotations

import re

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.utils import timezone

from certificates.models import Product
from certificates.validity import public_tls_max_validity
from organisations.models import Person
from tests.certificates.csr_factory import make_csr
from tests.orders.wizard_steps import (
    current_step,
    manager_choice,
    new_order_url,
    post_step,
    prefix_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def victor(db) -> Person:  # noqa: ANN001
    return Person.objects.get(manager_number="CB9505784")


def offer(page: str, code: str) -> str:
    match = re.search(rf'data-testid="product-offer-{code}">(.*?)</li>', page, re.DOTALL)
    assert match, f"no offer for {code}"
    return match.group(1)


def summary(page: str, field: str) -> str:
    match = re.search(rf'data-testid="summary-{field}">(.*?)</td>', page)
    assert match, f"no summary {field}"
    return match.group(1)


def to_certificate_step(client, family: str, victor: Person) -> tuple[str, str, str]:  # noqa: ANN001
    """The wizard's URL, prefix and the page of step 3 "Certificaat"."""
    url = new_order_url(family)
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    response = post_step(client, url, prefix, "certificaatbeheerder", manager_choice(victor))
    assert current_step(response) == "certificaat"
    return url, prefix, response.content.decode()


def test_the_products_are_offered_with_their_validity_and_price(client, login_as, victor):
    login_as("joost")
    _url, _prefix, page = to_certificate_step(client, "pkio", victor)

    assert "(1095 dagen geldig, € 299,00)" in offer(page, "pkio-private")
    assert "(90 dagen geldig, € 0,00)" in offer(page, "pkio-trial")


def test_a_public_product_is_offered_with_the_validity_of_the_schedule_today(
    client, login_as, victor
):
    # Were certSIGN OV a year in the product data, today's rule still caps it.
    Product.objects.filter(code="certsign-ov").update(validity_days=365)
    today = public_tls_max_validity(timezone.now().date())
    assert today < 365
    login_as("joost")
    _url, _prefix, page = to_certificate_step(client, "certsign", victor)

    assert f"({today} dagen geldig, € 99,00)" in offer(page, "certsign-ov")
    assert "47 dagen vanaf 15 maart 2029" in offer(page, "certsign-ov")


def test_the_check_step_shows_the_validity_and_price_of_the_order(client, login_as, victor):
    Product.objects.filter(code="certsign-ov").update(validity_days=365)
    today = public_tls_max_validity(timezone.now().date())
    login_as("joost")
    url, prefix, _page = to_certificate_step(client, "certsign", victor)
    csr = make_csr(
        cn="shop.voorbeeld.nl",
        extra_attrs=[
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Rotterdam"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Zuid-Holland"),
        ],
    ).decode()
    certsign = Product.objects.get(code="certsign-ov")

    response = post_step(client, url, prefix, "certificaat", {"product": certsign.pk, "csr": csr})

    assert current_step(response) == "controle"
    page = response.content.decode()
    assert summary(page, "validity") == f"{today} dagen"
    assert summary(page, "price") == "€ 99,00"


def test_the_check_step_speaks_english(client, login_as, victor, settings):
    login_as("joost")
    url, prefix, _page = to_certificate_step(client, "pkio", victor)
    csr = make_csr(cn="app.voorbeeld.nl").decode()
    private = Product.objects.get(code="pkio-private")

    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {"product": private.pk, "csr": csr},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = response.content.decode()
    assert summary(page, "validity") == "1095 days"
    assert ">Price<" in page
