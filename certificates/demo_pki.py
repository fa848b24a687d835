"""The demo PKI: CA hierarchies, TLS, seal and client certificates (SPEC.md §10).

DEMO/TEST MATERIAL ONLY. Every key written here is generated on the machine
that runs ``manage.py demo_pki`` and must never protect anything real.

The hierarchies mimic PKIoverheid: a "Private Root CA - G1" with a "Private
Services CA - G1" for server certificates, and a G3 root with an
"Organisatie Services CA - G3" (servers, the seal) and an "Organisatie
Persoon CA - G3" (the personal smartcard certificates users log in with).
Two more hierarchies keep the other server products apart: a PKIoverheid
TRIAL root with a "TRIAL Organisatie Services CA - G3" (Trial certificates,
test policy), and a "certSIGN Demo Root CA" with a "certSIGN Demo OV TLS CA"
(the publicly trusted certSIGN OV certificates, CA/Browser Forum profile).

Generation is idempotent: whatever already exists in the output directory is
loaded and reused, only what is missing is made.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from certificates.x509_fields import UZI_OTHERNAME_OID
from core import proxy_secret
from core.demo_material import DEMO_PKI_CERTSIGN_ORGANISATION, DEMO_PKI_ORGANISATION

P12_PASSWORD = b"demo"
CRL_BASE_URL = "http://localhost/crl"
# PKIoverheid policy OIDs (Programma van Eisen): Organisatie Persoon
# authenticity and signature, Private Services server.
POLICY_PERSON_AUTH = "2.16.528.1.1003.1.2.5.1"
POLICY_PERSON_SIGN = "2.16.528.1.1003.1.2.5.2"
POLICY_PRIVATE_SERVER = "2.16.528.1.1003.1.2.8.6"

DEMO_ORGANISATION = "Voorbeeld B.V."
DEMO_KVK = "12345678"
OTHER_ORGANISATION = "Andere Organisatie B.V."
OTHER_KVK = "87654321"


@dataclass(frozen=True)
class CASpec:
    slug: str
    name: str
    generation: str
    parent: str | None  # slug of the issuing CA, None for a root
    key_size: int = 2048
    # A CA/Browser Forum TLS hierarchy (BR §7.1.2.1, §7.1.2.6): the name has
    # no organizationIdentifier; an issuing CA has extendedKeyUsage serverAuth
    # only, the OV policy and caIssuers, so it signs nothing but OV TLS.
    cabf_tls: bool = False


CAS = [
    CASpec("g1-root", "Demo Staat der Nederlanden Private Root CA - G1", "G1", None, 3072),
    CASpec("g1-services", "Demo Private Services CA - G1", "G1", "g1-root"),
    CASpec("g3-root", "Demo Staat der Nederlanden Root CA - G3", "G3", None, 3072),
    CASpec("g3-services", "Demo Organisatie Services CA - G3", "G3", "g3-root"),
    CASpec("g3-persons", "Demo Organisatie Persoon CA - G3", "G3", "g3-root"),
    # PKIoverheid TRIAL: test certificates never chain to a production root.
    CASpec("trial-root", "Demo TRIAL Staat der Nederlanden Root CA - G3", "G3", None, 3072),
    CASpec("trial-services", "Demo TRIAL Organisatie Services CA - G3", "G3", "trial-root"),
    # certSIGN (not PKIoverheid: no generation).
    CASpec("certsign-root", "certSIGN Demo Root CA", "", None, 3072, cabf_tls=True),
    CASpec("certsign-ov-tls", "certSIGN Demo OV TLS CA", "", "certsign-root", cabf_tls=True),
]
# The CA/Browser Forum's organisation-validated TLS policy (BR §7.1.6.1).
POLICY_CABF_OV = "2.23.140.1.2.2"
PERSONS_CA = "g3-persons"


@dataclass(frozen=True)
class ClientSpec:
    """A demo person's login certificate (the authenticity certificate on the card)."""

    slug: str
    given_name: str
    surname: str
    organisation: str
    kvk: str
    subject_serial: str
    email: str
    uzi: str | None = None
    expired: bool = False
    signature_only: bool = False
    untrusted: bool = False
    revoked: bool = False

    @property
    def common_name(self) -> str:
        return f"{self.given_name} {self.surname}"


