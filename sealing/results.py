"""What checking a sealed document found (the page "Controleer een bestelformulier")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# RFC 4514 has no short names for these; without them they print as OIDs.
_SUBJECT_NAMES = {
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    NameOID.SERIAL_NUMBER: "serialNumber",
}


class SealStatus(models.TextChoices):
    VALID = "valid", _("Intact en verzegeld door deze portal")
    CHANGED = "changed", _("Gewijzigd na het verzegelen")
    UNKNOWN_SIGNER = "unknown_signer", _("Verzegeld door een onbekende partij")
    NOT_SEALED = "not_sealed", _("Niet verzegeld")
    UNREADABLE = "unreadable", _("Onleesbaar")


@dataclass(frozen=True)
class SealCheck:
    """The outcome of checking one PDF or XML document's seal."""

    status: SealStatus
    # Exactly why, in the user's language: shown as is.
    message: str
    kind: str = ""  # "pdf" or "xml"
    # The signing certificate's subject (RFC 4514) and when it sealed, when known.
    signer: str = ""
    signed_at: datetime | None = None
    # The order or change-request reference the document names, when readable.
    reference: str = ""

    @property
    def valid(self) -> bool:
        return self.status == SealStatus.VALID


def signer_subject(certificate: x509.Certificate) -> str:
    """A signer's subject as RFC 4514, with organizationIdentifier by name."""
    return certificate.subject.rfc4514_string(_SUBJECT_NAMES)


def sealed_by_portal(
    kind: str, signer: x509.Certificate, *, reference: str, signed_at: datetime | None
) -> SealCheck:
    return SealCheck(
        status=SealStatus.VALID,
        message=gettext("Dit bestand is intact en verzegeld door het Certificaatportaal."),
        kind=kind,
        signer=signer_subject(signer),
        signed_at=signed_at,
        reference=reference,
    )


def sealed_by_unknown(
    kind: str,
    signer: x509.Certificate,
    *,
    reference: str,
    signed_at: datetime | None = None,
) -> SealCheck:
    subject = signer_subject(signer)
    return SealCheck(
        status=SealStatus.UNKNOWN_SIGNER,
        message=gettext("Dit bestand is verzegeld door een onbekende partij: %(subject)s.")
        % {"subject": subject},
        kind=kind,
        signer=subject,
        signed_at=signed_at,
        reference=reference,
    )
