"""Organisatiegegevens (manual §7.1) and "Wijzigen Certificaatbeheerders" (manual §7.3)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from organisations import services
from organisations.authorisation import (
    DENIED_MESSAGES,
    Action,
    PersonRequest,
    action_required,
    allowed,
    may_change_registration,
)
from organisations.forms import ManagerChangeChoiceForm, ManagerDataForm, ManagerDeactivateForm
from organisations.models import Person
from organisations.selectors import (
    active_managers,
    certificates_still_managed,
    registered_persons,
)
from portal.access import person_required


@require_GET
@person_required
def organisation(request: PersonRequest) -> HttpResponse:
    person = request.person
    subscriber = person.subscriber
    return render(
        request,
        "organisations/organisation.html",
        {
            "persons": registered_persons(subscriber=subscriber),
            "may_change_registration": may_change_registration(person),
            "registration_denied": DENIED_MESSAGES["registration"],
            "may_change_managers": allowed(person, Action.CHANGE_MANAGERS),
            "has_active_managers": active_managers(subscriber=subscriber).exists(),
        },
    )


def _active_manager(request: PersonRequest, pk: int) -> Person:
    """One of the logged-in person's active managers, or 404 (anyone else's is not found)."""
    manager = active_managers(subscriber=request.person.subscriber).filter(pk=pk).first()
    if manager is None:
        raise Http404
    return manager


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(
        request,
        message
        + " "
        + _(
            "De wijziging is direct doorgevoerd; beoordeling door de afdeling validatie "
            "is niet nodig."
        ),
    )
    return redirect(reverse("organisation") + "#certificaatbeheerders")


@require_GET
@action_required(Action.CHANGE_MANAGERS)
def manager_change(request: PersonRequest) -> HttpResponse:
    """Step 1 of "Wijzigen Certificaatbeheerders": which manager, which change."""
    managers = active_managers(subscriber=request.person.subscriber)
    if not managers.exists():
        return render(request, "organisations/managers_unavailable.html")
    form = ManagerChangeChoiceForm(request.GET or None, managers=managers)
    if form.is_bound and form.is_valid():
        step = (
            "manager_update"
            if form.cleaned_data["change"] == ManagerChangeChoiceForm.UPDATE
            else "manager_deactivate"
        )
        return redirect(step, pk=form.cleaned_data["manager"].pk)
    return render(request, "organisations/manager_change.html", {"form": form})


@require_http_methods(["GET", "POST"])
@action_required(Action.CHANGE_MANAGERS)
def manager_update(request: PersonRequest, pk: int) -> HttpResponse:
    """ "Gegevens wijzigen" of one active manager (manual §7.3)."""
    manager = _active_manager(request, pk)
    if request.method == "POST":
        form = ManagerDataForm(request.POST)
        if form.is_valid():
            try:
                changed = services.manager_update(
                    manager=manager, data=form.manager_data(), by=request.person
                )
            except services.ManagerChangeRefused as refused:
                form.add_error(None, str(refused))
            else:
                manager.refresh_from_db()
                if not changed:
                    messages.info(request, _("Er is niets gewijzigd."))
                    return redirect(reverse("organisation") + "#certificaatbeheerders")
                return _done(
                    request,
                    _("De gegevens van %(name)s (%(number)s) zijn gewijzigd.")
                    % {"name": manager.name, "number": manager.manager_number},
                )
    else:
        form = ManagerDataForm(initial=ManagerDataForm.initial_for(manager))
    return render(
        request,
        "organisations/manager_update.html",
        {"form": form, "manager": manager},
    )


@require_http_methods(["GET", "POST"])
@action_required(Action.CHANGE_MANAGERS)
def manager_deactivate(request: PersonRequest, pk: int) -> HttpResponse:
    """Deactivate one active manager with the "Overdracht beheer" (manual §7.3)."""
    manager = _active_manager(request, pk)
    successors = active_managers(subscriber=request.person.subscriber).exclude(pk=manager.pk)
    form = ManagerDeactivateForm(
        request.POST if request.method == "POST" else None, successors=successors
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.manager_deactivate(
                manager=manager,
                by=request.person,
                transfer=services.Transfer(form.cleaned_data["transfer"]),
                successor=form.chosen_successor(),
                new_manager=form.new_manager(),
            )
        except services.ManagerChangeRefused as refused:
            form.add_error("transfer", str(refused))
        else:
            message = _("%(name)s (%(number)s) is gedeactiveerd als Certificaatbeheerder.") % {
                "name": manager.name,
                "number": manager.manager_number,
            }
            if result.successor is not None and result.certificate_ids:
                count = len(result.certificate_ids)
                message += " " + ngettext(
                    "Het beheer van %(count)d geldig certificaat is overgedragen aan "
                    "%(name)s (%(number)s).",
                    "Het beheer van %(count)d geldige certificaten is overgedragen aan "
                    "%(name)s (%(number)s).",
                    count,
                ) % {
                    "count": count,
                    "name": result.successor.name,
                    "number": result.successor.manager_number,
                }
            if form.new_manager() is not None:
                message += " " + _(
                    "De afdeling validatie identificeert de nieuwe Certificaatbeheerder "
                    "voordat deze bij een aanvraag kan worden gekozen."
                )
            return _done(request, message)
    return render(
        request,
        "organisations/manager_deactivate.html",
        {
            "form": form,
            "manager": manager,
            "still_managed": certificates_still_managed(manager=manager).count(),
        },
    )
