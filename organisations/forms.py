"""The "Wijzigen Certificaatbeheerders" form (manual §7.3), in two steps.

Step 1 picks the manager and the kind of change; step 2 is either the
manager's data, prefilled, or the "Overdracht beheer" of a deactivation. The
choices offered are this subscriber's active managers only, so another
subscriber's id is simply not a valid choice.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.forms import PortalForm
from organisations.models import Person
from organisations.services import ManagerData


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name} ({obj.manager_number})"


class ManagerChangeChoiceForm(PortalForm):
    """Step 1: "Wijziging Certificaatbeheerder" and "Certificaatbeheerder"."""

    UPDATE = "update"
    DEACTIVATE = "deactivate"

    change = forms.ChoiceField(
        label=_("Wijziging Certificaatbeheerder"),
        choices=[
            ("", _("- Maak een keuze -")),
            (UPDATE, _("Gegevens wijzigen")),
            (DEACTIVATE, _("Certificaatbeheerder deactiveren")),
        ],
    )
    manager = ManagerChoiceField(
        label=_("Certificaatbeheerder"),
        queryset=Person.objects.none(),
        empty_label=_("- Maak een keuze -"),
    )

    def __init__(self, *args: Any, managers: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.fields["manager"]
        assert isinstance(manager, forms.ModelChoiceField)
        manager.queryset = managers


class ManagerDataForm(PortalForm):
    """Step 2, "Gegevens wijzigen": prefilled with the manager's current data."""

    given_name = forms.CharField(label=_("Voornaam"), max_length=100)
    surname = forms.CharField(label=_("Achternaam"), max_length=100)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("(Mobiel) telefoonnummer"), max_length=30, required=False)

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, str]:
        return {name: getattr(person, name) for name in cls.base_fields}

    def manager_data(self) -> ManagerData:
        return ManagerData(**{name: self.cleaned_data[name].strip() for name in self.fields})
