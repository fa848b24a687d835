"""Orders of every kind of certificate and their lifecycle (SPEC.md §7, manual §3.2–3.3).

The order row is the truth and holds what every kind shares; what only one
kind has lives in a per-kind detail row (``ServerOrderDetail``: the CSR and
its names; ``CardOrderDetail``: the holder of a card). The database itself
guarantees what must never happen twice: one order per wizard submission
(``wizard_token``), one open renewal per certificate and one open order per
public key.
"""

from __future__ import annotations

import uuid

from cryptography import x509
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certificates import x509_fields
from certificates.csr import CheckedCsr
from certificates.models import Card, Certificate, Kind, Product, ReplacementCampaign
from core.lifecycle import Lifecycle, Transition
from core.submissions import ReferenceFormat
from organisations.models import Person, Subscriber

# ``S`` + 17 digits for a server certificate (SPEC.md §7, the seed's S20240209211100661),
# ``GRP`` + 18 digits for a certificate on a card (the seed's GRP202402231888333333).
SERVER_ORDER_REFERENCE = ReferenceFormat("S", 17)
CARD_ORDER_REFERENCE = ReferenceFormat("GRP", 18)
REFERENCE_PATTERN = (
    "^(" + "|".join(f.pattern[1:-1] for f in (SERVER_ORDER_REFERENCE, CARD_ORDER_REFERENCE)) + ")$"
)
reference_validator = RegexValidator(
    REFERENCE_PATTERN,
    _("Een referentie is een S gevolgd door 17 cijfers of GRP gevolgd door 18 cijfers."),
)


def order_reference_format(kind: str) -> ReferenceFormat:
    """The reference of an order for a certificate of ``kind``."""
    return SERVER_ORDER_REFERENCE if kind == Kind.SERVER else CARD_ORDER_REFERENCE


class Declaration(models.TextChoices):
    """The declarations of step 5 "Voorwaarden" (manual §3.2, "Akkoordverklaringen")."""

    TRUTHFUL = "truthful", _("dat alle gegevens volledig, juist en naar waarheid zijn ingevuld.")
    TERMS = (
        "terms",
        _(
            "akkoord met de Algemene Leveringsvoorwaarden en de Bijzondere Voorwaarden "
            "PKIoverheid certificaten."
        ),
    )
    MANAGER = (
        "manager",
        _(
            "dat opgegeven Certificaatbeheerder geïnformeerd, bevoegd en ter zake kundig is om "
            "namens abonnee Servercertificaten te installeren, beheren en in te trekken."
        ),
    )
    SECURE_KEY = (
        "secure_key",
        _("dat het sleutelmateriaal is gegenereerd en wordt bewaard in een Veilige Omgeving."),
    )
    PRICES = "prices", _("akkoord te zijn met de tarieven.")
    PUBLICATION = (
        "publication",
        _(
            "akkoord te zijn dat de certificaten worden gepubliceerd in de online "
            "certificatendatabase."
        ),
    )
    HOLDER = (
        "holder",
        _(
            "dat de certificaathouder is geïnformeerd over de verplichtingen bij het gebruik "
            "van de certificaten en daarmee instemt."
        ),
    )
    DOMAIN = (
        "domain",
        _(
            "dat de domeinnaam ten behoeve waarvan een Servercertificaat wordt aangevraagd "
            "onder de directe verantwoordelijkheid (blijft) vallen van de Abonnee of verklaart "
            "geautoriseerd te zijn om een domeinnaam van een andere organisatie te gebruiken."
        ),
    )


class OrderState(models.TextChoices):
    PLACED = "placed", _("Geplaatst")
    IN_VALIDATION = "in_validation", _("In validatie")
    APPROVED = "approved", _("Goedgekeurd")
    ISSUED = "issued", _("Uitgegeven")
    REJECTED = "rejected", _("Afgekeurd")
    CANCELLED = "cancelled", _("Geannuleerd")


