"""The CSR rules of SPEC.md §7, one real CSR per rule, with the exact Dutch message."""

from __future__ import annotations

import ipaddress
import json
import random
import subprocess
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import badkeys.checks
import gmpy2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from cryptography.x509.oid import NameOID
from django.utils import translation

from certificates.csr import (
    BADKEYS_CHECKS,
    CheckedCsr,
    CsrExpectations,
    CsrRejected,
    csr_check,
    csr_read,
    digipoort_common_name,
    is_host_name,
    within_domains,
)
from certificates.models import Certificate, CompromisedKey, Product
from certificates.x509_fields import spki_sha256
from orders.models import Order
from organisations.models import Person, Subscriber
from tests.certificates.csr_factory import (
    MD4_WITH_RSA,
    VOORBEELD_OIN,
    fresh_ec_key,
    fresh_rsa_key,
    make_certificate_pem,
    make_csr,
    rsa_key,
    sign_tbs,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch():  # noqa: ANN202
    with translation.override("nl"):
        yield


# --- Keys, made once per process ------------------------------------------------------------


@lru_cache
def ec_key(curve: str = "P-256") -> ec.EllipticCurvePrivateKey:
    return fresh_ec_key(ec.SECP384R1() if curve == "P-384" else ec.SECP256R1())


@lru_cache
def rsa_1024() -> rsa.RSAPrivateKey:
    return fresh_rsa_key(1024)


@lru_cache
def rsa_e3() -> rsa.RSAPrivateKey:
    return fresh_rsa_key(2048, public_exponent=3)


@lru_cache
def fermat_key() -> rsa.RSAPrivateKey:
    """2048 bits from two primes a little apart: Fermat factors n in one step."""
    p = int(gmpy2.next_prime(random.Random(7).getrandbits(1024) | 3 << 1022))
    q = int(gmpy2.next_prime(p + 2**20))
    e = 65537
    while gmpy2.gcd(e, (p - 1) * (q - 1)) != 1:
        q = int(gmpy2.next_prime(q))
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    key = numbers.private_key(unsafe_skip_rsa_key_validation=True)
    assert key.key_size == 2048
    return key


# --- Expectations ---------------------------------------------------------------------------


def voorbeeld() -> Subscriber:
    return Subscriber.objects.get(oin=VOORBEELD_OIN)


def expect(product: str = "pkio-private", common_name: str | None = None) -> CsrExpectations:
    return CsrExpectations.for_order(
        subscriber=voorbeeld(),
        product=Product.objects.get(code=product),
        common_name=common_name,
    )


def refused(data: bytes | str, **kwargs: object) -> list[str]:
    kwargs.setdefault("expect", expect())
    with pytest.raises(CsrRejected) as rejected:
        csr_check(data, **kwargs)  # type: ignore[arg-type]
    return rejected.value.messages


def der_of(pem: bytes) -> bytes:
    return x509.load_pem_x509_csr(pem).public_bytes(Encoding.DER)


# --- Accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "product", "description"),
    [
        pytest.param(lambda: rsa_key(), "pkio-private", "RSA 2048 bits", id="rsa-2048"),
        pytest.param(lambda: rsa_key(0, 3072), "pkio-private", "RSA 3072 bits", id="rsa-3072"),
        pytest.param(lambda: rsa_key(0, 4096), "pkio-private", "RSA 4096 bits", id="rsa-4096"),
        pytest.param(lambda: ec_key("P-256"), "pkio-trial", "ECDSA P-256", id="ecdsa-p256-trial"),
        pytest.param(lambda: ec_key("P-384"), "pkio-trial", "ECDSA P-384", id="ecdsa-p384-trial"),
    ],
)
def test_it_accepts_a_csr_that_follows_every_rule(key, product, description):  # noqa: ANN001
    private_key = key()
    checked = csr_check(make_csr(private_key), expect=expect(product))
    assert isinstance(checked, CheckedCsr)
    assert checked.key_description == description
    assert checked.common_name == "www.voorbeeld.nl"
    assert checked.sans == ["www.voorbeeld.nl"]
    assert checked.spki_sha256 == spki_sha256(private_key.public_key())
    assert checked.warnings == []
    assert checked.subject_fields == {
        "C": "NL",
        "O": "Voorbeeld B.V.",
        "organizationIdentifier": VOORBEELD_OIN,
        "serialNumber": VOORBEELD_OIN,
        "CN": "www.voorbeeld.nl",
    }
    assert checked.subject == (
        "CN=www.voorbeeld.nl,serialNumber=00000003123456780000,"
        "organizationIdentifier=00000003123456780000,O=Voorbeeld B.V.,C=NL"
    )


def test_it_reports_what_it_read_as_json_for_the_order():
    checked = csr_check(
        make_csr(rsa_key(), sans=["www.voorbeeld.nl", "api.voorbeeld.nl"]), expect=expect()
    )
    details = json.loads(json.dumps(checked.as_details()))
    assert "pem" not in details
    assert details["sans"] == ["www.voorbeeld.nl", "api.voorbeeld.nl"]
    assert details["key_type"] == "RSA"
    assert details["key_size"] == 2048
    assert details["key_curve"] == ""
    assert details["signature_algorithm"] == "sha256WithRSAEncryption"
    assert details["spki_sha256"] == checked.spki_sha256
    assert details["key_description"] == "RSA 2048 bits"


def test_it_accepts_der_and_hands_back_normalised_pem():
    pem = make_csr(rsa_key())
    checked = csr_check(der_of(pem), expect=expect())
    assert checked.pem == pem.decode()


