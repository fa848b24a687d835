"""Demo data for ``manage.py seed_demo`` (SPEC.md §10). Idempotent.

Subscriber "Voorbeeld B.V." with Maximo (authorised representative), Joost
(contact person, full), Herman (contact person, basic) and the certificate
managers Victor Achterlijn and Karel Tak; subscriber "Andere Organisatie
B.V." with Frank; certificates of every kind and status; the back-office
validation officer ``validatie``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from django.db import transaction

from certificates import demo_pki
from certificates.ca_records import issuing_cas_register
from certificates.models import Card, Certificate, IssuingCA, Kind, Product, RevocationReason
from certificates.services import certificate_mark_revoked, certificate_record
from certificates.x509_fields import fingerprint
from organisations.models import LoginCertificate, Person, Subscriber, VerifiedDomain
from portal.officers import officer_add

OFFICER_USERNAME = "validatie"
OFFICER_PASSWORD = "demo-validatie"  # noqa: S105  (documented demo account)


def _subscribers() -> tuple[Subscriber, Subscriber]:
    voorbeeld, _ = Subscriber.objects.update_or_create(
        number="P9571876",
        defaults=dict(
            reseller="Certificaatportaal",
            name="Voorbeeld B.V.",
            kvk_number="12345678",
            oin="00000003123456780000",
            street="Wilhelminakade 123",
            postcode="3072 AP",
            city="Rotterdam",
            phone="0688889900",
            billing_company="Voorbeeld B.V.",
            billing_department="Financiële administratie",
            billing_street="Postbus 1234",
            billing_postcode="3000 AA",
            billing_city="Rotterdam",
            billing_email="facturen@voorbeeld.nl",
            billing_phone="0688889999",
            vat_number="NL001234567B01",
        ),
    )
    VerifiedDomain.objects.get_or_create(
        subscriber=voorbeeld,
        domain="voorbeeld.nl",
        defaults={"verified_at": dt.datetime(2024, 1, 15, tzinfo=dt.UTC)},
    )
    andere, _ = Subscriber.objects.update_or_create(
        number="P9571877",
        defaults=dict(
            reseller="Certificaatportaal",
            name="Andere Organisatie B.V.",
            kvk_number="87654321",
            oin="00000003876543210000",
            street="Stationsplein 1",
            postcode="3511 ED",
            city="Utrecht",
            phone="0301234567",
            billing_company="Andere Organisatie B.V.",
            billing_email="administratie@andere.nl",
        ),
    )
    VerifiedDomain.objects.get_or_create(
        subscriber=andere,
        domain="andere.nl",
        defaults={"verified_at": dt.datetime(2024, 3, 1, tzinfo=dt.UTC)},
    )
    return voorbeeld, andere


def _person(subscriber: Subscriber, email: str, **fields: object) -> Person:
    person, _ = Person.objects.update_or_create(subscriber=subscriber, email=email, defaults=fields)
    return person


def _persons(voorbeeld: Subscriber, andere: Subscriber) -> dict[str, Person]:
    return {
        "maximo": _person(
            voorbeeld,
            "maximo@voorbeeld.nl",
            given_name="Maximo",
            surname="de Tester",
            job_title="DGA",
            phone="0622225555",
            is_representative=True,
        ),
        "joost": _person(
            voorbeeld,
            "joost@voorbeeld.nl",
            given_name="Joost",
            surname="Test",
            job_title="IT-manager",
            phone="0611112222",
            contact_authorisation=Person.ContactAuthorisation.FULL,
        ),
        "herman": _person(
            voorbeeld,
            "herman@voorbeeld.nl",
            given_name="Herman",
            surname="Testing",
            job_title="Beheerder",
            phone="0688442211",
            contact_authorisation=Person.ContactAuthorisation.BASIC,
        ),
        "victor": _person(
            voorbeeld,
            "victor@voorbeeld.nl",
            given_name="Victor",
            surname="Achterlijn",
            phone="0600000000",
            manager_number="CB9505784",
        ),
        "karel": _person(
            voorbeeld,
            "karel@voorbeeld.nl",
            given_name="Karel",
            surname="Tak",
            phone="0600000001",
            manager_number="CB7540116",
        ),
        "frank": _person(
            andere,
            "frank@andere.nl",
            given_name="Frank",
            surname="TestF",
            job_title="Systeembeheerder",
            phone="0612345678",
            contact_authorisation=Person.ContactAuthorisation.FULL,
        ),
    }


def _login_mappings(persons: dict[str, Person], pki_dir: Path) -> None:
    """Each demo person's card maps in one of the three ways of SPEC.md §5 step 3."""
    persons_ca = demo_pki.load(pki_dir).cas[demo_pki.PERSONS_CA].certificate
    issuer = persons_ca.subject.rfc4514_string()
    for slug in ("maximo", "frank"):
        spec = next(c for c in demo_pki.CLIENTS if c.slug == slug)
        LoginCertificate.objects.get_or_create(
            match=LoginCertificate.Match.ISSUER_SERIAL,
            issuer=issuer,
            subject_serial=spec.subject_serial,
            defaults={"person": persons[slug]},
        )
    LoginCertificate.objects.get_or_create(
        match=LoginCertificate.Match.UZI,
        uzi_number="900000002",
        defaults={"person": persons["joost"]},
    )
    LoginCertificate.objects.get_or_create(
        match=LoginCertificate.Match.FINGERPRINT,
        fingerprint=fingerprint(demo_pki.client_certificate(pki_dir, "herman")),
        defaults={"person": persons["herman"]},
    )


