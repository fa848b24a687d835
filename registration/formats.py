"""Dutch formats of registration data (issue 6): postcode, phone, IBAN, VAT and KvK number.

Each ``clean_*`` returns the value in the form the registration stores and
raises ``ValidationError`` with a Dutch message naming what is wrong.
python-stdnum does the checksums.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import btw as stdnum_btw
from stdnum.nl import postcode as stdnum_postcode

_PHONE_SEPARATORS = re.compile(r"[\s().-]")


def clean_postcode(value: str) -> str:
    """A Dutch postcode as ``1234 AB``."""
    try:
        return stdnum_postcode.validate(value)
    except StdnumError:
        raise ValidationError(
            _("Vul een geldige Nederlandse postcode in, bijvoorbeeld 3072 AP."), code="postcode"
        ) from None


def clean_phone(value: str) -> str:
    """A Dutch phone number: 10 digits starting with 0, or +31 and 9 digits (no 0 after +31).

    Spaces, dashes, dots and brackets are dropped; ``0031`` is read as ``+31``.
    """
    compact = _PHONE_SEPARATORS.sub("", value)
    if compact.startswith("0031"):
        compact = "+31" + compact[4:]
    if re.fullmatch(r"0[1-9]\d{8}", compact) or re.fullmatch(r"\+31[1-9]\d{8}", compact):
        return compact
    raise ValidationError(
        _(
            "Vul een geldig Nederlands telefoonnummer in: 10 cijfers beginnend met 0 "
            "(bijvoorbeeld 0612345678) of +31 gevolgd door 9 cijfers."
        ),
        code="phone",
    )


def clean_iban(value: str) -> str:
    """An IBAN with a valid checksum, stored compact in capitals (``NL91ABNA0417164300``)."""
    compact = stdnum_iban.compact(value)
    try:
        if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
            raise StdnumError
        return stdnum_iban.validate(compact)
    except InvalidChecksum:
        raise ValidationError(
            _("Het rekeningnummer (IBAN) klopt niet: het controlegetal is onjuist."),
            code="iban_checksum",
        ) from None
    except StdnumError:
        raise ValidationError(
            _("Vul een geldig rekeningnummer (IBAN) in, bijvoorbeeld NL91 ABNA 0417 1643 00."),
            code="iban",
        ) from None


def clean_vat_number(value: str) -> str:
    """A VAT number: Dutch (``NL`` + 9 digits + ``B`` + 2 digits, with checksum; the ``NL``
    may be left out) or another EU country's, stored compact with its country prefix."""
    compact = re.sub(r"[\s.-]", "", value).upper()
    if compact[:1].isdigit():
        compact = "NL" + compact
    try:
        if compact.startswith("NL"):
            return "NL" + stdnum_btw.validate(compact)
        return stdnum_vat.validate(compact)
    except InvalidChecksum:
        raise ValidationError(
            _("Het BTW-nummer klopt niet: het controlegetal is onjuist."), code="vat_checksum"
        ) from None
    except StdnumError:
        raise ValidationError(
            _("Vul een geldig BTW-nummer in, bijvoorbeeld NL000099998B57."), code="vat"
        ) from None


def clean_kvk_number(value: str) -> str:
    """A Handelsregister (KvK) number: 8 digits."""
    compact = re.sub(r"\s", "", value)
    if re.fullmatch(r"\d{8}", compact):
        return compact
    raise ValidationError(_("Een KvK-nummer bestaat uit 8 cijfers."), code="kvk")
