"""The "Wijzigen Abonneeregistratie" wizard (manual §7.2, issue 6).

1. Type wijziging — only the sections the person may change (the matrix);
then one step per chosen section, prefilled with the registration as it
is; last "Indienen" with a summary. The wizard's data lives in the session
(formtools); the change request is created only by "Indienen", through
``registration.services.change_request_submit``. Nothing of the
registration changes before the back office approves.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from certificates.login_certificate import login_certificate_data
from core.access import person_required
from core.wizards import PortalWizardView
from organisations.authorisation import DENIED_MESSAGES, denied, may_change_registration
from organisations.models import Person
from registration import forms
from registration.changes import (
    PERSON_FIELDS,
    SUBSCRIBER_FIELDS,
    allowed_sections,
    describe,
    person_values,
    subscriber_values,
)
from registration.id_documents import delete_id_document
from registration.models import ChangeRequest, Section
from registration.services import (
    ChangeAlreadySubmitted,
    ChangeNotAllowed,
    change_request_submit,
    needs_print_and_sign,
)

TYPE, SUBMIT = "type", "indienen"
# (step, form, label, section it belongs to)
STEPS = [
    (TYPE, forms.ChangeTypeForm, _("Type wijziging"), None),
    ("organisatie", forms.OrganisationForm, Section.ORGANISATION.label, Section.ORGANISATION),
    ("contactgegevens", forms.ContactDataForm, Section.CONTACT_DATA.label, Section.CONTACT_DATA),
    ("facturatie", forms.BillingForm, Section.BILLING.label, Section.BILLING),
    (
        "vertegenwoordigers",
        forms.RepresentativeFormSet,
        _("Bevoegd Vertegenwoordigers"),
        Section.REPRESENTATIVES,
    ),
    ("contactpersonen", forms.ContactPersonFormSet, _("Contactpersonen"), Section.CONTACTS),
    ("opzeggen", forms.CancelForm, Section.CANCEL.label, Section.CANCEL),
    (SUBMIT, forms.SubmitForm, _("Indienen"), None),
]
SECTION_STEPS = {section: name for name, _form, _label, section in STEPS if section is not None}
STEP_SECTIONS = {name: section for section, name in SECTION_STEPS.items()}
LABELS = {name: label for name, _form, label, _section in STEPS}


def _chosen(section: Section) -> Any:
    def condition(wizard: ChangeRegistrationWizard) -> bool:
        return section.value in wizard.chosen_sections()

    return condition


@method_decorator(person_required, name="dispatch")
class ChangeRegistrationWizard(PortalWizardView):
    """ "Wijzigen Abonneeregistratie"; a basic contact person gets the seed's message (403)."""

    form_list = [(name, form) for name, form, _label, _section in STEPS]
    condition_dict = {name: _chosen(section) for section, name in SECTION_STEPS.items()}
    template_name = "registration/wizard.html"
    # Uploaded ID copies are checked and stored by the contact persons step
    # itself; only their stored names stay in the session.
    file_storage = None

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not may_change_registration(request.person):
            return denied(request, DENIED_MESSAGES["registration"])
        self.person: Person = request.person
        self.subscriber = request.person.subscriber
        return super().dispatch(request, *args, **kwargs)

    def get_prefix(self, request: HttpRequest, *args: object, **kwargs: object) -> str:
        return "registration-change"

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        """A fresh form with a new token: the key of "one change request per submission".

        ID copies the previous, never submitted form stored are deleted: nothing
        refers to them, and nobody should keep a copy of a passport for nothing.
        """
        self._forget_id_documents()
        self.storage.reset()
        self.storage.current_step = self.steps.first
        self.storage.extra_data = {"token": str(uuid.uuid4()), "id_documents": {}}
        return self.render(self.get_form())

    def post(self, *args: object, **kwargs: object) -> HttpResponse:
        request = self.request
        submitted = self._submitted(request.POST.get(f"{SUBMIT}-token", ""))
        if submitted is not None:
            # A double click, a replayed POST or a back-button resubmit.
            return redirect("change_request_submitted", reference=submitted.reference)
        refused = self._refused_sections(request.POST.getlist(f"{TYPE}-sections"))
        if refused:
            # Options the matrix does not give this person are not on the page:
            # posting them anyway is refused, not corrected (manual §7.2).
            return denied(request, DENIED_MESSAGES["representative"])
        response = super().post(*args, **kwargs)
        self._save_id_documents()
        return response

    def _refused_sections(self, posted: list[str]) -> list[str]:
        permitted = {section.value for section in allowed_sections(self.person)}
        return [value for value in posted if value in Section.values and value not in permitted]

    def _submitted(self, token: str) -> ChangeRequest | None:
        try:
            value = uuid.UUID(token)
        except ValueError:
            return None
        return ChangeRequest.objects.filter(wizard_token=value, subscriber=self.subscriber).first()

    def token(self) -> uuid.UUID:
        extra = self.storage.extra_data
        if "token" not in extra:
            extra["token"] = str(uuid.uuid4())
            self.storage.extra_data = extra
        return uuid.UUID(extra["token"])

    def id_documents(self) -> dict[str, dict[str, str]]:
        """The ID copies this wizard stored, by stored name (shared with the forms)."""
        if not hasattr(self, "_id_documents"):
            self._id_documents = dict(self.storage.extra_data.get("id_documents", {}))
        return self._id_documents

    def _forget_id_documents(self) -> None:
        extra = self.storage.extra_data
        if not extra.get("id_documents") or self._submitted(extra.get("token", "")) is not None:
            return
        for stored_name in extra["id_documents"]:
            delete_id_document(stored_name)

    def _save_id_documents(self) -> None:
        # Not into a wizard that was just submitted (and reset).
        if hasattr(self, "_id_documents") and self.storage.current_step is not None:
            extra = self.storage.extra_data
            extra["id_documents"] = self._id_documents
            self.storage.extra_data = extra

    def chosen_sections(self) -> list[str]:
        data = self.storage.get_step_data(TYPE)
        if data is None:
            return []
        return data.getlist(f"{TYPE}-sections")

    # -- forms ------------------------------------------------------------

    def get_form_kwargs(self, step: str | None = None) -> dict[str, object]:
        section = STEP_SECTIONS.get(step or "")
        if step == TYPE:
            return {"person": self.person}
        if section in SUBSCRIBER_FIELDS:
            return {"subscriber": self.subscriber}
        if section in PERSON_FIELDS:
            kwargs: dict[str, object] = {
                "form_kwargs": {"subscriber": self.subscriber, "id_documents": self.id_documents()}
            }
            if section == Section.REPRESENTATIVES:
                kwargs["contacts_chosen"] = Section.CONTACTS.value in self.chosen_sections()
            return kwargs
        return {}

    def get_form_initial(self, step: str) -> object:
        """Every section prefilled with the registration as it is (manual §7.2, point 2):
        the persons sections with one row per active person of that role."""
        section = STEP_SECTIONS.get(step)
        if section in SUBSCRIBER_FIELDS:
            return subscriber_values(self.subscriber, SUBSCRIBER_FIELDS[section])
        if section in PERSON_FIELDS:
            persons = self.subscriber.persons.filter(status=Person.Status.ACTIVE)
            if section == Section.REPRESENTATIVES:
                persons = persons.filter(is_representative=True)
            else:
                persons = persons.exclude(contact_authorisation=Person.ContactAuthorisation.NONE)
            fields = self.form_list[step].form.VALUE_FIELDS
            return [
                {"person": person.pk, **person_values(person, fields)}
                for person in persons.order_by("surname", "given_name", "pk")
            ]
        if step == SUBMIT:
            return {"token": self.token()}
        return {}

    def get_form_step_data(self, form: Any) -> Any:
        data = super().get_form_step_data(form)
        if isinstance(form, forms.BasePersonFormSet):
            # What the rows changed in their data (the stored names of ID copies).
            data = data.copy()
            for row in form.forms:
                stored = row.add_prefix("id_document_stored")
                if row.data is not form.data and stored in row.data:
                    data[stored] = row.data[stored]
        return data

    def get_form_step_files(self, form: Any) -> dict[str, object]:
        return {}

    # -- context ----------------------------------------------------------

    def get_context_data(self, form: Any, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(form=form, **kwargs)
        current = self.steps.current
        names = list(self.get_form_list())
        context.update(
            {
                "step_bar": [
                    {
                        "number": index,
                        "label": LABELS[name],
                        "current": name == current,
                        "done": index - 1 < names.index(current),
                    }
                    for index, name in enumerate(names, start=1)
                ],
                "step_template": f"registration/steps/{current}.html",
                "subscriber": self.subscriber,
            }
        )
        if current == TYPE:
            permitted = allowed_sections(self.person)
            context["without_representatives"] = Section.REPRESENTATIVES not in permitted
            context["without_cancel"] = Section.CANCEL not in permitted
        if current == SUBMIT:
            sections = self.sections()
            context["blocks"] = describe(sections)
            context["print_and_sign"] = needs_print_and_sign(sections)
        return context

    # -- submitting -------------------------------------------------------

    def valid_forms(self, *, last: bool = True) -> OrderedDict[str, Any] | tuple[str, Any]:
        """Every step's form (without "Indienen" unless ``last``), validated again from
        storage; or the first step that fails."""
        valid: OrderedDict[str, Any] = OrderedDict()
        for name in self.get_form_list():
            if name == SUBMIT and not last:
                continue
            form = self.get_form(
                step=name,
                data=self.storage.get_step_data(name),
                files=self.storage.get_step_files(name),
            )
            if not form.is_valid():
                return name, form
            valid[name] = form
        return valid

    def sections(self, form_dict: dict[str, Any] | None = None) -> dict[str, Any]:
        """The change request's ``sections`` from the steps' forms."""
        if form_dict is None:
            valid = self.valid_forms(last=False)
            form_dict = valid if isinstance(valid, OrderedDict) else {}
        sections: dict[str, Any] = {}
        for section, name in SECTION_STEPS.items():
            form = form_dict.get(name)
            if form is None:
                continue
            sections[section.value] = form.section_data()
        return sections

    def render_done(self, form: Any, **kwargs: object) -> HttpResponse:
        """Revalidate every step, submit; reset the wizard only on success."""
        valid = self.valid_forms()
        if not isinstance(valid, OrderedDict):
            submitted = self._submitted(str(self.token()))
            if submitted is not None:
                return redirect("change_request_submitted", reference=submitted.reference)
            name, failed = valid
            return self.render_revalidation_failure(name, failed, **kwargs)
        response = self.done(list(valid.values()), form_dict=valid, **kwargs)
        if isinstance(response, HttpResponseRedirect) and response.url.endswith("/ingediend/"):
            self.storage.reset()
        return response

    def done(self, form_list: object, form_dict: dict[str, Any], **kwargs: object) -> HttpResponse:
        try:
            change_request = change_request_submit(
                token=self.token(),
                subscriber=self.subscriber,
                submitted_by=self.person,
                sections=self.sections(form_dict),
                login_certificate=login_certificate_data(self.request),
                language=translation.get_language(),
            )
        except ChangeAlreadySubmitted as submitted:
            change_request = submitted.change_request
        except ChangeNotAllowed as refused:
            return denied(self.request, refused.message)
        return redirect("change_request_submitted", reference=change_request.reference)