def test_it_accepts_pasted_text_with_whitespace_crlf_and_the_new_header():
    pem = make_csr(rsa_key()).decode().replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
    pasted = "\r\n  " + pem.replace("\n", "\r\n") + "  \r\n"
    checked = csr_check(pasted, expect=expect())
    assert checked.pem.startswith("-----BEGIN CERTIFICATE REQUEST-----\n")


def test_it_accepts_text_around_the_pem_block_as_openssl_req_text_prints_it():
    pem = make_csr(rsa_key())
    assert csr_check(b"Certificate Request:\n    Data: ...\n" + pem, expect=expect())


def test_it_accepts_an_rsa_pss_signature_and_names_it():
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    checked = csr_check(make_csr(rsa_key(), rsa_padding=pss), expect=expect())
    assert checked.signature_algorithm == "RSASSA-PSS (SHA-256)"


def test_it_accepts_sha384_with_ecdsa():
    checked = csr_check(make_csr(ec_key(), hash=hashes.SHA384()), expect=expect("pkio-trial"))
    assert checked.signature_algorithm == "ecdsa-with-SHA384"


def test_it_accepts_the_kvk_form_of_organization_identifier():
    checked = csr_check(make_csr(rsa_key(), org_id="NTRNL-12345678"), expect=expect())
    assert checked.subject_fields["organizationIdentifier"] == "NTRNL-12345678"


def test_it_accepts_upper_case_names_and_an_idna_a_label():
    csr = make_csr(
        rsa_key(), cn="WWW.Voorbeeld.NL", sans=["www.voorbeeld.NL", "xn--bcher-kva.voorbeeld.nl"]
    )
    checked = csr_check(csr, expect=expect())
    assert checked.sans == ["www.voorbeeld.nl", "xn--bcher-kva.voorbeeld.nl"]
    assert checked.common_name == "www.voorbeeld.nl"


def test_it_accepts_ten_names():
    names = [f"s{i}.voorbeeld.nl" for i in range(10)]
    assert csr_check(make_csr(rsa_key(), cn=names[0], sans=names), expect=expect()).sans == names


def test_trial_and_digipoort_do_not_check_domains():
    csr = make_csr(rsa_key(), cn="www.elders.nl")
    assert csr_check(csr, expect=expect("pkio-trial")).common_name == "www.elders.nl"


def test_digipoort_takes_its_name_from_the_oin():
    name = digipoort_common_name(voorbeeld())
    assert name.startswith(VOORBEELD_OIN + ".")
    assert expect("pkio-digipoort").common_name == name
    assert expect("pkio-private").common_name is None
    assert csr_check(make_csr(rsa_key(), cn=name), expect=expect("pkio-digipoort")).sans == [name]


def test_a_renewal_keeps_its_name():
    checked = csr_check(make_csr(rsa_key()), expect=expect(common_name="www.voorbeeld.nl"))
    assert checked.common_name == "www.voorbeeld.nl"


def test_certsign_ov_wants_locality_and_state_without_warning():
    csr = make_csr(
        rsa_key(),
        extra_attrs=[
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Rotterdam"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Zuid-Holland"),
        ],
    )
    checked = csr_check(csr, expect=expect("certsign-ov"))
    assert checked.warnings == []
    assert checked.subject_fields["L"] == "Rotterdam"
    assert checked.subject_fields["ST"] == "Zuid-Holland"


def test_locality_and_state_are_accepted_with_a_warning():
    csr = make_csr(
        rsa_key(),
        extra_attrs=[
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Rotterdam"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Zuid-Holland"),
        ],
    )
    assert csr_check(csr, expect=expect()).warnings == [
        "localityName staat in het subject; dat mag, maar het is voor dit product niet nodig.",
        "stateOrProvinceName staat in het subject; dat mag, maar het is voor dit product niet "
        "nodig.",
    ]


def test_other_requested_extensions_are_ignored_with_a_warning():
    csr = make_csr(
        rsa_key(),
        extensions=[
            x509.KeyUsage(True, False, True, False, False, False, False, False, False),
            x509.BasicConstraints(ca=False, path_length=None),
        ],
    )
    assert csr_check(csr, expect=expect()).warnings == [
        "De CSR vraagt ook om keyUsage, basicConstraints; dat wordt genegeerd, het "
        "certificaatprofiel bepaalt de extensies."
    ]


# --- Refused: one row per rule --------------------------------------------------------------

NOT_A_CSR = "Dit is geen CSR (PKCS#10) in PEM- of DER-formaat."
CERTIFICATE = (
    "Dit is een certificaat, geen CSR. Upload de CSR (PKCS#10) die u met de sleutel maakte."
)
USE_RSA = (
    "ECDSA-sleutels zijn voor dit product niet toegestaan; gebruik een RSA-sleutel van 2048, "
    "3072 of 4096 bits."
)
ALLOWED_FIELDS = (
    "toegestaan zijn countryName, organizationName, organizationalUnitName, "
    "organizationIdentifier, serialNumber en commonName."
)


def _two_csrs() -> bytes:
    return make_csr(rsa_key()) + make_csr(rsa_key(), cn="api.voorbeeld.nl")


def _bad_signature() -> bytes:
    der = bytearray(der_of(make_csr(rsa_key())))
    der[-1] ^= 0x01
    return bytes(der)


def _with_private_key() -> bytes:
    key = rsa_key().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return key + make_csr(rsa_key())