MAXIMO = ClientSpec(
    "maximo",
    "Maximo",
    "de Tester",
    DEMO_ORGANISATION,
    DEMO_KVK,
    "900000001",
    "maximo@voorbeeld.nl",
)
CLIENTS = [
    MAXIMO,
    ClientSpec(
        "joost",
        "Joost",
        "Test",
        DEMO_ORGANISATION,
        DEMO_KVK,
        "900000002",
        "joost@voorbeeld.nl",
        uzi="900000002",
    ),
    ClientSpec(
        "herman",
        "Herman",
        "Testing",
        DEMO_ORGANISATION,
        DEMO_KVK,
        "900000003",
        "herman@voorbeeld.nl",
    ),
    ClientSpec(
        "frank",
        "Frank",
        "TestF",
        OTHER_ORGANISATION,
        OTHER_KVK,
        "900000004",
        "frank@andere.nl",
    ),
    # The demo validation officer's card (back office, user "validatie").
    ClientSpec(
        "validatie",
        "Vera",
        "Validatie",
        "Certificaatportaal B.V.",
        "11223344",
        "900000010",
        "validatie@certificaatportaal.nl",
    ),
    # Negative cases. All but "unregistered" are Maximo's own (old, signature,
    # look-alike) certificates, so only the check under test stops them.
    ClientSpec(
        "unregistered",
        "Onbekende",
        "Gebruiker",
        DEMO_ORGANISATION,
        DEMO_KVK,
        "900000099",
        "onbekend@voorbeeld.nl",
    ),
    replace(MAXIMO, slug="expired", expired=True),
    replace(MAXIMO, slug="signature-only", signature_only=True),
    replace(MAXIMO, slug="untrusted", untrusted=True),
    replace(MAXIMO, slug="revoked", revoked=True),
]


@dataclass
class Issued:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass
class DemoPKI:
    out: Path
    cas: dict[str, Issued] = field(default_factory=dict)

    def ca_spec(self, slug: str) -> CASpec:
        return next(spec for spec in CAS if spec.slug == slug)

    def ca_chain(self, slug: str) -> list[x509.Certificate]:
        """The CA and its parents, issuing CA first."""
        chain = []
        current: str | None = slug
        while current is not None:
            chain.append(self.cas[current].certificate)
            current = self.ca_spec(current).parent
        return chain


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_bytes(data)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def new_key(size: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def _load(crt: Path, key: Path) -> Issued | None:
    if not (crt.exists() and key.exists()):
        return None
    certificate = x509.load_pem_x509_certificates(crt.read_bytes())[0]
    private_key = serialization.load_pem_private_key(key.read_bytes(), password=None)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    return Issued(certificate, private_key)


def _save(issued: Issued, crt: Path, key: Path, chain: Iterable[x509.Certificate] = ()) -> None:
    crt.parent.mkdir(parents=True, exist_ok=True)
    crt.write_bytes(_pem(issued.certificate, *chain))
    _write_private(key, _key_pem(issued.key))


def _ca_name(spec: CASpec) -> x509.Name:
    if spec.cabf_tls:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "RO"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_PKI_CERTSIGN_ORGANISATION),
                x509.NameAttribute(NameOID.COMMON_NAME, spec.name),
            ]
        )
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_PKI_ORGANISATION),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "NTRNL-99999999"),
            x509.NameAttribute(NameOID.COMMON_NAME, spec.name),
        ]
    )


def key_usage_bits(**set_bits: bool) -> x509.KeyUsage:
    """A keyUsage with only the named bits set."""
    bits = dict.fromkeys(
        [
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ],
        False,
    )
    return x509.KeyUsage(**{**bits, **set_bits})


def crl_url(ca_slug: str) -> str:
    return f"{CRL_BASE_URL}/{ca_slug}.crl"


def _ca_certificate(
    name: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Issued | None,
    *,
    years: int,
    path_length: int | None,
    crl_slug: str | None = None,
    tls_issuing: bool = False,
) -> x509.Certificate:
    # Back-dated so that demo certificates from years ago (expired ones)
    # chain to a CA that was valid when they were issued.
    start = now() - dt.timedelta(days=5 * 365)
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.certificate.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(key_usage_bits(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    if crl_slug:
        builder = builder.add_extension(_crl_distribution_points(crl_slug), critical=False)
    if tls_issuing:
        assert crl_slug is not None
        builder = (
            builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .add_extension(
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier(POLICY_CABF_OV), None)]
                ),
                critical=False,
            )
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(f"{CRL_BASE_URL}/{crl_slug}.crt"),
                        )
                    ]
                ),
                critical=False,
            )
        )
    return builder.sign(signer_key, hashes.SHA256())


def _crl_distribution_points(ca_slug: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(crl_url(ca_slug))],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


