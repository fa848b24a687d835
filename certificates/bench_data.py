"""Benchmark rows: ``manage.py bench_data --certificates N --subscribers M`` (SPEC.md §10).

Adds realistic rows fast to a database that holds the demo seed (``seed_demo``):
M new subscribers (KvK number, OIN, a contact person and two certificate managers
each) share 80% of the N certificates; the demo subscriber Voorbeeld B.V. (KvK
12345678) gets the other 20%, so that ``joost`` and ``maximo`` see them. Each
subscriber's rows are 80% server certificates (every server product, from the CA of
its issuance profile) and 20% cards: personal and group cards with an
authentication and a signature certificate, eSeals with one seal certificate, each
with its ``Card`` row. Every status is present: valid (some expiring within 30
days), expired, revoked with a reason. Common names are searchable ("fina" hits a
few percent).

BENCHMARK MATERIAL, NOT REAL CERTIFICATES. Signing a million certificates would
take the better part of an hour, so a few template certificates are signed once
(with the demo CAs' keys) with fixed-length placeholders for the serial number,
the names, the validity and 16 bytes inside the RSA modulus; every row is its
template with those bytes replaced. Fixed lengths keep the DER valid, so
``cryptography`` parses every row and the fields read from it match the columns,
but the CA's signature no longer verifies (and the subjectKeyIdentifier no longer
matches the key). The fingerprint is the SHA-256 of the row's DER and
``spki_sha256`` that of its (unique) public key, as for a real certificate.

Serial numbers are 16 bytes: a random 62-bit prefix per run and a counter, so a
second run adds new rows without a unique-constraint error. On PostgreSQL the rows
go in with ``COPY ... FROM STDIN (FORMAT BINARY)``; elsewhere (SQLite) with
``bulk_create`` in batches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
import string
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Jsonb

from certificates.ca.base import CAUnavailable
from certificates.ca.local import ca_dir
from certificates.demo_pki import key_usage_bits
from certificates.fields import LazyCertificate
from certificates.models import Card, Certificate, IssuingCA, Kind, Product, RevocationReason
from certificates.x509_fields import fingerprint
from organisations.models import Person, Subscriber

DEMO_KVK = "12345678"
DEMO_SHARE = 0.2
SERVER_SHARE = 0.8
# How the card rows split over the card kinds.
CARD_KIND_SHARES = ((Kind.PERSONAL, 0.6), (Kind.GROUP, 0.25), (Kind.ESEAL, 0.15))
# The certificates on a card of each kind (the card overviews show the first).
CARD_USAGES = {
    Kind.PERSONAL: ("authentication", "signature"),
    Kind.GROUP: ("authentication", "signature"),
    Kind.ESEAL: ("signature",),
}
# Of every subscriber's rows: revoked, expired, valid and expiring within 30 days.
REVOKED_SHARE = 0.08
EXPIRED_SHARE = 0.20
EXPIRING_SOON_SHARE = 0.06
# How server rows split over the products (codes the seed has; others get the rest).
PRODUCT_WEIGHTS = {"pkio-private": 6, "pkio-digipoort": 1.5, "pkio-trial": 1, "certsign-ov": 1.5}
CARD_VALIDITY_DAYS = 1095
BATCH = 2000
# From this many new rows on, PostgreSQL's secondary indexes are built afresh after COPY.
INDEX_REBUILD_ROWS = 20_000

# Template placeholders; the per-row values have exactly these lengths.
_SERIAL_BYTES = 16
_NOT_BEFORE = dt.datetime(2001, 1, 1, 1, 1, 1, tzinfo=dt.UTC)
_NOT_AFTER = dt.datetime(2002, 2, 2, 2, 2, 2, tzinfo=dt.UTC)
_KEY_PATCH = slice(64, 64 + _SERIAL_BYTES)  # bytes of the modulus made unique per row

HOST_LABELS = (
    "www",
    "api",
    "mail",
    "portal",
    "mijn",
    "login",
    "intranet",
    "vpn",
    "app",
    "data",
    "sso",
    "koppeling",
    "crm",
    "hr",
    "webservices",
    "gateway",
    "monitor",
    "backup",
    "zaken",
    "burgerzaken",
    "belastingen",
    "subsidie",
    "archief",
    "financien",  # "fina": one label in 24, about 4% of the server rows
)
ENVIRONMENTS = ("", "", "", "acc.", "test.", "prod.", "ota.")
GIVEN_NAMES = (
    "Jan",
    "Anna",
    "Pieter",
    "Sanne",
    "Mohamed",
    "Fatima",
    "Kees",
    "Lotte",
    "Daan",
    "Emma",
    "Sem",
    "Julia",
    "Ahmet",
    "Noor",
    "Thijs",
    "Fiona",
)
SURNAMES = (
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Finaly",
)
GROUP_NAMES = (
    "Servicedesk",
    "Financiële administratie",
    "Inkoop",
    "Klantcontact",
    "Juridische zaken",
    "Personeelszaken",
    "Postkamer",
    "Facilitair",
)


@dataclass
class BenchResult:
    certificates: int = 0
    cards: int = 0
    subscribers: int = 0
    persons: int = 0
    seconds: float = 0.0
    by_subscriber: dict[int, int] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.certificates / self.seconds if self.seconds else 0.0


class BenchDataError(Exception):
    """What stops a run (no demo seed, no CA keys); the message says what to do."""


# --- the CAs and their keys ---------------------------------------------------------


@dataclass(frozen=True)
class _Issuer:
    record: IssuingCA
    certificate: x509.Certificate
    key: Any


def _issuer(slug: str, cache: dict[str, _Issuer]) -> _Issuer:
    if slug in cache:
        return cache[slug]
    try:
        directory = ca_dir()
    except CAUnavailable as error:
        raise BenchDataError(str(error)) from None
    crt, key = directory / f"{slug}.crt", directory / f"{slug}.key"
    if not (crt.exists() and key.exists()):
        raise BenchDataError(f"No key for CA {slug!r} in {directory} (run manage.py demo_pki).")
    certificate = x509.load_pem_x509_certificates(crt.read_bytes())[0]
    record = IssuingCA.objects.filter(fingerprint=fingerprint(certificate)).first()
    if record is None:
        raise BenchDataError(f"CA {slug!r} is not in the database: run manage.py seed_demo.")
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    cache[slug] = _Issuer(record, certificate, private)
    return cache[slug]


# --- templates ----------------------------------------------------------------------


@dataclass
class _Spec:
    """What a template certificate looks like, apart from its placeholders."""

    kind: str
    usage: str  # card_usage; "" for a server certificate
    product: Product | None
    issuer: _Issuer
    policy: str | None

    def __post_init__(self) -> None:
        self.product_id = self.product.pk if self.product else None
        self.ca_id = self.issuer.record.pk


@dataclass
class _Template:
    der: bytes
    # (offset, length, slot) sorted by offset; slot is a name in the row's values.
    slots: list[tuple[int, int, str]]
    subject: str
    placeholders: dict[str, str]
    spki: tuple[int, int]  # where the SubjectPublicKeyInfo lies in ``der``

    def fill(self, values: dict[str, bytes]) -> bytes:
        pieces = []
        position = 0
        for offset, length, slot in self.slots:
            pieces.append(self.der[position:offset])
            pieces.append(values[slot])
            position = offset + length
        pieces.append(self.der[position:])
        return b"".join(pieces)

    def subject_for(self, texts: dict[str, str]) -> str:
        subject = self.subject
        for slot, placeholder in self.placeholders.items():
            subject = subject.replace(placeholder, texts[slot])
        return subject


def _placeholder(length: int, rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters) for _ in range(length))


class _Templates:
    """Template certificates by (spec, lengths of the text fields), signed on first use."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.modulus = self.key.public_key().public_numbers().n.to_bytes(256, "big")
        self.spki = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.serial = (0x40 << 120) | rng.getrandbits(120)
        self.cache: dict[tuple[object, ...], _Template] = {}

    def get(self, spec: _Spec, values: dict[str, bytes]) -> _Template:
        lengths = tuple(len(value) for value in values.values())
        template = self.cache.get((id(spec), lengths))
        if template is None:
            sizes = {slot: len(value) for slot, value in values.items()}
            template = self.cache[(id(spec), lengths)] = self._build(spec, sizes)
        return template

    def _build(self, spec: _Spec, lengths: dict[str, int]) -> _Template:
        placeholders = {slot: _placeholder(length, self.rng) for slot, length in lengths.items()}
        attributes = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, placeholders["org"]),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, placeholders["org_id"]),
        ]
        if spec.kind == Kind.SERVER:
            attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, placeholders["oin"]))
            attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, placeholders["cn"]))
        else:
            attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, placeholders["cn"]))
            attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, placeholders["number"]))
        subject = x509.Name(attributes)
        issuer = spec.issuer
        if spec.kind == Kind.SERVER:
            usage = key_usage_bits(digital_signature=True, key_encipherment=True)
        elif spec.kind == Kind.ESEAL:
            usage = key_usage_bits(digital_signature=True, content_commitment=True)
        elif spec.usage == "signature":
            usage = key_usage_bits(content_commitment=True)
        else:
            usage = key_usage_bits(digital_signature=True)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.certificate.subject)
            .public_key(self.key.public_key())
            .serial_number(self.serial)
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                critical=False,
            )
        )
        if spec.kind == Kind.SERVER:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(placeholders["cn"])]), critical=False
            ).add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        if spec.policy:
            builder = builder.add_extension(
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier(spec.policy), None)]
                ),
                critical=False,
            )
        certificate = builder.sign(issuer.key, hashes.SHA256())
        der = certificate.public_bytes(serialization.Encoding.DER)

        slots: list[tuple[int, int, str]] = []

        def find(needle: bytes, slot: str, at: int = 0, count: int = 1) -> None:
            start = 0
            for _ in range(count):
                found = der.index(needle, start)
                slots.append((found + at, len(needle) - at, slot))
                start = found + 1
            if der.find(needle, start) != -1:
                raise AssertionError(f"placeholder {slot} found more often than expected")

        find(b"\x02\x10" + self.serial.to_bytes(_SERIAL_BYTES, "big"), "serial", at=2)
        find(_NOT_BEFORE.strftime("%y%m%d%H%M%SZ").encode(), "not_before")
        find(_NOT_AFTER.strftime("%y%m%d%H%M%SZ").encode(), "not_after")
        modulus = der.index(self.modulus)
        slots.append((modulus + _KEY_PATCH.start, _SERIAL_BYTES, "key"))
        for slot, placeholder in placeholders.items():
            count = 2 if slot == "cn" and spec.kind == Kind.SERVER else 1
            find(placeholder.encode(), slot, count=count)
        slots.sort()
        spki = der.index(self.spki)
        return _Template(
            der=der,
            slots=slots,
            subject=subject.rfc4514_string(),
            placeholders=placeholders,
            spki=(spki, spki + len(self.spki)),
        )