ROWS: list[tuple[str, Callable[[], bytes | str], list[str]]] = [
    # Rule 1: one PKCS#10 request, PEM or DER, at most 16 KiB, valid signature.
    ("empty", lambda: b"", ["Het bestand is leeg."]),
    ("only whitespace", lambda: " \r\n\t", ["Het bestand is leeg."]),
    ("1 MiB", lambda: b"A" * 2**20, ["Het bestand is groter dan 16 KiB."]),
    ("garbage bytes", lambda: b"\x00\x01\x02garbage\xff", [NOT_A_CSR]),
    ("garbage text", lambda: "hallo, hier is mijn CSR", [NOT_A_CSR]),
    (
        "pem with bad base64",
        lambda: b"-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n",
        [NOT_A_CSR],
    ),
    ("two csrs", _two_csrs, ["Het bestand bevat meer dan één CSR."]),
    ("certificate pem", lambda: make_certificate_pem(), [CERTIFICATE]),
    (
        "certificate der",
        lambda: x509.load_pem_x509_certificate(make_certificate_pem()).public_bytes(Encoding.DER),
        [CERTIFICATE],
    ),
    (
        "csr and certificate",
        lambda: make_csr(rsa_key()) + make_certificate_pem(),
        ["Het bestand bevat naast de CSR nog andere gegevens. Upload alleen de CSR."],
    ),
    (
        "private key",
        _with_private_key,
        [
            "Het bestand bevat een privésleutel. Upload alleen de CSR; de privésleutel hoort "
            "geheim te blijven."
        ],
    ),
    ("bad signature", _bad_signature, ["De handtekening van de CSR klopt niet."]),
    # Rule 2: SHA-256 or stronger.
    (
        "sha1",
        lambda: make_csr(rsa_key(), hash=hashes.SHA1()),
        [
            "De CSR is ondertekend met sha1WithRSAEncryption; gebruik SHA-256 of sterker "
            "(openssl req -sha256)."
        ],
    ),
    (
        "md5",
        lambda: make_csr(rsa_key(), hash=hashes.MD5()),
        [
            "De CSR is ondertekend met md5WithRSAEncryption; gebruik SHA-256 of sterker "
            "(openssl req -sha256)."
        ],
    ),
    (
        "sha224",
        lambda: make_csr(rsa_key(), hash=hashes.SHA224()),
        [
            "De CSR is ondertekend met sha224WithRSAEncryption; gebruik SHA-256 of sterker "
            "(openssl req -sha256)."
        ],
    ),
    # Rule 3: the key.
    (
        "rsa 1024",
        lambda: make_csr(rsa_1024()),
        ["De RSA-sleutel is 1024 bits; toegestaan zijn 2048, 3072 of 4096 bits."],
    ),
    (
        "exponent 3",
        lambda: make_csr(rsa_e3()),
        ["De publieke exponent van de RSA-sleutel is 3; die moet 65537 zijn."],
    ),
    (
        "fermat",
        lambda: make_csr(fermat_key()),
        [
            "De sleutel is zwak (fermat): de twee priemfactoren liggen zo dicht bij elkaar dat "
            "de sleutel te ontbinden is. Kies een nieuw sleutelpaar."
        ],
    ),
    ("ecdsa without permission", lambda: make_csr(ec_key()), [USE_RSA]),
    # Rule 4: the subject's fields.
    (
        "missing oin",
        lambda: make_csr(rsa_key(), oin=None),
        [
            "organizationIdentifier ontbreekt in het subject (verwacht: 00000003123456780000 "
            "of NTRNL-12345678).",
            "serialNumber ontbreekt in het subject (verwacht: 00000003123456780000).",
        ],
    ),
    (
        "missing c, o and cn",
        lambda: make_csr(rsa_key(), c=None, o=None, cn=None, sans=["www.voorbeeld.nl"]),
        [
            "countryName ontbreekt in het subject (verwacht: NL).",
            "organizationName ontbreekt in het subject (verwacht: Voorbeeld B.V.).",
            "commonName ontbreekt in het subject (verwacht: de eerste servernaam).",
        ],
    ),
    (
        "unknown attribute",
        lambda: make_csr(
            rsa_key(),
            extra_attrs=[x509.NameAttribute(NameOID.EMAIL_ADDRESS, "beheer@voorbeeld.nl")],
        ),
        [f"emailAddress is niet toegestaan in het subject; {ALLOWED_FIELDS}"],
    ),
    (
        "multi-valued rdn",
        lambda: make_csr(
            rsa_key(),
            extra_attrs=[
                x509.RelativeDistinguishedName(
                    [
                        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "ICT"),
                        x509.NameAttribute(NameOID.LOCALITY_NAME, "Rotterdam"),
                    ]
                )
            ],
        ),
        [
            "Het subject bevat meerdere velden in één RDN (organizationalUnitName + "
            "localityName); zet elk veld apart."
        ],
    ),
    (
        "repeated organizational unit",
        lambda: make_csr(
            rsa_key(),
            extra_attrs=[
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "ICT"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Beheer"),
            ],
        ),
        ["organizationalUnitName komt meer dan één keer voor in het subject."],
    ),
    (
        "repeated field",
        lambda: make_csr(
            rsa_key(), extra_attrs=[x509.NameAttribute(NameOID.COMMON_NAME, "api.voorbeeld.nl")]
        ),
        ["commonName komt meer dan één keer voor in het subject."],
    ),
    # Rule 5: the subject matches the subscriber.
    (
        "wrong oin",
        lambda: make_csr(rsa_key(), oin="00000003876543210000"),
        [
            "serialNumber moet het OIN 00000003123456780000 zijn, niet 00000003876543210000.",
            "organizationIdentifier moet het OIN 00000003123456780000 of NTRNL-12345678 zijn, "
            "niet 00000003876543210000.",
        ],
    ),
    (
        "wrong kvk kenmerk",
        lambda: make_csr(rsa_key(), org_id="NTRNL-87654321"),
        [
            "organizationIdentifier moet het OIN 00000003123456780000 of NTRNL-12345678 zijn, "
            "niet NTRNL-87654321."
        ],
    ),
    (
        "wrong organization",
        lambda: make_csr(rsa_key(), o="Voorbeeld BV"),
        [
            'organizationName moet "Voorbeeld B.V." zijn (de geregistreerde naam), niet '
            '"Voorbeeld BV".'
        ],
    ),
    ("wrong country", lambda: make_csr(rsa_key(), c="BE"), ["countryName moet NL zijn, niet BE."]),
    # Rule 6: OIN format.
    (
        "oin not 20 digits",
        lambda: make_csr(rsa_key(), oin="12345678"),
        [
            "serialNumber moet een OIN van 20 cijfers zijn, niet 12345678.",
            "organizationIdentifier moet een OIN van 20 cijfers zijn, niet 12345678.",
        ],
    ),
    (
        "oin with unknown prefix",
        lambda: make_csr(rsa_key(), oin="00000005123456780000"),
        [
            f"{field} 00000005123456780000 begint niet met een bekend OIN-voorvoegsel; een OIN "
            "begint met bijvoorbeeld 00000001 (RSIN) of 00000003 (KvK-nummer)."
            for field in ("serialNumber", "organizationIdentifier")
        ],
    ),
    (
        "kvk oin without 0000",
        lambda: make_csr(rsa_key(), oin="00000003123456781234"),
        [
            f"{field} 00000003123456781234 is geen geldig OIN op basis van een KvK-nummer; dat "
            "is 00000003, het KvK-nummer van 8 cijfers en 0000."
            for field in ("serialNumber", "organizationIdentifier")
        ],
    ),
    (
        "malformed kvk kenmerk",
        lambda: make_csr(rsa_key(), org_id="NTRNL-1234"),
        [
            "organizationIdentifier NTRNL-1234 is geen geldig KvK-kenmerk; dat is NTRNL- en het "
            "KvK-nummer van 8 cijfers."
        ],
    ),
    # Rule 7: subjectAltName.
    (
        "no subjectAltName",
        lambda: make_csr(rsa_key(), sans=()),
        [
            "De CSR bevat geen subjectAltName; neem daarin de servernamen op, de eerste gelijk "
            "aan commonName."
        ],
    ),
    (
        "cn is not the first san",
        lambda: make_csr(rsa_key(), sans=["api.voorbeeld.nl", "www.voorbeeld.nl"]),
        [
            "De eerste naam in subjectAltName (api.voorbeeld.nl) moet gelijk zijn aan commonName "
            "(www.voorbeeld.nl)."
        ],
    ),
    (
        "11 names",
        lambda: make_csr(
            rsa_key(), cn="s0.voorbeeld.nl", sans=[f"s{i}.voorbeeld.nl" for i in range(11)]
        ),
        ["subjectAltName bevat 11 DNS-namen; maximaal 10 zijn toegestaan."],
    ),
    (
        "duplicate name",
        lambda: make_csr(rsa_key(), sans=["www.voorbeeld.nl", "WWW.voorbeeld.nl"]),
        ["www.voorbeeld.nl komt meer dan één keer voor in subjectAltName."],
    ),
    (
        "wildcard",
        lambda: make_csr(rsa_key(), sans=["www.voorbeeld.nl", "*.voorbeeld.nl"]),
        ["Wildcards zijn niet toegestaan: *.voorbeeld.nl."],
    ),
    (
        "ip address",
        lambda: make_csr(
            rsa_key(),
            sans=["www.voorbeeld.nl", x509.IPAddress(ipaddress.ip_address("192.0.2.1"))],
        ),
        ["subjectAltName mag alleen DNS-namen bevatten; IP-adres 192.0.2.1 is niet toegestaan."],
    ),
    (
        "ip address as dns name",
        lambda: make_csr(rsa_key(), sans=["www.voorbeeld.nl", "192.0.2.1"]),
        ["subjectAltName mag alleen DNS-namen bevatten; IP-adres 192.0.2.1 is niet toegestaan."],
    ),
    (
        "e-mail address",
        lambda: make_csr(
            rsa_key(), sans=["www.voorbeeld.nl", x509.RFC822Name("beheer@voorbeeld.nl")]
        ),
        [
            "subjectAltName mag alleen DNS-namen bevatten; e-mailadres beheer@voorbeeld.nl is "
            "niet toegestaan."
        ],
    ),
    (
        "uri",
        lambda: make_csr(
            rsa_key(),
            sans=["www.voorbeeld.nl", x509.UniformResourceIdentifier("https://voorbeeld.nl/")],
        ),
        [
            "subjectAltName mag alleen DNS-namen bevatten; URI https://voorbeeld.nl/ is niet "
            "toegestaan."
        ],
    ),
    (
        "invalid host names",
        lambda: make_csr(
            rsa_key(),
            sans=["www.voorbeeld.nl", "bad_name.voorbeeld.nl", "-x.voorbeeld.nl", "voorbeeld"],
        ),
        [
            f"{name} is geen geldige servernaam; gebruik letters, cijfers en koppeltekens, "
            "internationale namen in de xn---vorm."
            for name in ("bad_name.voorbeeld.nl", "-x.voorbeeld.nl", "voorbeeld")
        ],
    ),
    (
        "outside the verified domains",
        lambda: make_csr(
            rsa_key(), sans=["www.voorbeeld.nl", "www.andere.nl", "voorbeeld.nl.evil.com"]
        ),
        [
            "www.andere.nl valt niet onder een geverifieerd domein van de abonnee (voorbeeld.nl).",
            "voorbeeld.nl.evil.com valt niet onder een geverifieerd domein van de abonnee "
            "(voorbeeld.nl).",
        ],
    ),
]