def issue_leaf(
    issuer: Issued,
    *,
    issuer_slug: str,
    subject: x509.Name,
    key: rsa.RSAPrivateKey | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    dns_names: Iterable[str] = (),
    ip_addresses: Iterable[str] = (),
    other_names: Iterable[x509.GeneralName] = (),
    key_usage: str = "auth",
    extended_key_usage: Iterable[x509.ObjectIdentifier] | None = None,
    policy: str | None = None,
) -> Issued:
    """Issue an end-entity certificate from a demo CA.

    ``key_usage``: ``auth`` (digitalSignature; login certificates), ``sign``
    (nonRepudiation only; PKIoverheid signature certificates), ``server``
    (digitalSignature + keyEncipherment) or ``seal`` (digitalSignature +
    nonRepudiation).
    """
    key = key or new_key()
    start = not_before or (now() - dt.timedelta(days=1))
    end = not_after or (start + dt.timedelta(days=365 * 2))
    usages = {
        "auth": {"digital_signature": True},
        "sign": {"content_commitment": True},
        "server": {"digital_signature": True, "key_encipherment": True},
        "seal": {"digital_signature": True, "content_commitment": True},
    }[key_usage]
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage_bits(**usages), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        .add_extension(_crl_distribution_points(issuer_slug), critical=False)
    )
    general_names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    general_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    general_names += list(other_names)
    if general_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(general_names), critical=False)
    if extended_key_usage:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(list(extended_key_usage)), critical=False
        )
    if policy:
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(policy), None)]),
            critical=False,
        )
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def person_subject(spec: ClientSpec) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, spec.organisation),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRNL-{spec.kvk}"),
            x509.NameAttribute(NameOID.COMMON_NAME, spec.common_name),
            x509.NameAttribute(NameOID.GIVEN_NAME, spec.given_name),
            x509.NameAttribute(NameOID.SURNAME, spec.surname),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, spec.subject_serial),
        ]
    )


def uzi_other_name(uzi: str, subscriber_number: str = "90000123") -> x509.OtherName:
    """otherName 2.5.5.5 as an IA5String in the AORTA format."""
    text = f"2.16.528.1.1007.99.212-1-{uzi}-N-{subscriber_number}-01.015-00000000".encode()
    return x509.OtherName(UZI_OTHERNAME_OID, bytes([0x16, len(text)]) + text)