def _issuing_cas(pki: demo_pki.DemoPKI) -> dict[str, IssuingCA]:
    """The demo CAs, registered as ``manage.py ca_register`` registers a CA directory."""
    registered = issuing_cas_register(directory=pki.out / "ca")
    return {ca.slug: ca.record for ca in registered if ca.slug}


def _server_certificates(
    pki: demo_pki.DemoPKI,
    cas: dict[str, IssuingCA],
    voorbeeld: Subscriber,
    andere: Subscriber,
    persons: dict[str, Person],
) -> None:
    products = {p.code: p for p in Product.objects.select_related("profile")}
    today = demo_pki.now()
    day = dt.timedelta(days=1)
    rows = [
        # subscriber, CN, extra SANs, product, CA, not_before, not_after,
        # manager, requester, revocation
        (
            voorbeeld,
            "www.voorbeeld.nl",
            ["voorbeeld.nl"],
            "pkio-private",
            "g1-services",
            today - 100 * day,
            today + 995 * day,
            "victor",
            "joost",
            None,
        ),
        (
            voorbeeld,
            "api.voorbeeld.nl",
            [],
            "pkio-private",
            "g1-services",
            today - 1075 * day,
            today + 20 * day,
            "karel",
            "maximo",
            None,
        ),
        (
            voorbeeld,
            "digipoort.voorbeeld.nl",
            [],
            "pkio-digipoort",
            "g3-services",
            today - 400 * day,
            today + 695 * day,
            "victor",
            "joost",
            None,
        ),
        (
            voorbeeld,
            "koppeling.voorbeeld.nl",
            ["edsn.voorbeeld.nl"],
            "pkio-private",
            "g3-services",
            today - 200 * day,
            today + 500 * day,
            "karel",
            "herman",
            None,
        ),
        (
            voorbeeld,
            "test.voorbeeld.nl",
            [],
            "pkio-trial",
            "trial-services",
            today - 10 * day,
            today + 80 * day,
            "victor",
            "herman",
            None,
        ),
        (
            voorbeeld,
            "oud.voorbeeld.nl",
            [],
            "pkio-private",
            "g1-services",
            today - 1200 * day,
            today - 105 * day,
            "victor",
            "joost",
            None,
        ),
        (
            voorbeeld,
            "ingetrokken.voorbeeld.nl",
            [],
            "pkio-private",
            "g1-services",
            today - 300 * day,
            today + 795 * day,
            "karel",
            "joost",
            RevocationReason.KEY_COMPROMISE,
        ),
        (
            andere,
            "portaal.andere.nl",
            [],
            "pkio-private",
            "g1-services",
            today - 50 * day,
            today + 1045 * day,
            None,
            "frank",
            None,
        ),
        (
            andere,
            "api.andere.nl",
            [],
            "pkio-private",
            "g3-services",
            today - 500 * day,
            today + 595 * day,
            None,
            "frank",
            None,
        ),
    ]
    for subscriber, cn, extra, product, ca, start, end, manager, requester, revoked in rows:
        if Certificate.objects.filter(subscriber=subscriber, common_name=cn).exists():
            continue
        issued = demo_pki.issue_leaf(
            pki.cas[ca],
            issuer_slug=ca,
            subject=demo_pki.server_subject(
                cn, subscriber.name, subscriber.kvk_number, subscriber.oin
            ),
            not_before=start,
            not_after=end,
            dns_names=[cn, *extra],
            key_usage="server",
            extended_key_usage=[
                x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH,
            ],
            policy=products[product].profile.policy_oids[0],
        )
        certificate = certificate_record(
            subscriber=subscriber,
            certificate=issued.certificate,
            kind=Kind.SERVER,
            issuing_ca=cas[ca],
            product=products[product],
            certificate_manager=persons[manager] if manager else None,
            requested_by=persons[requester],
        )
        if revoked:
            certificate_mark_revoked(
                certificate=certificate, reason=revoked, revoked_at=today - 30 * day
            )


def _card(subscriber: Subscriber, number: str, **fields: object) -> Card:
    card, _ = Card.objects.update_or_create(
        number=number, defaults={"subscriber": subscriber, **fields}
    )
    return card


