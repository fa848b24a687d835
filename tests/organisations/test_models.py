"""Constraints on subscribers, persons and the login mapping."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from organisations.models import LoginCertificate, Person, VerifiedDomain
from tests.factories import PersonFactory, SubscriberFactory, UserFactory

pytestmark = pytest.mark.django_db


def violates(**create) -> bool:  # noqa: ANN003
    model = create.pop("model")
    try:
        with transaction.atomic():
            model.objects.create(**create)
    except IntegrityError:
        return True
    return False


def violates_factory(model_factory, **fields) -> bool:  # noqa: ANN001, ANN003
    try:
        with transaction.atomic():
            model_factory(**fields)
    except IntegrityError:
        return True
    return False


def test_a_person_needs_a_role():
    assert violates_factory(PersonFactory, contact_authorisation="")
    assert not violates_factory(PersonFactory, contact_authorisation="", is_representative=True)


def test_manager_numbers_are_unique_and_well_formed():
    existing = PersonFactory(manager=True)
    base = dict(
        model=Person, subscriber=existing.subscriber, given_name="A", surname="B", email="a@b.nl"
    )
    assert violates(**base, manager_number=existing.manager_number)
    assert violates(**base, manager_number="XX1234567")
    assert not violates(**base, manager_number="CB1111111")


def test_contact_authorisation_is_full_or_basic():
    assert violates_factory(PersonFactory, contact_authorisation="admin")
    assert not violates_factory(PersonFactory, contact_authorisation="basic")


def test_oin_is_unique():
    assert violates_factory(SubscriberFactory, oin=SubscriberFactory().oin)


def test_direct_debit_needs_an_iban():
    assert violates_factory(SubscriberFactory, direct_debit=True)
    assert not violates_factory(SubscriberFactory, direct_debit=True, iban="NL91ABNA0417164300")


def test_verified_domains_are_unique_and_lowercase(maximo):
    base = dict(model=VerifiedDomain, subscriber=maximo.subscriber, verified_at="2024-01-01T00:00Z")
    assert violates(**base, domain="voorbeeld.nl")
    assert violates(**base, domain="Other.NL")


@pytest.mark.parametrize(
    "fields",
    [
        {"match": "issuer_serial", "issuer": "CN=x"},  # no serialNumber
        {"match": "uzi", "uzi_number": ""},
        {"match": "fingerprint", "fingerprint": "ABC"},
        {"match": "fingerprint", "fingerprint": "a" * 64, "uzi_number": "1"},
    ],
)
def test_login_mapping_fields_must_fit_the_kind(fields):
    assert violates(model=LoginCertificate, person=PersonFactory(), **fields)


def test_one_registration_per_issuer_and_serial(maximo):
    existing = LoginCertificate.objects.get(person=maximo)
    assert violates(
        model=LoginCertificate,
        person=maximo,
        match="issuer_serial",
        issuer=existing.issuer,
        subject_serial=existing.subject_serial,
    )


def test_a_login_mapping_is_for_a_person_or_a_staff_user():
    officer = UserFactory()
    card = dict(model=LoginCertificate, match="fingerprint", fingerprint="b" * 64)
    assert violates(**card, person=PersonFactory(), staff_user=officer)
    assert violates(**card)
    assert not violates(**card, staff_user=officer)
