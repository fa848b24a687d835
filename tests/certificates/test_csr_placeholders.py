"""CSR rule 4: no placeholder in localityName or stateOrProvinceName (BR §7.1.4.3)."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from certificates.csr import CsrExpectations, CsrRejected, csr_check, is_placeholder
from certificates.models import Product
from organisations.models import Subscriber
from tests.certificates.csr_factory import VOORBEELD_OIN, make_csr, rsa_key

pytestmark = pytest.mark.django_db

PLACEHOLDERS = [".", "-", "N/A", "n/a", "NA", "none", "None", " ", "--", "n.v.t."]


def expect(product: str) -> CsrExpectations:
    return CsrExpectations.for_order(
        subscriber=Subscriber.objects.get(oin=VOORBEELD_OIN),
        product=Product.objects.get(code=product),
    )


def place_csr(locality: str, state: str) -> bytes:
    return make_csr(
        rsa_key(),
        extra_attrs=[
            x509.NameAttribute(NameOID.LOCALITY_NAME, locality),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, state),
        ],
    )


def message(field: str) -> str:
    return (
        f'{field} bevat alleen een opvulwaarde (zoals ".", "-" of "N/A"); dat is niet '
        "toegestaan. Vul de echte plaats of provincie in, of laat het veld weg als het voor "
        "dit product niet verplicht is."
    )


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_is_placeholder(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["Rotterdam", "Zuid-Holland", "'s-Hertogenbosch", "Ee", "Na'"])
def test_a_real_place_is_no_placeholder(value):
    assert not is_placeholder(value)


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_certsign_refuses_a_placeholder_state(value):
    with pytest.raises(CsrRejected) as rejected:
        csr_check(place_csr("Rotterdam", value), expect=expect("certsign-ov"))

    # A blank value is refused as whitespace before it counts as a placeholder.
    assert any(m.startswith("stateOrProvinceName") for m in rejected.value.messages)
    assert message("localityName") not in rejected.value.messages


def test_certsign_refuses_a_placeholder_locality():
    with pytest.raises(CsrRejected) as rejected:
        csr_check(place_csr("N/A", "Zuid-Holland"), expect=expect("certsign-ov"))

    assert rejected.value.messages == [message("localityName")]


def test_any_product_refuses_placeholders_where_the_csr_gives_a_place():
    with pytest.raises(CsrRejected) as rejected:
        csr_check(place_csr(".", "-"), expect=expect("pkio-private"))

    assert rejected.value.messages == [message("localityName"), message("stateOrProvinceName")]


def test_certsign_accepts_real_places():
    checked = csr_check(place_csr("Rotterdam", "Zuid-Holland"), expect=expect("certsign-ov"))

    assert checked.subject_fields["ST"] == "Zuid-Holland"
