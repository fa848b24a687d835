"""Invisible and reading-direction characters are refused in every text a person types
(issue 11, point 4)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError

from certificates.forms import RevocationRequestForm
from core.admin_workqueue import NoteForm
from core.forms import PortalForm, PortalModelForm
from core.text import (
    InvisibleCharactersValidator,
    reject_invisible_characters,
    reject_invisible_characters_multiline,
)
from organisations.forms import ManagerDataForm
from registration.forms import CancelForm

PROJECT_PACKAGES = [
    "audit",
    "certificates",
    "core",
    "orders",
    "organisations",
    "portal",
    "registration",
    "sealing",
]
# (form, field) that may hold anything: the pasted PEM CSR (see orders/forms.py), also in
# the replacement form.
EXEMPT = {
    ("orders.forms.CertificateForm", "csr"),
    ("orders.forms.ReplacementForm", "csr"),
    ("portal.backoffice_login.BackOfficeLoginForm", "password"),
}

REFUSED = [
    *(chr(c) for c in range(0x202A, 0x202F)),  # LRE, RLE, PDF, LRO, RLO
    *(chr(c) for c in range(0x2066, 0x206A)),  # LRI, RLI, FSI, PDI
    *(chr(c) for c in range(0x200B, 0x2010)),  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space (BOM)
    "\u061c",  # Arabic letter mark
    "\u00ad",  # soft hyphen
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\x00",
    "\x07",
    "\t",
    "\x1b",
    "\x7f",
    "\x85",
]


@pytest.mark.parametrize("character", REFUSED, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_and_bidi_characters_are_refused(character):
    with pytest.raises(ValidationError) as refused:
        reject_invisible_characters(f"Jan{character}sen")

    message = refused.value.messages[0]
    assert message.startswith("Dit veld bevat onzichtbare tekens of tekens die de leesrichting")
    assert f"U+{ord(character):04X}" in message


def test_the_message_names_the_code_point_and_its_name():
    with pytest.raises(ValidationError) as refused:
        reject_invisible_characters("Jan\u202esnesaJ")

    assert refused.value.messages == [
        "Dit veld bevat onzichtbare tekens of tekens die de leesrichting omdraaien "
        "(U+202E RIGHT-TO-LEFT OVERRIDE). Verwijder ze."
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Jan Jansen",
        "Zoë d'Ancona-Ñúñez",
        "Müller ß Łódź Ærøskøbing",
        "Ελένη Παπαδοπούλου",
        "محمد",  # right-to-left script itself is fine; only the controls are refused
        "山田 太郎",
        "info@voorbeeld.nl",
        "",
    ],
)
def test_ordinary_text_in_any_script_passes(text):
    reject_invisible_characters(text)


def test_a_text_area_keeps_its_line_breaks_and_nothing_else():
    reject_invisible_characters_multiline("regel 1\r\nregel 2\nregel 3")
    with pytest.raises(ValidationError):
        reject_invisible_characters("regel 1\nregel 2")
    with pytest.raises(ValidationError):
        reject_invisible_characters_multiline("regel 1\n\u202eregel 2")
    with pytest.raises(ValidationError):
        reject_invisible_characters_multiline("kolom\tkolom")


def test_a_portal_form_refuses_them_in_every_text_field():
    class Example(PortalForm):
        name = forms.CharField()
        email = forms.EmailField()
        code = forms.RegexField(regex=r".*")
        note = forms.CharField(widget=forms.Textarea)
        count = forms.IntegerField()

    form = Example(
        {
            "name": "Jan\u200b",
            "email": "a\u202e@voorbeeld.nl",
            "code": "\ufeffx",
            "note": "a\nb",
            "count": 1,
        }
    )

    assert not form.is_valid()
    assert set(form.errors) == {"name", "email", "code"}
    assert "U+200B ZERO WIDTH SPACE" in form.errors["name"][0]


@pytest.mark.parametrize(
    ("form_class", "data", "field", "kwargs"),
    [
        (
            ManagerDataForm,
            {"given_name": "Karel", "surname": "Tak\u2067", "email": "karel@voorbeeld.nl"},
            "surname",
            {},
        ),
        (CancelForm, {"confirm": "on", "reason": "Te duur\r\nen \u202etraag"}, "reason", {}),
        (
            RevocationRequestForm,
            {"reason": "superseded", "confirm": "on", "explanation": "sleutel\u200dweg"},
            "explanation",
            {},
        ),
        (NoteForm, {"note": "Afgekeurd\ufeff"}, "note", {"label": "Reden"}),
    ],
)
def test_the_portals_forms_refuse_them(form_class, data, field, kwargs):
    form = form_class(data, **kwargs)

    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert "Verwijder ze." in form.errors[field][0]


def test_a_reason_over_several_lines_is_accepted():
    form = CancelForm({"confirm": "on", "reason": "Te duur\r\nen te traag"})

    assert form.is_valid(), form.errors


def _project_form_classes() -> list[type[forms.BaseForm]]:
    for package in PROJECT_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    found, queue = [], [forms.BaseForm]
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_PACKAGES and cls.__module__ != __name__:
            found.append(cls)
    return found


def test_every_text_field_of_every_form_of_the_portal_refuses_them():
    form_classes = _project_form_classes()
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in form_classes}
    # The forms issue 11 names, as a check that the walk finds them.
    assert {
        "orders.forms.ManagerForm",
        "registration.forms.OrganisationForm",
        "registration.forms.CancelForm",
        "organisations.forms.ManagerDataForm",
        "certificates.forms.RevocationRequestForm",
        "certificates.forms_csr.CsrAssistantForm",
        "sealing.forms.SealCheckForm",
        "core.admin_workqueue.NoteForm",
    } <= names

    unguarded, exempt = [], set()
    for cls in form_classes:
        name = f"{cls.__module__}.{cls.__qualname__}"
        assert issubclass(cls, (PortalForm, PortalModelForm)), (
            f"{name} does not derive from core.forms.PortalForm (or PortalModelForm)"
        )
        for field_name, field in cls.base_fields.items():
            if not isinstance(field, forms.CharField):
                continue
            validators = [
                v for v in field.validators if isinstance(v, InvisibleCharactersValidator)
            ]
            if field_name in cls.invisible_characters_allowed:
                exempt.add((name, field_name))
            elif validators != [
                reject_invisible_characters_multiline
                if isinstance(field.widget, forms.Textarea)
                else reject_invisible_characters
            ]:
                unguarded.append(f"{name}.{field_name}")
    assert unguarded == []
    assert exempt == EXEMPT
