"""Issuing CAs, products, cards and certificates of every kind.

Geldig / Verlopen / Ingetrokken (valid / expired / revoked) is derived from
the validity period and the revocation, never stored: a stored "valid" goes
stale the second a certificate expires.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.ca.base import (
    EXTENDED_KEY_USAGES,
    KEY_TYPES,
    KEY_USAGES,
    ProfileData,
    SubjectLayout,
    ValidityRule,
)
from certificates.fields import CertificateField
from certificates.validity import public_tls_max_validity
from core.lifecycle import Lifecycle, Transition
from organisations.models import Person, Subscriber

EXPIRY_WARNING_DAYS = 30
# The renewal window of a certificate without a product (a card's certificates).
DEFAULT_RENEWAL_WINDOW_DAYS = 90
# The state of an order (orders.models.OrderState.ISSUED) in which a renewal is the
# certificate's successor; a string so that certificates imports nothing from orders.
RENEWAL_ISSUED = "issued"


class Kind(models.TextChoices):
    SERVER = "server", _("Servercertificaat")
    PERSONAL = "personal", _("Persoons")
    GROUP = "group", _("Groeps")
    ESEAL = "eseal", _("eSeal")


class Status(models.TextChoices):
    VALID = "valid", _("Geldig")
    EXPIRED = "expired", _("Verlopen")
    REVOKED = "revoked", _("Ingetrokken")


# For annotations inside Certificate, where ``Status`` names the class attribute.
CertificateStatus = Status


class RevocationReason(models.TextChoices):
    # RFC 5280 §5.3.1 reason codes, by their cryptography ReasonFlags value.
    UNSPECIFIED = "unspecified", _("Niet gespecificeerd")
    KEY_COMPROMISE = "keyCompromise", _("Sleutel gecompromitteerd")
    CA_COMPROMISE = "cACompromise", _("CA gecompromitteerd")
    AFFILIATION_CHANGED = "affiliationChanged", _("Gegevens gewijzigd")
    SUPERSEDED = "superseded", _("Vervangen")
    CESSATION_OF_OPERATION = "cessationOfOperation", _("Niet meer in gebruik")
    PRIVILEGE_WITHDRAWN = "privilegeWithdrawn", _("Bevoegdheid ingetrokken")


class IssuingCA(models.Model):
    """A CA certificate: an issuing CA, or (without parent) a root."""

    class Generation(models.TextChoices):
        G1 = "G1", "G1"
        G2 = "G2", "G2"
        G3 = "G3", "G3"
        G21 = "G21", "G21"

    name = models.CharField(_("naam"), max_length=200, unique=True)
    # PKIoverheid's generation; blank for a CA outside PKIoverheid (certSIGN).
    generation = models.CharField(
        _("generatie"), max_length=4, choices=Generation.choices, blank=True
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("uitgegeven door"),
    )
    certificate = CertificateField(_("certificaat"))
    fingerprint = models.CharField(_("SHA-256 vingerafdruk"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("uitgevende CA")
        verbose_name_plural = _("uitgevende CA's")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def chain(self) -> list[IssuingCA]:
        """This CA and its parents up to the root."""
        chain: list[IssuingCA] = []
        node: IssuingCA | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain


# A dotted OID as X.660 allows it: first arc 0, 1 or 2, no leading zeros.
_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


def is_oid(value: object) -> bool:
    """Whether ``value`` is a dotted object identifier (under arcs 0 and 1 at most 39)."""
    if not isinstance(value, str) or not _OID.match(value):
        return False
    first, second = value.split(".")[:2]
    return first == "2" or int(second) <= 39


def _strings(value: object) -> list[str] | None:
    """``value`` as a list of strings, or None when it is not one."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return value


def _nested(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, list) for i in value)


def _per_certificate(value: object, count: int | None) -> list[list[str]] | None:
    """A profile list that is one list for every certificate (``["a", "b"]``) or one list
    per certificate (``[["a"], ["b"]]``, as many as ``count``), as one list per
    certificate; None when it is neither."""
    if count is None:
        count = 1
    if _nested(value):
        assert isinstance(value, list)
        lists = [_strings(item) for item in value]
        if len(lists) != count or any(item is None for item in lists):
            return None
        return [item for item in lists if item is not None]
    flat = _strings(value)
    return None if flat is None else [flat] * count


