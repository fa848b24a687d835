"""Reading and checking certificate signing requests (SPEC.md §7, "CSR rules").

``csr_check`` applies every rule below, collects every failure and raises
``CsrRejected`` with all messages in rule order; only a rule-1 failure stops
the check early (nothing else can be read). Nothing is ever stored: the module
only reads the compromised-key list, the certificates and the open orders.
Whatever a CSR holds is shown in messages with control and invisible
characters escaped (``\\x00``, ``\\u202e``), never raw.

Field names in the messages are the ones the subscriber writes in the OpenSSL
config of the Digidentity instruction (seed ``digidentity-csr-instructions``,
"Eisen CSR" and step [1] ``voorbeeldbv.cnf``): countryName, organizationName,
organizationIdentifier, serialNumber, commonName, subjectAltName.

====  =====================================================================
Rule  Messages (Dutch; ``%(…)s`` filled in)
====  =====================================================================
1     Exactly one PKCS#10 request, PEM or DER, at most 16 KiB, signature valid.
      "Het bestand is leeg." / "Het bestand is groter dan 16 KiB." /
      "Het bestand bevat meer dan één CSR." /
      "Dit is geen CSR (PKCS#10) in PEM- of DER-formaat." /
      "Dit is een certificaat, geen CSR. …" / "Het bestand bevat een
      privésleutel. …" / "Het bestand bevat naast de CSR nog andere
      gegevens. …" / "De sleutel in de CSR is onleesbaar of van een type
      dat niet wordt ondersteund; …" / "De handtekening van de CSR klopt
      niet." A signature that cannot be checked because its hash or key type
      is not allowed (MD4, DSA with SHA-1) is left to rules 2 and 3, which
      name that cause.
2     Signature hash SHA-256, SHA-384 or SHA-512 (PKCS#1 v1.5, PSS, ECDSA);
      for PSS the MGF1 hash too.
      "De CSR is ondertekend met %(algorithm)s; gebruik SHA-256 of sterker …" /
      "signatureAlgorithm: de CSR is ondertekend met RSASSA-PSS met
      MGF1-%(mgf)s; …"
3     RSA 2048/3072/4096 bits, e = 65537, not a PSS-only key (RFC 4055);
      ECDSA P-256/P-384 only where the product allows it; badkeys; the
      compromised list and the portal's own keys (portal_keys.py); badkeys'
      blocklists as imported (BlocklistedKey); never used before.
      "subjectPublicKeyInfo: de sleutel is een RSA-PSS-sleutel …" /
      "De RSA-sleutel is %(bits)s bits; …" / "De publieke exponent … is
      %(exponent)s; …" / "ECDSA-sleutels zijn voor dit product niet
      toegestaan; …" / "De ECDSA-curve %(curve)s is niet toegestaan; …" /
      "Het sleuteltype %(type)s is niet toegestaan; …" /
      "De sleutel is zwak (%(check)s): %(reason)s. Kies een nieuw
      sleutelpaar." / "Deze sleutel staat op de lijst van gecompromitteerde
      sleutels; …" / "Deze sleutel is een bekende zwakke of gelekte sleutel
      (badkeys-blocklist, …)" / "Deze sleutel is al eerder gebruikt in een
      certificaat of bestelling; maak een nieuw sleutelpaar aan."
4     Subject: C, O, organizationIdentifier, serialNumber, CN required; only
      those and OU allowed; L and ST with a warning (required for certSIGN
      OV); one value per RDN, each field once; values exactly as they are,
      without control, bidi or zero-width characters or surrounding spaces.
      "%(field)s "%(value)s" bevat een stuurteken of onzichtbaar teken …" /
      "%(field)s "%(value)s" begint of eindigt met een spatie; …" /
      "%(field)s ontbreekt in het subject (verwacht: %(expected)s)." /
      "%(field)s ontbreekt in het subject; dit veld is verplicht voor dit
      product." / "%(field)s is niet toegestaan in het subject; …" /
      "%(field)s komt meer dan één keer voor in het subject." /
      "Het subject bevat meerdere velden in één RDN (%(fields)s); …" /
      "Het subject van de CSR is niet leesbaar." / warning "%(field)s staat
      in het subject; dat mag, maar het is voor dit product niet nodig."
5     C, O, serialNumber and organizationIdentifier match the subscriber
      (seed "Eisen CSR" and "LET OP"; organizationIdentifier is the OIN as
      in the seed, or NTRNL-<KvK>).
      "countryName moet %(expected)s zijn, niet %(found)s." /
      "organizationName moet "%(expected)s" zijn (de geregistreerde naam),
      niet "%(found)s"." / "serialNumber moet het OIN %(oin)s zijn, niet
      %(found)s." / "organizationIdentifier moet het OIN %(oin)s of
      NTRNL-%(kvk)s zijn, niet %(found)s."
6     OIN: 20 digits with a known prefix (Logius OIN-stelsel, prefix
      table); KvK-based = 00000003 + KvK + 0000 (seed "Instructie aanmaken
      CSR"). A malformed value gets only this message, not rule 5's.
      "%(field)s moet een OIN van 20 cijfers zijn, niet %(found)s." /
      "%(field)s %(found)s begint niet met een bekend OIN-voorvoegsel; …" /
      "%(field)s %(found)s is geen geldig OIN op basis van een KvK-nummer; …"
      / "organizationIdentifier %(found)s is geen geldig KvK-kenmerk; …"
7     subjectAltName: 1–10 DNS names, no duplicates, the first = CN (seed
      "Eisen CSR" footnote and "Extra servernamen"), valid host names, no
      wildcards/IP/e-mail/URI/otherName/…, within the verified domains;
      a fixed CN (renewal, Digipoort) must be kept.
      "commonName moet %(cn)s zijn (bij een verlenging …)." /
      "commonName moet %(cn)s zijn (bij dit product bepaalt het portaal …)." /
      "De CSR bevat geen subjectAltName; …" / "De gevraagde extensies in de
      CSR zijn niet leesbaar; …" / "subjectAltName mag alleen DNS-namen
      bevatten; %(kind)s %(value)s is niet toegestaan." / "subjectAltName
      bevat geen DNS-namen." / "subjectAltName bevat %(count)s DNS-namen;
      maximaal 10 zijn toegestaan." / "%(name)s komt meer dan één keer voor
      in subjectAltName." / "De eerste naam in subjectAltName (%(san)s) moet
      gelijk zijn aan commonName (%(cn)s)." / "Wildcards zijn niet
      toegestaan: %(name)s." / "%(name)s is geen geldige servernaam; …" /
      "%(field)s %(name)s is een internationale naam in Unicode-vorm (U-label);
      gebruik in de CSR de xn---vorm: %(a_label)s." / "%(field)s %(name)s
      bevat het ongeldige A-label %(label)s (IDNA 2008); …" /
      "%(name)s valt niet onder een geverifieerd domein van de abonnee
      (%(domains)s)." / "subjectAltName moet precies één naam bevatten:
      %(cn)s."
8     Other requested extensions and CSR attributes are ignored (the
      profile sets them): warning "De CSR vraagt ook om %(names)s; dat
      wordt genegeerd, het certificaatprofiel bepaalt de extensies."
====  =====================================================================
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from warnings import catch_warnings, simplefilter

import asn1crypto.csr
import idna
from badkeys.checks import checkcrt, checkcsr
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID, NameOID
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from certificates.models import BlocklistedKey, Certificate, CompromisedKey
from certificates.portal_keys import portal_key_hashes
from certificates.x509_fields import spki_sha256
from core.text import escaped, invisible_characters

if TYPE_CHECKING:
    from certificates.models import Product
    from organisations.models import Subscriber

MAX_CSR_BYTES = 16 * 1024
MAX_SANS = 10  # seed "Extra servernamen": "maximaal tien (10) servernamen"

RSA_SIZES = (2048, 3072, 4096)
RSA_EXPONENT = 65537
EC_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384"}
STRONG_HASHES = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}

# badkeys' default and extra checks without "blocklist": without its
# downloaded data that one calls sys.exit (STACK-NOTES.md). Size and exponent
# (badkeys' "rsawarnings") are rule 3's own checks, with a clearer message.
BADKEYS_CHECKS = (
    "fermat",
    "roca",
    "rsainvalid",
    "rsapoly",
    "sharedprimes",
    "smalld",
    "smallfactors",
    "pattern",
    "xzbackdoor",
)

# Logius OIN prefix table (OIN-stelsel, "Data Architectuur"); 00000005 is unassigned.
OIN_PREFIXES = frozenset(
    {
        "00000001",  # RSIN (Handelsregister)
        "00000002",  # fiscaal nummer
        "00000003",  # KvK-nummer
        "00000004",  # SubOIN
        "00000006",  # Logius OIN-hoofdnummer
        "00000007",  # BRIN
        "00000008",  # buitenlandse organisaties
        "00000009",  # Dezi zorgaanbieders
        "00000010",  # TRR-BD
        "00000011",  # Dezi zorgverzekeraars
        "00000099",  # test-OIN's
    }
)
KVK_OIN_PREFIX = "00000003"

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_CSR_LABELS = {b"CERTIFICATE REQUEST", b"NEW CERTIFICATE REQUEST"}
_CERTIFICATE_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"}
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_OIN = re.compile(r"[0-9]{20}")
_NTRNL = re.compile(r"NTRNL-[0-9]{8}")
# PKCS#9 extensionRequest: the attribute that carries the requested extensions.
_EXTENSION_REQUEST = x509.ObjectIdentifier("1.2.840.113549.1.9.14")
_RSASSA_PSS = x509.ObjectIdentifier("1.2.840.113549.1.1.10")  # RFC 4055 id-RSASSA-PSS

# Subject fields by the names of the seed's OpenSSL config.
_FIELD_NAMES = {
    NameOID.COUNTRY_NAME: "countryName",
    NameOID.ORGANIZATION_NAME: "organizationName",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "organizationalUnitName",
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.COMMON_NAME: "commonName",
    NameOID.LOCALITY_NAME: "localityName",
    NameOID.STATE_OR_PROVINCE_NAME: "stateOrProvinceName",
}
_SHORT_NAMES = {
    NameOID.COUNTRY_NAME: "C",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    NameOID.SERIAL_NUMBER: "serialNumber",
}
# RFC 4514 has no short names for these two; without them they print as OIDs.
_RFC4514_NAMES = {
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    NameOID.SERIAL_NUMBER: "serialNumber",
}
_REQUIRED = (
    NameOID.COUNTRY_NAME,
    NameOID.ORGANIZATION_NAME,
    NameOID.ORGANIZATION_IDENTIFIER,
    NameOID.SERIAL_NUMBER,
    NameOID.COMMON_NAME,
)
_ALLOWED = {*_REQUIRED, NameOID.ORGANIZATIONAL_UNIT_NAME}
_LOCALITY = (NameOID.LOCALITY_NAME, NameOID.STATE_OR_PROVINCE_NAME)

# Signature algorithms cryptography does not know, by the names OpenSSL prints.
_LEGACY_SIGNATURE_NAMES = {
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
    "1.2.840.113549.1.1.3": "md4WithRSAEncryption",
}
# Unicode categories shown escaped and refused in subject values: controls (Cc:
# NUL, ESC, ...), format characters (Cf: bidi controls U+202A–U+202E and
# U+2066–U+2069, zero-width characters), line/paragraph separators, surrogates
# and private use.
# Errors cryptography raises while lazily parsing parts of a malformed request.
_PARSE_ERRORS = (
    ValueError,
    TypeError,
    UnsupportedAlgorithm,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


class CsrRejected(Exception):
    """All the reasons a CSR is refused, as Dutch (translatable) messages."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class CsrExpectations:
    """What the CSR must contain for this subscriber and product (SPEC.md §7 rules 3–7)."""

    country: str
    organization: str
    oin: str
    kvk_number: str
    verified_domains: tuple[str, ...]
    check_domains: bool
    allow_ecdsa: bool
    require_locality: bool
    common_name: str | None = None  # fixed CN: a renewal's CN, or the Digipoort CN
    # Digipoort: the portal sets the name, so subjectAltName is exactly common_name.
    common_name_from_oin: bool = False

    @classmethod
    def for_order(
        cls, *, subscriber: Subscriber, product: Product, common_name: str | None = None
    ) -> CsrExpectations:
        """For Digipoort products (product.common_name_from_oin) common_name =
        digipoort_common_name(subscriber) unless given."""
        if common_name is None and product.common_name_from_oin:
            common_name = digipoort_common_name(subscriber)
        return cls(
            country=subscriber.country,
            organization=subscriber.name,
            oin=subscriber.oin,
            kvk_number=subscriber.kvk_number,
            verified_domains=tuple(
                subscriber.verified_domains.order_by("domain").values_list("domain", flat=True)
            ),
            check_domains=product.checks_domains,
            allow_ecdsa=product.allows_ecdsa,
            require_locality=product.requires_locality,
            common_name=common_name,
            common_name_from_oin=product.common_name_from_oin,
        )


