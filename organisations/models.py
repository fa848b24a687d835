"""Subscribers (abonnees), their registered persons and the login mapping.

The KPN manual §7.1 lists what a subscriber registration holds: company data,
billing data, authorised representatives, contact persons (with their
authorisation) and certificate managers (active and inactive).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

subscriber_number_validator = RegexValidator(
    r"^P\d{7}$", _("Een abonneenummer is een P gevolgd door 7 cijfers.")
)
kvk_validator = RegexValidator(r"^\d{8}$", _("Een KvK-nummer bestaat uit 8 cijfers."))
oin_validator = RegexValidator(r"^\d{20}$", _("Een OIN bestaat uit 20 cijfers."))
manager_number_validator = RegexValidator(
    r"^CB\d{7}$", _("Een registratienummer is CB gevolgd door 7 cijfers.")
)
country_validator = RegexValidator(r"^[A-Z]{2}$", _("Een landcode bestaat uit 2 hoofdletters."))


class Subscriber(models.Model):
    """An organisation registered as PKIoverheid subscriber (Abonnee)."""

    number = models.CharField(
        _("abonneenummer"), max_length=8, unique=True, validators=[subscriber_number_validator]
    )
    reseller = models.CharField(_("reseller"), max_length=100, blank=True)
    name = models.CharField(_("organisatienaam"), max_length=200)
    kvk_number = models.CharField(_("KvK-nummer"), max_length=8, validators=[kvk_validator])
    oin = models.CharField(_("OIN"), max_length=20, validators=[oin_validator])
    country = models.CharField(
        _("land"), max_length=2, default="NL", validators=[country_validator]
    )
    street = models.CharField(_("straat en huisnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    phone = models.CharField(_("telefoonnummer"), max_length=30, blank=True)

    billing_company = models.CharField(_("bedrijfsnaam"), max_length=200, blank=True)
    billing_department = models.CharField(_("afdeling"), max_length=200, blank=True)
    billing_attention = models.CharField(_("ter attentie van"), max_length=200, blank=True)
    billing_street = models.CharField(_("factuuradres"), max_length=200, blank=True)
    billing_postcode = models.CharField(_("postcode factuuradres"), max_length=10, blank=True)
    billing_city = models.CharField(_("plaats factuuradres"), max_length=100, blank=True)
    billing_country = models.CharField(
        _("land factuuradres"), max_length=2, default="NL", validators=[country_validator]
    )
    billing_email = models.EmailField(_("facturatie e-mailadres"), blank=True)
    billing_phone = models.CharField(_("facturatie telefoonnummer"), max_length=30, blank=True)
    direct_debit = models.BooleanField(_("automatische incasso"), default=False)
    iban = models.CharField(_("rekeningnummer"), max_length=34, blank=True)
    account_holder = models.CharField(_("rekeninghouder"), max_length=200, blank=True)
    vat_number = models.CharField(_("BTW-nummer"), max_length=20, blank=True)
    # Set when the back office approves "Opzeggen abonnement" (registration.services).
    cancelled_at = models.DateTimeField(_("abonnement opgezegd op"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("abonnee")
        verbose_name_plural = _("abonnees")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["oin"], name="subscriber_oin_unique"),
            models.CheckConstraint(
                condition=Q(direct_debit=False) | ~Q(iban=""),
                name="subscriber_direct_debit_needs_iban",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def address(self) -> str:
        return ", ".join(
            p for p in [self.street, f"{self.postcode} {self.city}".strip(), self.country] if p
        )

    @property
    def billing_address(self) -> str:
        parts = [
            self.billing_street,
            f"{self.billing_postcode} {self.billing_city}".strip(),
            self.billing_country,
        ]
        return ", ".join(p for p in parts if p)


class VerifiedDomain(models.Model):
    """A domain the back office verified as the subscriber's (server certificate SANs)."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="verified_domains"
    )
    domain = models.CharField(_("domein"), max_length=253)
    verified_at = models.DateTimeField(_("geverifieerd op"))

    class Meta:
        verbose_name = _("geverifieerd domein")
        verbose_name_plural = _("geverifieerde domeinen")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "domain"], name="verified_domain_unique_per_subscriber"
            ),
            models.CheckConstraint(
                condition=Q(domain=Lower("domain")), name="verified_domain_lowercase"
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class Person(models.Model):
    """A person registered for a subscriber, with the roles of the KPN manual §7.

    One person can hold several roles (a certificate manager who is also a
    contact person); the authorisation for contact persons is "alle" or
    "basis" (manual §7.2).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Actief")
        INACTIVE = "inactive", _("Inactief")

    class ContactAuthorisation(models.TextChoices):
        NONE = "", _("Geen contactpersoon")
        FULL = "full", _("Heeft alle autorisaties")
        BASIC = "basic", _("Heeft alleen basis autorisaties")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.PROTECT, related_name="persons")
    given_name = models.CharField(_("voornaam"), max_length=100)
    surname = models.CharField(_("achternaam"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("(mobiel) telefoonnummer"), max_length=30, blank=True)
    job_title = models.CharField(_("functie"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    is_representative = models.BooleanField(_("bevoegd vertegenwoordiger"), default=False)
    contact_authorisation = models.CharField(
        _("autorisatie contactpersoon"),
        max_length=5,
        choices=ContactAuthorisation.choices,
        default=ContactAuthorisation.NONE,
        blank=True,
    )
    identified = models.BooleanField(
        _("geïdentificeerd"),
        default=True,
        help_text=_(
            "Een certificaatbeheerder die bij een bestelling nieuw is aangemeld, "
            "wordt eerst door de back office geïdentificeerd."
        ),
    )
    manager_number = models.CharField(
        _("registratienummer certificaatbeheerder"),
        max_length=9,
        null=True,
        blank=True,
        unique=True,
        validators=[manager_number_validator],
    )

    class Meta:
        verbose_name = _("persoon")
        verbose_name_plural = _("personen")
        ordering = ["surname", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_authorisation__in=["", "full", "basic"]),
                name="person_contact_authorisation_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "inactive"]), name="person_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(manager_number__isnull=True) | Q(manager_number__regex=r"^CB[0-9]{7}$"),
                name="person_manager_number_format",
            ),
            models.CheckConstraint(
                condition=Q(is_representative=True)
                | ~Q(contact_authorisation="")
                | Q(manager_number__isnull=False),
                name="person_has_a_role",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.surname}".strip()

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_contact_person(self) -> bool:
        return self.contact_authorisation != self.ContactAuthorisation.NONE

    @property
    def is_certificate_manager(self) -> bool:
        return self.manager_number is not None

    @property
    def can_log_in(self) -> bool:
        """Only representatives and contact persons use the portal (SPEC.md §1)."""
        return self.is_active and (self.is_representative or self.is_contact_person)

    @property
    def role_labels(self) -> list[str]:
        labels = []
        if self.is_representative:
            labels.append(str(_("Bevoegd Vertegenwoordiger")))
        if self.is_contact_person:
            labels.append(str(_("Contactpersoon")))
        if self.is_certificate_manager:
            labels.append(str(_("Certificaatbeheerder")))
        return labels


class LoginCertificate(models.Model):
    """How a personal certificate maps to a registered person (SPEC.md §5 step 3).

    Never by CN alone: by issuer and subject serialNumber, by the UZI number
    from the subjectAltName otherName 2.5.5.5, or by the certificate's own
    SHA-256 fingerprint.

    The same mapping serves the back office: a validation officer's own
    smartcard maps to their staff account (``staff_user``), which the admin
    login requires besides the password. Exactly one of the two is set.
    """

    class Match(models.TextChoices):
        ISSUER_SERIAL = "issuer_serial", _("Uitgever en subject.serialNumber")
        UZI = "uzi", _("UZI-nummer")
        FINGERPRINT = "fingerprint", _("SHA-256 vingerafdruk")

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="login_certificates",
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="login_certificates",
        limit_choices_to={"is_staff": True},
        verbose_name=_("medewerker (back office)"),
    )
    match = models.CharField(_("koppeling"), max_length=20, choices=Match.choices)
    issuer = models.CharField(
        _("uitgever (RFC 4514)"),
        max_length=500,
        blank=True,
        help_text=_("Alleen bij koppeling op uitgever en serialNumber."),
    )
    subject_serial = models.CharField(_("subject.serialNumber"), max_length=64, blank=True)
    uzi_number = models.CharField(_("UZI-nummer"), max_length=32, blank=True)
    fingerprint = models.CharField(
        _("SHA-256 vingerafdruk"),
        max_length=64,
        blank=True,
        help_text=_("64 hexadecimale tekens, kleine letters."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inlogcertificaat")
        verbose_name_plural = _("inlogcertificaten")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(match="issuer_serial", uzi_number="", fingerprint="")
                    & ~Q(issuer="")
                    & ~Q(subject_serial="")
                )
                | (Q(match="uzi", issuer="", subject_serial="", fingerprint="") & ~Q(uzi_number=""))
                | (
                    Q(match="fingerprint", issuer="", subject_serial="", uzi_number="")
                    & Q(fingerprint__regex=r"^[0-9a-f]{64}$")
                ),
                name="login_certificate_fields_match_kind",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False, staff_user__isnull=True)
                | Q(person__isnull=True, staff_user__isnull=False),
                name="login_certificate_person_or_staff_user",
                violation_error_message=_(
                    "Koppel het certificaat aan een persoon of aan een medewerker, niet aan beide."
                ),
            ),
            models.UniqueConstraint(
                fields=["issuer", "subject_serial"],
                condition=Q(match="issuer_serial"),
                name="login_certificate_issuer_serial_unique",
            ),
            models.UniqueConstraint(
                fields=["uzi_number"], condition=Q(match="uzi"), name="login_certificate_uzi_unique"
            ),
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(match="fingerprint"),
                name="login_certificate_fingerprint_unique",
            ),
        ]

    def __str__(self) -> str:
        if self.match == self.Match.ISSUER_SERIAL:
            return f"{self.subject_serial} @ {self.issuer}"
        if self.match == self.Match.UZI:
            return f"UZI {self.uzi_number}"
        return f"SHA-256 {self.fingerprint[:16]}…"
