"""Certificates: DER storage, derived status, constraints and the SPKI fingerprint."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.db import IntegrityError, transaction

from certificates.models import Certificate, Kind, RevocationReason, Status
from tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db


def test_the_certificate_comes_back_as_der_pem_and_a_cryptography_object():
    certificate = CertificateFactory()
    fresh = Certificate.objects.get(pk=certificate.pk)
    assert fresh.der.loaded.subject.rfc4514_string() == certificate.subject
    assert fresh.der.pem.startswith("-----BEGIN CERTIFICATE-----")
    assert fresh.der.der == fresh.der.loaded.public_bytes(Encoding.DER)


def test_spki_fingerprint_is_sha256_of_the_public_key():
    certificate = Certificate.objects.get(pk=CertificateFactory().pk)
    spki = certificate.der.loaded.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    assert certificate.spki_sha256 == hashlib.sha256(spki).hexdigest()
    assert Certificate._meta.get_field("spki_sha256").db_index


def test_status_is_derived_from_dates_and_revocation():
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    expired = CertificateFactory(
        not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(seconds=1)
    )
    revoked = CertificateFactory(revoked_at=now, revocation_reason=RevocationReason.KEY_COMPROMISE)
    assert CertificateFactory().status == Status.VALID
    assert expired.status == Status.EXPIRED
    assert revoked.status == Status.REVOKED


def test_querysets_partition_the_certificates():
    everything = set(Certificate.objects.values_list("pk", flat=True))
    parts = [
        set(qs.values_list("pk", flat=True))
        for qs in (
            Certificate.objects.valid(),
            Certificate.objects.expired(),
            Certificate.objects.revoked(),
        )
    ]
    assert set.union(*parts) == everything
    assert sum(len(p) for p in parts) == len(everything)


def _copy(**changes) -> None:  # noqa: ANN003
    certificate = CertificateFactory()
    certificate.pk = None
    certificate.fingerprint = "f" * 64
    for key, value in changes.items():
        setattr(certificate, key, value)
    with transaction.atomic():
        certificate.save()


@pytest.mark.parametrize(
    "changes",
    [
        {},  # same serial from the same CA
        {"serial": "ABC"},  # not lower-case hex
        {"serial": "abc", "not_after": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)},
        {"serial": "abc", "revocation_reason": "keyCompromise"},  # reason without date
        {"serial": "abc", "kind": Kind.PERSONAL},  # a card certificate without a card
        {"serial": "abc", "product": None},  # a server certificate without a product
    ],
)
def test_constraints(changes):
    with pytest.raises(IntegrityError):
        _copy(**changes)


def test_fingerprint_is_unique():
    certificate = CertificateFactory()
    certificate.pk = None
    certificate.serial = "abc"
    with pytest.raises(IntegrityError), transaction.atomic():
        certificate.save()


def test_garbage_der_is_refused_at_the_field():
    from django.core.exceptions import ValidationError

    field = Certificate._meta.get_field("der")
    with pytest.raises(ValidationError):
        field.to_python(b"not a certificate")