def digipoort_common_name(subscriber: Subscriber) -> str:
    """The service name the portal gives a Digipoort certificate: the OIN under our domain."""
    return f"{subscriber.oin}.{settings.PORTAL_DIGIPOORT_DOMAIN}".lower()


@dataclass(frozen=True)
class CheckedCsr:
    """What was read from an accepted CSR; the wizard shows it before the order is placed."""

    pem: str
    subject: str
    subject_fields: dict[str, str]
    common_name: str
    sans: list[str]
    key_type: str
    key_size: int
    key_curve: str
    signature_algorithm: str
    spki_sha256: str
    warnings: list[str]

    @property
    def key_description(self) -> str:
        if self.key_type == "ECDSA":
            return f"ECDSA {self.key_curve}"
        return f"{self.key_type} {self.key_size} bits"

    def as_details(self) -> dict:
        details = asdict(self)
        del details["pem"]
        details["key_description"] = self.key_description
        return details


# --- Rule 1: reading ------------------------------------------------------------------------


def csr_read(data: bytes | str) -> x509.CertificateSigningRequest:
    """Rule 1 only: exactly one PKCS#10, PEM or DER, at most 16 KiB, signature valid.

    Raises CsrRejected with one message. A signature that cannot be checked
    because its hash (MD4, MD2) or key type (DSA with SHA-1) is one the portal
    does not verify passes here: rules 2 and 3 name that cause, and
    ``csr_check`` never accepts such a request.
    """
    return _read(data)[0]


