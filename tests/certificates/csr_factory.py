"""Real CSRs for tests, built with ``cryptography``; defaults pass every rule for Voorbeeld B.V.

Key generation is the slow part: share keys through ``rsa_key(n)`` (cached per
process) and use ``fresh_rsa_key()`` only where a never-seen key matters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

VOORBEELD_OIN = "00000003123456780000"
VOORBEELD_KVK = "12345678"
VOORBEELD_NAME = "Voorbeeld B.V."

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

# Signature algorithms cryptography refuses to sign with: the request is built
# with SHA-256 and signed again by hand. (OID, DER parameters) per key type and hash.
_LEGACY_SIGNATURES = {
    ("rsa", "sha1"): ("2a864886f70d010105", b"\x05\x00"),
    ("rsa", "md5"): ("2a864886f70d010104", b"\x05\x00"),
    ("ec", "sha1"): ("2a8648ce3d0401", b""),
}


def fresh_rsa_key(key_size: int = 2048, public_exponent: int = 65537) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=public_exponent, key_size=key_size)


@lru_cache
def rsa_key(index: int = 0, key_size: int = 2048) -> rsa.RSAPrivateKey:
    """A key shared by every test in this process that asks for the same ``index``."""
    return fresh_rsa_key(key_size)


def fresh_ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def subject(
    *,
    cn: str | None = "www.voorbeeld.nl",
    o: str | None = VOORBEELD_NAME,
    c: str | None = "NL",
    oin: str | None = VOORBEELD_OIN,
    org_id: str | None = None,
    extra_attrs: Iterable[x509.NameAttribute | x509.RelativeDistinguishedName] = (),
) -> x509.Name:
    """The seed's order: C, O, organizationIdentifier, serialNumber, CN; ``None`` leaves one out.

    ``org_id`` defaults to the OIN, as in the Digidentity instruction.
    """
    org_id = oin if org_id is None else org_id
    attributes = [
        (NameOID.COUNTRY_NAME, c),
        (NameOID.ORGANIZATION_NAME, o),
        (NameOID.ORGANIZATION_IDENTIFIER, org_id),
        (NameOID.SERIAL_NUMBER, oin),
        (NameOID.COMMON_NAME, cn),
    ]
    rdns = [
        x509.RelativeDistinguishedName([x509.NameAttribute(oid, value)])
        for oid, value in attributes
        if value is not None
    ]
    for extra in extra_attrs:
        if isinstance(extra, x509.NameAttribute):
            extra = x509.RelativeDistinguishedName([extra])
        rdns.append(extra)
    return x509.Name(rdns)


def make_csr(
    key: PrivateKey | None = None,
    *,
    cn: str | None = "www.voorbeeld.nl",
    sans: Sequence[str | x509.GeneralName] | None = None,
    o: str | None = VOORBEELD_NAME,
    c: str | None = "NL",
    oin: str | None = VOORBEELD_OIN,
    org_id: str | None = None,
    extra_attrs: Iterable[x509.NameAttribute | x509.RelativeDistinguishedName] = (),
    extensions: Iterable[x509.ExtensionType] = (),
    hash: hashes.HashAlgorithm | None = None,
    rsa_padding: padding.AsymmetricPadding | None = None,
    key_size: int = 2048,
    der: bool = False,
) -> bytes:
    """A signed CSR as PEM (or DER); ``sans=None`` means ``[cn]``, ``sans=()`` no subjectAltName.

    ``sans`` entries are DNS names, or any ``x509.GeneralName`` (IP, e-mail, …).
    ``hash`` may be SHA-1 or MD5 too: those are signed by hand.
    """
    key = key if key is not None else fresh_rsa_key(key_size)
    hash = hash or hashes.SHA256()
    if sans is None:
        sans = [cn] if cn else []
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        subject(cn=cn, o=o, c=c, oin=oin, org_id=org_id, extra_attrs=extra_attrs)
    )
    if sans:
        names = [x509.DNSName(n) if isinstance(n, str) else n for n in sans]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)

    key_kind = "ec" if isinstance(key, ec.EllipticCurvePrivateKey) else "rsa"
    legacy = _LEGACY_SIGNATURES.get((key_kind, hash.name))
    signing_hash = hashes.SHA256() if legacy else hash
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signing_hash = None  # EdDSA signs without a separate hash
    extra = {"rsa_padding": rsa_padding} if rsa_padding is not None else {}
    csr = builder.sign(key, signing_hash, **extra)
    encoded = csr.public_bytes(Encoding.DER)
    if legacy:
        encoded = _assemble(csr.tbs_certrequest_bytes, key, hash, *legacy)
    if der:
        return encoded
    return x509.load_der_x509_csr(encoded).public_bytes(Encoding.PEM)


def make_certificate_pem(key: PrivateKey | None = None) -> bytes:
    """A self-signed certificate: what a customer uploads by mistake instead of the CSR."""
    import datetime as dt

    key = key if key is not None else rsa_key()
    name = subject()
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.PEM)


SHA256_WITH_RSA = "2a864886f70d01010b"
# md4WithRSAEncryption (1.2.840.113549.1.1.3). Neither cryptography nor OpenSSL 3's
# default provider computes MD4, and the portal cannot check such a signature
# either: a request under this label carries a SHA-256 signature.
MD4_WITH_RSA = "2a864886f70d010103"


def sign_tbs(
    tbs: bytes, key: rsa.RSAPrivateKey, *, algorithm_oid_hex: str = SHA256_WITH_RSA
) -> bytes:
    """A DER CSR around any CertificationRequestInfo bytes, signed with SHA-256 and RSA.

    For tests that change the signed part and still want a valid signature, or
    that label the signature with another algorithm.
    """
    return _assemble(tbs, key, hashes.SHA256(), algorithm_oid_hex, b"\x05\x00")


def _assemble(
    tbs: bytes, key: PrivateKey, hash: hashes.HashAlgorithm, oid_hex: str, parameters: bytes
) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(tbs, ec.ECDSA(hash))
    else:
        signature = key.sign(tbs, padding.PKCS1v15(), hash)
    algorithm = _tlv(0x30, _tlv(0x06, bytes.fromhex(oid_hex)) + parameters)
    return _tlv(0x30, tbs + algorithm + _tlv(0x03, b"\x00" + signature))


def _tlv(tag: int, body: bytes) -> bytes:
    length = len(body)
    if length < 0x80:
        encoded_length = bytes([length])
    else:
        octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
        encoded_length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + encoded_length + body
