"""A certificate in the formats customers install (issue 5): PEM, DER, chain PEM, PKCS#7."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from certificates.models import Certificate


def certificate_pem(certificate: Certificate) -> bytes:
    return certificate.der.pem.encode()


def certificate_der(certificate: Certificate) -> bytes:
    return bytes(certificate.der.der)


def _chain(certificate: Certificate) -> list[x509.Certificate]:
    """Leaf, issuing CA, …, root."""
    return [
        x509.load_der_x509_certificate(bytes(der))
        for der in [
            certificate.der.der,
            *(ca.certificate.der for ca in certificate.issuing_ca.chain()),
        ]
    ]


def chain_pem(certificate: Certificate) -> bytes:
    return b"".join(item.public_bytes(Encoding.PEM) for item in _chain(certificate))


def pkcs7_der(certificate: Certificate) -> bytes:
    """A degenerate PKCS#7 SignedData with the whole chain (``.p7b``, as Windows/IIS want)."""
    return pkcs7.serialize_certificates(_chain(certificate), Encoding.DER)
