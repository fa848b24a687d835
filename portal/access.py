"""Access to person pages: the decorator every portal view carries."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.client_certificate import Failure

View = Callable[..., HttpResponse]


def not_logged_in_response(request: HttpRequest) -> HttpResponse:
    """The seed's "U bent niet ingelogd" page (manual §9) with the likely cause."""
    return render(
        request, "portal/not_logged_in.html", {"failure": failure_for(request)}, status=403
    )


def person_required(view: View) -> View:
    """Render "U bent niet ingelogd" (403) unless a registered person is logged in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.person is None:
            return not_logged_in_response(request)
        return view(request, *args, **kwargs)

    return wrapper


def failure_for(request: HttpRequest) -> Failure:
    return request.login_failure or Failure.NO_CERTIFICATE