class IssuanceProfile(models.Model):
    """What a CA puts into the certificates of a product (SPEC.md §9, issue 12): issuing
    CA, policy, key usages, subject layout and validity rule, as data.

    ``key_usages`` has one entry per certificate issued, that is per public key:
    a server certificate ``[["digitalSignature", "keyEncipherment"]]``, a
    PKIoverheid card's authentication and signature certificates
    ``[["digitalSignature"], ["nonRepudiation"]]`` (AORTA.STK.t3130 keeps them
    apart). keyEncipherment and dataEncipherment are left out for an EC key.
    The CA reads a snapshot (``data()``), never the row.
    """

    class SubjectTemplate(models.TextChoices):
        PKIO_SERVICE = (
            SubjectLayout.PKIO_SERVICE,
            _("PKIoverheid organisatie/dienst: C, O, organizationIdentifier, serialNumber, CN"),
        )
        CABF_OV = SubjectLayout.CABF_OV, _("CA/B Forum OV: C, (ST), L, O, CN")
        PKIO_PERSON = (
            SubjectLayout.PKIO_PERSON,
            _(
                "PKIoverheid persoon: C, O, organizationIdentifier, CN, givenName, surname, "
                "serialNumber; e-mail in subjectAltName"
            ),
        )
        PKIO_ORGANISATION = (
            SubjectLayout.PKIO_ORGANISATION,
            _("PKIoverheid groep of eSeal: C, O, organizationIdentifier, CN"),
        )

    class Validity(models.TextChoices):
        PRODUCT = ValidityRule.PRODUCT, _("De geldigheid van het product")
        CABF_TLS = (
            ValidityRule.CABF_TLS,
            _("De geldigheid van het product, ten hoogste het schema van het CA/Browser Forum"),
        )

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    ca_slug = models.CharField(
        _("uitgevende CA"),
        max_length=50,
        validators=[
            RegexValidator(
                r"^[a-z0-9-]+$",
                _("Alleen kleine letters, cijfers en streepjes: de naam van de CA in de CA-map."),
            )
        ],
        help_text=_("De naam van de CA in PORTAL_CA_DIR (<naam>.crt en <naam>.key)."),
    )
    policy_oids = models.JSONField(
        _("certificate policies"),
        default=list,
        help_text=_(
            'Een lijst van OID\'s, bijvoorbeeld ["2.16.528.1.1003.1.2.8.6"], of één lijst '
            "per certificaat zoals bij keyUsage."
        ),
    )
    key_usages = models.JSONField(
        _("keyUsage per certificaat"),
        default=list,
        help_text=_(
            "Eén lijst per uit te geven certificaat (per publieke sleutel), bijvoorbeeld "
            '[["digitalSignature", "keyEncipherment"]] of '
            '[["digitalSignature"], ["nonRepudiation"]]. Toegestaan: digitalSignature, '
            "nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement."
        ),
    )
    extended_key_usages = models.JSONField(
        _("extendedKeyUsage"),
        default=list,
        blank=True,
        help_text=_(
            'Namen of OID\'s, bijvoorbeeld ["serverAuth", "clientAuth"], of één lijst per '
            "certificaat zoals bij keyUsage. Namen: serverAuth, clientAuth, codeSigning, "
            "emailProtection, timeStamping, documentSigning."
        ),
    )
    subject_template = models.CharField(
        _("opbouw van het subject"), max_length=20, choices=SubjectTemplate.choices
    )
    subject_key_identifier = models.BooleanField(_("subjectKeyIdentifier opnemen"), default=True)
    validity_rule = models.CharField(
        _("geldigheid"), max_length=10, choices=Validity.choices, default=Validity.PRODUCT
    )
    requires_csr = models.BooleanField(
        _("CSR nodig"),
        default=True,
        help_text=_("De klant levert de publieke sleutel in een CSR aan."),
    )
    key_types = models.JSONField(
        _("toegestane sleuteltypen"),
        default=list,
        help_text=_('Een lijst uit "rsa" en "ec", bijvoorbeeld ["rsa", "ec"].'),
    )

    class Meta:
        verbose_name = _("uitgifteprofiel")
        verbose_name_plural = _("uitgifteprofielen")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    subject_template__in=[
                        SubjectLayout.PKIO_SERVICE,
                        SubjectLayout.CABF_OV,
                        SubjectLayout.PKIO_PERSON,
                        SubjectLayout.PKIO_ORGANISATION,
                    ]
                ),
                name="issuance_profile_subject_template_valid",
            ),
            models.CheckConstraint(
                condition=Q(validity_rule__in=[ValidityRule.PRODUCT, ValidityRule.CABF_TLS]),
                name="issuance_profile_validity_rule_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, object] = {}
        entries = self.key_usages if isinstance(self.key_usages, list) else None
        if not entries or any(not _strings(entry) for entry in entries):
            errors["key_usages"] = _(
                "Geef per certificaat een lijst van ten minste één keyUsage, "
                'bijvoorbeeld [["digitalSignature", "keyEncipherment"]].'
            )
        elif bad := sorted({n for entry in entries for n in entry if n not in KEY_USAGES}):
            errors["key_usages"] = _("Onbekende keyUsage: %(names)s. Toegestaan: %(allowed)s.") % {
                "names": ", ".join(bad),
                "allowed": ", ".join(KEY_USAGES),
            }
        elif any(len(set(entry)) != len(entry) for entry in entries):
            errors["key_usages"] = _("Een keyUsage mag per certificaat maar één keer voorkomen.")
        count = len(entries) if entries else None

        policy_lists = _per_certificate(self.policy_oids, count)
        if policy_lists is None and _nested(self.policy_oids):
            errors["policy_oids"] = _(
                "Geef één lijst van OID's voor alle certificaten, of één lijst per "
                "certificaat: evenveel als bij keyUsage."
            )
        elif policy_lists is None or any(not policies for policies in policy_lists):
            errors["policy_oids"] = _("Geef een lijst van ten minste één policy-OID.")
        elif bad := [oid for policies in policy_lists for oid in policies if not is_oid(oid)]:
            errors["policy_oids"] = _("Geen geldige OID: %(oids)s.") % {"oids": ", ".join(bad)}
        elif any(len(set(policies)) != len(policies) for policies in policy_lists):
            errors["policy_oids"] = _("Elke policy-OID mag maar één keer voorkomen.")

        purpose_lists = _per_certificate(self.extended_key_usages, count)
        if purpose_lists is None and _nested(self.extended_key_usages):
            errors["extended_key_usages"] = _(
                "Geef één lijst voor alle certificaten, of één lijst per certificaat: "
                "evenveel als bij keyUsage."
            )
        elif purpose_lists is None:
            errors["extended_key_usages"] = _("Geef een lijst van namen of OID's.")
        elif bad := [
            p
            for purposes in purpose_lists
            for p in purposes
            if p not in EXTENDED_KEY_USAGES and not is_oid(p)
        ]:
            errors["extended_key_usages"] = _(
                "Onbekende extendedKeyUsage: %(names)s. Gebruik een OID of een van: %(allowed)s."
            ) % {"names": ", ".join(bad), "allowed": ", ".join(EXTENDED_KEY_USAGES)}
        elif any(len(set(purposes)) != len(purposes) for purposes in purpose_lists):
            errors["extended_key_usages"] = _("Elke extendedKeyUsage mag maar één keer voorkomen.")

        key_types = _strings(self.key_types)
        if not key_types or any(t not in KEY_TYPES for t in key_types):
            errors["key_types"] = _('Kies "rsa", "ec" of beide, bijvoorbeeld ["rsa", "ec"].')
        elif len(set(key_types)) != len(key_types):
            errors["key_types"] = _("Elk sleuteltype mag maar één keer voorkomen.")
        if errors:
            raise ValidationError(errors)

    def data(self) -> ProfileData:
        """The snapshot the CA issues from (certificates.ca.base.IssueRequest)."""
        count = len(self.key_usages)
        return ProfileData(
            code=self.code,
            ca_slug=self.ca_slug,
            key_usages=tuple(tuple(entry) for entry in self.key_usages),
            policy_oids=tuple(map(tuple, _per_certificate(self.policy_oids, count) or [])),
            extended_key_usages=tuple(
                map(tuple, _per_certificate(self.extended_key_usages, count) or [])
            ),
            subject_template=self.subject_template,
            subject_key_identifier=self.subject_key_identifier,
            validity_rule=self.validity_rule,
            requires_csr=self.requires_csr,
            key_types=tuple(self.key_types),
        )


class Product(models.Model):
    """What can be ordered; validity and price are data (SPEC.md §7)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=100)
    short_name = models.CharField(
        _("korte naam"), max_length=50, help_text=_("Zoals in de kolom Certificate Type.")
    )
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    validity_days = models.PositiveIntegerField(_("geldigheid in dagen"))
    price_cents = models.PositiveIntegerField(_("prijs in centen"), default=0)
    active = models.BooleanField(_("bestelbaar"), default=True)
    # What the order wizard and the CSR rules need to know (SPEC.md §7).
    family = models.CharField(
        _("bestelknop"),
        max_length=10,
        choices=[("pkio", "PKIoverheid"), ("certsign", "certSIGN")],
        blank=True,
        help_text=_("Met welke knop in het overzicht dit product wordt besteld."),
    )
    checks_domains = models.BooleanField(
        _("domeinen controleren"),
        default=True,
        help_text=_("Elke servernaam moet binnen een geverifieerd domein van de abonnee vallen."),
    )
    common_name_from_oin = models.BooleanField(
        _("naam van de service bepaald door het portaal"),
        default=False,
        help_text=_("Digipoort: de naam van de service wordt afgeleid van het OIN."),
    )
    profile = models.ForeignKey(
        IssuanceProfile,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("uitgifteprofiel"),
        help_text=_("Wat de CA in de certificaten van dit product zet."),
    )
    requires_locality = models.BooleanField(
        _("plaats en provincie verplicht"), default=False, help_text=_("certSIGN OV.")
    )
    renewal_window_days = models.PositiveIntegerField(
        _("verlengperiode in dagen"),
        default=90,
        help_text=_("Zoveel dagen voor de verloopdatum moet een certificaat worden verlengd."),
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("producten")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_days__gt=0), name="product_validity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> Decimal:
        """The price in euros."""
        return Decimal(self.price_cents) / 100

    @property
    def allows_ecdsa(self) -> bool:
        """Whether the profile certifies EC keys (CSR rule 3: ECDSA where the product allows)."""
        return "ec" in self.profile.key_types

    @property
    def publicly_trusted(self) -> bool:
        """A publicly trusted TLS product: its profile caps the validity at the CA/Browser
        Forum schedule."""
        return self.profile.validity_rule == ValidityRule.CABF_TLS

    def validity_days_on(self, at: date) -> int:
        """The days a certificate of this product issued on ``at`` (UTC) is valid: the
        product's validity, for a publicly trusted product at most what CA/Browser
        Forum ballot SC-081v3 allows on that date (certificates.validity)."""
        if self.publicly_trusted:
            return min(self.validity_days, public_tls_max_validity(at))
        return self.validity_days


def revoked_flag() -> ExpressionWrapper:
    """``revoked_at IS NOT NULL``: the part of sorting on status that an index can hold
    (certificates.selectors.SERVER_SORTS; the index ``cert_list_status`` below)."""
    return ExpressionWrapper(Q(revoked_at__isnull=False), output_field=models.BooleanField())


class Card(models.Model):
    """A card, USB token, mobile or cloud carrier holding certificates (manual §4–6)."""

    class Carrier(models.TextChoices):
        CARD = "card", _("Pas")
        USB = "usb", _("USB-token")
        MOBILE = "mobile", _("certificaat via Mobiel")
        CLOUD = "cloud", _("Cloud HSM")

    class Activation(models.TextChoices):
        NONE = "", "—"
        REQUESTED = "REQUESTED", "REQUESTED"
        ACTIVATED = "ACTIVATED", "ACTIVATED"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.PROTECT, related_name="cards")
    number = models.CharField(_("pasnummer"), max_length=32, unique=True)
    kind = models.CharField(_("pastype"), max_length=10, choices=Kind.choices)
    carrier = models.CharField(_("product"), max_length=10, choices=Carrier.choices)
    holder_name = models.CharField(_("naam pashouder (CN)"), max_length=200)
    email = models.EmailField(_("e-mailadres"), blank=True)
    activation = models.CharField(
        _("activatie"), max_length=10, choices=Activation.choices, default="", blank=True
    )

    class Meta:
        verbose_name = _("pas")
        verbose_name_plural = _("passen")
        ordering = ["holder_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="server"), name="card_is_not_for_server_certificates"
            ),
            models.CheckConstraint(
                condition=Q(activation="") | Q(kind="eseal", carrier="cloud"),
                name="card_activation_only_for_cloud_eseal",
            ),
        ]
        # The card overviews sorted on holder or e-mail address (issue 15); the search
        # on both has trigram indexes on PostgreSQL (migration 0016).
        indexes = [
            models.Index(fields=["subscriber", "kind", "holder_name"], name="card_list_holder"),
            models.Index(fields=["subscriber", "kind", "email"], name="card_list_email"),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} ({self.number})"


def _in_active_campaign() -> Exists:
    """A certificate is in an active replacement campaign (``CampaignCertificate``)."""
    return Exists(
        CampaignCertificate.objects.filter(certificate=OuterRef("pk"), campaign__active=True)
    )


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def valid(self, now: datetime | None = None) -> CertificateQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, not_before__lte=now, not_after__gt=now)

    def expired(self, now: datetime | None = None) -> CertificateQuerySet:
        return self.filter(revoked_at__isnull=True, not_after__lte=now or timezone.now())

    def revoked(self) -> CertificateQuerySet:
        return self.filter(revoked_at__isnull=False)

    def expiring_within(self, days: int, now: datetime | None = None) -> CertificateQuerySet:
        """Valid at ``now`` and expiring within ``days`` days ("Verloopt binnen … dagen")."""
        now = now or timezone.now()
        return self.valid(now).filter(not_after__lte=now + timedelta(days=days))

    def with_successor(self) -> CertificateQuerySet:
        """Those with an issued renewal (read through the reverse relation ``renewals``)."""
        return self.filter(renewals__state=RENEWAL_ISSUED).distinct()

    def to_replace(self, now: datetime | None = None) -> CertificateQuerySet:
        """Covered at ``now`` by an active replacement campaign ("Moet vervangen worden
        vóór …"): in the campaign, not revoked, not expired and without an issued
        successor. The counterpart of ``certificates.campaigns.campaign_for``."""
        now = now or timezone.now()
        return (
            self.filter(revoked_at__isnull=True, not_after__gt=now)
            .exclude(renewals__state=RENEWAL_ISSUED)
            .filter(_in_active_campaign())
        )

    def in_renewal_window(self, now: datetime | None = None) -> CertificateQuerySet:
        """The QuerySet counterpart of ``certificates.renewal.renewal_window``: the
        certificates whose state at ``now`` is open or now (same rules, see there)."""
        by_date, by_campaign_only = self.renewal_window_parts(now)
        # Two index-served halves, not one OR that reads every row of the subscriber.
        return self.filter(
            pk__in=by_date.order_by().values("pk").union(by_campaign_only.order_by().values("pk"))
        )

    def renewal_window_parts(
        self, now: datetime | None = None
    ) -> tuple[CertificateQuerySet, CertificateQuerySet]:
        """``in_renewal_window`` as two disjoint parts: the certificates whose window is
        open by date, and those an active campaign covers whose window is not open by
        date. Their counts add up to the whole's, without joining the whole back to the
        table (Home counts them so, issue 15)."""
        now = now or timezone.now()
        window = Coalesce(
            F("product__renewal_window_days"),
            Value(DEFAULT_RENEWAL_WINDOW_DAYS),
            output_field=models.IntegerField(),
        )
        # The longest window of any product: a range on not_after an index can serve
        # (issue 15), so the per-row window below is computed for few rows only.
        longest = Greatest(
            Coalesce(
                Subquery(
                    Product.objects.order_by("-renewal_window_days").values("renewal_window_days")[
                        :1
                    ]
                ),
                Value(DEFAULT_RENEWAL_WINDOW_DAYS),
            ),
            Value(DEFAULT_RENEWAL_WINDOW_DAYS),
            output_field=models.IntegerField(),
        )
        current = (
            self.filter(revoked_at__isnull=True)
            .exclude(renewals__state=RENEWAL_ISSUED)
            .alias(
                _renewal_horizon=ExpressionWrapper(
                    Value(now)
                    + ExpressionWrapper(
                        longest * Value(timedelta(days=1)), output_field=models.DurationField()
                    ),
                    output_field=models.DateTimeField(),
                ),
                _renewal_opens_at=ExpressionWrapper(
                    F("not_after")
                    - ExpressionWrapper(
                        window * Value(timedelta(days=1)), output_field=models.DurationField()
                    ),
                    output_field=models.DateTimeField(),
                ),
            )
        )
        open_by_date = Q(not_after__lte=F("_renewal_horizon"), _renewal_opens_at__lte=now)
        by_date = current.filter(open_by_date)
        by_campaign_only = current.filter(Q(not_after__gt=now) & _in_active_campaign()).exclude(
            open_by_date
        )
        return by_date, by_campaign_only

    def with_status(self, now: datetime | None = None) -> CertificateQuerySet:
        """Annotate ``status_code`` so the overview can sort on Status."""
        now = now or timezone.now()
        return self.annotate(
            status_code=Case(
                When(revoked_at__isnull=False, then=Value(Status.REVOKED.value)),
                When(not_after__lte=now, then=Value(Status.EXPIRED.value)),
                default=Value(Status.VALID.value),
                output_field=models.CharField(),
            )
        )


class Certificate(models.Model):
    """An issued certificate of any kind, with the certificate itself as DER."""

    Kind = Kind
    Status = Status

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.PROTECT, related_name="certificates"
    )
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("type"),
    )
    card = models.ForeignKey(
        Card,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("pas"),
    )
    card_usage = models.CharField(
        _("certificaat op de pas"),
        max_length=15,
        blank=True,
        choices=[
            ("", "—"),
            ("authentication", _("Authenticiteitcertificaat")),
            ("signature", _("Handtekeningcertificaat")),
            ("encryption", _("Vertrouwelijkheidcertificaat")),
        ],
    )
    issuing_ca = models.ForeignKey(
        IssuingCA,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("uitgevende CA"),
    )
    serial = models.CharField(_("serienummer certificaat"), max_length=64)
    subject = models.CharField(_("subject"), max_length=1000)
    common_name = models.CharField(_("naam (CN)"), max_length=255, blank=True)
    organization = models.CharField(_("organisatienaam (O)"), max_length=255, blank=True)
    locality = models.CharField(_("plaats (L)"), max_length=128, blank=True)
    state = models.CharField(_("provincie (ST)"), max_length=128, blank=True)
    country = models.CharField(_("land (C)"), max_length=2, blank=True)
    subject_serial = models.CharField(_("subject.serialNumber"), max_length=64, blank=True)
    sans = models.JSONField(_("subjectAltName"), default=list, blank=True)
    not_before = models.DateTimeField(_("geldig van"))
    not_after = models.DateTimeField(_("verloopdatum"))
    spki_sha256 = models.CharField(
        _("SHA-256 van de publieke sleutel (SPKI)"), max_length=64, db_index=True
    )
    fingerprint = models.CharField(_("SHA-256 vingerafdruk"), max_length=64, unique=True)
    der = CertificateField(_("certificaat"))
    certificate_manager = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_certificates",
        verbose_name=_("certificaatbeheerder"),
    )
    requested_by = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requested_certificates",
        verbose_name=_("aangevraagd door"),
    )
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("reden van intrekking"), max_length=30, choices=RevocationReason.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificaat")
        verbose_name_plural = _("certificaten")
        ordering = ["not_after"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_ca", "serial"], name="certificate_serial_unique_per_ca"
            ),
            models.CheckConstraint(
                condition=Q(not_after__gt=F("not_before")), name="certificate_validity_ordered"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in Kind]), name="certificate_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="server")
                    & Q(card__isnull=True)
                    & Q(card_usage="")
                    & Q(product__isnull=False)
                )
                | (~Q(kind="server") & Q(card__isnull=False) & ~Q(card_usage="")),
                name="certificate_server_has_product_others_a_card",
            ),
            models.CheckConstraint(
                condition=(Q(revoked_at__isnull=True) & Q(revocation_reason=""))
                | (Q(revoked_at__isnull=False) & ~Q(revocation_reason="")),
                name="certificate_revocation_complete",
            ),
            models.CheckConstraint(
                condition=Q(serial__regex=r"^[0-9a-f]+$"), name="certificate_serial_lower_hex"
            ),
        ]
        # One per sort of the overviews (certificates.selectors), in the order of the
        # ORDER BY and ending in the id the cursor seeks on (core.pagination); the
        # columns the status filters read are included, so that counting and seeking
        # read the index only (PostgreSQL; other databases ignore ``include``).
        indexes = [
            models.Index(
                fields=["subscriber", "kind", "not_after", "id"],
                # product: the renewal window's per-product days ("Te verlengen") from
                # the index alone.
                include=["not_before", "revoked_at", "card_usage", "product"],
                name="cert_list_expiry",
            ),
            models.Index(
                fields=["subscriber", "kind", "not_before", "id"],
                include=["not_after", "revoked_at", "card_usage"],
                name="cert_list_from",
            ),
            models.Index(
                fields=["subscriber", "kind", "common_name", "id"],
                include=["not_before", "not_after", "revoked_at"],
                name="cert_list_cn",
            ),
            models.Index(
                F("subscriber"),
                F("kind"),
                revoked_flag(),
                F("not_after"),
                F("id"),
                include=["card_usage"],
                name="cert_list_status",
            ),
        ]

    def __str__(self) -> str:
        return self.common_name or self.subject

    def status_at(self, now: datetime) -> CertificateStatus:
        if self.revoked_at is not None:
            return Status.REVOKED
        if self.not_after <= now:
            return Status.EXPIRED
        return Status.VALID

    @property
    def status(self) -> CertificateStatus:
        return self.status_at(timezone.now())

    @property
    def expires_soon(self) -> bool:
        """The overview's warning mark (manual §3.1): valid, expiring within 30 days."""
        now = timezone.now()
        return self.status_at(now) == Status.VALID and self.not_after - now <= timedelta(
            days=EXPIRY_WARNING_DAYS
        )

    @property
    def place(self) -> str:
        """ "Plaats (L), Provincie (P), Land (C)" as the detail page shows it."""
        return ", ".join(part for part in [self.locality, self.state, self.country] if part)

    @property
    def type_label(self) -> str:
        if self.product is not None:
            return self.product.short_name
        return self.get_kind_display()


class CompromisedKey(models.Model):
    """A public key the portal refuses in any CSR (SPEC.md §7 CSR rule 3).

    Kept by the back office: keys reported as leaked, keys of revoked
    certificates with reason keyCompromise, published test keys.
    """

    spki_sha256 = models.CharField(
        _("SHA-256 van de publieke sleutel (SPKI)"),
        max_length=64,
        unique=True,
        help_text=_("64 hexadecimale tekens, kleine letters."),
    )
    reason = models.CharField(_("reden"), max_length=200)
    added_at = models.DateTimeField(_("toegevoegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("gecompromitteerde sleutel")
        verbose_name_plural = _("gecompromitteerde sleutels")
        ordering = ["-added_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spki_sha256__regex=r"^[0-9a-f]{64}$"),
                name="compromised_key_spki_lower_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.spki_sha256[:16]}… ({self.reason})"


class BlocklistedKey(models.Model):
    """A public key on one of badkeys' blocklists (Debian CVE-2008-0166, published
    test and firmware keys, ...), refused in any CSR (SPEC.md §7 CSR rule 3).

    Imported by ``manage.py import_key_blocklist`` from badkeys' ``blocklist.dat``,
    never downloaded at run time. The hash is badkeys' own (``badkeys/allkeys/
    block.py``): the first 15 bytes of SHA-256 over the key's main number as
    big-endian bytes (RSA: the modulus; EC: the x coordinate), so the file's
    records go in unchanged. ``blocklist`` is badkeys' list id (its
    ``badkeysdata.json`` names it; 1 is Debian's weak keys).
    """

    key_hash = models.CharField(
        _("badkeys-hash van de sleutel"),
        max_length=30,
        unique=True,
        help_text=_("30 hexadecimale tekens, kleine letters."),
    )
    blocklist = models.PositiveSmallIntegerField(_("badkeys-lijst"))

    class Meta:
        verbose_name = _("sleutel op een badkeys-lijst")
        verbose_name_plural = _("sleutels op een badkeys-lijst")
        constraints = [
            models.CheckConstraint(
                condition=Q(key_hash__regex=r"^[0-9a-f]{30}$"),
                name="blocklisted_key_hash_lower_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_hash} (badkeys {self.blocklist})"


class RevocationRequestState(models.TextChoices):
    OPEN = "open", _("In behandeling")
    EXECUTED = "executed", _("Uitgevoerd")
    REJECTED = "rejected", _("Afgewezen")


# The state table of a revocation request (issue 5; manual §3.1 "Intrekken"): the
# service (certificates.revocation), the back-office buttons and the constraints read it.
REVOCATION_REQUEST_LIFECYCLE = Lifecycle(
    states=tuple(RevocationRequestState.values),
    open_states=(RevocationRequestState.OPEN,),
    transitions=(
        Transition(
            "execute",
            (RevocationRequestState.OPEN,),
            RevocationRequestState.EXECUTED,
            "execute_revocationrequest",
        ),
        Transition(
            "reject",
            (RevocationRequestState.OPEN,),
            RevocationRequestState.REJECTED,
            "reject_revocationrequest",
        ),
    ),
)


class RevocationRequest(models.Model):
    """A customer's request to revoke a certificate, for the back office (manual §3.1)."""

    State = RevocationRequestState
    LIFECYCLE = REVOCATION_REQUEST_LIFECYCLE

    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        related_name="revocation_requests",
        verbose_name=_("certificaat"),
    )
    reason = models.CharField(
        _("reden van intrekking"), max_length=30, choices=RevocationReason.choices
    )
    explanation = models.TextField(_("toelichting"), blank=True, max_length=1000)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.OPEN)
    requested_by = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="revocation_requests",
        verbose_name=_("aangevraagd door"),
    )
    requested_at = models.DateTimeField(_("aangevraagd op"), auto_now_add=True)
    decided_at = models.DateTimeField(_("afgehandeld op"), null=True, blank=True)
    decision_note = models.TextField(_("toelichting back office"), blank=True)
    notified_at = models.DateTimeField(_("bericht verstuurd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("intrekkingsverzoek")
        verbose_name_plural = _("intrekkingsverzoeken")
        ordering = ["-requested_at"]
        permissions = [
            ("execute_revocationrequest", _("Kan een intrekking uitvoeren")),
            ("reject_revocationrequest", _("Kan een intrekkingsverzoek afwijzen")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate"],
                condition=REVOCATION_REQUEST_LIFECYCLE.open_q(),
                name="revocation_request_one_open_per_certificate",
            ),
            models.CheckConstraint(
                condition=REVOCATION_REQUEST_LIFECYCLE.valid_q(),
                name="revocation_request_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=[r.value for r in RevocationReason]),
                name="revocation_request_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return REVOCATION_REQUEST_LIFECYCLE.is_open(self.state)


class ExpiryDigest(models.Model):
    """One expiry-reminder e-mail: per recipient per day (issue 14, point 2).

    Written with its reminders in one transaction, with the outbox message
    ``certificates.expiry_digest:<person>:<day>`` that sends it once (``sent_at``)."""

    recipient = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("ontvanger")
    )
    day = models.DateField(_("dag"))
    sent_at = models.DateTimeField(_("verzonden op"), null=True, blank=True)

    class Meta:
        verbose_name = _("verloopherinnering (e-mail)")
        verbose_name_plural = _("verloopherinneringen (e-mails)")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="expiry_digest_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day}"


class ExpiryReminder(models.Model):
    """A reminder that ``certificate`` expires in ``threshold_days`` days (0: it has
    expired), for one recipient: never twice for the same three (the constraint)."""

    AFTER_EXPIRY = 0

    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.CASCADE,
        related_name="expiry_reminders",
        verbose_name=_("certificaat"),
    )
    threshold_days = models.IntegerField(_("dagen voor het verlopen"))
    recipient = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("ontvanger")
    )
    day = models.DateField(_("dag"))
    digest = models.ForeignKey(
        ExpiryDigest,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("verloopherinnering (e-mail)"),
    )

    class Meta:
        verbose_name = _("verloopherinnering")
        verbose_name_plural = _("verloopherinneringen")
        ordering = ["day", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "threshold_days", "recipient"],
                name="expiry_reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate} {self.threshold_days} {self.recipient}"


class ReplacementCampaign(models.Model):
    """A replacement campaign (issue 14, point 4; the Logius replacement-plan seed,
    "Het vervangingsplan"): every certificate of the target product's kind issued by
    one of ``leaving_cas`` must be replaced by a certificate of ``target_product``
    (issued by that product's CA) before ``deadline``.

    The certificates it covers are rows (``CampaignCertificate``), added when the
    campaign is made and by the daily job (``campaigns_run``), so that lists,
    counts and the back office's dashboard agree on exactly the same set. The
    seed's incident rule ("binnen 7 dagen het certificaat in moeten trekken") is
    ``grace_days``: so long after its replacement is issued, the old certificate is
    revoked (reason superseded).
    """

    name = models.CharField(_("naam"), max_length=200)
    leaving_cas = models.ManyToManyField(
        IssuingCA,
        related_name="leaving_campaigns",
        verbose_name=_("te verlaten uitgevende CA's"),
        help_text=_("Certificaten van deze CA's moeten worden vervangen."),
    )
    target_product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="replacement_campaigns",
        verbose_name=_("nieuw product"),
        help_text=_(
            "De vervangende certificaten zijn van dit product en komen van de CA van zijn "
            "uitgifteprofiel."
        ),
    )
    deadline = models.DateField(_("vervangen vóór"))
    message = models.TextField(_("bericht aan klanten"))
    grace_days = models.PositiveSmallIntegerField(
        _("dagen tot intrekking"),
        default=7,
        help_text=_(
            "Zoveel dagen nadat het vervangende certificaat is uitgegeven, wordt het oude "
            "ingetrokken (reden: vervangen)."
        ),
    )
    active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("vervangingscampagne")
        verbose_name_plural = _("vervangingscampagnes")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.name


class CampaignCertificate(models.Model):
    """A certificate a replacement campaign covers (see ``ReplacementCampaign``)."""

    campaign = models.ForeignKey(
        ReplacementCampaign,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("vervangingscampagne"),
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        related_name="campaign_entries",
        verbose_name=_("certificaat"),
    )
    added_at = models.DateTimeField(_("toegevoegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("te vervangen certificaat")
        verbose_name_plural = _("te vervangen certificaten")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "certificate"], name="campaign_certificate_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.certificate}"


class CampaignNotice(models.Model):
    """One campaign e-mail to one recipient (issue 14, point 4): the first notice
    (``threshold_days`` 0) or a reminder ``threshold_days`` days before the deadline,
    listing the recipient's certificates still to be replaced. Never twice for the same
    campaign, threshold and recipient (the constraint); written by the daily job
    (``certificates.campaign_jobs``) with the outbox message that sends it once
    (``sent_at``)."""

    FIRST = 0

    campaign = models.ForeignKey(
        ReplacementCampaign,
        on_delete=models.CASCADE,
        related_name="notices",
        verbose_name=_("vervangingscampagne"),
    )
    recipient = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("ontvanger")
    )
    threshold_days = models.PositiveSmallIntegerField(
        _("dagen voor de uiterste datum"), help_text=_("0: de eerste aankondiging.")
    )
    day = models.DateField(_("dag"))
    sent_at = models.DateTimeField(_("verzonden op"), null=True, blank=True)
    certificates = models.ManyToManyField(
        Certificate, related_name="campaign_notices", verbose_name=_("certificaten")
    )

    class Meta:
        verbose_name = _("campagnebericht")
        verbose_name_plural = _("campagneberichten")
        ordering = ["day", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "threshold_days", "recipient"], name="campaign_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.threshold_days} {self.recipient}"
