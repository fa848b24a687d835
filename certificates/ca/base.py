"""The one small interface between the portal and a CA (SPEC.md §9): issue, revoke, CRL.

The portal decides *what* is issued (subject from validated registration
data, the validated names, the product's validity); a backend decides *how*
(which issuing CA, the extensions of the profile, where the key lives).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography import x509


@dataclass(frozen=True)
class IssueRequest:
    """Everything a backend needs to issue one server certificate.

    Built from validated data (the subscriber's registration, the validated
    host names), never from the CSR's subject; only the public key comes
    from the CSR.
    """

    product_code: str  # Product.code: "pkio-private", "pkio-digipoort", "pkio-trial", ...
    country: str  # "NL"
    organization: str  # the registered organisation name
    organization_identifier: str  # "NTRNL-<KvK>"
    subject_serial: str  # the OIN (20 digits)
    common_name: str
    dns_names: tuple[str, ...]  # validated subjectAltName entries, the first is the CN
    public_key_der: bytes  # SubjectPublicKeyInfo (DER) from the CSR
    validity_days: int  # Product.validity_days
    not_after: datetime | None = None  # a replacement keeps the replaced certificate's expiry
    # The registered place (certSIGN OV: BR §7.1.4.2 wants L or ST next to O);
    # never the CSR's. The registration has no province, so the portal sends
    # no ST.
    locality: str = ""
    state: str = ""
    # A publicly trusted TLS product (Product.publicly_trusted): the backend
    # caps the validity at the CA/Browser Forum maximum on the day it issues
    # (certificates.validity.public_tls_max_validity).
    publicly_trusted: bool = False


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    issuing_ca: x509.Certificate  # the CA certificate that signed it
    chain: tuple[x509.Certificate, ...]  # the issuing CA up to and including the root


class CAUnavailable(Exception):
    """The backend cannot act: not configured, or a CA certificate or key is missing."""


class CertificateAuthority(Protocol):
    def issue(self, request: IssueRequest) -> IssuedCertificate: ...

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

    def ca_certificate(self, slug: str) -> x509.Certificate:
        """The CA certificate named by ``slug`` in its CRL URL (``/crl/<slug>.crl``).

        Raises CAUnavailable for a slug the backend does not know.
        """
        ...