@pytest.mark.parametrize(("build", "messages"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_it_refuses_with_the_exact_dutch_message(build, messages):  # noqa: ANN001
    assert refused(build()) == messages


def test_a_csr_that_breaks_three_rules_reports_all_three_in_rule_order():
    csr = make_csr(
        rsa_key(), hash=hashes.SHA1(), o="Voorbeeld BV", sans=["www.voorbeeld.nl", "www.andere.nl"]
    )
    assert refused(csr) == [
        "De CSR is ondertekend met sha1WithRSAEncryption; gebruik SHA-256 of sterker "
        "(openssl req -sha256).",
        'organizationName moet "Voorbeeld B.V." zijn (de geregistreerde naam), niet '
        '"Voorbeeld BV".',
        "www.andere.nl valt niet onder een geverifieerd domein van de abonnee (voorbeeld.nl).",
    ]


def test_certsign_ov_requires_locality_and_state():
    assert refused(make_csr(rsa_key()), expect=expect("certsign-ov")) == [
        "localityName ontbreekt in het subject; dit veld is verplicht voor dit product.",
        "stateOrProvinceName ontbreekt in het subject; dit veld is verplicht voor dit product.",
    ]


def test_a_renewal_cannot_change_the_name():
    assert refused(make_csr(rsa_key()), expect=expect(common_name="api.voorbeeld.nl")) == [
        "commonName moet api.voorbeeld.nl zijn (bij een verlenging kan de naam van de service "
        "niet worden gewijzigd)."
    ]


def test_digipoort_wants_exactly_the_portals_name():
    name = digipoort_common_name(voorbeeld())
    assert refused(make_csr(rsa_key()), expect=expect("pkio-digipoort")) == [
        f"commonName moet {name} zijn (bij dit product bepaalt het portaal de naam van de "
        "service).",
        f"subjectAltName moet precies één naam bevatten: {name}.",
    ]
    extra = make_csr(rsa_key(), cn=name, sans=[name, "www.voorbeeld.nl"])
    assert refused(extra, expect=expect("pkio-digipoort")) == [
        f"subjectAltName moet precies één naam bevatten: {name}."
    ]


def test_other_key_types_are_refused():
    assert refused(make_csr(ed25519.Ed25519PrivateKey.generate()), expect=expect("pkio-trial")) == [
        "Het sleuteltype Ed25519 is niet toegestaan; gebruik RSA (2048, 3072 of 4096 bits) of "
        "ECDSA (P-256 of P-384)."
    ]


def test_an_ecdsa_curve_outside_p256_and_p384_is_refused_where_ecdsa_is_allowed():
    key = fresh_ec_key(ec.SECP521R1())
    assert refused(make_csr(key), expect=expect("pkio-trial")) == [
        "De ECDSA-curve secp521r1 is niet toegestaan; gebruik P-256 of P-384."
    ]


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("www.voorbeeld.nl", True),
        ("xn--bcher-kva.voorbeeld.nl", True),
        ("xn--zz.voorbeeld.nl", False),  # not a valid A-label (IDNA 2008)
        ("00000003123456780000.digipoort.certificaatportaal.nl", True),
        ("a-b.voorbeeld.nl", True),
        (f"{'a' * 63}.voorbeeld.nl", True),
        (f"{'a' * 64}.voorbeeld.nl", False),
        (".".join(["a" * 61] * 4), True),  # 247 characters
        (".".join(["a" * 63] * 4), False),  # 255 characters
        ("voorbeeld", False),
        ("voorbeeld.nl.", False),
        ("www.voorbeeld.nl\n", False),
        ("WWW.voorbeeld.nl", False),  # callers lower-case first
        ("a..voorbeeld.nl", False),
        ("-a.voorbeeld.nl", False),
        ("a-.voorbeeld.nl", False),
        ("*.voorbeeld.nl", False),
        ("192.0.2.1", False),
        ("bücher.voorbeeld.nl", False),
    ],
)
def test_what_counts_as_a_host_name(name, valid):  # noqa: ANN001
    assert is_host_name(name) is valid


