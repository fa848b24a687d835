"""Home, login/logout and the "U bent niet ingelogd" page (manual §2, §8, §9)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import not_logged_in_response, person_required
from organisations.authorisation import PersonRequest
from organisations.models import Person
from portal.dashboard import campaign_banners, dashboard_counts
from portal.middleware import SESSION_DEV_PERSON, log_in_again, log_out


@require_GET
@person_required
def home(request: PersonRequest) -> HttpResponse:
    subscriber = request.person.subscriber
    return render(
        request,
        "portal/home.html",
        {
            "dashboard": dashboard_counts(subscriber=subscriber),
            "campaign_banners": campaign_banners(subscriber=subscriber),
        },
    )


@require_GET
def not_logged_in(request: HttpRequest) -> HttpResponse:
    if request.person is not None:
        return redirect("home")
    return not_logged_in_response(request)


@require_GET
def request_too_large(request: HttpRequest) -> HttpResponse:
    """What nginx shows for an upload over its client_max_body_size (portal/nginx.py)."""
    return render(request, "portal/too_large.html", status=413)


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    """ "Inloggen" after a logout: the next request's certificate logs in again."""
    log_in_again(request)
    return redirect("home")


@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        log_out(request)
        return redirect("logout")
    return render(request, "portal/logged_out.html")


@require_http_methods(["GET", "POST"])
def dev_login(request: HttpRequest) -> HttpResponse:
    """Pick a demo identity; only with DEBUG and PORTAL_DEV_LOGIN=1 (SPEC.md §5)."""
    if not settings.PORTAL_DEV_LOGIN:
        raise Http404
    persons = [p for p in Person.objects.select_related("subscriber") if p.can_log_in]
    if request.method == "POST":
        chosen = next((p for p in persons if str(p.pk) == request.POST.get("person")), None)
        if chosen is not None:
            request.session.flush()
            request.session[SESSION_DEV_PERSON] = chosen.pk
            return redirect("home")
    return render(request, "portal/dev_login.html", {"persons": persons})
