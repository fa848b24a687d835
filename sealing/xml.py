"""XML documents: the enveloped XML Signature of the AORTA profile (SPEC.md §8).

Seed "aorta-xml-signature-certificates": Exclusive XML Canonicalization
without comments, RSA over SHA-256, SHA-256 digests, and the signing
certificate in KeyInfo/X509Data/X509Certificate. We sign the whole document
(one Reference, ``URI=""``, transforms enveloped-signature + exc-c14n), so
``xmlsec1 --verify`` checks every byte that matters.

The seed's example writes ``http://www.w3.org/2000/09/xmldsig#rsa-sha256``
and ``http://www.w3.org/2000/09/xmlenc#sha256``; those URIs do not exist.
Its own algorithm table, and we, use the W3C ones (RFC 6931):
``http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`` and
``http://www.w3.org/2001/04/xmlenc#sha256``.
"""

from __future__ import annotations

import binascii
import logging
from dataclasses import replace
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.utils.translation import gettext as _
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException
from signxml.verifier import SignatureConfiguration

from sealing.results import SealCheck, SealStatus, sealed_by_portal, sealed_by_unknown
from sealing.seal import Seal, SealNotConfigured, portal_seal, trust_roots

logger = logging.getLogger(__name__)

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
SIGNATURE_METHOD = SignatureMethod.RSA_SHA256
DIGEST_METHOD = DigestAlgorithm.SHA256
TRANSFORMS = (SignatureConstructionMethod.enveloped.value, C14N.value)
# The seal's own time, added to the signed content (as PAdES signs its signing time).
SEALED_AT = "sealedAt"
# An order is a few kilobytes; anything this big is not one of ours.
MAX_XML_BYTES = 1024 * 1024

_EXPECTED = SignatureConfiguration(
    location="./",
    expect_references=1,
    signature_methods=frozenset({SIGNATURE_METHOD}),
    digest_algorithms=frozenset({DIGEST_METHOD}),
)


def _parser() -> etree.XMLParser:
    # No entities, no DTD, no network, no trees beyond libxml2's safe limits.
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=False,
    )


def sign_xml(data: bytes, *, seal: Seal | None = None) -> bytes:
    """``data`` with the portal's seal as an enveloped AORTA XML Signature (SPEC.md §8).

    Appends ``<sealedAt>`` (in the root's namespace) inside the signed
    content, then one ``ds:Signature`` as the root's last child. ``seal``
    is for tests signing as someone else; the portal always uses its own.
    """
    if seal is None:
        seal = portal_seal()
    if not isinstance(seal.key, RSAPrivateKey):
        raise ValueError("The AORTA XML Signature profile needs an RSA seal key.")
    root = etree.fromstring(data, parser=_parser())
    namespace = etree.QName(root).namespace
    sealed_at = etree.SubElement(root, f"{{{namespace}}}{SEALED_AT}" if namespace else SEALED_AT)
    sealed_at.text = datetime.now(UTC).isoformat(timespec="seconds")
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SIGNATURE_METHOD,
        digest_algorithm=DIGEST_METHOD,
        c14n_algorithm=C14N,
    )
    # The leaf and its issuing CA(s); a verifier brings its own root.
    certificates = [seal.certificate, *(ca for ca in seal.chain if ca.subject != ca.issuer)]
    signed = signer.sign(root, key=seal.key, cert=certificates)
    (reference,) = signed.findall(f"{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if reference.get("URI") != "":
        # signxml points at an Id attribute when the root has one; we sign the whole document.
        raise ValueError("The root element must not carry an Id attribute.")
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def verify_xml(data: bytes) -> SealCheck:
    """Check an XML document's seal; never raises for bad input (SPEC.md §8).

    VALID only when the signature follows the profile exactly, covers the
    whole document, verifies, and was made by the portal's seal certificate
    chaining to ``trust_roots()``.
    """
    if len(data) > MAX_XML_BYTES:
        return _check(SealStatus.UNREADABLE, _("Dit bestand is te groot om te controleren."))
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError):
        return _check(SealStatus.UNREADABLE, _("Dit bestand is geen leesbaar XML-bestand."))
    # Our documents never have a DOCTYPE; refusing any keeps entity tricks out.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or _has_entities(root):
        return _check(
            SealStatus.UNREADABLE,
            _(
                "Dit XML-bestand bevat een DTD of entiteiten; die lezen we om "
                "veiligheidsredenen niet."
            ),
        )
    reference = root.get("reference", "")
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        return _check(
            SealStatus.NOT_SEALED, _("Dit bestand is niet verzegeld."), reference=reference
        )

    problem = _profile_problem(root, signatures)
    if problem:
        return _changed(problem, reference)
    try:
        certificates = _key_info_certificates(signatures[0])
        leaf = _leaf(certificates)
        result = XMLVerifier().verify(
            root,
            x509_cert=leaf,
            parser=_parser(),
            # Validity in time is judged below against the chain, at the sealing time.
            expect_config=_with_time(leaf),
        )
    except InvalidDigest:
        return _changed(
            _("de inhoud klopt niet meer met de vingerafdruk in de handtekening."), reference
        )
    except (InvalidSignature, SignXMLException, ValueError, TypeError) as error:
        logger.info("XML seal does not verify: %s", error)
        return _changed(_("de handtekening klopt niet."), reference)

    signed = result.signed_xml
    if signed is None:  # pragma: no cover - URI="" always yields the signed element
        return _changed(_("de handtekening klopt niet."), reference)
    reference = signed.get("reference", "")
    signed_at = _sealed_at(signed)
    if not _is_portal_seal(leaf, certificates, signed_at):
        return sealed_by_unknown("xml", leaf, reference=reference, signed_at=signed_at)
    return sealed_by_portal("xml", leaf, reference=reference, signed_at=signed_at)