def test_a_name_is_within_a_domain_only_on_a_label_boundary():
    domains = ("voorbeeld.nl",)
    assert within_domains("voorbeeld.nl", domains)
    assert within_domains("a.b.voorbeeld.nl", domains)
    assert not within_domains("slechtvoorbeeld.nl", domains)
    assert not within_domains("voorbeeld.nl.evil.com", domains)
    assert not within_domains("www.voorbeeld.nl", ())


# --- Rule 3 against the database ------------------------------------------------------------

REUSED = (
    "Deze sleutel is al eerder gebruikt in een certificaat of bestelling; maak een nieuw "
    "sleutelpaar aan."
)
COMPROMISED = (
    "Deze sleutel staat op de lijst van gecompromitteerde sleutels; maak een nieuw sleutelpaar aan."
)


def _order_with_key(key_hash: str, state: str = Order.State.PLACED) -> Order:
    andere = Subscriber.objects.get(oin="00000003876543210000")
    frank = Person.objects.get(email="frank@andere.nl")
    return Order.objects.create(
        reference="S20250101120000123",
        subscriber=andere,
        product=Product.objects.get(code="pkio-private"),
        state=state,
        contact_person=frank,
        certificate_manager=frank,
        spki_sha256=key_hash,
        rejection_reason="test" if state == Order.State.REJECTED else "",
    )


