"""factory_boy factories for every model of the project's apps, and the staff user.

New tests make the rows they need here instead of looking up demo rows by
literal (the demo seed stays for the end-to-end tests). Every factory's row
passes ``full_clean()`` and the database constraints (tests/test_factories.py),
and that test fails for a model without a factory.

Certificates are real: a CA certificate per ``IssuingCAFactory`` row and a
leaf issued by it (certificates.demo_pki.issue_leaf), all on one RSA key per
process (csr_factory.rsa_key) so no test waits for key generation. An order's
CSR gets its own EC key (fast), since an open order's key must be unique.

Sequences start far from the demo seed's values (P957…, KvK 12345678) so the
two never collide in the seeded test database.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.utils import timezone

from audit.models import Action, AuditEntry
from certificates import demo_pki, x509_fields
from certificates.fields import LazyCertificate
from certificates.models import (
    BlocklistedKey,
    CampaignCertificate,
    CampaignNotice,
    Card,
    Certificate,
    CompromisedKey,
    ExpiryDigest,
    ExpiryReminder,
    IssuanceProfile,
    IssuingCA,
    Kind,
    Product,
    ReplacementCampaign,
    RevocationReason,
    RevocationRequest,
)
from core.models import OutboxMessage
from orders.models import (
    CardOrderDetail,
    Declaration,
    Order,
    OrderCertificate,
    OrderDocuments,
    ServerOrderDetail,
)
from organisations.models import LoginCertificate, Person, Subscriber, VerifiedDomain
from registration.models import ChangeRequest, ChangeRequestDocuments, Section
from tests.certificates.csr_factory import fresh_ec_key, make_csr, rsa_key

# Distinct from the keys other tests take from rsa_key(0), rsa_key(1), ...
FACTORY_KEY_INDEX = 900


def _hex64(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def ca_certificate(name: str) -> x509.Certificate:
    """A self-signed CA certificate named ``name`` on the shared factory key."""
    key = rsa_key(FACTORY_KEY_INDEX)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = demo_pki.now() - dt.timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


class UserFactory(factory.django.DjangoModelFactory):
    """A back-office employee (``is_staff``) with the password ``geheim``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"medewerker{n}")
    first_name = "Mila"
    last_name = factory.Sequence(lambda n: f"Medewerker {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@portaal.example")
    is_staff = True
    password = factory.django.Password("geheim")


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A subscriber with a consistent number, KvK number and OIN (00000003 + KvK + 0000)."""

    class Meta:
        model = Subscriber

    number = factory.Sequence(lambda n: f"P1{n:06d}")
    name = factory.Sequence(lambda n: f"Organisatie {n} B.V.")
    kvk_number = factory.Sequence(lambda n: f"7{n:07d}")
    oin = factory.LazyAttribute(lambda o: f"00000003{o.kvk_number}0000")
    street = "Voorbeeldstraat 1"
    postcode = "1234 AB"
    city = "Den Haag"


class VerifiedDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerifiedDomain

    subscriber = factory.SubFactory(SubscriberFactory)
    domain = factory.Sequence(lambda n: f"domein{n}.nl")
    verified_at = factory.LazyFunction(timezone.now)


class PersonFactory(factory.django.DjangoModelFactory):
    """A contact person with all authorisations; ``manager=True`` makes a certificate manager."""

    class Meta:
        model = Person

    class Params:
        manager = factory.Trait(
            contact_authorisation=Person.ContactAuthorisation.NONE,
            manager_number=factory.Sequence(lambda n: f"CB1{n:06d}"),
        )

    subscriber = factory.SubFactory(SubscriberFactory)
    given_name = "Sam"
    surname = factory.Sequence(lambda n: f"Persoon {n}")
    email = factory.Sequence(lambda n: f"persoon{n}@organisatie.nl")
    contact_authorisation = Person.ContactAuthorisation.FULL


class LoginCertificateFactory(factory.django.DjangoModelFactory):
    """A person's login mapping by certificate fingerprint."""

    class Meta:
        model = LoginCertificate

    person = factory.SubFactory(PersonFactory)
    match = LoginCertificate.Match.FINGERPRINT
    fingerprint = factory.Sequence(lambda n: _hex64(f"login {n}"))


