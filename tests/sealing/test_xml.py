"""The XML seal (SPEC.md §8, seed "aorta-xml-signature-certificates"): xmlsec1 and verify_xml."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree

from certificates import demo_pki
from sealing import seal as sealing_seal
from sealing.results import SealStatus
from sealing.seal import Seal, portal_seal
from sealing.xml import DS, sign_xml, verify_xml

REFERENCE = "S20240209091543001"
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<order xmlns="urn:certificaatportaal:order:1" reference="{REFERENCE}">'
    "<subscriber><name>Voorbeeld B.V.</name></subscriber></order>"
).encode()
SHA256 = b"http://www.w3.org/2001/04/xmlenc#sha256"


def _xmlsec1() -> str:
    path = shutil.which("xmlsec1")
    if path is None:
        pytest.skip("xmlsec1 not installed (apt-get install xmlsec1)")
    return path


def xmlsec1_verify(data: bytes, pki_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """``xmlsec1 --verify`` trusting only the demo G3 root, only ``URI=""``, only X.509 keys."""
    path = tmp_path / "order.xml"
    path.write_bytes(data)
    return subprocess.run(
        [
            _xmlsec1(),
            "--verify",
            "--trusted-pem",
            str(pki_dir / "ca" / "g3-root.crt"),
            "--enabled-reference-uris",
            "empty",
            "--enabled-key-data",
            "x509",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def signed() -> bytes:
    return sign_xml(DOCUMENT)


def _client_seal(pki_dir: Path, slug: str) -> Seal:
    clients = pki_dir / "clients"
    return Seal(
        key=load_pem_private_key((clients / f"{slug}.key").read_bytes(), password=None),
        certificate=x509.load_pem_x509_certificate((clients / f"{slug}.crt").read_bytes()),
        chain=(),
    )


def test_xmlsec1_accepts_the_seal(signed, pki_dir, tmp_path):
    result = xmlsec1_verify(signed, pki_dir, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stderr.splitlines(), result.stderr


def test_the_signature_follows_the_aorta_profile(signed):
    root = etree.fromstring(signed)
    ns = {"ds": DS}
    (signature,) = root.findall("ds:Signature", ns)
    algorithms = [element.get("Algorithm") for element in signature.iterfind(".//*[@Algorithm]")]
    assert algorithms == [
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        SHA256.decode(),
    ]
    (reference,) = signature.findall("ds:SignedInfo/ds:Reference", ns)
    assert reference.get("URI") == ""
    certificates = [
        x509.load_der_x509_certificate(base64.b64decode(element.text))
        for element in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", ns)
    ]
    seal = portal_seal()
    assert [c.subject for c in certificates] == [seal.certificate.subject, seal.certificate.issuer]


def test_a_valid_seal_names_signer_reference_and_time(signed):
    check = verify_xml(signed)
    assert check.status == SealStatus.VALID, check.message
    assert check.kind == "xml"
    assert "CN=Certificaatportaal Demo Zegel" in check.signer
    assert check.reference == REFERENCE
    assert check.signed_at is not None
    assert abs(dt.datetime.now(dt.UTC) - check.signed_at) < dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(b"Voorbeeld B.V.", b"Voorbeeld N.V.", id="element-text"),
        pytest.param(f'reference="{REFERENCE}"'.encode(), b'reference="S1"', id="attribute"),
        pytest.param(SHA256, b"http://www.w3.org/2001/04/xmlenc#sha512", id="digest-method"),
        pytest.param(b"xmldsig-more#rsa-sha256", b"xmldsig-more#rsa-sha512", id="signature-method"),
        pytest.param(b'URI=""', b'URI="#x"', id="reference-uri"),
    ],
)
def test_a_change_breaks_the_seal(signed, pki_dir, tmp_path, old, new):
    assert old in signed
    changed = signed.replace(old, new)

    result = xmlsec1_verify(changed, pki_dir, tmp_path)
    assert result.returncode != 0, result.stderr
    assert "OK" not in result.stderr.splitlines()

    check = verify_xml(changed)
    assert check.status == SealStatus.CHANGED, check.message
    assert check.message.startswith("Het bestand is na het verzegelen gewijzigd:")


def test_a_garbled_certificate_is_a_changed_seal(signed):
    changed = signed.replace(b"<ds:X509Certificate>MII", b"<ds:X509Certificate>!!")
    assert verify_xml(changed).status == SealStatus.CHANGED


def test_an_unsigned_document_is_not_sealed():
    check = verify_xml(DOCUMENT)
    assert check.status == SealStatus.NOT_SEALED
    assert check.message == "Dit bestand is niet verzegeld."


def test_a_demo_client_certificate_is_an_unknown_signer(pki_dir):
    check = verify_xml(sign_xml(DOCUMENT, seal=_client_seal(pki_dir, "maximo")))
    assert check.status == SealStatus.UNKNOWN_SIGNER, check.message
    assert "CN=Maximo de Tester" in check.signer
    assert check.message == (f"Dit bestand is verzegeld door een onbekende partij: {check.signer}.")


def test_a_look_alike_seal_outside_our_roots_is_an_unknown_signer():
    """The seal's own subject on a self-signed certificate: the chain decides."""
    real = portal_seal()
    key = demo_pki.new_key()
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(real.certificate.subject)
        .issuer_name(real.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            real.certificate.extensions.get_extension_for_class(x509.KeyUsage).value, True
        )
        .sign(key, hashes.SHA256())
    )
    check = verify_xml(sign_xml(DOCUMENT, seal=Seal(key=key, certificate=certificate, chain=())))
    assert check.status == SealStatus.UNKNOWN_SIGNER, check.message
    assert "CN=Certificaatportaal Demo Zegel" in check.message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<order xmlns="urn:certificaatportaal:order:1" reference="S1">&lol9;</order>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE order [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>
<order xmlns="urn:certificaatportaal:order:1" reference="S1">&passwd;</order>"""


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7 not xml", id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(b"<order><unclosed></order>", id="malformed"),
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
        pytest.param(
            b'<!DOCTYPE order SYSTEM "http://169.254.169.254/latest"><order reference="S1"/>',
            id="external-dtd",
        ),
        pytest.param(b"<a>" + b" " * (2 * 1024 * 1024) + b"</a>", id="too-big"),
    ],
)
def test_what_is_not_our_xml_is_unreadable(data):
    check = verify_xml(data)
    assert check.status == SealStatus.UNREADABLE
    assert "passwd" not in check.message and "root:" not in check.message


def test_the_seal_key_is_loaded_once_and_handed_to_signxml(monkeypatch):
    import signxml.signer

    sealing_seal.load_seal.cache_clear()
    key_reads = []
    load = sealing_seal.load_pem_private_key
    monkeypatch.setattr(
        sealing_seal,
        "load_pem_private_key",
        lambda *a, **kw: key_reads.append(1) or load(*a, **kw),
    )

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("signxml parsed the key again")

    monkeypatch.setattr(signxml.signer, "load_pem_private_key", refuse)
    first, second = sign_xml(DOCUMENT), sign_xml(DOCUMENT)
    assert key_reads == [1]
    assert verify_xml(first).valid and verify_xml(second).valid
