"""Dutch formats of registration data (issue 6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from registration import formats


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("0612345678", "0612345678"),
        ("06-12 34 56 78", "0612345678"),
        ("(010) 123 45 67", "0101234567"),
        ("+31 6 12345678", "+31612345678"),
        ("0031612345678", "+31612345678"),
    ],
)
def test_dutch_phone_numbers_are_accepted_and_compacted(value, stored):
    assert formats.clean_phone(value) == stored


@pytest.mark.parametrize(
    "value", ["061234567", "06123456789", "1612345678", "+310612345678", "+32 2 123 45 67", "x"]
)
def test_other_phone_numbers_are_refused(value):
    with pytest.raises(ValidationError, match="Nederlands telefoonnummer"):
        formats.clean_phone(value)


def test_postcode():
    assert formats.clean_postcode("3072ap") == "3072 AP"
    with pytest.raises(ValidationError):
        formats.clean_postcode("0123 AB")


def test_iban_checksum_and_format():
    assert formats.clean_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    with pytest.raises(ValidationError, match="controlegetal"):
        formats.clean_iban("NL91ABNA0417164301")
    with pytest.raises(ValidationError, match="Vul een geldig rekeningnummer"):
        formats.clean_iban("1234")


def test_vat_numbers():
    assert formats.clean_vat_number("NL000099998B57") == "NL000099998B57"
    assert formats.clean_vat_number("000099998B57") == "NL000099998B57"
    assert formats.clean_vat_number("DE 136 695 976") == "DE136695976"
    with pytest.raises(ValidationError, match="controlegetal"):
        formats.clean_vat_number("NL001234567B01")
    with pytest.raises(ValidationError, match="Vul een geldig BTW-nummer"):
        formats.clean_vat_number("NL12")


def test_kvk_number():
    assert formats.clean_kvk_number("1234 5678") == "12345678"
    with pytest.raises(ValidationError, match="8 cijfers"):
        formats.clean_kvk_number("1234567a")
