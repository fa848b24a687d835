"""Driving the change form through the Django test client, step by step."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

MANAGEMENT = "registration-change-current_step"


def url() -> str:
    return reverse("registration_change")


def post_step(client: Client, step: str, data: dict[str, Any] | None = None, **extra: Any):  # noqa: ANN201
    payload: dict[str, Any] = {MANAGEMENT: step}
    for key, value in (data or {}).items():
        payload[key if key in ("wizard_goto_step",) else f"{step}-{key}"] = value
    return client.post(url(), payload, **extra)


def current_step(response) -> str:  # noqa: ANN001
    assert response.status_code == 200, response.status_code
    return response.context["wizard"]["steps"].current


def form_of(response):  # noqa: ANN001, ANN201
    return response.context["wizard"]["form"]


def errors(response) -> str:  # noqa: ANN001
    form = form_of(response)
    if hasattr(form, "non_form_errors"):
        return str([form.non_form_errors(), *[f.errors for f in form.forms]])
    return str(form.errors)


def choose(client: Client, *sections: str):  # noqa: ANN201
    """GET the form and post step 1 with ``sections``."""
    response = client.get(url())
    assert response.status_code == 200
    return post_step(client, "type", {"sections": list(sections)})


def prefilled(response) -> dict[str, Any]:  # noqa: ANN001
    """The step's form data as the page shows it (its initial values)."""
    form = form_of(response)
    return {
        name: ("on" if value is True else "" if value in (None, False) else value)
        for name, value in form.initial.items()
    }


def formset_data(
    response,  # noqa: ANN001
    changes: dict[int, dict[str, Any]] | None = None,
    new: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A person step's POST: the registered rows as shown, with ``changes`` per row, then
    ``new`` rows in the empty forms."""
    formset = form_of(response)
    data: dict[str, Any] = {
        "TOTAL_FORMS": len(formset.forms),
        "INITIAL_FORMS": formset.initial_form_count(),
        "MIN_NUM_FORMS": 0,
        "MAX_NUM_FORMS": 1000,
    }
    registered = [form for form in formset.forms if form.is_registered]
    for index, form in enumerate(registered):
        row = {name: value for name, value in form.initial.items() if value not in (None, "")}
        row.update((changes or {}).get(index, {}))
        data.update({f"{index}-{name}": value for name, value in row.items()})
    for offset, row in enumerate(new or []):
        index = len(registered) + offset
        assert index < len(formset.forms), "not enough empty rows"
        data.update({f"{index}-{name}": value for name, value in row.items()})
    return data


def token_of(response) -> str:  # noqa: ANN001
    match = re.search(r'name="indienen-token"[^>]*value="([0-9a-f-]+)"', response.text)
    if match is None:
        match = re.search(r'value="([0-9a-f-]{36})"[^>]*name="indienen-token"', response.text)
    assert match, "no token on the last step"
    return match.group(1)


def submit(client: Client, response):  # noqa: ANN001, ANN201
    """Post the last step ("Indienen") shown in ``response``."""
    assert current_step(response) == "indienen", errors(response)
    return post_step(client, "indienen", {"token": token_of(response)})