def _certificate_with_key(key_hash: str) -> Certificate:
    certificate = Certificate.objects.get(common_name="portaal.andere.nl")
    certificate.pk = None
    certificate.serial = "c5a1"
    certificate.fingerprint = "c" * 64
    certificate.spki_sha256 = key_hash
    certificate.save()
    return certificate


def test_a_key_on_the_compromised_list_is_refused():
    CompromisedKey.objects.create(spki_sha256=spki_sha256(rsa_key().public_key()), reason="test")
    assert refused(make_csr(rsa_key())) == [COMPROMISED]


def test_a_key_in_an_open_order_of_any_subscriber_is_refused_without_saying_whose():
    order = _order_with_key(spki_sha256(rsa_key().public_key()))
    messages = refused(make_csr(rsa_key()))
    assert messages == [REUSED]
    assert order.reference not in messages[0]


def test_a_key_in_a_certificate_of_any_subscriber_is_refused():
    _certificate_with_key(spki_sha256(rsa_key().public_key()))
    assert refused(make_csr(rsa_key())) == [REUSED]


def test_a_key_of_a_rejected_order_may_be_used_again():
    _order_with_key(spki_sha256(rsa_key().public_key()), state=Order.State.REJECTED)
    assert csr_check(make_csr(rsa_key()), expect=expect())


def test_the_reusable_key_is_exempt_from_the_reuse_check_only():
    key_hash = spki_sha256(rsa_key().public_key())
    _order_with_key(key_hash)
    csr = make_csr(rsa_key())
    assert csr_check(csr, expect=expect(), reusable_spki=key_hash).spki_sha256 == key_hash
    other = spki_sha256(rsa_key(1).public_key())
    assert refused(csr, reusable_spki=other) == [REUSED]
    CompromisedKey.objects.create(spki_sha256=key_hash, reason="test")
    assert refused(csr, reusable_spki=key_hash) == [COMPROMISED]


def test_nothing_is_stored_by_a_check():
    def counts() -> tuple[int, int, int]:
        return Order.objects.count(), CompromisedKey.objects.count(), Certificate.objects.count()

    before = counts()
    refused(make_csr(rsa_key(), hash=hashes.SHA1(), c="BE"))
    refused(b"garbage")
    csr_check(make_csr(rsa_key()), expect=expect())
    assert counts() == before


def test_badkeys_runs_its_checks_except_the_blocklist():
    assert "blocklist" not in BADKEYS_CHECKS
    assert set(BADKEYS_CHECKS) <= set(badkeys.checks.allchecks)
    assert set(badkeys.checks.defaultchecks) - {"blocklist", "dsasparse"} <= set(BADKEYS_CHECKS)


# --- Rule 1 on its own ----------------------------------------------------------------------


def test_csr_read_returns_the_request_and_checks_nothing_else():
    csr = csr_read(make_csr(rsa_key(), c="BE", hash=hashes.SHA1()))
    assert csr.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "BE"
    with pytest.raises(CsrRejected) as rejected:
        csr_read(b"")
    assert rejected.value.messages == ["Het bestand is leeg."]


def test_a_file_of_exactly_16_kib_is_read():
    pem = make_csr(rsa_key())
    padded = pem + b"\n" * (16 * 1024 - len(pem))
    assert csr_read(padded)
    assert refused(padded + b"\n") == ["Het bestand is groter dan 16 KiB."]


# --- The Digidentity instruction with OpenSSL 3 ---------------------------------------------

REQ_SECTION = """\
[ req ]
default_bits  = 2048
encrypt_key   = no
default_md  = sha256
utf8   = yes
string_mask  = utf8only
prompt   = no
distinguished_name                      = req_distinguished_name
req_extensions  = req_ext
"""
TAIL = """\
serialNumber  = 00000003123456780000
commonName  = server1.voorbeeld.nl
[ req_ext ]
subjectAltName   = @alt_names
[alt_names]
DNS.1    = server1.voorbeeld.nl
"""
# The seed's voorbeeldbv.cnf as OpenSSL 3 needs it (SPEC.md §7 note).
OPENSSL3_CNF = (
    REQ_SECTION
    + """\
[ req_distinguished_name ]
countryName  = NL
organizationName  = Voorbeeld B.V.
organizationIdentifier   = 00000003123456780000
"""
    + TAIL
)
# The seed's voorbeeldbv.cnf exactly as the instruction prints it.
INSTRUCTION_CNF = (
    "oid_section = OIDs\n"
    + REQ_SECTION
    + """\
[ OIDs ]
organizationOID=2.5.4.97
[ req_distinguished_name ]
countryName  = NL
organizationName  = Voorbeeld B.V.
organizationOID   = 00000003123456780000
"""
    + TAIL
)


