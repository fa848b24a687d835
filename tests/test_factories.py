"""Every model of the project's apps has a factory (tests/factories.py) whose rows are valid."""

from __future__ import annotations

from pathlib import Path

import factory
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models

from tests import factories

pytestmark = pytest.mark.django_db

FACTORIES: list[type[factory.django.DjangoModelFactory]] = [
    value
    for value in vars(factories).values()
    if isinstance(value, type)
    and issubclass(value, factory.django.DjangoModelFactory)
    and value is not factory.django.DjangoModelFactory
]


def project_models() -> set[type[models.Model]]:
    """The concrete models of the apps in this repository (not Django's or a library's)."""
    base = Path(settings.BASE_DIR).resolve()
    return {
        model
        for config in apps.get_app_configs()
        # The virtualenv may lie inside the checkout (make install puts it in .venv).
        if Path(config.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(config.path).parts
        for model in config.get_models()
        if not model._meta.abstract and not model._meta.proxy
    }


def test_every_project_model_and_the_staff_user_have_a_factory():
    covered = {f._meta.model for f in FACTORIES}
    missing = project_models() | {get_user_model()}
    missing -= covered
    names = sorted(m.__name__ for m in missing)
    assert not missing, f"No factory in tests/factories.py for {names}"


def test_the_project_apps_are_found():
    labels = {m._meta.app_label for m in project_models()}
    assert {"audit", "organisations", "certificates", "orders", "registration"} <= labels


@pytest.mark.parametrize("model_factory", FACTORIES, ids=lambda f: f.__name__)
def test_a_factory_row_is_valid_and_saved(model_factory):
    row = model_factory()
    row.full_clean()
    fresh = type(row).objects.get(pk=row.pk)
    fresh.full_clean()


@pytest.mark.parametrize("model_factory", FACTORIES, ids=lambda f: f.__name__)
def test_a_factory_makes_distinct_rows(model_factory):
    first, second = model_factory(), model_factory()
    assert first.pk != second.pk


def test_a_certificate_is_real_and_issued_by_its_ca():
    certificate = factories.CertificateFactory()
    loaded = certificate.der.loaded
    assert loaded.issuer == certificate.issuing_ca.certificate.loaded.subject
    loaded.verify_directly_issued_by(certificate.issuing_ca.certificate.loaded)
    assert certificate.status == certificate.Status.VALID
    assert certificate.certificate_manager.subscriber == certificate.subscriber


def test_a_card_certificate_sits_on_a_card_of_its_subscriber():
    certificate = factories.CertificateFactory(on_card=True)
    certificate.full_clean()
    assert certificate.card.subscriber == certificate.subscriber
    assert certificate.product is None


def test_an_order_holds_a_csr_for_its_own_key():
    first, second = factories.OrderFactory(), factories.OrderFactory()
    assert first.spki_sha256 != second.spki_sha256
    assert first.is_open and first.contact_person.subscriber == first.subscriber