def _read(data: bytes | str) -> tuple[x509.CertificateSigningRequest, bool]:
    """``csr_read``, and whether the signature was verified."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_CSR_BYTES:
        raise CsrRejected([_("Het bestand is groter dan 16 KiB.")])
    if not raw.strip():
        raise CsrRejected([_("Het bestand is leeg.")])
    if b"-----BEGIN" in raw:
        der = _der_from_pem(raw)
    elif isinstance(data, str):
        raise CsrRejected([_not_a_csr()])
    else:
        der = raw
    try:
        csr = x509.load_der_x509_csr(der)
    except (ValueError, x509.InvalidVersion):
        if _is_certificate(der):
            raise CsrRejected([_certificate_not_csr()]) from None
        raise CsrRejected([_not_a_csr()]) from None
    try:
        csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise CsrRejected(
            [
                _(
                    "De sleutel in de CSR is onleesbaar of van een type dat niet wordt "
                    "ondersteund; gebruik een RSA-sleutel van 2048, 3072 of 4096 bits."
                )
            ]
        ) from None
    verified = _signature_verifies(csr)
    if verified is False:
        raise CsrRejected([_bad_signature()])
    return csr, bool(verified)


def _bad_signature() -> str:
    return _("De handtekening van de CSR klopt niet.")


def _not_a_csr() -> str:
    return _("Dit is geen CSR (PKCS#10) in PEM- of DER-formaat.")


def _certificate_not_csr() -> str:
    return _(
        "Dit is een certificaat, geen CSR. Upload de CSR (PKCS#10) die u met de sleutel maakte."
    )


def _der_from_pem(raw: bytes) -> bytes:
    blocks = _PEM_BLOCK.findall(raw)
    labels = [label for label, _body in blocks]
    if _PRIVATE_KEY.search(raw):
        raise CsrRejected(
            [
                _(
                    "Het bestand bevat een privésleutel. Upload alleen de CSR; de privésleutel "
                    "hoort geheim te blijven."
                )
            ]
        )
    csr_bodies = [body for label, body in blocks if label in _CSR_LABELS]
    if len(csr_bodies) > 1:
        raise CsrRejected([_("Het bestand bevat meer dan één CSR.")])
    if not csr_bodies:
        if any(label in _CERTIFICATE_LABELS for label in labels):
            raise CsrRejected([_certificate_not_csr()])
        raise CsrRejected([_not_a_csr()])
    if len(blocks) > 1 or raw.count(b"-----BEGIN") > 1:
        raise CsrRejected(
            [_("Het bestand bevat naast de CSR nog andere gegevens. Upload alleen de CSR.")]
        )
    try:
        return base64.b64decode(b"".join(csr_bodies[0].split()), validate=True)
    except (binascii.Error, ValueError):
        raise CsrRejected([_not_a_csr()]) from None


def _is_certificate(der: bytes) -> bool:
    try:
        x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion):
        return False
    return True


def _signature_verifies(csr: x509.CertificateSigningRequest) -> bool | None:
    """True (valid), False (wrong or unreadable) or None: not checkable, because the
    hash is unknown to cryptography (MD4) or is weak with a key type other than RSA
    and ECDSA (DSA with SHA-1). Rules 2 and 3 refuse every None."""
    try:
        if csr.is_signature_valid:
            return True
    except _PARSE_ERRORS:
        return False
    try:
        hash_algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    except _PARSE_ERRORS:
        return False
    if hash_algorithm is None or hash_algorithm.name in STRONG_HASHES:
        return False
    # cryptography no longer verifies SHA-1 or MD5 signatures. Check them by
    # hand, so rule 2 names the weak hash instead of calling the signature false.
    try:
        key = csr.public_key()
        parameters = csr.signature_algorithm_parameters
        if isinstance(key, rsa.RSAPublicKey) and not isinstance(parameters, ec.ECDSA):
            # cryptography gives no parameters for MD5: PKCS#1 v1.5 is the only scheme.
            scheme = parameters if isinstance(parameters, padding.PSS) else padding.PKCS1v15()
            key.verify(csr.signature, csr.tbs_certrequest_bytes, scheme, hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(csr.signature, csr.tbs_certrequest_bytes, ec.ECDSA(hash_algorithm))
        else:
            return None
    except (InvalidSignature, *_PARSE_ERRORS):
        return False
    return True


# --- All rules ------------------------------------------------------------------------------


def csr_check(
    data: bytes | str, *, expect: CsrExpectations, reusable_spki: str | None = None
) -> CheckedCsr:
    """All rules 1–8 (SPEC.md §7); raises CsrRejected with every failure, in rule order.

    ``reusable_spki`` is the one key that may be used again (a replacement in a
    campaign, a later issue of the same order); it is exempt from the reuse
    check, never from the compromised-key list.
    """
    csr, verified = _read(data)
    messages: list[str] = []
    warnings: list[str] = []

    signature_algorithm = _signature_algorithm_name(csr)
    messages += _check_signature_hash(csr, signature_algorithm)

    key = csr.public_key()
    pem = csr.public_bytes(Encoding.PEM).decode("ascii")
    key_hash = spki_sha256(key)
    messages += _check_key(
        key,
        algorithm=csr.public_key_algorithm_oid,
        pem=pem,
        key_hash=key_hash,
        expect=expect,
        reusable=reusable_spki,
    )

    subject_messages, fields = _check_subject(csr, expect=expect, warnings=warnings)
    messages += subject_messages
    messages += _check_identity(fields, expect=expect)
    messages += _check_oin_format(fields)
    messages += _check_place(fields)

    sans_messages, sans = _check_names(csr, fields, expect=expect)
    messages += sans_messages
    warnings = [escaped(warning) for warning in warnings + _ignored_extensions(csr)]

    if messages:
        raise CsrRejected([escaped(message) for message in messages])
    if not verified:  # rules 2 and 3 refuse every such request; never accept one unchecked
        raise CsrRejected([_bad_signature()])
    if isinstance(key, rsa.RSAPublicKey):
        key_type, key_size, key_curve = "RSA", key.key_size, ""
    else:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        key_type, key_size, key_curve = "ECDSA", key.key_size, EC_CURVES[key.curve.name]
    return CheckedCsr(
        pem=pem,
        subject=csr.subject.rfc4514_string(_RFC4514_NAMES),
        subject_fields={_SHORT_NAMES[oid]: value for oid, value in fields.items()},
        common_name=fields[NameOID.COMMON_NAME].lower(),
        sans=sans,
        key_type=key_type,
        key_size=key_size,
        key_curve=key_curve,
        signature_algorithm=signature_algorithm,
        spki_sha256=key_hash,
        warnings=warnings,
    )


# --- Rule 2: signature hash -----------------------------------------------------------------


def _signature_algorithm_name(csr: x509.CertificateSigningRequest) -> str:
    oid = csr.signature_algorithm_oid
    try:
        hash_algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        hash_algorithm = None
    if oid == x509.SignatureAlgorithmOID.RSASSA_PSS and hash_algorithm is not None:
        label = STRONG_HASHES.get(hash_algorithm.name, hash_algorithm.name.upper())
        return f"RSASSA-PSS ({label})"
    name = getattr(oid, "_name", "")
    if name and name != "Unknown OID":
        return name
    if oid.dotted_string in _LEGACY_SIGNATURE_NAMES:
        return _LEGACY_SIGNATURE_NAMES[oid.dotted_string]
    if hash_algorithm is not None:
        return f"{oid.dotted_string} ({hash_algorithm.name.upper()})"
    return oid.dotted_string


def _check_signature_hash(csr: x509.CertificateSigningRequest, algorithm: str) -> list[str]:
    try:
        hash_algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        hash_algorithm = None
    if hash_algorithm is not None and hash_algorithm.name in STRONG_HASHES:
        if csr.signature_algorithm_oid != x509.SignatureAlgorithmOID.RSASSA_PSS:
            return []
        mgf = _pss_mask_hash(csr)
        if mgf in STRONG_HASHES:
            return []
        return [
            _(
                "signatureAlgorithm: de CSR is ondertekend met RSASSA-PSS met MGF1-%(mgf)s; "
                "gebruik SHA-256 of sterker, ook voor MGF1 (openssl req -sigopt "
                "rsa_mgf1_md:sha256)."
            )
            % {"mgf": mgf.upper()}
        ]
    if hash_algorithm is None and not isinstance(
        csr.public_key(), (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)
    ):
        return []  # EdDSA has no separate hash; rule 3 refuses the key type
    return [
        _(
            "De CSR is ondertekend met %(algorithm)s; gebruik SHA-256 of sterker "
            "(openssl req -sha256)."
        )
        % {"algorithm": algorithm}
    ]


def _pss_mask_hash(csr: x509.CertificateSigningRequest) -> str:
    """The hash of an RSASSA-PSS signature's mask generation function (RFC 4055 §3.1:
    MGF1 with its own hash, SHA-1 when absent), e.g. "sha256"; cryptography has no
    public API for it. Another mask function is named by itself."""
    try:
        request = asn1crypto.csr.CertificationRequest.load(csr.public_bytes(Encoding.DER))
        mask = request["signature_algorithm"]["parameters"]["mask_gen_algorithm"]
        if mask["algorithm"].native != "mgf1":
            return str(mask["algorithm"].native)
        return str(mask["parameters"]["algorithm"].native)
    except (ValueError, TypeError, KeyError):
        return "?"


# --- Rule 3: the key ------------------------------------------------------------------------

# badkeys finding → why, in Dutch (translated when the message is made).
_BADKEYS_REASONS = {
    "fermat": gettext_noop(
        "de twee priemfactoren liggen zo dicht bij elkaar dat de sleutel te ontbinden is"
    ),
    "roca": gettext_noop("de sleutel komt van een kwetsbare chip (ROCA)"),
    "rsainvalid": gettext_noop("de RSA-waarden zijn ongeldig"),
    "rsapoly": gettext_noop("de modulus heeft een patroon waarmee hij te ontbinden is"),
    "sharedprimes": gettext_noop("de sleutel deelt een priemfactor met bekende zwakke sleutels"),
    "smalld": gettext_noop("de private exponent is te klein"),
    "smallfactors": gettext_noop("de modulus heeft kleine priemfactoren"),
    "pattern": gettext_noop("de modulus heeft een onwaarschijnlijk herhalingspatroon"),
    "xzbackdoor": gettext_noop("de modulus bevat de xz-achterdeur"),
}


def _check_key(
    key: object,
    *,
    algorithm: x509.ObjectIdentifier,
    pem: str,
    key_hash: str,
    expect: CsrExpectations,
    reusable: str | None,
    badkeys_check: Callable[..., dict[str, Any]] = checkcsr,
) -> list[str]:
    messages: list[str] = []
    if algorithm == _RSASSA_PSS:
        # RFC 4055 §1.2: an id-RSASSA-PSS key may only sign with PSS; a server
        # certificate's key must also do TLS key exchange (keyEncipherment).
        messages.append(
            _(
                "subjectPublicKeyInfo: de sleutel is een RSA-PSS-sleutel (id-RSASSA-PSS), die "
                "alleen PSS-handtekeningen mag zetten; een servercertificaat heeft een gewone "
                "RSA-sleutel (rsaEncryption) nodig. Maak een nieuw sleutelpaar, bijvoorbeeld "
                "met openssl genpkey -algorithm RSA."
            )
        )
    if isinstance(key, rsa.RSAPublicKey):
        bits, exponent = key.key_size, key.public_numbers().e
        if bits not in RSA_SIZES:
            messages.append(
                _("De RSA-sleutel is %(bits)s bits; toegestaan zijn 2048, 3072 of 4096 bits.")
                % {"bits": bits}
            )
        if exponent != RSA_EXPONENT:
            messages.append(
                _("De publieke exponent van de RSA-sleutel is %(exponent)s; die moet 65537 zijn.")
                % {"exponent": exponent}
            )
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not expect.allow_ecdsa:
            messages.append(
                _(
                    "ECDSA-sleutels zijn voor dit product niet toegestaan; gebruik een "
                    "RSA-sleutel van 2048, 3072 of 4096 bits."
                )
            )
        elif key.curve.name not in EC_CURVES:
            messages.append(
                _("De ECDSA-curve %(curve)s is niet toegestaan; gebruik P-256 of P-384.")
                % {"curve": key.curve.name}
            )
    else:
        key_type = type(key).__name__.removesuffix("PublicKey").removeprefix("_")
        if expect.allow_ecdsa:
            message = _(
                "Het sleuteltype %(type)s is niet toegestaan; gebruik RSA (2048, 3072 of "
                "4096 bits) of ECDSA (P-256 of P-384)."
            )
        else:
            message = _(
                "Het sleuteltype %(type)s is niet toegestaan; gebruik een RSA-sleutel van "
                "2048, 3072 of 4096 bits."
            )
        messages.append(message % {"type": key_type})

    if isinstance(key, rsa.RSAPublicKey):
        # The findings can hold the recovered primes: only their names are used.
        findings = badkeys_check(pem, checks=BADKEYS_CHECKS).get("results", {})
        for check in BADKEYS_CHECKS:
            if check in findings:
                messages.append(
                    _("De sleutel is zwak (%(check)s): %(reason)s. Kies een nieuw sleutelpaar.")
                    % {"check": check, "reason": _(_BADKEYS_REASONS[check])}
                )

    if (
        key_hash in portal_key_hashes()
        or CompromisedKey.objects.filter(spki_sha256=key_hash).exists()
    ):
        messages.append(
            _(
                "Deze sleutel staat op de lijst van gecompromitteerde sleutels; maak een nieuw "
                "sleutelpaar aan."
            )
        )
    elif (blocklisted := _badkeys_hash(key)) and BlocklistedKey.objects.filter(
        key_hash=blocklisted
    ).exists():
        messages.append(
            _(
                "Deze sleutel is een bekende zwakke of gelekte sleutel (badkeys-blocklist, "
                "bijvoorbeeld de Debian-sleutels van CVE-2008-0166); maak een nieuw sleutelpaar "
                "aan."
            )
        )
    elif key_hash != reusable and _key_used_before(key_hash):
        # Never say whose certificate or order: that would leak another subscriber's data.
        messages.append(
            _(
                "Deze sleutel is al eerder gebruikt in een certificaat of bestelling; maak een "
                "nieuw sleutelpaar aan."
            )
        )
    return messages


def reused_key_check(certificate: x509.Certificate, *, expect: CsrExpectations) -> list[str]:
    """Rule 3 on the key of ``certificate`` that a replacement in a campaign certifies
    again (the replacement-plan seed allows reusing the CSR): size, type, badkeys and
    the compromised-key lists as for a CSR, exempt only from the reuse rule for that
    very key. The messages, in Dutch; none when the key still passes."""
    key = certificate.public_key()
    key_hash = spki_sha256(key)
    return _check_key(
        key,
        algorithm=certificate.public_key_algorithm_oid,
        pem=certificate.public_bytes(Encoding.PEM).decode("ascii"),
        key_hash=key_hash,
        expect=expect,
        reusable=key_hash,
        badkeys_check=checkcrt,
    )


def _badkeys_hash(key: object) -> str | None:
    """The key as badkeys' blocklist.dat holds it (``badkeys/allkeys/block.py``): the
    first 15 bytes of SHA-256 over the modulus (RSA) or x coordinate (EC) as
    big-endian bytes without leading zeros, in hex; None for other key types."""
    if isinstance(key, rsa.RSAPublicKey):
        number = key.public_numbers().n
    elif isinstance(key, ec.EllipticCurvePublicKey):
        number = key.public_numbers().x
    else:
        return None
    data = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return hashlib.sha256(data).digest()[:15].hex()


# Where else a public key counts as used (SPEC.md §7 rule 3), by SPKI SHA-256. An app
# above this layer adds its own check in its AppConfig.ready() (orders: open orders),
# so the rule knows every place without certificates importing those apps.
_key_in_use_checks: list[Callable[[str], bool]] = []


def key_in_use_check_add(check: Callable[[str], bool]) -> None:
    """Have the key-reuse rule also ask ``check(spki_sha256)`` (once per check)."""
    if check not in _key_in_use_checks:
        _key_in_use_checks.append(check)


def _key_used_before(key_hash: str) -> bool:
    return Certificate.objects.filter(spki_sha256=key_hash).exists() or any(
        check(key_hash) for check in _key_in_use_checks
    )


# --- Rule 4: the subject's shape ------------------------------------------------------------


def _field_name(oid: x509.ObjectIdentifier) -> str:
    if oid in _FIELD_NAMES:
        return _FIELD_NAMES[oid]
    name = getattr(oid, "_name", "")
    return name if name and name != "Unknown OID" else oid.dotted_string


def _check_subject(
    csr: x509.CertificateSigningRequest, *, expect: CsrExpectations, warnings: list[str]
) -> tuple[list[str], dict[x509.ObjectIdentifier, str]]:
    """Rule 4; returns the messages and the single-valued allowed fields that are
    clean: a value with an invisible character or surrounding whitespace gets only
    that message (it is never trimmed, so what is checked is what gets issued)."""
    try:
        with catch_warnings():
            # cryptography warns about a countryName that is not 2 characters; rule 5
            # reports it.
            simplefilter("ignore", UserWarning)
            rdns = list(csr.subject.rdns)
        attributes = [attribute for rdn in rdns for attribute in rdn]
        values = [(attribute.oid, str(attribute.value)) for attribute in attributes]
    except _PARSE_ERRORS:
        return [_("Het subject van de CSR is niet leesbaar.")], {}

    messages: list[str] = []
    for rdn in rdns:
        if len(rdn) > 1:
            messages.append(
                _("Het subject bevat meerdere velden in één RDN (%(fields)s); zet elk veld apart.")
                % {"fields": " + ".join(_field_name(a.oid) for a in rdn)}
            )
    counts = Counter(oid for oid, _value in values)
    for oid in counts:
        if oid not in _ALLOWED and oid not in _LOCALITY:
            messages.append(
                _(
                    "%(field)s is niet toegestaan in het subject; toegestaan zijn countryName, "
                    "organizationName, organizationalUnitName, organizationIdentifier, "
                    "serialNumber en commonName."
                )
                % {"field": _field_name(oid)}
            )
    for oid, count in counts.items():
        if count > 1:
            messages.append(
                _("%(field)s komt meer dan één keer voor in het subject.")
                % {"field": _field_name(oid)}
            )

    expected = {
        NameOID.COUNTRY_NAME: expect.country,
        NameOID.ORGANIZATION_NAME: expect.organization,
        NameOID.ORGANIZATION_IDENTIFIER: _("%(oin)s of NTRNL-%(kvk)s")
        % {"oin": expect.oin, "kvk": expect.kvk_number},
        NameOID.SERIAL_NUMBER: expect.oin,
        NameOID.COMMON_NAME: expect.common_name or _("de eerste servernaam"),
    }
    for oid in _REQUIRED:
        if oid not in counts:
            messages.append(
                _("%(field)s ontbreekt in het subject (verwacht: %(expected)s).")
                % {"field": _field_name(oid), "expected": expected[oid]}
            )
    for oid in _LOCALITY:
        if oid in counts:
            if not expect.require_locality:
                warnings.append(
                    _(
                        "%(field)s staat in het subject; dat mag, maar het is voor dit product "
                        "niet nodig."
                    )
                    % {"field": _field_name(oid)}
                )
        elif expect.require_locality:
            messages.append(
                _("%(field)s ontbreekt in het subject; dit veld is verplicht voor dit product.")
                % {"field": _field_name(oid)}
            )

    fields: dict[x509.ObjectIdentifier, str] = {}
    for oid, value in values:
        if oid not in _ALLOWED and oid not in _LOCALITY:
            continue
        problem = _value_problem(_field_name(oid), value)
        if problem:
            messages.append(problem)
        elif counts[oid] == 1:
            fields[oid] = value
    return messages, fields


def _value_problem(field: str, value: str) -> str | None:
    """Control, format (bidi, zero-width) and separator characters, and leading or
    trailing whitespace, are refused: they hide or reorder what a person reads in
    the portal and in the certificate (issue 11, points 10 and 13)."""
    invisible = invisible_characters(value)
    if invisible:
        return _(
            '%(field)s "%(value)s" bevat een stuurteken of onzichtbaar teken (%(characters)s); '
            "verwijder het."
        ) % {"field": field, "value": value, "characters": ", ".join(invisible)}
    if value != value.strip():
        return _(
            '%(field)s "%(value)s" begint of eindigt met een spatie; verwijder de spaties.'
        ) % {"field": field, "value": value}
    return None


# --- Rule 5: the subject matches the subscriber ---------------------------------------------


def _check_identity(
    fields: dict[x509.ObjectIdentifier, str], *, expect: CsrExpectations
) -> list[str]:
    messages: list[str] = []
    country = fields.get(NameOID.COUNTRY_NAME)
    if country is not None and country != expect.country:
        messages.append(
            _("countryName moet %(expected)s zijn, niet %(found)s.")
            % {"expected": expect.country, "found": country}
        )
    organization = fields.get(NameOID.ORGANIZATION_NAME)
    if organization is not None and organization != expect.organization.strip():
        messages.append(
            _(
                'organizationName moet "%(expected)s" zijn (de geregistreerde naam), '
                'niet "%(found)s".'
            )
            % {"expected": expect.organization.strip(), "found": organization}
        )
    serial = fields.get(NameOID.SERIAL_NUMBER)
    if serial is not None and _oin_problem(serial) is None and serial != expect.oin:
        messages.append(
            _("serialNumber moet het OIN %(oin)s zijn, niet %(found)s.")
            % {"oin": expect.oin, "found": serial}
        )
    org_id = fields.get(NameOID.ORGANIZATION_IDENTIFIER)
    if (
        org_id is not None
        and _org_id_problem(org_id) is None
        and org_id not in (expect.oin, f"NTRNL-{expect.kvk_number}")
    ):
        messages.append(
            _("organizationIdentifier moet het OIN %(oin)s of NTRNL-%(kvk)s zijn, niet %(found)s.")
            % {"oin": expect.oin, "kvk": expect.kvk_number, "found": org_id}
        )
    return messages


# --- Rule 6: OIN format ---------------------------------------------------------------------


def _oin_problem(value: str, field: str = "serialNumber") -> str | None:
    """Why ``value`` is not a well-formed OIN, or None."""
    if not _OIN.fullmatch(value):
        return _("%(field)s moet een OIN van 20 cijfers zijn, niet %(found)s.") % {
            "field": field,
            "found": value,
        }
    if value[:8] not in OIN_PREFIXES:
        return _(
            "%(field)s %(found)s begint niet met een bekend OIN-voorvoegsel; een OIN begint "
            "met bijvoorbeeld 00000001 (RSIN) of 00000003 (KvK-nummer)."
        ) % {"field": field, "found": value}
    if value.startswith(KVK_OIN_PREFIX) and not value.endswith("0000"):
        return _(
            "%(field)s %(found)s is geen geldig OIN op basis van een KvK-nummer; dat is "
            "00000003, het KvK-nummer van 8 cijfers en 0000."
        ) % {"field": field, "found": value}
    return None


def _org_id_problem(value: str) -> str | None:
    if value.startswith("NTRNL"):
        if _NTRNL.fullmatch(value):
            return None
        return _(
            "organizationIdentifier %(found)s is geen geldig KvK-kenmerk; dat is NTRNL- en "
            "het KvK-nummer van 8 cijfers."
        ) % {"found": value}
    return _oin_problem(value, "organizationIdentifier")


def _check_oin_format(fields: dict[x509.ObjectIdentifier, str]) -> list[str]:
    problems = []
    if NameOID.SERIAL_NUMBER in fields:
        problems.append(_oin_problem(fields[NameOID.SERIAL_NUMBER]))
    if NameOID.ORGANIZATION_IDENTIFIER in fields:
        problems.append(_org_id_problem(fields[NameOID.ORGANIZATION_IDENTIFIER]))
    return [problem for problem in problems if problem]


# --- Rule 4: no placeholder in L and ST -----------------------------------------------------

# Words that only say "no value" (CA/Browser Forum BR §7.1.4.3), casefolded.
_PLACEHOLDER_WORDS = {
    "n/a",
    "n.a.",
    "na",
    "none",
    "null",
    "nil",
    "unknown",
    "not applicable",
    "nvt",
    "n.v.t.",
    "onbekend",
    "geen",
}


def is_placeholder(value: str) -> bool:
    """Whether a subject value only says that there is no value.

    CA/Browser Forum Baseline Requirements §7.1.4.3: a subject attribute MUST
    NOT contain metadata such as ".", "-" or " ", or any other indication that
    the value is absent, incomplete or not applicable. Blank or punctuation
    only, or a word like "N/A" or "none" (case-insensitive).
    """
    text = value.strip().casefold()
    return not any(character.isalnum() for character in text) or text in _PLACEHOLDER_WORDS


def _check_place(fields: dict[x509.ObjectIdentifier, str]) -> list[str]:
    """localityName and stateOrProvinceName, where the CSR gives them, are real places."""
    return [
        _(
            '%(field)s bevat alleen een opvulwaarde (zoals ".", "-" of "N/A"); dat is '
            "niet toegestaan. Vul de echte plaats of provincie in, of laat het veld weg als het "
            "voor dit product niet verplicht is."
        )
        % {"field": _field_name(oid)}
        for oid in _LOCALITY
        if oid in fields and is_placeholder(fields[oid])
    ]


# --- Rule 7: names --------------------------------------------------------------------------


def is_host_name(name: str) -> bool:
    """A lower-case LDH host name: labels of 1–63, at most 253 in all, at least two labels.

    IDNA names must be in their A-label form (``xn--…``), and every ``xn--``
    label must be a valid IDNA 2008 A-label (RFC 5890 §2.3.2.1, checked with
    the ``idna`` package); an all-digit last label would make an IP address
    look like a name.
    """
    if len(name) > 253:
        return False
    labels = name.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    return all(
        _LDH_LABEL.fullmatch(label) and (not label.startswith("xn--") or _is_a_label(label))
        for label in labels
    )


def _is_a_label(label: str) -> bool:
    """IDNA 2008: the label decodes to a valid U-label that encodes back to itself."""
    try:
        return idna.alabel(idna.ulabel(label)) == label.encode("ascii")
    except (idna.IDNAError, UnicodeError):
        return False


def _host_name_problem(name: str, field: str) -> str | None:
    """Why ``name`` (lower case) is not a host name for ``field``, or None (rule 7)."""
    if is_host_name(name):
        return None
    problem = _value_problem(field, name)
    if problem:
        return problem
    if not name.isascii():
        try:
            a_label = idna.encode(name).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            a_label = ""
        if is_host_name(a_label):
            return _(
                "%(field)s %(name)s is een internationale naam in Unicode-vorm (U-label); "
                "gebruik in de CSR de xn---vorm: %(a_label)s."
            ) % {"field": field, "name": name, "a_label": a_label}
    else:
        for label in name.split("."):
            if label.startswith("xn--") and _LDH_LABEL.fullmatch(label) and not _is_a_label(label):
                return _(
                    "%(field)s %(name)s bevat het ongeldige A-label %(label)s (IDNA 2008); "
                    "controleer de xn---vorm van de naam."
                ) % {"field": field, "name": name, "label": label}
    return _(
        "%(name)s is geen geldige servernaam; gebruik letters, cijfers en "
        "koppeltekens, internationale namen in de xn---vorm."
    ) % {"name": name}


def within_domains(name: str, domains: tuple[str, ...]) -> bool:
    """``name`` is one of ``domains`` or a name under one of them."""
    return any(name == domain or name.endswith("." + domain) for domain in domains)


def _is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _check_names(
    csr: x509.CertificateSigningRequest,
    fields: dict[x509.ObjectIdentifier, str],
    *,
    expect: CsrExpectations,
) -> tuple[list[str], list[str]]:
    """Rule 7; returns the messages and the lower-case DNS names in CSR order."""
    messages: list[str] = []
    common_name = fields.get(NameOID.COMMON_NAME)
    fixed = expect.common_name.lower() if expect.common_name else None
    if fixed and common_name is not None and common_name.lower() != fixed:
        if expect.common_name_from_oin:
            message = _(
                "commonName moet %(cn)s zijn (bij dit product bepaalt het portaal de naam van "
                "de service)."
            )
        else:
            message = _(
                "commonName moet %(cn)s zijn (bij een verlenging kan de naam van de service niet "
                "worden gewijzigd)."
            )
        messages.append(message % {"cn": fixed})

    try:
        general_names = list(
            csr.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        )
    except x509.ExtensionNotFound:
        messages.append(
            _(
                "De CSR bevat geen subjectAltName; neem daarin de servernamen op, de eerste gelijk "
                "aan commonName."
            )
        )
        return messages, []
    except _PARSE_ERRORS:
        messages.append(
            _("De gevraagde extensies in de CSR zijn niet leesbaar; maak de CSR opnieuw aan.")
        )
        return messages, []

    kinds = {
        x509.IPAddress: _("IP-adres"),
        x509.RFC822Name: _("e-mailadres"),
        x509.UniformResourceIdentifier: _("URI"),
        x509.OtherName: "otherName",
        x509.DirectoryName: "directoryName",
        x509.RegisteredID: "registeredID",
    }
    sans: list[str] = []
    for general_name in general_names:
        if isinstance(general_name, x509.DNSName):
            sans.append(general_name.value.lower())
            continue
        messages.append(
            _(
                "subjectAltName mag alleen DNS-namen bevatten; %(kind)s %(value)s is "
                "niet toegestaan."
            )
            % {
                "kind": kinds.get(type(general_name), type(general_name).__name__),
                "value": _general_name_value(general_name),
            }
        )
    if not sans:
        messages.append(_("subjectAltName bevat geen DNS-namen."))
        return messages, sans
    if len(sans) > MAX_SANS:
        messages.append(
            _("subjectAltName bevat %(count)s DNS-namen; maximaal 10 zijn toegestaan.")
            % {"count": len(sans)}
        )
    seen: set[str] = set()
    for name in sans:
        if name in seen:
            messages.append(
                _("%(name)s komt meer dan één keer voor in subjectAltName.") % {"name": name}
            )
        seen.add(name)
    if common_name is not None and sans[0] != common_name.lower():
        messages.append(
            _host_name_problem(common_name.lower(), "commonName")
            or _(
                "De eerste naam in subjectAltName (%(san)s) moet gelijk zijn aan "
                "commonName (%(cn)s)."
            )
            % {"san": sans[0], "cn": common_name}
        )
    for name in dict.fromkeys(sans):
        if "*" in name:
            messages.append(_("Wildcards zijn niet toegestaan: %(name)s.") % {"name": name})
        elif _is_ip_address(name):
            messages.append(
                _(
                    "subjectAltName mag alleen DNS-namen bevatten; %(kind)s %(value)s is "
                    "niet toegestaan."
                )
                % {"kind": _("IP-adres"), "value": name}
            )
        elif problem := _host_name_problem(name, "subjectAltName"):
            messages.append(problem)
        elif expect.check_domains and not within_domains(name, expect.verified_domains):
            messages.append(
                _("%(name)s valt niet onder een geverifieerd domein van de abonnee (%(domains)s).")
                % {"name": name, "domains": ", ".join(expect.verified_domains) or _("geen")}
            )
    if expect.common_name_from_oin and fixed and sans != [fixed]:
        messages.append(_("subjectAltName moet precies één naam bevatten: %(cn)s.") % {"cn": fixed})
    return messages, sans


def _general_name_value(general_name: x509.GeneralName) -> str:
    if isinstance(general_name, x509.OtherName):
        return general_name.type_id.dotted_string
    if isinstance(general_name, x509.DirectoryName):
        return general_name.value.rfc4514_string()
    if isinstance(general_name, x509.RegisteredID):
        return general_name.value.dotted_string
    return str(general_name.value)


# --- Rule 8: everything else that was asked for ---------------------------------------------


def _ignored_extensions(csr: x509.CertificateSigningRequest) -> list[str]:
    try:
        names = [
            _field_name(extension.oid)
            for extension in csr.extensions
            if extension.oid != ExtensionOID.SUBJECT_ALTERNATIVE_NAME
        ]
        names += [
            _field_name(attribute.oid)
            for attribute in csr.attributes
            if attribute.oid != _EXTENSION_REQUEST
        ]
    except _PARSE_ERRORS:
        return []
    if not names:
        return []
    return [
        _(
            "De CSR vraagt ook om %(names)s; dat wordt genegeerd, het certificaatprofiel bepaalt "
            "de extensies."
        )
        % {"names": ", ".join(names)}
    ]
