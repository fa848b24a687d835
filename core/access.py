"""Access to person pages: the decorator every portal view carries, and why a login failed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

View = Callable[..., HttpResponse]


class Failure(models.TextChoices):
    """Why a login did not succeed; the "U bent niet ingelogd" page explains each."""

    NO_CERTIFICATE = (
        "no_certificate",
        _(
            "Er is geen persoonlijk certificaat aangeboden. Zit uw smartcard in de kaartlezer en "
            "is de software voor uw smartcard geïnstalleerd?"
        ),
    )
    UNTRUSTED = (
        "untrusted",
        _("Uw certificaat is niet uitgegeven door een CA die dit portaal vertrouwt."),
    )
    EXPIRED = "expired", _("Uw certificaat is verlopen of nog niet geldig.")
    REVOKED = "revoked", _("Uw certificaat is ingetrokken.")
    WRONG_TYPE = (
        "wrong_type",
        _(
            "Dit certificaat is niet geschikt om mee in te loggen. Kies het "
            "authenticiteitcertificaat van uw pas, niet het handtekening- of "
            "vertrouwelijkheidcertificaat."
        ),
    )
    UNREADABLE = "unreadable", _("Het aangeboden certificaat kon niet worden gelezen.")
    NOT_REGISTERED = (
        "not_registered",
        _(
            "U bent (nog) niet geregistreerd voor het gebruik van dit portaal, of uw verzoek om "
            "gebruik te maken is nog niet verwerkt."
        ),
    )
    LOGGED_OUT = "logged_out", _("U bent uitgelogd.")


def not_logged_in_response(request: HttpRequest) -> HttpResponse:
    """The seed's "U bent niet ingelogd" page (manual §9) with the likely cause."""
    return render(
        request, "portal/not_logged_in.html", {"failure": failure_for(request)}, status=403
    )


def person_required(view: View) -> View:
    """Render "U bent niet ingelogd" (403) unless a registered person is logged in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if getattr(request, "person", None) is None:
            return not_logged_in_response(request)
        return view(request, *args, **kwargs)

    return wrapper


def failure_for(request: HttpRequest) -> Failure:
    return getattr(request, "login_failure", None) or Failure.NO_CERTIFICATE
