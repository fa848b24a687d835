"""Validating an issuance profile (certificates.models.IssuanceProfile.clean): every
mistake an officer can type is a Dutch message on its field."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from certificates.ca.base import ProfileData
from certificates.models import IssuanceProfile, is_oid
from tests.factories import IssuanceProfileFactory, ProductFactory

pytestmark = pytest.mark.django_db


def errors_of(**fields: object) -> dict[str, list[str]]:
    profile = IssuanceProfileFactory.build(**fields)
    with pytest.raises(ValidationError) as raised:
        profile.full_clean()
    return raised.value.message_dict


def test_a_card_profile_with_two_key_usages_is_valid():
    profile = IssuanceProfileFactory.build(
        key_usages=[["digitalSignature"], ["nonRepudiation"]],
        extended_key_usages=[],
        key_types=["rsa", "ec"],
    )

    profile.full_clean()


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2.16.528.1.1003.1.2.8.6", True),
        ("2.23.140.1.2.2", True),
        ("1.3.6.1.4.1.311.10.3.12", True),
        ("0.39", True),
        ("1.40", False),
        ("3.1", False),
        ("2", False),
        ("2.16.0528", False),
        ("2..16", False),
        ("2.16.", False),
        ("serverAuth", False),
        (5, False),
    ],
)
def test_oids_are_dotted_with_valid_arcs(value, valid):
    assert is_oid(value) is valid


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "Geef een lijst van ten minste één policy-OID."),
        ("2.16.528.1.1003.1.2.8.6", "Geef een lijst van ten minste één policy-OID."),
        (["2.16.528.1.1003.1.2.8.6", "x.1"], "Geen geldige OID: x.1."),
        (["2.23.140.1.2.2"] * 2, "Elke policy-OID mag maar één keer voorkomen."),
    ],
)
def test_policy_oids_must_be_a_list_of_distinct_oids(value, message):
    assert message in errors_of(policy_oids=value)["policy_oids"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "Geef per certificaat een lijst van ten minste één keyUsage"),
        ([[]], "Geef per certificaat een lijst van ten minste één keyUsage"),
        (["digitalSignature"], "Geef per certificaat een lijst van ten minste één keyUsage"),
        ([["digitalSignature"], ["keyCertSign"]], "Onbekende keyUsage: keyCertSign."),
        ([["nonRepudiation", "nonRepudiation"]], "maar één keer voorkomen"),
    ],
)
def test_key_usages_are_one_list_of_known_names_per_certificate(value, message):
    assert any(message in error for error in errors_of(key_usages=value)["key_usages"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("serverAuth", "Geef een lijst van namen of OID's."),
        (["serverAuth", "webAuth"], "Onbekende extendedKeyUsage: webAuth."),
        (["serverAuth", "serverAuth"], "Elke extendedKeyUsage mag maar één keer voorkomen."),
    ],
)
def test_extended_key_usages_are_known_names_or_oids(value, message):
    (error,) = errors_of(extended_key_usages=value)["extended_key_usages"]
    assert error.startswith(message)


def test_an_extended_key_usage_may_be_a_dotted_oid():
    IssuanceProfileFactory.build(extended_key_usages=["1.3.6.1.5.5.7.3.2"]).full_clean()


@pytest.mark.parametrize("value", [[], ["dsa"], "rsa", ["rsa", "rsa"]])
def test_key_types_are_rsa_ec_or_both(value):
    assert "key_types" in errors_of(key_types=value)


@pytest.mark.parametrize("value", ["G1 Services", "../etc", "g1_services", ""])
def test_the_ca_is_named_by_a_slug(value):
    assert "ca_slug" in errors_of(ca_slug=value)


def test_the_subject_template_is_a_choice():
    assert "subject_template" in errors_of(subject_template="personal")


def test_data_is_a_frozen_snapshot_of_the_row():
    profile = IssuanceProfileFactory(
        key_usages=[["digitalSignature"], ["nonRepudiation"]], key_types=["rsa", "ec"]
    )

    data = profile.data()

    assert isinstance(data, ProfileData)
    assert data.key_usages == (("digitalSignature",), ("nonRepudiation",))
    assert data.ca_slug == "g1-services"
    assert data.publicly_trusted is False
    with pytest.raises(AttributeError):
        data.ca_slug = "elders"  # type: ignore[misc]  # frozen: the assignment must fail


def test_a_product_reads_ecdsa_and_public_trust_from_its_profile():
    public = ProductFactory(
        profile=IssuanceProfileFactory(
            key_types=["rsa", "ec"], validity_rule=IssuanceProfile.Validity.CABF_TLS
        )
    )
    private = ProductFactory()

    assert (public.allows_ecdsa, public.publicly_trusted) == (True, True)
    assert (private.allows_ecdsa, private.publicly_trusted) == (False, False)
