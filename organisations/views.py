"""Organisatiegegevens (manual §7.1) and "Wijzigen Certificaatbeheerders" (manual §7.3)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.access import person_required
from organisations import services
from organisations.authorisation import (
    DENIED_MESSAGES,
    Action,
    PersonRequest,
    action_required,
    allowed,
    may_change_registration,
)
from organisations.forms import ManagerChangeChoiceForm, ManagerDataForm
from organisations.selectors import (
    active_manager,
    active_managers,
    registered_persons,
)


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


def manager_change_done(request: HttpRequest, message: str) -> HttpResponse:
    """Back to the organisation page with what changed at once (manual §7.3)."""
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
    manager = active_manager(subscriber=request.person.subscriber, pk=pk)
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
                return manager_change_done(
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