class IssuingCAFactory(factory.django.DjangoModelFactory):
    """A CA (a root: no parent) with its own real certificate."""

    class Meta:
        model = IssuingCA

    class Params:
        x509 = factory.LazyAttribute(lambda o: ca_certificate(o.name))

    name = factory.Sequence(lambda n: f"Test Services CA {n}")
    generation = IssuingCA.Generation.G3
    certificate = factory.LazyAttribute(lambda o: LazyCertificate(o.x509))
    fingerprint = factory.LazyAttribute(lambda o: x509_fields.fingerprint(o.x509))


class IssuanceProfileFactory(factory.django.DjangoModelFactory):
    """A PKIoverheid server profile issued by the demo's Private Services CA."""

    class Meta:
        model = IssuanceProfile

    code = factory.Sequence(lambda n: f"test-profile-{n}")
    name = factory.Sequence(lambda n: f"Testprofiel {n}")
    ca_slug = "g1-services"
    policy_oids = factory.LazyFunction(lambda: [demo_pki.POLICY_PRIVATE_SERVER])
    key_usages = factory.LazyFunction(lambda: [["digitalSignature", "keyEncipherment"]])
    extended_key_usages = factory.LazyFunction(lambda: ["serverAuth", "clientAuth"])
    subject_template = IssuanceProfile.SubjectTemplate.PKIO_SERVICE
    key_types = factory.LazyFunction(lambda: ["rsa"])


class ProductFactory(factory.django.DjangoModelFactory):
    """An orderable PKIoverheid server certificate product."""

    class Meta:
        model = Product

    profile = factory.SubFactory(IssuanceProfileFactory)

    code = factory.Sequence(lambda n: f"test-product-{n}")
    name = factory.Sequence(lambda n: f"Testproduct {n}")
    short_name = "Test"
    kind = Kind.SERVER
    validity_days = 365
    family = "pkio"


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    subscriber = factory.SubFactory(SubscriberFactory)
    number = factory.Sequence(lambda n: f"TST{n:08d}")
    kind = Kind.PERSONAL
    carrier = Card.Carrier.CARD
    holder_name = factory.Sequence(lambda n: f"Pashouder {n}")


def _leaf(o: factory.builder.Resolver) -> x509.Certificate:
    ca = o.issuing_ca
    issued = demo_pki.issue_leaf(
        demo_pki.Issued(ca.certificate.loaded, rsa_key(FACTORY_KEY_INDEX)),
        issuer_slug="factory",
        subject=demo_pki.server_subject(
            o.common_name, o.subscriber.name, o.subscriber.kvk_number, o.subscriber.oin
        ),
        key=rsa_key(FACTORY_KEY_INDEX),
        not_before=o.not_before,
        not_after=o.not_after,
        dns_names=[o.common_name],
        key_usage="server",
    )
    return issued.certificate


class CertificateFactory(factory.django.DjangoModelFactory):
    """A valid server certificate, issued for real by its IssuingCA; ``on_card=True``
    makes a personal certificate on a card instead."""

    class Meta:
        model = Certificate

    class Params:
        x509 = factory.LazyAttribute(_leaf)
        on_card = factory.Trait(
            kind=Kind.PERSONAL,
            product=None,
            card=factory.SubFactory(CardFactory, subscriber=factory.SelfAttribute("..subscriber")),
            card_usage="authentication",
        )

    subscriber = factory.SubFactory(SubscriberFactory)
    kind = Kind.SERVER
    product = factory.SubFactory(ProductFactory)
    issuing_ca = factory.SubFactory(IssuingCAFactory)
    common_name = factory.Sequence(lambda n: f"www{n}.organisatie.nl")
    not_before = factory.LazyFunction(
        lambda: (timezone.now() - dt.timedelta(days=10)).replace(microsecond=0)
    )
    not_after = factory.LazyAttribute(lambda o: o.not_before + dt.timedelta(days=365))
    serial = factory.LazyAttribute(lambda o: x509_fields.serial_hex(o.x509))
    subject = factory.LazyAttribute(lambda o: o.x509.subject.rfc4514_string())
    organization = factory.SelfAttribute("subscriber.name")
    country = "NL"
    subject_serial = factory.SelfAttribute("subscriber.oin")
    sans = factory.LazyAttribute(lambda o: x509_fields.subject_alt_names(o.x509))
    spki_sha256 = factory.LazyAttribute(lambda o: x509_fields.spki_sha256(o.x509))
    fingerprint = factory.LazyAttribute(lambda o: x509_fields.fingerprint(o.x509))
    der = factory.LazyAttribute(lambda o: LazyCertificate(o.x509))
    certificate_manager = factory.SubFactory(
        PersonFactory, manager=True, subscriber=factory.SelfAttribute("..subscriber")
    )


class CompromisedKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompromisedKey

    spki_sha256 = factory.Sequence(lambda n: _hex64(f"compromised {n}"))
    reason = "Gelekt in een publieke repository"


class BlocklistedKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlocklistedKey

    key_hash = factory.Sequence(lambda n: _hex64(f"blocklisted {n}")[:30])
    blocklist = 1


class RevocationRequestFactory(factory.django.DjangoModelFactory):
    """An open request by a contact person of the certificate's subscriber."""

    class Meta:
        model = RevocationRequest

    certificate = factory.SubFactory(CertificateFactory)
    reason = RevocationReason.KEY_COMPROMISE
    requested_by = factory.SubFactory(
        PersonFactory, subscriber=factory.SelfAttribute("..certificate.subscriber")
    )


class ExpiryDigestFactory(factory.django.DjangoModelFactory):
    """Today's expiry-reminder e-mail to a person, not sent yet."""

    class Meta:
        model = ExpiryDigest

    recipient = factory.SubFactory(PersonFactory)
    day = factory.LazyFunction(timezone.localdate)


class ExpiryReminderFactory(factory.django.DjangoModelFactory):
    """A 30-day reminder to the certificate's manager, in a digest of today."""

    class Meta:
        model = ExpiryReminder

    certificate = factory.SubFactory(CertificateFactory)
    threshold_days = 30
    recipient = factory.SelfAttribute("certificate.certificate_manager")
    day = factory.LazyFunction(timezone.localdate)
    digest = factory.SubFactory(
        ExpiryDigestFactory,
        recipient=factory.SelfAttribute("..recipient"),
        day=factory.SelfAttribute("..day"),
    )


def _csr_pem(o: factory.builder.Resolver) -> str:
    return make_csr(
        fresh_ec_key(), cn=o.common_name, o=o.subscriber.name, oin=o.subscriber.oin
    ).decode()


