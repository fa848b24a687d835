"""The language a customer's documents and e-mails are in."""

from __future__ import annotations

from django.utils import translation


def supported_language(code: str | None) -> str:
    """``code`` if the portal speaks it (or a variant of it), else Dutch."""
    try:
        return translation.get_supported_language_variant(code or "nl")
    except LookupError:
        return "nl"