def _card_certificates(
    pki: demo_pki.DemoPKI,
    pki_dir: Path,
    cas: dict[str, IssuingCA],
    voorbeeld: Subscriber,
    andere: Subscriber,
    persons: dict[str, Person],
) -> None:
    persons_ca = cas[demo_pki.PERSONS_CA]

    def record(
        card: Card,
        certificate: x509.Certificate,
        usage: str,
        requester: str,
        manager: str | None = None,
    ) -> Certificate:
        return certificate_record(
            subscriber=card.subscriber,
            certificate=certificate,
            kind=Kind(card.kind),
            issuing_ca=persons_ca,
            card=card,
            card_usage=usage,
            requested_by=persons[requester],
            certificate_manager=persons[manager] if manager else None,
        )

    # The login certificates are the authenticity certificates on the cards.
    cards = {
        "maximo": (voorbeeld, "46980946", "maximo"),
        "joost": (voorbeeld, "46980947", "maximo"),
        "herman": (voorbeeld, "46980948", "joost"),
        "frank": (andere, "46990001", "frank"),
    }
    for slug, (subscriber, number, requester) in cards.items():
        spec = next(c for c in demo_pki.CLIENTS if c.slug == slug)
        card = _card(
            subscriber,
            number,
            kind=Kind.PERSONAL,
            carrier=Card.Carrier.CARD,
            holder_name=spec.common_name,
            email=spec.email,
        )
        record(card, demo_pki.client_certificate(pki_dir, slug), "authentication", requester)
    maximo_card = Card.objects.get(number="46980946")
    record(
        maximo_card, demo_pki.client_certificate(pki_dir, "signature-only"), "signature", "maximo"
    )

    # Maximo's previous cards: one expired, one revoked (also on the demo CRL).
    old = _card(
        voorbeeld,
        "46970001",
        kind=Kind.PERSONAL,
        carrier=Card.Carrier.CARD,
        holder_name="Maximo de Tester",
        email="maximo@voorbeeld.nl",
    )
    record(old, demo_pki.client_certificate(pki_dir, "expired"), "authentication", "maximo")
    lost = _card(
        voorbeeld,
        "46970002",
        kind=Kind.PERSONAL,
        carrier=Card.Carrier.USB,
        holder_name="Maximo de Tester",
        email="maximo@voorbeeld.nl",
    )
    revoked = record(
        lost, demo_pki.client_certificate(pki_dir, "revoked"), "authentication", "maximo"
    )
    certificate_mark_revoked(
        certificate=revoked,
        reason=RevocationReason.KEY_COMPROMISE,
        revoked_at=demo_pki.now() - dt.timedelta(hours=1),
    )

    # A group card and two eSeals (card, and cloud awaiting activation).
    issuer = pki.cas[demo_pki.PERSONS_CA]
    for number, kind, carrier, holder, activation, manager in [
        ("GRP46980950", Kind.GROUP, Card.Carrier.CARD, "Servicedesk Voorbeeld", "", "victor"),
        ("ESL46980960", Kind.ESEAL, Card.Carrier.CARD, "Voorbeeld B.V.", "", "karel"),
        (
            "GRP202402231888333333",
            Kind.ESEAL,
            Card.Carrier.CLOUD,
            "Voorbeeld B.V. Cloud",
            Card.Activation.REQUESTED,
            "karel",
        ),
    ]:
        card = _card(
            voorbeeld,
            number,
            kind=kind,
            carrier=carrier,
            holder_name=holder,
            email="pki@voorbeeld.nl",
            activation=activation,
        )
        if card.certificates.exists():
            continue
        subject = x509.Name(
            [
                x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "NL"),
                x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, voorbeeld.name),
                x509.NameAttribute(x509.NameOID.ORGANIZATION_IDENTIFIER, "NTRNL-12345678"),
                x509.NameAttribute(x509.NameOID.COMMON_NAME, holder),
                x509.NameAttribute(x509.NameOID.SERIAL_NUMBER, number),
            ]
        )
        issued = demo_pki.issue_leaf(
            issuer,
            issuer_slug=demo_pki.PERSONS_CA,
            subject=subject,
            key_usage="seal" if kind == Kind.ESEAL else "auth",
        )
        record(
            card,
            issued.certificate,
            "signature" if kind == Kind.ESEAL else "authentication",
            "joost",
            manager,
        )


def _validation_officer(pki_dir: Path) -> None:
    """The officer ``validatie``: password and their own smartcard (clients/validatie.crt),
    made as ``manage.py officer_add`` makes an officer."""
    officer_add(
        username=OFFICER_USERNAME,
        certificate=demo_pki.client_certificate(pki_dir, OFFICER_USERNAME),
        password=OFFICER_PASSWORD,
        first_name="Vera",
        last_name="Validatie",
    )


@transaction.atomic
def seed(pki_dir: Path) -> None:
    pki = demo_pki.load(pki_dir)
    voorbeeld, andere = _subscribers()
    persons = _persons(voorbeeld, andere)
    _login_mappings(persons, pki_dir)
    cas = _issuing_cas(pki)
    _server_certificates(pki, cas, voorbeeld, andere, persons)
    _card_certificates(pki, pki_dir, cas, voorbeeld, andere, persons)
    _validation_officer(pki_dir)