# --- what each subscriber gets ------------------------------------------------------


@dataclass
class _Owner:
    subscriber: Subscriber
    domain: str
    email_domain: str
    requesters: Sequence[int]
    managers: Sequence[int]

    def __post_init__(self) -> None:
        self.pk = self.subscriber.pk
        # The subject's text fields that are the same on every row of this subscriber.
        self.texts = {
            "org": self.subscriber.name,
            "org_id": f"NTRNL-{self.subscriber.kvk_number}",
        }


def _shares(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split by ``weights`` into whole numbers that add up to ``total``."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _next_number(model: type[models.Model], field_name: str, prefix: str, digits: int) -> int:
    """One more than the highest ``prefix`` + ``digits`` digits number in use, else 1."""
    highest = (
        model._default_manager.filter(**{f"{field_name}__regex": rf"^{prefix}[0-9]{{{digits}}}$"})
        .aggregate(highest=Max(field_name))
        .get("highest")
    )
    return int(highest[len(prefix) :]) + 1 if highest else 1


def _new_subscribers(count: int, rng: random.Random) -> list[_Owner]:
    """``count`` subscribers, each with a contact person and two certificate managers."""
    first = _next_number(Subscriber, "number", "P8", 6)
    oin = _next_number(Subscriber, "oin", "00000008", 12)
    manager = _next_number(Person, "manager_number", "CB8", 6)
    if first + count > 10**6 or manager + 2 * count > 10**6:
        raise BenchDataError("The bench number ranges are used up: start from a fresh database.")
    subscribers = Subscriber.objects.bulk_create(
        [
            Subscriber(
                number=f"P8{first + i:06d}",
                name=f"Benchmark Organisatie {first + i:06d} B.V.",
                kvk_number=f"8{(first + i) % 10**7:07d}",
                oin=f"00000008{oin + i:012d}",
                street=f"Dorpsstraat {rng.randint(1, 300)}",
                postcode=f"{rng.randint(1000, 9999)} AB",
                city=rng.choice(("Utrecht", "Zwolle", "Assen", "Middelburg", "Den Haag")),
                reseller="Certificaatportaal",
            )
            for i in range(count)
        ],
        batch_size=BATCH,
    )
    persons = []
    for i, subscriber in enumerate(subscribers):
        domain = f"org{first + i:06d}.nl"
        persons.append(
            Person(
                subscriber=subscriber,
                given_name=rng.choice(GIVEN_NAMES),
                surname=rng.choice(SURNAMES),
                email=f"contact@{domain}",
                contact_authorisation=Person.ContactAuthorisation.FULL,
            )
        )
        for j in range(2):
            persons.append(
                Person(
                    subscriber=subscriber,
                    given_name=rng.choice(GIVEN_NAMES),
                    surname=rng.choice(SURNAMES),
                    email=f"beheer{j + 1}@{domain}",
                    manager_number=f"CB8{manager + 2 * i + j:06d}",
                )
            )
    persons = Person.objects.bulk_create(persons, batch_size=BATCH)
    return [
        _Owner(
            subscriber=subscriber,
            domain=f"org{first + i:06d}.nl",
            email_domain=f"org{first + i:06d}.nl",
            requesters=[persons[3 * i].pk],
            managers=[persons[3 * i + 1].pk, persons[3 * i + 2].pk],
        )
        for i, subscriber in enumerate(subscribers)
    ]


def _demo_owner() -> _Owner:
    subscriber = Subscriber.objects.filter(kvk_number=DEMO_KVK).order_by("pk").first()
    if subscriber is None:
        raise BenchDataError("No Voorbeeld B.V. (KvK 12345678): run manage.py seed_demo first.")
    persons = subscriber.persons.filter(status=Person.Status.ACTIVE)
    requesters = [p.pk for p in persons if p.is_contact_person or p.is_representative]
    managers = [p.pk for p in persons if p.manager_number]
    return _Owner(
        subscriber=subscriber,
        domain="voorbeeld.nl",
        email_domain="voorbeeld.nl",
        requesters=requesters,
        managers=managers or [None],  # type: ignore[list-item]
    )


# --- the rows -----------------------------------------------------------------------

CERTIFICATE_COLUMNS = (
    "subscriber_id",
    "kind",
    "product_id",
    "card_id",
    "card_usage",
    "issuing_ca_id",
    "serial",
    "subject",
    "common_name",
    "organization",
    "locality",
    "state",
    "country",
    "subject_serial",
    "sans",
    "not_before",
    "not_after",
    "spki_sha256",
    "fingerprint",
    "der",
    "certificate_manager_id",
    "requested_by_id",
    "revoked_at",
    "revocation_reason",
    "created_at",
)
CARD_COLUMNS = (
    "id",
    "subscriber_id",
    "number",
    "kind",
    "carrier",
    "holder_name",
    "email",
    "activation",
)
_REASONS = [r.value for r in RevocationReason]


def _columns_match(model: type[models.Model], columns: Iterable[str], leave_out: set[str]) -> None:
    expected = {f.attname for f in model._meta.concrete_fields} - leave_out
    if set(columns) != expected:
        raise BenchDataError(
            f"bench_data does not know the columns {sorted(expected ^ set(columns))} of "
            f"{model._meta.label}: update certificates/bench_data.py."
        )


class _Generator:
    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = int(now.timestamp())
        self.created = now
        self.templates = _Templates(rng)
        # 16 bytes, positive: a random prefix for this run (never from --seed: a second
        # run with the same seed still needs new serials), then a counter.
        self.serial = ((1 << 62) | secrets.randbits(62)) << 64
        self.issuers: dict[str, _Issuer] = {}
        products = list(
            Product.objects.select_related("profile").filter(active=True).order_by("code")
        )
        server = [p for p in products if p.kind == Kind.SERVER]
        if not server:
            raise BenchDataError("No server products: run manage.py migrate and seed_demo.")
        self.server_specs = [self._spec(p, Kind.SERVER, "") for p in server]
        self.server_weights = [PRODUCT_WEIGHTS.get(p.code, 1) for p in server]
        self.card_specs = {}
        for kind, usages in CARD_USAGES.items():
            product = next((p for p in products if p.kind == kind), None)
            slug = product.profile.ca_slug if product else "g3-persons"
            for usage in usages:
                self.card_specs[(kind, usage)] = _Spec(
                    kind, usage, None, _issuer(slug, self.issuers), self._policy(product, usage)
                )
        self.cards: list[tuple[object, ...]] = []

    @staticmethod
    def _policy(product: Product | None, usage: str) -> str | None:
        if product is None or not product.profile.policy_oids:
            return None
        oids = product.profile.policy_oids
        if isinstance(oids[0], list):
            index = 1 if usage == "signature" and len(oids) > 1 else 0
            return oids[index][0] if oids[index] else None
        return oids[0]

    def _spec(self, product: Product, kind: str, usage: str) -> _Spec:
        issuer = _issuer(product.profile.ca_slug, self.issuers)
        return _Spec(kind, usage, product, issuer, self._policy(product, usage))

    def _validity(self, days: int) -> tuple[int, int, int | None]:
        """not_before, not_after and revoked_at (epoch seconds) for a random status."""
        rng, now, length = self.rng, self.now, days * 86400
        draw = rng.random()
        revoked_at = None
        if draw < REVOKED_SHARE:
            not_after = now + rng.randint(-2 * 365 * 86400, length)
            not_before = not_after - length
            revoked_at = not_before + rng.randint(0, min(now, not_after) - not_before)
        elif draw < REVOKED_SHARE + EXPIRED_SHARE:
            not_after = now - rng.randint(3600, 3 * 365 * 86400)
        elif draw < REVOKED_SHARE + EXPIRED_SHARE + EXPIRING_SOON_SHARE:
            not_after = now + rng.randint(3600, 30 * 86400)
        else:
            not_after = now + rng.randint(30 * 86400, max(length, 31 * 86400))
        not_before = not_after - length
        return not_before, not_after, revoked_at

    def _row(
        self,
        spec: _Spec,
        owner: _Owner,
        *,
        cn: str,
        extra: dict[str, str],
        validity: tuple[int, int, int | None],
        card_id: int | None,
        requester: int | None,
        manager: int | None,
    ) -> tuple[object, ...]:
        subscriber = owner.subscriber
        texts = {"cn": cn, **owner.texts, **extra}
        values = {slot: value.encode() for slot, value in texts.items()}
        template = self.templates.get(spec, values)
        self.serial += 1
        serial = self.serial.to_bytes(_SERIAL_BYTES, "big")
        not_before, not_after, revoked_at = validity
        values["serial"] = serial
        values["key"] = serial
        values["not_before"] = time.strftime("%y%m%d%H%M%SZ", time.gmtime(not_before)).encode()
        values["not_after"] = time.strftime("%y%m%d%H%M%SZ", time.gmtime(not_after)).encode()
        der = template.fill(values)
        start, end = template.spki
        utc = dt.UTC
        return (
            owner.pk,
            spec.kind,
            spec.product_id,
            card_id,
            spec.usage,
            spec.ca_id,
            serial.hex(),
            template.subject_for(texts),
            cn,
            subscriber.name,
            "",
            "",
            "NL",
            extra.get("oin") or extra.get("number", ""),
            [cn] if spec.kind == Kind.SERVER else [],
            dt.datetime.fromtimestamp(not_before, utc),
            dt.datetime.fromtimestamp(not_after, utc),
            hashlib.sha256(der[start:end]).hexdigest(),
            hashlib.sha256(der).hexdigest(),
            der,
            manager,
            requester,
            dt.datetime.fromtimestamp(revoked_at, utc) if revoked_at is not None else None,
            self.rng.choice(_REASONS) if revoked_at is not None else "",
            self.created,
        )

    def server_rows(self, owner: _Owner, count: int) -> Iterator[tuple[object, ...]]:
        """``count`` server certificates in the order they were issued (``not_before``), as
        a real inventory grows: a table filled over the years holds a subscriber's rows
        in roughly expiry order, and rows drawn in random order would make every read in
        expiry order (the lists, the export) jump across the table as no real one does."""
        rng = self.rng
        specs = rng.choices(self.server_specs, weights=self.server_weights, k=count)
        issued = sorted(
            ((self._validity(spec.product.validity_days), spec) for spec in specs if spec.product),
            key=lambda drawn: drawn[0][0],
        )
        for validity, spec in issued:
            assert spec.product is not None
            cn = (
                f"{rng.choice(HOST_LABELS)}{rng.randint(1, 999)}."
                f"{rng.choice(ENVIRONMENTS)}{owner.domain}"
            )
            yield self._row(
                spec,
                owner,
                cn=cn,
                extra={"oin": owner.subscriber.oin},
                validity=validity,
                card_id=None,
                requester=rng.choice(owner.requesters),
                manager=rng.choice(owner.managers),
            )

    def card_rows(
        self, owner: _Owner, count: int, card_ids: Iterator[int]
    ) -> Iterator[tuple[object, ...]]:
        """``count`` card certificates; every card's rows together, its ``Card`` row in
        ``self.cards``."""
        rng = self.rng
        for kind, rows in zip(
            [k for k, _ in CARD_KIND_SHARES],
            _shares(count, [s for _, s in CARD_KIND_SHARES]),
            strict=True,
        ):
            usages = CARD_USAGES[kind]
            while rows > 0:
                on_card = usages[: min(rows, len(usages))]
                rows -= len(on_card)
                card_id = next(card_ids)
                number = f"{7_000_000_000 + card_id}"
                if kind == Kind.PERSONAL:
                    given, surname = rng.choice(GIVEN_NAMES), rng.choice(SURNAMES)
                    holder = f"{given} {surname}"
                    local = f"{given[0]}.{surname.replace(' ', '')}".lower()
                    email = f"{local}@{owner.email_domain}"
                    carrier = rng.choice((Card.Carrier.CARD, Card.Carrier.CARD, Card.Carrier.USB))
                elif kind == Kind.GROUP:
                    holder = f"{rng.choice(GROUP_NAMES)} {rng.randint(1, 99)}"
                    number = f"GRP{number}"
                    email = f"groep{rng.randint(1, 99)}@{owner.email_domain}"
                    carrier = Card.Carrier.CARD
                else:
                    holder = f"{owner.subscriber.name} zegel {rng.randint(1, 99)}"
                    number = f"ESL{number}"
                    email = f"pki@{owner.email_domain}"
                    carrier = Card.Carrier.CARD
                self.cards.append((card_id, owner.pk, number, kind, carrier, holder, email, ""))
                validity = self._validity(CARD_VALIDITY_DAYS)
                requester = rng.choice(owner.requesters)
                manager = rng.choice(owner.managers)
                for usage in on_card:
                    yield self._row(
                        self.card_specs[(kind, usage)],
                        owner,
                        cn=holder,
                        extra={"number": number[-10:]},
                        validity=validity,
                        card_id=card_id,
                        requester=requester,
                        manager=manager,
                    )


# --- writing ------------------------------------------------------------------------


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
    start = (model._default_manager.aggregate(highest=Max("pk"))["highest"] or 0) + 1
    return list(range(start, start + count))


def _copy(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """PostgreSQL: ``COPY ... FROM STDIN (FORMAT BINARY)`` with psycopg's ``cursor.copy()``."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    types = [(fields[c].db_type(connection) or "text").split("(")[0] for c in columns]
    json_columns = [i for i, c in enumerate(columns) if isinstance(fields[c], models.JSONField)]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(fields[c].column) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        # The queued writer sends in a thread: PostgreSQL stores while Python makes rows.
        statement = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
        with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
            copy.set_types(types)
            for row in rows:
                if json_columns:
                    row = list(row)
                    for i in json_columns:
                        row[i] = Jsonb(row[i])
                copy.write_row(row)


@contextmanager
def _indexes_set_aside(model: type[models.Model], rows: int) -> Iterator[None]:
    """PostgreSQL, many rows: drop the table's foreign keys and the indexes that back no
    constraint while COPY runs, and make them again afterwards: a sorted index build
    and one validating join beat a million random index inserts and foreign-key
    trigger calls. Inside the caller's transaction: a failure restores them."""
    if connection.vendor != "postgresql":
        yield
        return
    table = model._meta.db_table
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        existing = max(cursor.fetchone()[0], 0)
        if rows < INDEX_REBUILD_ROWS or rows < existing / 4:
            yield
            return
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        # ALTER TABLE waits for no deferred check: run the ones queued so far.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}"
            )
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} "
                f"{definition}"
            )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _bulk_create(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    batch: list[models.Model] = []
    der = columns.index("der") if "der" in columns else None
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        if der is not None:
            values["der"] = LazyCertificate(row[der])  # type: ignore[arg-type]
        batch.append(model(**values))
        if len(batch) >= BATCH:
            model._default_manager.bulk_create(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch)


def _write(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    if connection.vendor == "postgresql":
        _copy(model, columns, rows)
    else:
        _bulk_create(model, columns, rows)


def _counted(
    rows: Iterable[tuple[object, ...]], result: BenchResult
) -> Iterator[tuple[object, ...]]:
    for row in rows:
        result.certificates += 1
        subscriber = row[0]
        assert isinstance(subscriber, int)
        result.by_subscriber[subscriber] = result.by_subscriber.get(subscriber, 0) + 1
        yield row


def bench_data_create(
    *, certificates: int, subscribers: int, seed: int | None = None
) -> BenchResult:
    """Add ``certificates`` rows: 20% to Voorbeeld B.V., 80% spread over ``subscribers``
    new subscribers (see the module docstring). Returns what was added and how fast."""
    if certificates < 0 or subscribers < 0:
        raise BenchDataError("--certificates and --subscribers cannot be negative.")
    if subscribers == 0 and certificates:
        demo_rows, other_rows = certificates, 0
    else:
        demo_rows = round(certificates * DEMO_SHARE)
        other_rows = certificates - demo_rows
    _columns_match(Certificate, CERTIFICATE_COLUMNS, {"id"})
    _columns_match(Card, CARD_COLUMNS, set())
    started = time.perf_counter()
    rng = random.Random(seed if seed is not None else secrets.randbits(64))
    result = BenchResult()
    with transaction.atomic():
        demo = _demo_owner()
        generator = _Generator(rng, timezone.now().replace(microsecond=0))
        owners = _new_subscribers(subscribers, rng) if subscribers else []
        result.subscribers = len(owners)
        result.persons = 3 * len(owners)
        budgets = [(demo, demo_rows)] + list(
            zip(owners, _shares(other_rows, [1] * len(owners)), strict=True)
        )
        card_rows_total = sum(b - round(b * SERVER_SHARE) for _, b in budgets)
        # At most one card per card row: enough ids, the rest of the range stays unused.
        card_ids = iter(_reserve_ids(Card, card_rows_total) if card_rows_total else [])

        def rows() -> Iterator[tuple[object, ...]]:
            for owner, budget in budgets:
                server = round(budget * SERVER_SHARE)
                yield from generator.server_rows(owner, server)
                yield from generator.card_rows(owner, budget - server, card_ids)

        # The certificates stream in as they are made; their cards follow in the same
        # transaction (Django's foreign keys are checked at commit).
        with _indexes_set_aside(Certificate, certificates):
            _write(Certificate, CERTIFICATE_COLUMNS, _counted(rows(), result))
            _write(Card, CARD_COLUMNS, generator.cards)
        result.cards = len(generator.cards)
    if connection.vendor == "postgresql":
        # VACUUM sets the visibility map that index-only scans need (autovacuum would, some
        # time later); inside a transaction (a test) only ANALYZE can run.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in (Certificate, Card, Subscriber, Person):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    result.seconds = time.perf_counter() - started
    return result
