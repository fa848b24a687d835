"""The base of the portal's formtools wizards (orders, renewal, registration change)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as _
from formtools.wizard.views import SessionWizardView


class PortalWizardView(SessionWizardView):
    """A session wizard that answers a posted step it does not offer with the current step.

    formtools looks the posted ``<prefix>-current_step`` up in the form list
    and raises KeyError (a 500) for a name that is not there: a made-up step,
    or one whose condition is off for this person (issue 11, point 2).
    """

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        posted = self.request.POST.get(f"{self.prefix}-current_step")
        if posted is not None and posted not in self.get_form_list():
            messages.error(
                self.request,
                _(
                    "Deze stap bestaat niet of is niet voor u beschikbaar. "
                    "U ziet de stap waar u was."
                ),
            )
            return self.render(self.get_form())
        return super().post(*args, **kwargs)
