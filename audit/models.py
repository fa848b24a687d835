"""The append-only audit log of the back office and the order lifecycle (issue 5, SPEC.md §9).

Who did what, when, to which order, revocation request or certificate, the
state before and after, and from which address. Rows are only ever added:
the admin shows them read-only and the database itself refuses UPDATE and
DELETE (triggers, migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    ORDER_PLACED = "order_placed", _("Bestelling geplaatst")
    ORDER_TAKEN = "order_taken", _("In behandeling genomen")
    ORDER_APPROVED = "order_approved", _("Goedgekeurd")
    ORDER_ISSUED = "order_issued", _("Certificaat uitgegeven")
    ORDER_REJECTED = "order_rejected", _("Afgekeurd")
    ORDER_CANCELLED = "order_cancelled", _("Geannuleerd")
    REVOCATION_REQUESTED = "revocation_requested", _("Intrekking aangevraagd")
    REVOCATION_EXECUTED = "revocation_executed", _("Intrekking uitgevoerd")
    REVOCATION_REJECTED = "revocation_rejected", _("Intrekkingsverzoek afgewezen")
    CHANGE_SUBMITTED = "change_submitted", _("Wijzigingsformulier ingediend")
    CHANGE_APPROVED = "change_approved", _("Wijziging goedgekeurd en doorgevoerd")
    CHANGE_REJECTED = "change_rejected", _("Wijziging afgekeurd")
    REGISTRATION_CHANGED = "registration_changed", _("Registratiegegevens gewijzigd")
    MANAGER_UPDATED = "manager_updated", _("Certificaatbeheerder gewijzigd")
    MANAGER_DEACTIVATED = "manager_deactivated", _("Certificaatbeheerder gedeactiveerd")
    MANAGEMENT_TRANSFERRED = "management_transferred", _("Beheer van certificaten overgedragen")
    BACKOFFICE_LOCKED_OUT = (
        "backoffice_locked_out",
        _("Back office geblokkeerd na mislukte inlogpogingen"),
    )
    BACKOFFICE_UNLOCKED = "backoffice_unlocked", _("Blokkade van de back office opgeheven")
    PROFILE_ADDED = "profile_added", _("Uitgifteprofiel toegevoegd")
    PROFILE_CHANGED = "profile_changed", _("Uitgifteprofiel gewijzigd")
    CAMPAIGN_ADDED = "campaign_added", _("Vervangingscampagne aangemaakt")
    CAMPAIGN_CHANGED = "campaign_changed", _("Vervangingscampagne gewijzigd")
    OFFICER_ADDED = "officer_added", _("Validatiemedewerker toegevoegd")
    OFFICER_CHANGED = "officer_changed", _("Validatiemedewerker gewijzigd")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    # A back-office user, or (for what customers do) empty with the person's name in actor_label.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("medewerker"),
    )
    actor_label = models.CharField(_("door"), max_length=200)
    action = models.CharField(_("actie"), max_length=30, choices=Action.choices)
    object_type = models.CharField(_("soort object"), max_length=30)
    object_id = models.CharField(_("object-id"), max_length=40)
    object_label = models.CharField(_("object"), max_length=200)
    state_before = models.CharField(_("status ervoor"), max_length=20, blank=True)
    state_after = models.CharField(_("status erna"), max_length=20, blank=True)
    address = models.GenericIPAddressField(_("adres"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditlog")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label}: {self.get_action_display()}"
