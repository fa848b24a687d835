"""Reading the fields the portal shows and matches on out of X.509 objects."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

# subjectAltName otherName carrying the UZI/PKIoverheid identity string
# (AORTA seed, table AORTA.STK.t3120).
UZI_OTHERNAME_OID = x509.ObjectIdentifier("2.5.5.5")


def spki_sha256(
    public_key: x509.Certificate | x509.CertificateSigningRequest | CertificatePublicKeyTypes,
) -> str:
    """SHA-256 over the DER SubjectPublicKeyInfo: the key-reuse fingerprint."""
    if isinstance(public_key, (x509.Certificate, x509.CertificateSigningRequest)):
        public_key = public_key.public_key()
    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


def issued_by(certificate: x509.Certificate, *, by: x509.Certificate) -> bool:
    """Whether ``by`` signed ``certificate`` (its signature verifies; names alone never count)."""
    try:
        certificate.verify_directly_issued_by(by)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def is_ca(certificate: x509.Certificate) -> bool:
    """Whether ``certificate`` is a CA certificate (basicConstraints cA true)."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return constraints.value.ca


def serial_hex(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "x")


def oneline_dn(name: x509.Name) -> str:
    """A name as OpenSSL's one-line form, as the seed's order form prints it:
    ``/C=NL/O=KPN B.V./organizationIdentifier=NTRNL-27124701/CN=...``."""
    parts = []
    for rdn in name.rdns:
        for attribute in rdn:
            key = attribute.rfc4514_attribute_name
            if key.startswith("2.5.4.97"):
                key = "organizationIdentifier"
            value = str(attribute.value).replace("\\", "\\\\").replace("/", "\\/")
            parts.append(f"{key}={value}")
    return "".join(f"/{part}" for part in parts)


def name_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


@dataclass(frozen=True)
class SubjectFields:
    common_name: str
    organization: str
    locality: str
    state: str
    country: str
    serial_number: str


def subject_fields(name: x509.Name) -> SubjectFields:
    return SubjectFields(
        common_name=name_attribute(name, NameOID.COMMON_NAME),
        organization=name_attribute(name, NameOID.ORGANIZATION_NAME),
        locality=name_attribute(name, NameOID.LOCALITY_NAME),
        state=name_attribute(name, NameOID.STATE_OR_PROVINCE_NAME),
        country=name_attribute(name, NameOID.COUNTRY_NAME),
        serial_number=name_attribute(name, NameOID.SERIAL_NUMBER),
    )


def subject_alt_names(certificate: x509.Certificate) -> list[str]:
    """DNS names and IP addresses, in certificate order."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    names = [str(v) for v in san.get_values_for_type(x509.DNSName)]
    names += [str(v) for v in san.get_values_for_type(x509.IPAddress)]
    return names


def uzi_number(certificate: x509.Certificate) -> str | None:
    """The UZI number from otherName 2.5.5.5, or None.

    Format (AORTA seed, AORTA.STK.t3120):
    ``<OID CA>-<versie-nr>-<UZI-nr>-<pastype>-<Abonnee-nr>-<rol>-<AGB-code>``.
    The value is an IA5String (DER tag 0x16); anything else is not a UZI name.
    """
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    for other in san.get_values_for_type(x509.OtherName):
        if other.type_id != UZI_OTHERNAME_OID:
            continue
        text = _ia5string(other.value)
        if text is None:
            continue
        parts = text.split("-")
        if len(parts) == 7 and parts[2].isdigit():
            return parts[2]
    return None


def _ia5string(der: bytes) -> str | None:
    if len(der) < 2 or der[0] != 0x16:
        return None
    length = der[1]
    offset = 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 2 or len(der) < 2 + count:
            return None
        length = int.from_bytes(der[2 : 2 + count], "big")
        offset = 2 + count
    body = der[offset : offset + length]
    if len(body) != length or offset + length != len(der):
        return None
    try:
        return body.decode("ascii")
    except UnicodeDecodeError:
        return None