# The state table of an order (issue 5; manual §3.2): the services, the back-office
# buttons, the constraints below and ``is_open`` all read it.
ORDER_LIFECYCLE = Lifecycle(
    states=tuple(OrderState.values),
    # An open order still holds its key and, for a renewal, its certificate.
    open_states=(OrderState.PLACED, OrderState.IN_VALIDATION, OrderState.APPROVED),
    transitions=(
        Transition("take", (OrderState.PLACED,), OrderState.IN_VALIDATION, "take_order"),
        Transition(
            "approve",
            (OrderState.PLACED, OrderState.IN_VALIDATION),
            OrderState.APPROVED,
            "approve_order",
        ),
        Transition(
            "reject",
            (OrderState.PLACED, OrderState.IN_VALIDATION),
            OrderState.REJECTED,
            "reject_order",
        ),
        # The CA issued the certificate (orders.issuance, a task).
        Transition("issue", (OrderState.APPROVED,), OrderState.ISSUED),
        # A confirmed renewal replaces a placed one (orders.services.order_place).
        Transition("cancel", (OrderState.PLACED,), OrderState.CANCELLED),
    ),
)


class OrderQuerySet(models.QuerySet["Order"]):
    def open(self) -> OrderQuerySet:
        return self.filter(ORDER_LIFECYCLE.open_q())


