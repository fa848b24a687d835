"""The base of every form of the portal: its text fields refuse invisible characters."""

from __future__ import annotations

from django import forms
from django.forms.forms import DeclarativeFieldsMetaclass
from django.forms.models import ModelFormMetaclass

from core.text import (
    InvisibleCharactersValidator,
    reject_invisible_characters,
    reject_invisible_characters_multiline,
)


def guard_text_fields(fields: dict[str, forms.Field], *, exempt: tuple[str, ...] = ()) -> None:
    """Give every CharField (EmailField, RegexField, … included) the invisible-characters
    validator; a text area keeps its line breaks."""
    for name, field in fields.items():
        if name in exempt or not isinstance(field, forms.CharField):
            continue
        if any(isinstance(v, InvisibleCharactersValidator) for v in field.validators):
            continue
        multiline = isinstance(field.widget, forms.Textarea)
        field.validators.append(
            reject_invisible_characters_multiline if multiline else reject_invisible_characters
        )


class PortalFormMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, object]) -> type:  # noqa: N804
        new_class = super().__new__(mcs, name, bases, attrs)
        guard_text_fields(new_class.base_fields, exempt=new_class.invisible_characters_allowed)
        return new_class


class PortalForm(forms.Form, metaclass=PortalFormMetaclass):
    """Every form a person fills in derives from this (a test enumerates them), so no text
    field can forget ``core.text``'s check (issue 11, point 4)."""

    # Fields that are not text a person reads back (pasted machine data such as a PEM CSR,
    # checked by its own parser); each one says why.
    invisible_characters_allowed: tuple[str, ...] = ()


class PortalModelFormMetaclass(ModelFormMetaclass):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, object]) -> type:  # noqa: N804
        new_class = super().__new__(mcs, name, bases, attrs)
        guard_text_fields(
            new_class.base_fields,
            exempt=getattr(new_class, "invisible_characters_allowed", ()),
        )
        return new_class


class PortalModelForm(forms.ModelForm, metaclass=PortalModelFormMetaclass):
    """``PortalForm`` for a form over a model that an officer fills in in the back office
    (a replacement campaign's name and message): the same check on its text fields,
    the model's own fields included."""

    invisible_characters_allowed: tuple[str, ...] = ()