def _check(
    status: SealStatus,
    message: str,
    *,
    signer: str = "",
    signed_at: datetime | None = None,
    reference: str = "",
) -> SealCheck:
    return SealCheck(
        status=status,
        message=message,
        kind="xml",
        signer=signer,
        signed_at=signed_at,
        reference=reference,
    )


def _has_entities(root: etree._Element) -> bool:
    return next(root.iter(etree.Entity), None) is not None


def _changed(reason: str, reference: str) -> SealCheck:
    return _check(
        SealStatus.CHANGED,
        _("Het bestand is na het verzegelen gewijzigd: %(reason)s") % {"reason": reason},
        reference=reference,
    )


def _profile_problem(root: etree._Element, signatures: list[etree._Element]) -> str:
    """Why the signature is not the AORTA profile we seal with, or "" when it is.

    Checked before any cryptography so that a swapped algorithm or a
    reference to part of the document is reported as such.
    """
    if len(signatures) != 1 or signatures[0].getparent() is not root:
        return _("er hoort precies één handtekening direct onder het hoofdelement te staan.")
    signed_info = signatures[0].find(f"{{{DS}}}SignedInfo")
    if signed_info is None:
        return _("de handtekening is onvolledig.")
    if _algorithm(signed_info, "CanonicalizationMethod") != C14N.value:
        return _("de canonicalisatiemethode is niet Exclusive XML Canonicalization.")
    if _algorithm(signed_info, "SignatureMethod") != SIGNATURE_METHOD.value:
        return _("de handtekeningmethode is niet RSA-SHA256.")
    references = signed_info.findall(f"{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        return _("de handtekening dekt niet het hele document.")
    transforms = tuple(
        transform.get("Algorithm")
        for transform in references[0].iterfind(f"{{{DS}}}Transforms/{{{DS}}}Transform")
    )
    if transforms != TRANSFORMS:
        return _("de transformaties van de handtekening zijn niet de verwachte.")
    if _algorithm(references[0], "DigestMethod") != DIGEST_METHOD.value:
        return _("de digestmethode is niet SHA-256.")
    return ""


def _algorithm(parent: etree._Element, name: str) -> str | None:
    element = parent.find(f"{{{DS}}}{name}")
    return None if element is None else element.get("Algorithm")


def _key_info_certificates(signature: etree._Element) -> list[x509.Certificate]:
    texts = signature.findall(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if not texts:
        raise ValueError("no X509Certificate in KeyInfo")
    try:
        return [
            x509.load_der_x509_certificate(binascii.a2b_base64("".join((text.text or "").split())))
            for text in texts
        ]
    except binascii.Error as error:
        raise ValueError(str(error)) from error


def _leaf(certificates: list[x509.Certificate]) -> x509.Certificate:
    """The certificate that issued none of the others (X509Data has no order)."""
    issuers = {certificate.issuer for certificate in certificates}
    leaves = [certificate for certificate in certificates if certificate.subject not in issuers]
    return leaves[0] if leaves else certificates[0]


def _with_time(leaf: x509.Certificate) -> SignatureConfiguration:
    return replace(_EXPECTED, verification_time=leaf.not_valid_before_utc)


def _sealed_at(signed: etree._Element) -> datetime | None:
    namespace = etree.QName(signed).namespace
    element = signed.find(f"{{{namespace}}}{SEALED_AT}" if namespace else SEALED_AT)
    if element is None or not element.text:
        return None
    try:
        value = datetime.fromisoformat(element.text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else None


def _is_portal_seal(
    leaf: x509.Certificate, certificates: list[x509.Certificate], signed_at: datetime | None
) -> bool:
    """The seal certificate's subject, chaining to our roots at the sealing time."""
    try:
        if leaf.subject != portal_seal().certificate.subject:
            return False
    except SealNotConfigured:
        return False
    roots = trust_roots()
    if not roots:
        return False
    policy = x509.verification.ExtensionPolicy
    builder = (
        x509.verification.PolicyBuilder()
        .store(x509.verification.Store(list(roots)))
        .time(signed_at or datetime.now(UTC))
        # The seal has no extendedKeyUsage (pdfsig needs that); require only what signing does.
        .extension_policies(
            ee_policy=policy.permit_all().require_present(
                x509.KeyUsage, x509.verification.Criticality.AGNOSTIC, _signs_digitally
            ),
            ca_policy=policy.webpki_defaults_ca(),
        )
    )
    intermediates = [certificate for certificate in certificates if certificate is not leaf]
    try:
        builder.build_client_verifier().verify(leaf, intermediates)
    except (x509.verification.VerificationError, ValueError) as error:
        logger.info("XML seal by %s does not chain to our roots: %s", leaf.subject, error)
        return False
    return True


def _signs_digitally(
    policy: x509.verification.Policy, certificate: x509.Certificate, usage: x509.KeyUsage | None
) -> None:
    if usage is None or not usage.digital_signature:
        raise ValueError("keyUsage lacks digitalSignature")
