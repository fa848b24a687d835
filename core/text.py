"""Text a person types: nothing invisible, nothing that turns the reading direction.

A name with U+202E RIGHT-TO-LEFT OVERRIDE reverses what follows it on a page,
in the sealed PDF, in an e-mail and in a spreadsheet; a zero-width space makes
two names that look the same differ (Unicode Technical Report #36, "Unicode
Security Considerations"; CVE-2021-42574, "Trojan Source"). The Unicode
categories refused cover every such character: Cc (controls, NUL to U+001F and
U+007F to U+009F), Cf (format: the bidi controls U+202A–U+202E and
U+2066–U+2069, the zero-width U+200B–U+200F, U+2060 and U+FEFF, the soft
hyphen), Zl and Zp (line and paragraph separators). A multi-line text area
keeps its line breaks (CR and LF), nothing else.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
LINE_BREAKS = frozenset("\r\n")

MESSAGE = _(
    "Dit veld bevat onzichtbare tekens of tekens die de leesrichting omdraaien "
    "(%(character)s). Verwijder ze."
)


def first_invisible_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` a person cannot see, or None."""
    for character in value:
        if multiline and character in LINE_BREAKS:
            continue
        if unicodedata.category(character) in REFUSED_CATEGORIES:
            return character
    return None


def describe(character: str) -> str:
    """ "U+202E RIGHT-TO-LEFT OVERRIDE": the code point and, when it has one, its name."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X} {name}".strip()


@deconstructible
class InvisibleCharactersValidator:
    """Refuse a text holding a character of ``REFUSED_CATEGORIES``, naming it."""

    code = "invisible_characters"

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        character = first_invisible_character(str(value), multiline=self.multiline)
        if character is not None:
            raise ValidationError(
                MESSAGE, code=self.code, params={"character": describe(character)}
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InvisibleCharactersValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash((type(self), self.multiline))


reject_invisible_characters = InvisibleCharactersValidator()
reject_invisible_characters_multiline = InvisibleCharactersValidator(multiline=True)
