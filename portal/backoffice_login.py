"""Back-office login (issue 11 point 1): the officer's own smartcard and the password.

Validation officers have PKIoverheid smartcards like the customers (SPEC.md §5). The
admin's login form first takes the client certificate nginx forwarded, checks it
exactly as a customer's (portal/client_certificate.py: chain, validity, keyUsage,
CRL, revocation in the portal) and looks up the staff account it is mapped to
(``organisations.LoginCertificate.staff_user``, matched as a person's card is).
Only a card mapped to the username typed lets the password be checked at all, so
without an officer's card there is nothing to guess. Failed passwords count in
django-axes (portal/settings.py ``AXES_*``): the account and the address are locked
out after ``AXES_FAILURE_LIMIT`` failures until another officer unlocks them
(portal/admin.py). A logged-in session stays bound to the card it logged in with.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from cryptography import x509
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from audit.models import Action
from audit.services import audit_record
from certificates.x509_fields import fingerprint
from core.forms import PortalForm
from core.trusted_proxy import from_trusted_proxy
from portal import client_certificate
from portal.backends import matching_login_certificates
from portal.client_certificate import CertificateRejected
from portal.middleware import CERT_HEADER, VERIFY_HEADER

logger = logging.getLogger("portal.auth")

SESSION_STAFF_CARD = "backoffice_card_sha256"


def presented_certificate(request: HttpRequest) -> x509.Certificate:
    """The client certificate nginx forwarded, checked as a customer's login certificate.

    The headers count only from a trusted proxy, as in ClientCertificateMiddleware.
    Raises CertificateRejected with the reason.
    """
    verify = request.META.get(VERIFY_HEADER, "")
    pem = request.META.get(CERT_HEADER, "")
    if not from_trusted_proxy(request):
        verify = pem = ""
    if verify != "SUCCESS" or not pem:
        raise CertificateRejected(client_certificate.failure_from_proxy(verify))
    certificate = client_certificate.read_forwarded(pem)
    client_certificate.check(certificate)
    return certificate


def staff_user_for(certificate: x509.Certificate) -> AbstractBaseUser | None:
    """The active staff account ``certificate`` is mapped to; None when there is none
    or the card maps to more than one (a customer's mapping never counts)."""
    user_ids = set(
        matching_login_certificates(certificate)
        .filter(staff_user__isnull=False)
        .values_list("staff_user_id", flat=True)
    )
    if len(user_ids) != 1:
        if user_ids:
            logger.error(
                "Card %s maps to several staff users %s; refused",
                fingerprint(certificate),
                sorted(user_ids),
            )
        return None
    return get_user_model().objects.filter(pk=user_ids.pop(), is_active=True, is_staff=True).first()


class BackOfficeLoginForm(AdminAuthenticationForm, PortalForm):
    """The admin login: the officer's own mapped card first, then the password."""

    # A password is compared, never shown: any character its owner chose counts.
    invisible_characters_allowed = ("password",)

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "no_card": _("Voor de back office heeft u uw eigen smartcard nodig, naast uw wachtwoord."),
        "card_not_mapped": _(
            "Deze smartcard is niet gekoppeld aan een account van de back office. "
            "Gebruik uw eigen smartcard."
        ),
        "wrong_card": _(
            "Deze smartcard hoort niet bij deze gebruikersnaam. "
            "Log in met uw eigen smartcard en uw eigen wachtwoord."
        ),
    }

    def clean(self) -> dict[str, Any]:
        try:
            certificate = presented_certificate(self.request)
        except CertificateRejected as rejected:
            logger.info("Back-office login without a usable card: %s", rejected)
            raise ValidationError(
                [self.error_messages["no_card"], rejected.failure.label], code="no_card"
            ) from None
        officer = staff_user_for(certificate)
        if officer is None:
            raise ValidationError(self.error_messages["card_not_mapped"], code="card_not_mapped")
        if self.cleaned_data.get("username") != officer.get_username():
            logger.warning(
                "Back-office login with the card of user %s for another username refused",
                officer.pk,
            )
            raise ValidationError(self.error_messages["wrong_card"], code="wrong_card")
        cleaned = super().clean()
        # StaffCardMiddleware binds the new session to this card.
        self.request.staff_card_fingerprint = fingerprint(certificate)
        return cleaned


class StaffCardMiddleware:
    """A back-office session lasts only while its own card is presented.

    Every request of a logged-in staff user must carry the card the session was
    bound to at login, still checked and still mapped to that user; another card,
    or none, logs the user out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not self._card_holds(request):
            logger.info("Back-office session of user %s without its card; ended", request.user.pk)
            logout(request)
        response = self.get_response(request)
        logged_in_with = getattr(request, "staff_card_fingerprint", None)
        if logged_in_with and request.user.is_authenticated:
            request.session[SESSION_STAFF_CARD] = logged_in_with
        return response

    @staticmethod
    def _card_holds(request: HttpRequest) -> bool:
        bound = request.session.get(SESSION_STAFF_CARD)
        if bound is None:
            return False
        try:
            certificate = presented_certificate(request)
        except CertificateRejected:
            return False
        return fingerprint(certificate) == bound and staff_user_for(certificate) == request.user


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a locked-out login: the admin's layout, in Dutch (429)."""
    context = {
        **admin.site.each_context(request),
        "title": _("Inloggen geblokkeerd"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "admin/locked_out.html", context, status=429)


def _attempt_label(attempt: AccessAttempt) -> str:
    return f"{attempt.username or '-'} @ {attempt.ip_address or '-'}"


@receiver(user_locked_out)
def audit_lockout(
    sender: object, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs
) -> None:
    """One audit entry when a lockout starts (the failure that reaches the limit);
    attempts while locked out are counted by axes but not written again."""
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address)
        .order_by("-attempt_time")
        .first()
    )
    if attempt is None:
        return
    audit_record(
        action=Action.BACKOFFICE_LOCKED_OUT,
        obj=attempt,
        label=_attempt_label(attempt),
        details={
            "username": username or "",
            "ip_address": ip_address or "",
            "failures": settings.AXES_FAILURE_LIMIT,
        },
    )


class SelfUnlockRefused(Exception):
    """An officer may not lift their own lockout."""


@transaction.atomic
def backoffice_unlock(*, attempts: QuerySet[AccessAttempt], by: AbstractBaseUser) -> int:
    """Lift the lockouts ``attempts`` hold (their failure counts go), one audit entry each.

    Another officer must do it: attempts under ``by``'s own username are refused.
    """
    attempts = attempts.select_for_update()
    if any(attempt.username == by.get_username() for attempt in attempts):
        raise SelfUnlockRefused
    unlocked = list(attempts)
    for attempt in unlocked:
        audit_record(
            action=Action.BACKOFFICE_UNLOCKED,
            obj=attempt,
            label=_attempt_label(attempt),
            actor=by,
            details={
                "username": attempt.username or "",
                "ip_address": attempt.ip_address or "",
                "failures": attempt.failures_since_start,
            },
        )
        attempt.delete()
    return len(unlocked)
