"""Driving the order wizards through the Django test client, step by step."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from organisations.models import Person

# Buttons outside the step's form.
UNPREFIXED = {"wizard_goto_step", "csr_preview"}
DECLARATIONS = ["truthful", "terms", "manager", "secure_key", "prices", "publication", "domain"]


def prefix_of(response) -> str:  # noqa: ANN001
    """The management form's prefix, read from the rendered page."""
    match = re.search(r'name="([\w-]+)-current_step"', response.content.decode())
    assert match, "no wizard management form on the page"
    return match.group(1)


def post_step(client: Client, url: str, prefix: str, step: str, data: dict | None = None, **extra):  # noqa: ANN003, ANN201
    payload = {f"{prefix}-current_step": step}
    for key, value in (data or {}).items():
        payload[key if key in UNPREFIXED else f"{step}-{key}"] = value
    return client.post(url, payload, **extra)


def current_step(response) -> str:  # noqa: ANN001
    match = re.search(r'name="[\w-]+-current_step"[^>]*value="(\w+)"', response.content.decode())
    if match is None:
        match = re.search(
            r'value="(\w+)"[^>]*name="[\w-]+-current_step"', response.content.decode()
        )
    assert match, "no current step on the page"
    return match.group(1)


def manager_choice(person: Person | None = None, **new: str) -> dict[str, object]:
    if person is not None:
        return {"choice": "existing", "manager": person.pk}
    return {"choice": "new", **new}


def walk_to_final_step(
    client: Client,
    url: str,
    *,
    csr_pem: str,
    manager: dict[str, object],
    product_id: int | None = None,
) -> tuple[str, str]:
    """GET the wizard and post steps 1–5; return (prefix, token) on step 6."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    prefix = prefix_of(response)
    response = post_step(client, url, prefix, "contactpersoon")
    assert current_step(response) == "certificaatbeheerder"
    response = post_step(client, url, prefix, "certificaatbeheerder", manager)
    assert current_step(response) == "certificaat", response.content.decode()[-3000:]
    certificate = {"csr": csr_pem}
    if product_id is not None:
        certificate["product"] = product_id
    response = post_step(client, url, prefix, "certificaat", certificate)
    assert current_step(response) == "controle", _errors(response)
    response = post_step(client, url, prefix, "controle")
    assert current_step(response) == "voorwaarden"
    response = post_step(client, url, prefix, "voorwaarden", {code: "on" for code in DECLARATIONS})
    assert current_step(response) == "afronding", _errors(response)
    token = re.search(r'name="afronding-token"[^>]*value="([0-9a-f-]+)"', response.content.decode())
    if token is None:
        token = re.search(
            r'value="([0-9a-f-]{36})"[^>]*name="afronding-token"', response.content.decode()
        )
    assert token, "no token on the final step"
    return prefix, token.group(1)


def place(client: Client, url: str, prefix: str, token: str):  # noqa: ANN201
    return post_step(client, url, prefix, "afronding", {"token": token})


def _errors(response) -> str:  # noqa: ANN001
    form = response.context["form"] if response.context else None
    return str(form.errors.as_data()) if form is not None else ""


def new_order_url(family: str = "pkio") -> str:
    return reverse("order_wizard", args=[family])
