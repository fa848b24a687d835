"""Change requests of "Wijzigen Abonneeregistratie" (manual §7.2, issue 6).

A change request holds what a person proposed; the registration itself
(``Subscriber``, ``Person``) changes only when the back office approves it
(``registration.services.change_request_approve``). The database guarantees
one request per wizard submission (``wizard_token``) and a unique ``ABW``
reference.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.lifecycle import Lifecycle, Transition
from core.submissions import ReferenceFormat
from organisations.models import Person, Subscriber

CHANGE_REFERENCE = ReferenceFormat("ABW", 17)
reference_validator = CHANGE_REFERENCE.validator(
    _("Een referentie is ABW gevolgd door 17 cijfers.")
)


class Section(models.TextChoices):
    """What the form can change (manual §7.1 "Met het webformulier … kunt u … doorgeven")."""

    ORGANISATION = "organisation", _("Organisatienaam en/of adresgegevens")
    CONTACT_DATA = "contact_data", _("Organisatie contactgegevens")
    BILLING = "billing", _("Facturatiegegevens")
    REPRESENTATIVES = (
        "representatives",
        _("Bevoegd Vertegenwoordiger (nieuw, wijzigen, verwijderen)"),
    )
    CONTACTS = "contacts", _("Contactpersonen (nieuw, wijzigen, verwijderen)")
    CANCEL = "cancel", _("Opzeggen abonnement")


class PersonChange(models.TextChoices):
    """One change of a registered person (manual §7.1 "nieuw, wijzigen, verwijderen")."""

    NEW = "new", _("Nieuw")
    CHANGE = "change", _("Wijzigen")
    REMOVE = "remove", _("Verwijderen")


class ChangeRequestState(models.TextChoices):
    SUBMITTED = "submitted", _("Ingediend")
    APPROVED = "approved", _("Goedgekeurd en doorgevoerd")
    REJECTED = "rejected", _("Afgekeurd")


# The state table of a change request (manual §7.2): the services, the back-office
# buttons, the constraints below and ``is_open`` read it.
CHANGE_REQUEST_LIFECYCLE = Lifecycle(
    states=tuple(ChangeRequestState.values),
    open_states=(ChangeRequestState.SUBMITTED,),
    transitions=(
        Transition(
            "approve",
            (ChangeRequestState.SUBMITTED,),
            ChangeRequestState.APPROVED,
            "approve_changerequest",
        ),
        Transition(
            "reject",
            (ChangeRequestState.SUBMITTED,),
            ChangeRequestState.REJECTED,
            "reject_changerequest",
        ),
    ),
)


class ChangeRequestQuerySet(models.QuerySet["ChangeRequest"]):
    def open(self) -> ChangeRequestQuerySet:
        return self.filter(CHANGE_REQUEST_LIFECYCLE.open_q())


class ChangeRequest(models.Model):
    """One submitted "Wijzigingsformulier abonneeregistratie".

    ``sections`` maps each chosen ``Section`` to what was proposed, with the
    registration as it was at submission: ``{"before": {...}, "after": {...}}``
    for the organisation sections, ``{"changes": [...]}`` for persons (each
    ``{"change": "new"|"change"|"remove", "person": id, "before": {...},
    "after": {...}}``, a new contact person with ``"id_document"``: its stored
    name, original name and content type; representatives also with
    ``"remaining"``, the names of those who stay and sign a print-and-sign
    form), and ``{"reason": ...}`` for a cancellation.
    """

    State = ChangeRequestState
    LIFECYCLE = CHANGE_REQUEST_LIFECYCLE

    reference = models.CharField(
        _("referentie"), max_length=20, unique=True, validators=[reference_validator]
    )
    wizard_token = models.UUIDField(_("formuliersleutel"), unique=True, default=uuid.uuid4)
    subscriber = models.ForeignKey(
        Subscriber,
        on_delete=models.PROTECT,
        related_name="change_requests",
        verbose_name=_("abonnee"),
    )
    submitted_by = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="submitted_change_requests",
        verbose_name=_("ingediend door"),
    )
    sections = models.JSONField(_("wijzigingen"), default=dict)
    # A new authorised representative signs on paper too (manual §7.2, "Bijzondere scenario's").
    print_and_sign = models.BooleanField(_("uitprinten en ondertekenen"), default=False)
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.SUBMITTED
    )
    rejection_reason = models.TextField(_("reden van afkeuring"), blank=True)
    decided_at = models.DateTimeField(_("beslist op"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("beslist door"),
    )
    login_certificate_issuer = models.CharField(
        _("uitgever inlogcertificaat"), max_length=500, blank=True
    )
    login_certificate_serial = models.CharField(
        _("serienummer inlogcertificaat"), max_length=64, blank=True
    )
    language = models.CharField(_("taal"), max_length=8, choices=settings.LANGUAGES, default="nl")
    # Set in the transaction that hands the e-mail to the mail server; the
    # outbox delivers the e-mail once (core.outbox, registration.tasks).
    confirmation_sent_at = models.DateTimeField(
        _("bevestiging verstuurd op"), null=True, blank=True
    )
    approval_sent_at = models.DateTimeField(_("goedkeuring gemaild op"), null=True, blank=True)
    rejection_sent_at = models.DateTimeField(_("afkeuring gemaild op"), null=True, blank=True)

    submitted_at = models.DateTimeField(_("ingediend op"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("wijzigingsverzoek")
        verbose_name_plural = _("wijzigingsverzoeken")
        ordering = ["-submitted_at", "-pk"]
        permissions = [
            ("approve_changerequest", _("Kan een wijzigingsverzoek goedkeuren en doorvoeren")),
            ("reject_changerequest", _("Kan een wijzigingsverzoek afkeuren")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=CHANGE_REFERENCE.q(),
                name="change_request_reference_format",
            ),
            models.CheckConstraint(
                condition=CHANGE_REQUEST_LIFECYCLE.valid_q(),
                name="change_request_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                name="change_request_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state="submitted", decided_at__isnull=True)
                | (~Q(state="submitted") & Q(decided_at__isnull=False)),
                name="change_request_decided_when_not_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="change_request_queue"),
            models.Index(fields=["subscriber", "-submitted_at"], name="change_request_subscriber"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def send_signed_form_to(self) -> str:
        """Where the printed form goes once the representatives signed it (manual §7.2,
        "Bijzondere scenario's" 1: the afdeling PKIoverheid validatie; the postal address
        is a setting)."""
        return settings.PORTAL_SIGNED_FORMS_ADDRESS

    @property
    def is_open(self) -> bool:
        return CHANGE_REQUEST_LIFECYCLE.is_open(self.state)

    def section_labels(self) -> list[str]:
        labels = dict(Section.choices)
        return [str(labels[key]) for key in Section.values if key in self.sections]


class ChangeRequestDocuments(models.Model):
    """The sealed PDF of one change request (SPEC.md §8), made once by a Celery task."""

    change_request = models.OneToOneField(
        ChangeRequest, on_delete=models.CASCADE, primary_key=True, related_name="documents"
    )
    pdf = models.BinaryField(_("wijzigingsformulier (PDF)"))
    language = models.CharField(_("taal"), max_length=8)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("wijzigingsformulier")
        verbose_name_plural = _("wijzigingsformulieren")

    def __str__(self) -> str:
        return str(self.change_request_id)
