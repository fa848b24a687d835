"""Checking a sealed order form someone uploads (page "Controleer een bestelformulier").

A PDF is checked with pyHanko against ``trust_roots()`` only, never fetching
anything (SPEC.md §8); an XML copy by ``sealing.xml.verify_xml``. Whatever
the upload holds, the answer is a ``SealCheck``, never an exception: the file
comes from anyone.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from sealing.results import (
    SealCheck,
    SealStatus,
    sealed_by_portal,
    sealed_by_unknown,
    signer_subject,
)
from sealing.seal import SealNotConfigured, portal_seal, trust_roots

logger = logging.getLogger(__name__)

# Order (S…) and change-request (A…) references as the form's title names them.
REFERENCE = re.compile(r"\b[SA][A-Z]*\d{17}\b")
# What a file may start with before its content: a UTF-8 byte order mark and whitespace.
_LEADING = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n\f\x00"


class NotADocument(ValueError):
    """The upload is neither PDF nor XML; ``str()`` is the message for the form."""


def check_document(data: bytes) -> SealCheck:
    """Check the seal of an uploaded order form, PDF or XML, recognised by content.

    Raises ``NotADocument`` when the bytes are neither: that is a mistake in
    the upload (a form error), not a finding about a seal.
    """
    start = data.removeprefix(_LEADING).lstrip(_WHITESPACE)[:5]
    # pyHanko itself wants %PDF- at byte 0; a PDF with something in front still
    # goes to check_pdf, which then says it cannot read it rather than "not a PDF".
    if start == b"%PDF-":
        return check_pdf(data)
    if start.startswith(b"<"):
        # The other half of sealing; imported here so a PDF check never needs lxml/signxml.
        from sealing.xml import verify_xml

        return verify_xml(data)
    raise NotADocument(_("Dit is geen PDF- of XML-bestand."))


def check_pdf(data: bytes) -> SealCheck:
    """Check a PDF's PAdES seal(s) against the portal's roots, without fetching (SPEC.md §8).

    VALID only when every signature is intact, covers the whole file (nothing
    appended after sealing) and was made by a certificate with the portal's
    seal subject chaining to ``trust_roots()`` at the signing time, so forms
    sealed before a seal certificate was renewed still verify. Never raises.
    """
    # Outside the try below: a configuration error is ours to see, not "unreadable".
    try:
        seal_subject: x509.Name | None = portal_seal().certificate.subject
    except SealNotConfigured:
        seal_subject = None  # then nothing is ours
    roots = [_asn1(root) for root in trust_roots()]
    try:
        reader = PdfFileReader(BytesIO(data))
        signatures = reader.embedded_signatures
        if not signatures:
            return _check(SealStatus.NOT_SEALED, _("Dit bestand is niet verzegeld."))
        reference = _reference(reader)
        # In signing order: the first problem is the one that explains the rest.
        for signature in signatures:
            check = _check_signature(
                signature, seal_subject=seal_subject, roots=roots, reference=reference
            )
            if not check.valid:
                return check
        return check
    except (PdfError, ValueError, NotImplementedError, zlib.error) as error:
        # pyHanko's read errors and unsupported features (filters, encryption),
        # asn1crypto's ValueError for bad DER, a corrupt Flate stream.
        logger.info("Seal check: PDF not readable (%s): %s", _describe(data), error)
    except Exception:
        # Hostile input must never become a 500; log to learn what pyHanko tripped on.
        logger.exception("Seal check: unexpected error reading a PDF (%s)", _describe(data))
    return _check(SealStatus.UNREADABLE, _("Dit PDF-bestand kan niet worden gelezen."))


def _check_signature(
    signature: EmbeddedPdfSignature,
    *,
    seal_subject: x509.Name | None,
    roots: list[asn1_x509.Certificate],
    reference: str,
) -> SealCheck:
    if signature.sig_object_type != "/Sig":
        # A document timestamp: never something the portal adds.
        return sealed_by_unknown("pdf", _certificate(signature.signer_cert), reference=reference)
    status = validate_pdf_signature(
        signature,
        ValidationContext(
            trust_roots=roots,
            allow_fetching=False,
            moment=_signing_moment(signature),
        ),
        # Only an untouched file passes; analysing what was appended is wasted work.
        skip_diff=True,
    )
    if not status.intact:
        return _check(
            SealStatus.CHANGED,
            _("De inhoud is na het verzegelen gewijzigd."),
            reference=reference,
        )
    if not status.valid:
        return _check(
            SealStatus.CHANGED,
            _("Het zegel zelf is beschadigd of vervalst."),
            reference=reference,
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return _check(
            SealStatus.CHANGED,
            _("Na het verzegelen is er iets aan het bestand toegevoegd."),
            reference=reference,
        )
    signer = _certificate(status.signing_cert)
    if seal_subject is None or signer.subject != seal_subject:
        return sealed_by_unknown("pdf", signer, reference=reference)
    if not status.trusted:
        # Our name, but not our CA (or not valid when it sealed): say so, it is the forgery case.
        subject = signer_subject(signer)
        return _check(
            SealStatus.UNKNOWN_SIGNER,
            _(
                "Dit bestand is verzegeld met een certificaat op naam van het "
                "Certificaatportaal (%(subject)s), maar dat certificaat is niet door een "
                "vertrouwde CA van het portaal uitgegeven of was niet geldig bij het verzegelen."
            )
            % {"subject": subject},
            signer=subject,
            reference=reference,
        )
    # The CMS signingTime, or for PAdES (which has none) the signed /M entry.
    return sealed_by_portal("pdf", signer, reference=reference, signed_at=status.signer_reported_dt)


def _signing_moment(signature: EmbeddedPdfSignature) -> datetime | None:
    """When to judge the chain: when the seal was made, but never in the future.

    A B-B seal has no timestamp, so the claimed time is all there is; it is
    inside the signed bytes, so only the seal key's holder can choose it.
    """
    claimed = signature.self_reported_timestamp
    if claimed is None or claimed > datetime.now(UTC):
        return None
    return claimed


def _reference(reader: PdfFileReader) -> str:
    try:
        title = str(reader.trailer["/Info"]["/Title"])
    except (KeyError, TypeError, PdfError):
        return ""
    match = REFERENCE.search(title)
    return match.group() if match else ""


def _certificate(certificate: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def _describe(data: bytes) -> str:
    return f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}"


def _check(status: SealStatus, message: str, **details: object) -> SealCheck:
    return SealCheck(status=status, message=message, kind="pdf", **details)  # type: ignore[arg-type]  # callers pass SealCheck fields
