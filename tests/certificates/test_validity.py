"""The public TLS validity schedule (CA/Browser Forum ballot SC-081v3) and the products."""

from __future__ import annotations

from datetime import date

import pytest

from certificates.models import Product
from certificates.validity import public_tls_max_validity


@pytest.mark.parametrize(
    ("at", "days"),
    [
        (date(2025, 1, 1), 398),
        (date(2026, 3, 14), 398),
        (date(2026, 3, 15), 200),
        (date(2027, 3, 14), 200),
        (date(2027, 3, 15), 100),
        (date(2029, 3, 14), 100),
        (date(2029, 3, 15), 47),
        (date(2040, 1, 1), 47),
    ],
)
def test_the_schedule_by_issuance_date(at, days):
    assert public_tls_max_validity(at) == days


@pytest.mark.django_db
def test_certsign_ov_is_the_one_publicly_trusted_product():
    public = [p.code for p in Product.objects.select_related("profile") if p.publicly_trusted]

    assert public == ["certsign-ov"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("at", "days"),
    [
        (date(2026, 3, 14), 199),
        (date(2026, 12, 2), 199),
        (date(2027, 3, 14), 199),
        (date(2027, 3, 15), 100),
        (date(2029, 3, 15), 47),
    ],
)
def test_a_public_product_gets_the_shorter_of_its_own_validity_and_the_schedule(at, days):
    certsign = Product.objects.get(code="certsign-ov")

    assert certsign.validity_days == 199
    assert certsign.validity_days_on(at) == days


@pytest.mark.django_db
def test_a_private_product_keeps_its_validity_after_the_schedule():
    private = Product.objects.get(code="pkio-private")

    assert private.validity_days_on(date(2029, 3, 15)) == private.validity_days == 1095