def _openssl_req(directory: Path, config: str) -> subprocess.CompletedProcess[str]:
    (directory / "voorbeeldbv.cnf").write_text(config)
    (directory / "voorbeeldbv.key").write_bytes(
        rsa_key(2).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    return subprocess.run(
        [
            "openssl",
            "req",
            "-new",
            "-sha256",
            "-out",
            "voorbeeldbv.csr",
            "-key",
            "voorbeeldbv.key",
            "-config",
            "voorbeeldbv.cnf",
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_csr_made_by_openssl_3_with_the_instruction_config_is_accepted(tmp_path):
    result = _openssl_req(tmp_path, OPENSSL3_CNF)
    assert result.returncode == 0, result.stderr
    checked = csr_check((tmp_path / "voorbeeldbv.csr").read_bytes(), expect=expect())
    assert checked.common_name == "server1.voorbeeld.nl"
    assert checked.sans == ["server1.voorbeeld.nl"]
    assert checked.subject_fields == {
        "C": "NL",
        "O": "Voorbeeld B.V.",
        "organizationIdentifier": VOORBEELD_OIN,
        "serialNumber": VOORBEELD_OIN,
        "CN": "server1.voorbeeld.nl",
    }


def test_the_instructions_oid_section_fails_on_openssl_3(tmp_path):
    """Why the CSR assistant emits ``organizationIdentifier = …`` (STACK-NOTES.md)."""
    result = _openssl_req(tmp_path, INSTRUCTION_CNF)
    assert result.returncode != 0
    assert "oid exists" in result.stderr.lower()
    assert not (tmp_path / "voorbeeldbv.csr").exists()


# --- What the outside CSR corpus found (issue 11, points 8–13) ------------------------------

SUBJECT = (
    f"/C=NL/O=Voorbeeld B.V./organizationIdentifier={VOORBEELD_OIN}/serialNumber={VOORBEELD_OIN}"
    "/CN=www.voorbeeld.nl"
)


def _openssl_csr(directory: Path, key_pem: bytes, *options: str) -> bytes:
    """A CSR for the seed's subject made by ``openssl req`` with ``options``."""
    (directory / "csr.key").write_bytes(key_pem)
    subprocess.run(
        [
            "openssl",
            "req",
            "-new",
            "-key",
            "csr.key",
            "-subj",
            SUBJECT,
            "-addext",
            "subjectAltName=DNS:www.voorbeeld.nl",
            "-out",
            "csr.pem",
            *options,
        ],
        cwd=directory,
        capture_output=True,
        timeout=60,
        check=True,
    )
    return (directory / "csr.pem").read_bytes()


def _pem_key(key: rsa.RSAPrivateKey | dsa.DSAPrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def test_a_pss_only_key_is_refused_for_a_server_certificate(tmp_path):
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA-PSS", "-out", "pss.key"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=True,
    )
    csr = _openssl_csr(tmp_path, (tmp_path / "pss.key").read_bytes())
    assert refused(csr) == [
        "subjectPublicKeyInfo: de sleutel is een RSA-PSS-sleutel (id-RSASSA-PSS), die alleen "
        "PSS-handtekeningen mag zetten; een servercertificaat heeft een gewone RSA-sleutel "
        "(rsaEncryption) nodig. Maak een nieuw sleutelpaar, bijvoorbeeld met openssl genpkey "
        "-algorithm RSA."
    ]


def test_a_pss_signature_with_mgf1_sha1_is_refused(tmp_path):
    pss = ("-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sha256")
    key = _pem_key(rsa_key())
    weak = _openssl_csr(tmp_path, key, *pss, "-sigopt", "rsa_mgf1_md:sha1")
    assert refused(weak) == [
        "signatureAlgorithm: de CSR is ondertekend met RSASSA-PSS met MGF1-SHA1; gebruik "
        "SHA-256 of sterker, ook voor MGF1 (openssl req -sigopt rsa_mgf1_md:sha256)."
    ]
    strong = _openssl_csr(tmp_path, key, *pss, "-sigopt", "rsa_mgf1_md:sha384")
    assert csr_check(strong, expect=expect()).signature_algorithm == "RSASSA-PSS (SHA-256)"


def test_an_invalid_a_label_is_refused():
    csr = make_csr(rsa_key(), sans=["www.voorbeeld.nl", "xn--zz.voorbeeld.nl"])
    assert refused(csr) == [
        "subjectAltName xn--zz.voorbeeld.nl bevat het ongeldige A-label xn--zz (IDNA 2008); "
        "controleer de xn---vorm van de naam."
    ]


def test_a_u_label_is_refused_with_the_a_label_to_use():
    csr = make_csr(rsa_key(), cn="bücher.voorbeeld.nl", sans=["xn--bcher-kva.voorbeeld.nl"])
    assert refused(csr) == [
        "commonName bücher.voorbeeld.nl is een internationale naam in Unicode-vorm (U-label); "
        "gebruik in de CSR de xn---vorm: xn--bcher-kva.voorbeeld.nl."
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"cn": "www.voorbeeld.nl ", "sans": ["www.voorbeeld.nl"]},
            'commonName "www.voorbeeld.nl " begint of eindigt met een spatie; verwijder de '
            "spaties.",
        ),
        (
            {"o": " Voorbeeld B.V."},
            'organizationName " Voorbeeld B.V." begint of eindigt met een spatie; verwijder de '
            "spaties.",
        ),
        (
            {"org_id": f"{VOORBEELD_OIN}\t"},
            f'organizationIdentifier "{VOORBEELD_OIN}\\x09" bevat een stuurteken of onzichtbaar '
            "teken (\\x09); verwijder het.",
        ),
        (
            {"sans": ["www.voorbeeld.nl", " api.voorbeeld.nl"]},
            'subjectAltName " api.voorbeeld.nl" begint of eindigt met een spatie; verwijder de '
            "spaties.",
        ),
    ],
    ids=["cn", "o", "organization-identifier", "san"],
)
def test_names_are_compared_exactly_and_surrounding_whitespace_is_refused(values, message):  # noqa: ANN001
    assert refused(make_csr(rsa_key(), **values)) == [message]


