"""The one small interface between the portal and a CA (SPEC.md §9): issue, revoke, CRL.

The portal decides *what* is issued (the issuance profile, the subject from
validated registration data, the validated names, the product's validity); a
backend decides *how* (where the CA key lives, how the extensions are encoded).
The profile travels as a snapshot (``ProfileData``), so a backend never reads
the database for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography import x509

# The keyUsage bits a profile may name, by their RFC 5280 names (§4.2.1.3).
# A PKIoverheid/AORTA card keeps authentication (digitalSignature) and
# signature (nonRepudiation) in separate certificates (AORTA.STK.t3130).
KEY_USAGES = (
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
)

# The extendedKeyUsage purposes a profile may name; a dotted OID is accepted too.
EXTENDED_KEY_USAGES = {
    "serverAuth": "1.3.6.1.5.5.7.3.1",
    "clientAuth": "1.3.6.1.5.5.7.3.2",
    "codeSigning": "1.3.6.1.5.5.7.3.3",
    "emailProtection": "1.3.6.1.5.5.7.3.4",
    "timeStamping": "1.3.6.1.5.5.7.3.8",
    "documentSigning": "1.3.6.1.4.1.311.10.3.12",
}

KEY_TYPES = ("rsa", "ec")


class SubjectLayout:
    """How the issued subject is laid out (``IssuanceProfile.subject_template``)."""

    # PKIoverheid organisation/service server certificates: C, O,
    # organizationIdentifier, serialNumber, CN.
    PKIO_SERVICE = "pkio-service"
    # CA/Browser Forum OV TLS (Baseline Requirements §7.1.2.7.4): C, (ST), L, O, CN.
    CABF_OV = "cabf-ov"
    # PKIoverheid Organisatie Persoon (a personal card, the demo persons' login
    # certificates): C, O, organizationIdentifier, CN, givenName, surname, serialNumber
    # (the holder's registration number at the CSP, the seed's "Subject.serienummer").
    PKIO_PERSON = "pkio-person"
    # PKIoverheid Organisatie Services on a card: a group/function certificate (CN the
    # group name) or an eSeal (CN the organisation name): C, O, organizationIdentifier, CN.
    PKIO_ORGANISATION = "pkio-organisation"


# Which certificate on a card a keyUsage entry makes (``Certificate.card_usage``):
# authentication (digitalSignature), signature (nonRepudiation), encryption.
def card_usage(key_usages: tuple[str, ...]) -> str:
    """The card usage of a certificate with ``key_usages`` (AORTA.STK.t3130)."""
    if "nonRepudiation" in key_usages:
        return "signature"
    if "digitalSignature" in key_usages:
        return "authentication"
    return "encryption"


class ValidityRule:
    """How long an issued certificate is valid (``IssuanceProfile.validity_rule``)."""

    PRODUCT = "product"  # the product's days
    # The product's days, at most what the CA/Browser Forum schedule allows on
    # the day of signing (certificates.validity.public_tls_max_validity).
    CABF_TLS = "cabf-tls"


@dataclass(frozen=True)
class ProfileData:
    """A snapshot of an ``IssuanceProfile`` row (``IssuanceProfile.data()``)."""

    code: str
    ca_slug: str  # the issuing CA in PORTAL_CA_DIR
    # One entry per certificate (per public key) issued, each a tuple of KEY_USAGES names.
    key_usages: tuple[tuple[str, ...], ...]
    # One entry per certificate as well (the row may hold one list for all of them):
    # a card's authenticity and signature certificates differ in policy and EKU.
    policy_oids: tuple[tuple[str, ...], ...]
    extended_key_usages: tuple[tuple[str, ...], ...]  # EXTENDED_KEY_USAGES names or OIDs
    subject_template: str  # a SubjectLayout value
    subject_key_identifier: bool
    validity_rule: str  # a ValidityRule value
    requires_csr: bool
    key_types: tuple[str, ...]  # KEY_TYPES

    @property
    def publicly_trusted(self) -> bool:
        return self.validity_rule == ValidityRule.CABF_TLS

    @property
    def serves_tls(self) -> bool:
        return any("serverAuth" in entry for entry in self.extended_key_usages)


@dataclass(frozen=True)
class SubjectData:
    """The validated subject attributes; the profile's layout picks which are used.

    Built from the registration (never from a CSR's subject). Attributes a
    layout does not use may stay empty.
    """

    country: str  # "NL"
    organization: str  # the registered organisation name
    common_name: str
    organization_identifier: str = ""  # "NTRNL-<KvK>"
    # The OIN (20 digits) of a service; the holder's registration number of a person.
    serial_number: str = ""
    # The registered place (certSIGN OV: BR §7.1.4.2 wants L or ST next to O);
    # never the CSR's.
    locality: str = ""
    state: str = ""
    # A person (SubjectLayout.PKIO_PERSON): names, and the e-mail address that goes
    # into the subjectAltName as rfc822Name.
    given_name: str = ""
    surname: str = ""
    email: str = ""


@dataclass(frozen=True)
class IssueRequest:
    """Everything a backend needs to issue the certificates of one order.

    One certificate per public key, in order: key ``i`` gets the profile's
    ``key_usages[i]``. Only the public keys come from the customer.
    """

    profile: ProfileData
    subject: SubjectData
    public_keys: tuple[bytes, ...]  # SubjectPublicKeyInfo (DER) each
    validity_days: int  # Product.validity_days
    dns_names: tuple[str, ...] = ()  # validated subjectAltName entries, the first is the CN
    not_after: datetime | None = None  # a replacement keeps the replaced certificate's expiry


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    issuing_ca: x509.Certificate  # the CA certificate that signed it
    chain: tuple[x509.Certificate, ...]  # the issuing CA up to and including the root


class CAUnavailable(Exception):
    """The backend cannot act: not configured, or a CA certificate or key is missing."""


class CertificateAuthority(Protocol):
    def issue(self, request: IssueRequest) -> tuple[IssuedCertificate, ...]:
        """One issued certificate per ``request.public_keys`` entry, in the same order."""
        ...

    def revoke(
        self,
        *,
        issuing_ca: x509.Certificate,
        serial_number: int,
        reason: x509.ReasonFlags,
        revoked_at: datetime,
    ) -> None: ...

    def crl(self, issuing_ca: x509.Certificate) -> bytes:
        """A freshly signed CRL of ``issuing_ca``, DER."""
        ...

    def refresh_crl_files(self) -> tuple[str, ...]:
        """Re-sign the CRL files the backend keeps in PORTAL_CRL_DIR for the login check
        before they pass their nextUpdate (daily, Celery beat); the slugs of the CAs
        whose file was rewritten. A backend that writes no CRL files returns ()."""
        ...

    def ca_certificate(self, slug: str) -> x509.Certificate:
        """The CA certificate named by ``slug`` in its CRL URL (``/crl/<slug>.crl``).

        Raises CAUnavailable for a slug the backend does not know.
        """
        ...

    def check(self) -> None:
        """Readiness (``/readyz``): raises CAUnavailable when the backend could not issue
        now (its keys do not load, its CA is unreachable)."""
        ...
