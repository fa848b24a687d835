"""Whatever is uploaded, the CSR check answers with a CheckedCsr or CsrRejected, never a 500."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.csr import MAX_CSR_BYTES, CheckedCsr, CsrExpectations, CsrRejected, csr_check
from tests.certificates.csr_factory import (
    VOORBEELD_KVK,
    VOORBEELD_NAME,
    VOORBEELD_OIN,
    make_csr,
    rsa_key,
    sign_tbs,
)

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

EXPECT = CsrExpectations(
    country="NL",
    organization=VOORBEELD_NAME,
    oin=VOORBEELD_OIN,
    kvk_number=VOORBEELD_KVK,
    verified_domains=("voorbeeld.nl",),
    check_domains=True,
    allow_ecdsa=True,
    require_locality=False,
)

_VALID_PEM = make_csr(rsa_key(), sans=["www.voorbeeld.nl", "api.voorbeeld.nl"])
VALID_DER = x509.load_pem_x509_csr(_VALID_PEM).public_bytes(Encoding.DER)
VALID_TBS = x509.load_der_x509_csr(VALID_DER).tbs_certrequest_bytes
VALID_PEM = _VALID_PEM.decode()


def answers(data: bytes | str) -> None:
    try:
        result = csr_check(data, expect=EXPECT)
    except CsrRejected as rejected:
        assert rejected.messages
        assert all(isinstance(message, str) and message for message in rejected.messages)
    else:
        assert isinstance(result, CheckedCsr)


# One edit: flip bits of a byte, insert a byte, or delete a byte, at a position
# given as a fraction of the length so every edit applies to any input.
edit = st.tuples(
    st.sampled_from(["flip", "insert", "delete"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.integers(min_value=1, max_value=255),
)


def mutate(data: bytes, edits: list[tuple[str, float, int]]) -> bytes:
    buffer = bytearray(data)
    for kind, where, value in edits:
        index = min(int(where * len(buffer)), max(len(buffer) - 1, 0))
        if kind == "insert":
            buffer.insert(index, value)
        elif buffer and kind == "flip":
            buffer[index] ^= value
        elif buffer:
            del buffer[index]
    return bytes(buffer)


@PROPERTY_SETTINGS
@given(st.binary(max_size=MAX_CSR_BYTES + 4000))
def test_arbitrary_bytes_are_refused_or_accepted_never_crash(data):  # noqa: ANN001
    answers(data)


@PROPERTY_SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(["CERTIFICATE REQUEST", "CERTIFICATE", "X"]))
def test_arbitrary_bytes_in_a_pem_wrapper_never_crash(body, label):  # noqa: ANN001
    encoded = base64.encodebytes(body).decode()
    answers(f"-----BEGIN {label}-----\n{encoded}-----END {label}-----\n")


@PROPERTY_SETTINGS
@given(st.lists(edit, min_size=1, max_size=8))
def test_a_mutated_der_csr_never_crashes(edits):  # noqa: ANN001
    answers(mutate(VALID_DER, edits))


@PROPERTY_SETTINGS
@given(st.lists(edit, min_size=1, max_size=8))
def test_a_mutated_pem_csr_never_crashes(edits):  # noqa: ANN001
    mutated = mutate(VALID_PEM.encode(), edits)
    answers(mutated)
    answers(mutated.decode("utf-8", errors="replace"))


@PROPERTY_SETTINGS
@given(st.lists(edit, min_size=1, max_size=4))
def test_a_mutated_but_validly_signed_request_never_crashes(edits):  # noqa: ANN001
    """A changed CertificationRequestInfo, signed again: reaches the subject and extension rules."""
    answers(sign_tbs(mutate(VALID_TBS, edits), rsa_key()))