def test_a_serial_number_with_a_trailing_space_is_refused():
    csr = make_csr(rsa_key(), oin=f"{VOORBEELD_OIN} ", org_id=VOORBEELD_OIN)
    assert refused(csr) == [
        f'serialNumber "{VOORBEELD_OIN} " begint of eindigt met een spatie; verwijder de spaties.'
    ]


def test_a_country_with_a_trailing_space_is_refused():
    # cryptography checks a countryName's length unless told not to; a CSR need not.
    with pytest.warns(UserWarning, match="length"):
        country = x509.NameAttribute(NameOID.COUNTRY_NAME, "NL ", _validate=False)
    csr = make_csr(rsa_key(), c=None, extra_attrs=[country])
    assert refused(csr) == [
        'countryName "NL " begint of eindigt met een spatie; verwijder de spaties.'
    ]


def _portal_key(path: Path) -> rsa.RSAPrivateKey:
    key = load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _a_ca_key(pki_dir: Path) -> Path:
    return sorted((pki_dir / "ca").glob("*.key"))[0]


@pytest.mark.parametrize(
    "key_file",
    [_a_ca_key, lambda pki: pki / "seal.key", lambda pki: pki / "server.key"],
    ids=["ca", "seal", "nginx"],
)
def test_a_key_the_portal_holds_is_refused_as_compromised(pki_dir, key_file):  # noqa: ANN001
    csr = make_csr(_portal_key(key_file(pki_dir)))
    assert refused(csr, expect=expect("pkio-trial")) == [COMPROMISED]


def test_a_configured_ca_directory_counts_as_the_portals_keys(pki_dir, settings, tmp_path):  # noqa: ANN001
    ca_key = _a_ca_key(pki_dir)
    (tmp_path / "eigen.crt").write_bytes(ca_key.with_suffix(".crt").read_bytes())
    settings.PORTAL_CA_DIR = tmp_path
    settings.PORTAL_PKI_DIR = None
    settings.PORTAL_SEAL_CERT = None
    assert refused(make_csr(_portal_key(ca_key))) == [COMPROMISED]
    assert csr_check(make_csr(_portal_key(pki_dir / "seal.key")), expect=expect())


def test_a_dsa_csr_is_refused_for_its_key_type_and_hash(tmp_path):
    key = dsa.generate_private_key(key_size=2048)
    csr = _openssl_csr(tmp_path, _pem_key(key), "-sha1")
    assert refused(csr) == [
        "De CSR is ondertekend met dsa-with-sha1; gebruik SHA-256 of sterker "
        "(openssl req -sha256).",
        "Het sleuteltype DSA is niet toegestaan; gebruik een RSA-sleutel van 2048, 3072 of "
        "4096 bits.",
    ]


def test_an_md4_signed_csr_is_refused_for_its_hash():
    tbs = x509.load_pem_x509_csr(make_csr(rsa_key())).tbs_certrequest_bytes
    csr = sign_tbs(tbs, rsa_key(), algorithm_oid_hex=MD4_WITH_RSA)
    assert refused(csr) == [
        "De CSR is ondertekend met md4WithRSAEncryption; gebruik SHA-256 of sterker "
        "(openssl req -sha256)."
    ]


def test_a_broken_signature_is_still_called_broken():
    tbs = x509.load_pem_x509_csr(make_csr(rsa_key())).tbs_certrequest_bytes
    csr = bytearray(sign_tbs(tbs, rsa_key()))
    csr[-1] ^= 1
    assert refused(bytes(csr)) == ["De handtekening van de CSR klopt niet."]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"cn": "www.voorbeeld.nl\x00.evil.nl", "sans": ["www.voorbeeld.nl"]},
            'commonName "www.voorbeeld.nl\\x00.evil.nl" bevat een stuurteken of onzichtbaar '
            "teken (\\x00); verwijder het.",
        ),
        (
            {"o": "Voorbeeld \u202eV.B"},
            'organizationName "Voorbeeld \\u202eV.B" bevat een stuurteken of onzichtbaar teken '
            "(\\u202e); verwijder het.",
        ),
        (
            {
                "extra_attrs": [
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "ICT\u200b\u2066")
                ]
            },
            'organizationalUnitName "ICT\\u200b\\u2066" bevat een stuurteken of onzichtbaar '
            "teken (\\u200b, \\u2066); verwijder het.",
        ),
        (
            {"sans": ["www.voorbeeld.nl", "api\x00.voorbeeld.nl"]},
            'subjectAltName "api\\x00.voorbeeld.nl" bevat een stuurteken of onzichtbaar teken '
            "(\\x00); verwijder het.",
        ),
    ],
    ids=["nul-in-cn", "bidi-in-o", "zero-width-in-ou", "nul-in-san"],
)
def test_control_and_invisible_characters_are_refused_and_shown_escaped(values, message):  # noqa: ANN001
    messages = refused(make_csr(rsa_key(), **values))
    assert messages == [message]
    assert not any(char in messages[0] for char in "\x00\u202e\u200b\u2066")


def test_the_new_messages_are_translated():
    csr = make_csr(rsa_key(), cn="bücher.voorbeeld.nl", sans=["xn--bcher-kva.voorbeeld.nl"])
    with translation.override("en"):
        assert refused(csr, expect=expect()) == [
            "commonName bücher.voorbeeld.nl is an international name in Unicode form (U-label); "
            "use the xn-- form in the CSR: xn--bcher-kva.voorbeeld.nl."
        ]
        assert refused(make_csr(rsa_key(), o="Voorbeeld B.V. "), expect=expect()) == [
            'organizationName "Voorbeeld B.V. " starts or ends with a space; remove the spaces.'
        ]