def server_subject(common_name: str, organisation: str, kvk: str, oin: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRNL-{kvk}"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, oin),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ensure_cas(pki: DemoPKI) -> None:
    ca_dir = pki.out / "ca"
    for spec in CAS:
        crt, key = ca_dir / f"{spec.slug}.crt", ca_dir / f"{spec.slug}.key"
        issued = _load(crt, key)
        if issued is None:
            private_key = new_key(spec.key_size)
            parent = pki.cas[spec.parent] if spec.parent else None
            certificate = _ca_certificate(
                _ca_name(spec),
                private_key,
                parent,
                years=20 if parent is None else 10,
                path_length=None if parent is None else 0,
                crl_slug=spec.parent,
                tls_issuing=spec.cabf_tls and parent is not None,
            )
            issued = Issued(certificate, private_key)
            _save(issued, crt, key)
        pki.cas[spec.slug] = issued


def _ensure_client(pki: DemoPKI, spec: ClientSpec) -> Issued:
    clients = pki.out / "clients"
    crt, key_path = clients / f"{spec.slug}.crt", clients / f"{spec.slug}.key"
    issued = _load(crt, key_path)
    if issued is not None:
        return issued
    if spec.untrusted:
        # A look-alike CA: same name as the trusted persons CA, its own key.
        # Comparing names instead of verifying signatures would accept it.
        fake_key = new_key()
        real_name = pki.cas[PERSONS_CA].certificate.subject
        fake_cert = _ca_certificate(real_name, fake_key, None, years=10, path_length=0)
        issuer = Issued(fake_cert, fake_key)
        (clients / "untrusted-ca.crt").parent.mkdir(parents=True, exist_ok=True)
        (clients / "untrusted-ca.crt").write_bytes(_pem(fake_cert))
        chain: list[x509.Certificate] = [fake_cert]
    else:
        issuer = pki.cas[PERSONS_CA]
        chain = [issuer.certificate]
    not_before = not_after = None
    if spec.expired:
        not_before = now() - dt.timedelta(days=3 * 365)
        not_after = now() - dt.timedelta(days=30)
    other_names: list[x509.GeneralName] = [x509.RFC822Name(spec.email)]
    if spec.uzi:
        other_names.append(uzi_other_name(spec.uzi))
    issued = issue_leaf(
        issuer,
        issuer_slug=PERSONS_CA,
        subject=person_subject(spec),
        not_before=not_before,
        not_after=not_after,
        other_names=other_names,
        key_usage="sign" if spec.signature_only else "auth",
        extended_key_usage=None
        if spec.signature_only
        else [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION],
        policy=POLICY_PERSON_SIGN if spec.signature_only else POLICY_PERSON_AUTH,
    )
    _save(issued, crt, key_path)
    p12 = pkcs12.serialize_key_and_certificates(
        spec.slug.encode(),
        issued.key,
        issued.certificate,
        chain,
        serialization.BestAvailableEncryption(P12_PASSWORD),
    )
    _write_private(clients / f"{spec.slug}.p12", p12)
    return issued


def _write_crls(pki: DemoPKI, revoked: dict[str, list[x509.Certificate]]) -> None:
    """A fresh CRL per CA; the persons CA lists the ``revoked`` demo client."""
    crl_dir = pki.out / "crl"
    crl_dir.mkdir(parents=True, exist_ok=True)
    for spec in CAS:
        ca = pki.cas[spec.slug]
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.certificate.subject)
            .last_update(now())
            .next_update(now() + dt.timedelta(days=30))
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                critical=False,
            )
            .add_extension(x509.CRLNumber(int(now().timestamp())), critical=False)
        )
        for certificate in revoked.get(spec.slug, []):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(certificate.serial_number)
                .revocation_date(now() - dt.timedelta(hours=1))
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        crl = builder.sign(ca.key, hashes.SHA256())
        (crl_dir / f"{spec.slug}.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))


def build(out: Path) -> DemoPKI:
    """Create (or complete) the demo PKI in ``out``; returns what it holds."""
    out.mkdir(parents=True, exist_ok=True)
    proxy_secret.ensure(out)  # nginx -> portal, core/proxy_secret.py
    pki = DemoPKI(out=out)
    _ensure_cas(pki)
    roots = [pki.cas[s.slug].certificate for s in CAS if s.parent is None]
    (out / "roots.pem").write_bytes(_pem(*roots))
    persons = pki.cas[PERSONS_CA].certificate
    # nginx needs the issuing CA and the root (STACK-NOTES.md).
    (out / "trust-bundle.pem").write_bytes(_pem(persons, pki.cas["g3-root"].certificate))

    if _load(out / "server.crt", out / "server.key") is None:
        server = issue_leaf(
            pki.cas["g1-services"],
            issuer_slug="g1-services",
            subject=x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_PKI_ORGANISATION),
                    x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                ]
            ),
            dns_names=["localhost"],
            ip_addresses=["127.0.0.1", "::1"],
            key_usage="server",
            extended_key_usage=[ExtendedKeyUsageOID.SERVER_AUTH],
            policy=POLICY_PRIVATE_SERVER,
        )
        _save(
            server,
            out / "server.crt",
            out / "server.key",
            chain=[pki.cas["g1-services"].certificate],
        )

    if _load(out / "seal.crt", out / "seal.key") is None:
        # No extendedKeyUsage: pdfsig only trusts seals with none or with
        # emailProtection (STACK-NOTES.md).
        seal = issue_leaf(
            pki.cas["g3-services"],
            issuer_slug="g3-services",
            subject=x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_PKI_ORGANISATION),
                    x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "NTRNL-99999999"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Certificaatportaal Demo Zegel"),
                ]
            ),
            key_usage="seal",
        )
        _save(seal, out / "seal.crt", out / "seal.key", chain=[pki.cas["g3-services"].certificate])

    revoked: dict[str, list[x509.Certificate]] = {}
    for spec in CLIENTS:
        issued = _ensure_client(pki, spec)
        if spec.revoked:
            revoked.setdefault(PERSONS_CA, []).append(issued.certificate)
    _write_crls(pki, revoked)
    (out / "README.txt").write_text(
        "DEMO/TEST MATERIAL generated by `manage.py demo_pki`. Never use these keys for\n"
        "anything real. Client .p12 password: demo\n"
    )
    return pki


def load(out: Path) -> DemoPKI:
    """The CAs of an existing demo PKI (for seeding); raises if it is incomplete."""
    pki = DemoPKI(out=out)
    for spec in CAS:
        issued = _load(out / "ca" / f"{spec.slug}.crt", out / "ca" / f"{spec.slug}.key")
        if issued is None:
            raise FileNotFoundError(out / "ca" / f"{spec.slug}.crt")
        pki.cas[spec.slug] = issued
    return pki


def client_certificate(out: Path, slug: str) -> x509.Certificate:
    return x509.load_pem_x509_certificates((out / "clients" / f"{slug}.crt").read_bytes())[0]