class Order(models.Model):
    """One order for a new or renewed certificate of any kind.

    Its kind-specific part is ``detail`` (``ServerOrderDetail`` or ``CardOrderDetail``);
    lists, e-mails and the back office show ``subject_label``.
    """

    State = OrderState
    LIFECYCLE = ORDER_LIFECYCLE
    OPEN_STATES = ORDER_LIFECYCLE.open_states

    reference = models.CharField(
        _("referentie"), max_length=21, unique=True, validators=[reference_validator]
    )
    wizard_token = models.UUIDField(_("formuliersleutel"), unique=True, default=uuid.uuid4)
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.PROTECT, related_name="orders", verbose_name=_("abonnee")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="orders", verbose_name=_("type")
    )
    state = models.CharField(
        _("status"), max_length=15, choices=State.choices, default=State.PLACED
    )
    renews = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("verlenging van"),
    )
    campaign = models.ForeignKey(
        ReplacementCampaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("vervangingscampagne"),
        help_text=_("Een vervanging in deze campagne: ``renews`` is het oude certificaat."),
    )
    contact_person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="placed_orders",
        verbose_name=_("contactpersoon"),
    )
    certificate_manager = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="managed_orders",
        verbose_name=_("certificaatbeheerder"),
    )
    manager_is_new = models.BooleanField(_("nieuwe certificaatbeheerder"), default=False)

    # Here, not in the server detail: "one open order per key" is a partial unique
    # constraint and cannot span two tables. Empty when the key is made on a card.
    spki_sha256 = models.CharField(
        _("SHA-256 van de publieke sleutel (SPKI)"), max_length=64, blank=True, db_index=True
    )
    declarations = models.JSONField(_("akkoordverklaringen"), default=list)

    login_certificate_issuer = models.CharField(
        _("uitgever inlogcertificaat"), max_length=500, blank=True
    )
    login_certificate_serial = models.CharField(
        _("serienummer inlogcertificaat"), max_length=64, blank=True
    )
    replaced_order = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("vervangt bestelling"),
    )
    # What was issued for this order (OrderCertificate): one or more certificates.
    certificates: models.ManyToManyField[Certificate, OrderCertificate] = models.ManyToManyField(
        Certificate,
        through="OrderCertificate",
        related_name="orders",
        blank=True,
        verbose_name=_("certificaten"),
    )
    rejection_reason = models.TextField(_("reden van afkeuring"), blank=True)
    # The language the person placed the order in: the order form and the
    # confirmation e-mail use it (SPEC.md §8).
    language = models.CharField(_("taal"), max_length=8, choices=settings.LANGUAGES, default="nl")
    # Set in the transaction that hands the e-mail to the mail server; the
    # outbox delivers the e-mail once (core.outbox, orders.tasks).
    confirmation_sent_at = models.DateTimeField(
        _("bevestiging verstuurd op"), null=True, blank=True
    )
    certificate_sent_at = models.DateTimeField(_("certificaat gemaild op"), null=True, blank=True)
    rejection_sent_at = models.DateTimeField(_("afkeuring gemaild op"), null=True, blank=True)

    placed_at = models.DateTimeField(_("geplaatst op"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("bestelling")
        verbose_name_plural = _("bestellingen")
        ordering = ["-placed_at", "-pk"]
        # The back office's transitions, each its own permission (issue 5).
        permissions = [
            ("take_order", _("Kan een bestelling in behandeling nemen")),
            ("approve_order", _("Kan een bestelling goedkeuren en laten uitgeven")),
            ("reject_order", _("Kan een bestelling afkeuren")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["renews"],
                condition=ORDER_LIFECYCLE.open_q() & Q(renews__isnull=False),
                name="order_one_open_renewal_per_certificate",
            ),
            models.UniqueConstraint(
                fields=["spki_sha256"],
                condition=ORDER_LIFECYCLE.open_q() & ~Q(spki_sha256=""),
                name="order_one_open_order_per_key",
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=REFERENCE_PATTERN), name="order_reference_format"
            ),
            models.CheckConstraint(
                condition=ORDER_LIFECYCLE.valid_q(),
                name="order_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(spki_sha256="") | Q(spki_sha256__regex=r"^[0-9a-f]{64}$"),
                name="order_spki_lower_hex",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                name="order_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(campaign__isnull=True) | Q(renews__isnull=False),
                name="order_replacement_names_the_old_certificate",
            ),
        ]
        indexes = [
            models.Index(fields=["subscriber", "-placed_at"], name="order_subscriber_placed"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return ORDER_LIFECYCLE.is_open(self.state)

    @property
    def is_renewal(self) -> bool:
        return self.renews_id is not None

    @property
    def is_replacement(self) -> bool:
        """A replacement in a campaign (a renewal by another product and CA)."""
        return self.campaign_id is not None

    def declaration_labels(self) -> list[str]:
        labels = dict(Declaration.choices)
        return [str(labels[code]) for code in self.declarations if code in labels]

    @property
    def detail(self) -> OrderDetail | None:
        """The kind-specific part of this order, or ``None`` if it has none (yet)."""
        for accessor in ("server", "card"):
            try:
                detail: OrderDetail = getattr(self, accessor)
            except models.ObjectDoesNotExist:
                continue
            return detail
        return None

    @property
    def subject_label(self) -> str:
        """What this order is for, in one line: the CN of a server certificate, the
        holder of a card. Lists, e-mails and the back office show it."""
        detail = self.detail
        return detail.subject_label if detail is not None else ""


class ServerOrderDetail(models.Model):
    """What an order for a server certificate adds: the CSR and the names read from it
    (SPEC.md §7). The public key's hash is on the order (``Order.spki_sha256``)."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, primary_key=True, related_name="server"
    )
    csr_pem = models.TextField(_("CSR"), blank=True)
    # A replacement in a campaign may certify the old certificate's key again (the
    # replacement-plan seed: "hergebruik van csr-bestanden toe te staan"): then there
    # is no new CSR and the key is the renewed certificate's (``Order.renews``).
    reuses_key = models.BooleanField(_("bestaande sleutel hergebruikt"), default=False)
    common_name = models.CharField(_("naam van de service (CN)"), max_length=255)
    sans = models.JSONField(_("subjectAltName"), default=list)
    csr_details = models.JSONField(_("gegevens uit de CSR"), default=dict)

    class Meta:
        verbose_name = _("servercertificaatgegevens")
        verbose_name_plural = _("servercertificaatgegevens")
        constraints = [
            models.CheckConstraint(
                condition=Q(reuses_key=True) | ~Q(csr_pem=""),
                name="server_order_has_csr_or_reuses_key",
            ),
        ]

    def __str__(self) -> str:
        return self.common_name

    @property
    def subject_label(self) -> str:
        return self.common_name

    @property
    def public_key_sha256(self) -> str:
        """The key-reuse fingerprint of the CSR's key (the order stores it, see there)."""
        if self.reuses_key:
            return str(self.csr_details["spki_sha256"])
        return x509_fields.spki_sha256(x509.load_pem_x509_csr(self.csr_pem.encode()))

    @classmethod
    def from_certificate(cls, certificate: Certificate) -> ServerOrderDetail:
        """The (unsaved) detail of a replacement that certifies ``certificate``'s key
        again, for its names."""
        return cls(
            csr_pem="",
            reuses_key=True,
            common_name=certificate.common_name,
            sans=list(certificate.sans or [certificate.common_name]),
            csr_details={"spki_sha256": certificate.spki_sha256, "reused_from": certificate.serial},
        )

    @classmethod
    def from_csr(cls, checked_csr: CheckedCsr) -> ServerOrderDetail:
        """The (unsaved) detail of an order for the CSR the wizard accepted."""
        return cls(
            csr_pem=checked_csr.pem,
            common_name=checked_csr.common_name,
            sans=checked_csr.sans,
            csr_details=checked_csr.as_details(),
        )


# The carriers each kind of card product can be ordered on (manual §4–6): a person's
# certificates on a card, USB token or via mobile; a group's on a card or USB token;
# an eSeal on a card or in the cloud HSM.
CARRIERS_FOR_KIND: dict[str, tuple[str, ...]] = {
    Kind.PERSONAL: (Card.Carrier.CARD, Card.Carrier.USB, Card.Carrier.MOBILE),
    Kind.GROUP: (Card.Carrier.CARD, Card.Carrier.USB),
    Kind.ESEAL: (Card.Carrier.CARD, Card.Carrier.CLOUD),
}


class CardOrderDetail(models.Model):
    """What an order for certificates on a card adds: the holder and the carrier
    (personal, group and eSeal orders, manual §4–6). The keys are made on the card,
    so there is no CSR.

    ``holder_name`` is the CN: the person for a personal card, the function or group
    name (also in ``group_name``) for a group card, the organisation for an eSeal.
    """

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, primary_key=True, related_name="card"
    )
    carrier = models.CharField(
        _("product"), max_length=10, choices=Card.Carrier.choices, default=Card.Carrier.CARD
    )
    holder_name = models.CharField(_("naam pashouder"), max_length=200)
    group_name = models.CharField(_("functie- of groepsnaam"), max_length=200, blank=True)
    email = models.EmailField(_("e-mailadres"))
    phone = models.CharField(_("telefoonnummer"), max_length=30, blank=True)
    date_of_birth = models.DateField(_("geboortedatum"), null=True, blank=True)

    class Meta:
        verbose_name = _("pashoudergegevens")
        verbose_name_plural = _("pashoudergegevens")
        constraints = [
            models.CheckConstraint(
                condition=Q(carrier__in=Card.Carrier.values), name="card_order_carrier_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.holder_name

    @property
    def subject_label(self) -> str:
        return self.group_name or self.holder_name

    @property
    def public_key_sha256(self) -> str:
        return ""


OrderDetail = ServerOrderDetail | CardOrderDetail


class OrderCertificate(models.Model):
    """A certificate issued for an order (``Order.certificates``).

    One order may yield several certificates (a card: one per usage), and a
    certificate comes from at most one order. The database holds both, and so
    one certificate per order and usage whatever retries or double clicks
    happen (issue 5). The link lives here, in ``orders``, so that
    ``certificates`` names nothing above it.
    """

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="issued", verbose_name=_("bestelling")
    )
    certificate = models.OneToOneField(
        Certificate,
        on_delete=models.PROTECT,
        related_name="issued_for",
        verbose_name=_("certificaat"),
    )
    # The certificate's card usage ("" for a server certificate), copied so the
    # database can hold "one per order and usage".
    usage = models.CharField(_("certificaat op de pas"), max_length=15, blank=True)

    class Meta:
        verbose_name = _("uitgegeven certificaat")
        verbose_name_plural = _("uitgegeven certificaten")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "usage"], name="order_one_certificate_per_usage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.certificate_id}"


class OrderDocuments(models.Model):
    """The sealed PDF order form and signed XML copy of one order (SPEC.md §8).

    Made once by a Celery task after the order is placed; the one-to-one key
    makes a second run of that task a no-op.
    """

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, primary_key=True, related_name="documents"
    )
    pdf = models.BinaryField(_("bestelformulier (PDF)"))
    xml = models.BinaryField(_("bestelformulier (XML)"))
    language = models.CharField(_("taal"), max_length=8)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("bestelformulier")
        verbose_name_plural = _("bestelformulieren")

    def __str__(self) -> str:
        return str(self.order_id)
