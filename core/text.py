"""Text a person types: nothing invisible, nothing that turns the reading direction.

A name with U+202E RIGHT-TO-LEFT OVERRIDE reverses what follows it on a page,
in the sealed PDF, in an e-mail and in a spreadsheet; a zero-width space makes
two names that look the same differ (Unicode Technical Report #36, "Unicode
Security Considerations"; CVE-2021-42574, "Trojan Source"). The Unicode
categories refused cover every such character: Cc (controls, NUL to U+001F and
U+007F to U+009F), Cf (format: the bidi controls U+202A–U+202E and
U+2066–U+2069, the zero-width U+200B–U+200F, U+2060 and U+FEFF, the soft
hyphen), Zl and Zp (line and paragraph separators), Cs and Co (lone surrogates
and private-use characters, which no font shows the same way). A multi-line
text area keeps its line breaks (CR and LF), nothing else. The CSR checks
(certificates/csr.py) refuse the same characters in a subject and show them
escaped in their messages.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
LINE_BREAKS = frozenset("\r\n")

MESSAGE = _(
    "Dit veld bevat onzichtbare tekens of tekens die de leesrichting omdraaien "
    "(%(character)s). Verwijder ze."
)


def is_invisible(character: str) -> bool:
    return unicodedata.category(character) in REFUSED_CATEGORIES


def invisible_characters(value: str, *, multiline: bool = False) -> list[str]:
    """The characters of ``value`` a person cannot see, each once, in order."""
    found = (c for c in value if is_invisible(c) and not (multiline and c in LINE_BREAKS))
    return list(dict.fromkeys(found))


def first_invisible_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` a person cannot see, or None."""
    found = invisible_characters(value, multiline=multiline)
    return found[0] if found else None


def escaped(text: str) -> str:
    """``text`` with every invisible character written as a Python escape (``\\x00``,
    ``\\u202e``): a message can quote untrusted text without it acting on the page."""
    return "".join(_escape(c) if is_invisible(c) else c for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


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