class OrderFactory(factory.django.DjangoModelFactory):
    """A placed order for a server certificate, with a real CSR on a key of its own in its
    ``ServerOrderDetail``. ``server=None`` makes the order without a detail."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    class Params:
        common_name = factory.Sequence(lambda n: f"bestelling{n}.organisatie.nl")
        csr_pem = factory.LazyAttribute(_csr_pem)

    reference = factory.Sequence(lambda n: f"S9{n:016d}")
    subscriber = factory.SubFactory(SubscriberFactory)
    product = factory.SubFactory(ProductFactory)
    contact_person = factory.SubFactory(
        PersonFactory, subscriber=factory.SelfAttribute("..subscriber")
    )
    certificate_manager = factory.SubFactory(
        PersonFactory, manager=True, subscriber=factory.SelfAttribute("..subscriber")
    )
    spki_sha256 = factory.LazyAttribute(
        lambda o: x509_fields.spki_sha256(x509.load_pem_x509_csr(o.csr_pem.encode()))
    )
    declarations = factory.LazyFunction(lambda: list(Declaration.values))
    server = factory.RelatedFactory(
        "tests.factories.ServerOrderDetailFactory",
        factory_related_name="order",
        csr_pem=factory.SelfAttribute("..csr_pem"),
        common_name=factory.SelfAttribute("..common_name"),
    )


class OrderCertificateFactory(factory.django.DjangoModelFactory):
    """A certificate issued for an issued order of its subscriber."""

    class Meta:
        model = OrderCertificate

    order = factory.SubFactory(OrderFactory, state="issued", spki_sha256="")
    certificate = factory.SubFactory(
        CertificateFactory, subscriber=factory.SelfAttribute("..order.subscriber")
    )
    usage = factory.SelfAttribute("certificate.card_usage")


class ServerOrderDetailFactory(factory.django.DjangoModelFactory):
    """The CSR and names of a server order. Made on its own, its order holds no key hash."""

    class Meta:
        model = ServerOrderDetail

    order = factory.SubFactory(OrderFactory, server=None, spki_sha256="")
    common_name = factory.Sequence(lambda n: f"detail{n}.organisatie.nl")
    csr_pem = factory.LazyAttribute(
        lambda o: make_csr(fresh_ec_key(), cn=o.common_name, o=o.order.subscriber.name).decode()
    )
    sans = factory.LazyAttribute(lambda o: [o.common_name])
    csr_details = factory.LazyAttribute(
        lambda o: {"common_name": o.common_name, "key_description": "EC P-256"}
    )


class CardOrderDetailFactory(factory.django.DjangoModelFactory):
    """The holder of an order for a personal card (no CSR: the key is made on the card)."""

    class Meta:
        model = CardOrderDetail

    order = factory.SubFactory(
        OrderFactory,
        server=None,
        spki_sha256="",
        reference=factory.Sequence(lambda n: f"GRP9{n:017d}"),
        product=factory.SubFactory(ProductFactory, kind=Kind.PERSONAL, family=""),
    )
    holder_name = factory.Sequence(lambda n: f"Pashouder {n}")
    email = factory.Sequence(lambda n: f"pashouder{n}@organisatie.nl")
    phone = "+31 70 123 4567"
    date_of_birth = dt.date(1980, 5, 17)


class OrderDocumentsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderDocuments

    order = factory.SubFactory(OrderFactory)
    pdf = b"%PDF-1.7\n%%EOF\n"
    xml = b"<?xml version='1.0'?><Bestelling/>"
    language = "nl"


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    """A submitted request to cancel the subscription."""

    class Meta:
        model = ChangeRequest

    reference = factory.Sequence(lambda n: f"ABW9{n:016d}")
    subscriber = factory.SubFactory(SubscriberFactory)
    submitted_by = factory.SubFactory(
        PersonFactory, subscriber=factory.SelfAttribute("..subscriber")
    )
    sections = factory.LazyFunction(lambda: {Section.CANCEL.value: {"reason": "Reorganisatie"}})


class ChangeRequestDocumentsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRequestDocuments

    change_request = factory.SubFactory(ChangeRequestFactory)
    pdf = b"%PDF-1.7\n%%EOF\n"
    language = "nl"


class AuditEntryFactory(factory.django.DjangoModelFactory):
    """An officer taking an order in validation."""

    class Meta:
        model = AuditEntry

    actor = factory.SubFactory(UserFactory)
    actor_label = factory.LazyAttribute(lambda o: o.actor.get_full_name())
    action = Action.ORDER_TAKEN
    object_type = "order"
    object_id = factory.Sequence(str)
    object_label = factory.Sequence(lambda n: f"S9{n:016d}")
    state_before = Order.State.PLACED
    state_after = Order.State.IN_VALIDATION
    address = "192.0.2.10"


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    """An undelivered e-mail about a rejected order (core.outbox)."""

    class Meta:
        model = OutboxMessage

    topic = "orders.rejection"
    object_id = factory.Sequence(lambda n: n + 1)
    key = factory.LazyAttribute(lambda o: f"{o.topic}:{o.object_id}")


class ReplacementCampaignFactory(factory.django.DjangoModelFactory):
    """An active campaign leaving one CA for a server product, deadline in 60 days."""

    class Meta:
        model = ReplacementCampaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Vervangingscampagne {n}")
    target_product = factory.SubFactory(ProductFactory)
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=60))
    message = "Vervang uw certificaten."

    @factory.post_generation
    def leaving_cas(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.leaving_cas.set(extracted if extracted is not None else [IssuingCAFactory()])


class CampaignCertificateFactory(factory.django.DjangoModelFactory):
    """A certificate of a campaign's leaving CA, in that campaign."""

    class Meta:
        model = CampaignCertificate

    campaign = factory.SubFactory(ReplacementCampaignFactory)
    certificate = factory.SubFactory(CertificateFactory)


class CampaignNoticeFactory(factory.django.DjangoModelFactory):
    """The first notice of a campaign to one of its certificates' manager, listing it."""

    class Meta:
        model = CampaignNotice
        skip_postgeneration_save = True

    campaign = factory.SubFactory(ReplacementCampaignFactory)
    recipient = factory.SubFactory(PersonFactory, manager=True)
    threshold_days = CampaignNotice.FIRST
    day = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def certificates(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.certificates.set(
                extracted
                if extracted is not None
                else [
                    CertificateFactory(
                        certificate_manager=self.recipient, subscriber=self.recipient.subscriber
                    )
                ]
            )
