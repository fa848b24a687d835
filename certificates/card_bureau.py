"""The demo card bureau: makes the keys of a new card and hands them over once (SPEC.md §10).

DEMO MATERIAL ONLY. A real card bureau generates the keys on the card, and the
private keys never leave it. With the built-in demo CA there is no card: the
keys are made here, outside the database, one per entry of the profile's
``key_usages``, and written once to ``PORTAL_PKI_DIR/cards``:

- ``<pasnummer>.p12``: the first certificate (a personal card's authenticity
  certificate, the one that logs in, like ``clients/<slug>.p12``) with its key
  and the CA chain;
- ``<pasnummer>-<usage>.p12`` for each further certificate (``-signature``,
  ``-encryption``), each with its key and the CA chain.

Password ``demo`` (``demo_pki.P12_PASSWORD``). The private keys are never stored
in the database, and a file is never overwritten: it is created exclusively.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings

from certificates.ca.base import CAUnavailable, ProfileData
from certificates.demo_pki import P12_PASSWORD

CARD_KEY_SIZE = 2048
README = (
    "DEMO MATERIAL written by the portal's demo card bureau (certificates/card_bureau.py).\n"
    "Each <pasnummer>.p12 holds a demo card's first (authenticity) certificate and key,\n"
    "<pasnummer>-<usage>.p12 its other certificates. Password: demo.\n"
    "Never use these keys for anything real.\n"
)

CardKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class CardKeys:
    """The keys of one new card, in the order of the profile's ``key_usages``."""

    keys: tuple[CardKey, ...]

    @property
    def public_keys(self) -> tuple[bytes, ...]:
        """SubjectPublicKeyInfo (DER) each, for ``IssueRequest.public_keys``."""
        return tuple(
            key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            for key in self.keys
        )


def cards_dir() -> Path:
    if settings.PORTAL_PKI_DIR is None:
        raise CAUnavailable("PORTAL_PKI_DIR is not set: the demo card bureau has nowhere to write")
    return Path(settings.PORTAL_PKI_DIR) / "cards"


def card_file(number: str, usage: str = "", *, first: bool = True) -> Path:
    """Where the demo card bureau writes card ``number``'s certificate of ``usage``."""
    return cards_dir() / (f"{number}.p12" if first else f"{number}-{usage}.p12")


def card_number_new(taken: Callable[[str], bool] | None = None) -> str:
    """A new pasnummer: 8 digits as in the seed (46980946), not yet used by a file.

    The database's unique ``Card.number`` is the guarantee; the caller draws again
    on a collision there (``taken`` tells whether a number is used).
    """
    while True:
        number = f"{secrets.randbelow(9 * 10**7) + 10**7}"
        if card_file(number).exists():
            continue
        if taken is not None and taken(number):
            continue
        return number


def card_keys_make(profile: ProfileData) -> CardKeys:
    """One new key per certificate of ``profile`` (RSA when the profile certifies RSA)."""
    keys: list[CardKey] = []
    for _usages in profile.key_usages:
        if "rsa" in profile.key_types:
            keys.append(rsa.generate_private_key(public_exponent=65537, key_size=CARD_KEY_SIZE))
        else:
            keys.append(ec.generate_private_key(ec.SECP256R1()))
    return CardKeys(tuple(keys))


def card_keys_write(
    *,
    number: str,
    keys: CardKeys,
    certificates: Sequence[x509.Certificate],
    usages: Sequence[str],
    chain: Sequence[x509.Certificate],
) -> list[Path]:
    """Write the card's keys and certificates once (see the module docstring).

    Raises FileExistsError if a file of this card exists already: a card's keys
    are handed over once. Returns the files written.
    """
    directory = cards_dir()
    directory.mkdir(parents=True, exist_ok=True)
    readme = directory / "README.txt"
    if not readme.exists():
        readme.write_text(README)
    paths = [card_file(number, usage, first=index == 0) for index, usage in enumerate(usages)]
    if existing := [path for path in paths if path.exists()]:
        raise FileExistsError(f"Card {number}: {existing[0]} was handed over already")
    written: list[Path] = []
    try:
        for path, key, certificate, usage in zip(
            paths, keys.keys, certificates, usages, strict=True
        ):
            p12 = pkcs12.serialize_key_and_certificates(
                f"DEMO {number} {usage}".encode(),
                key,
                certificate,
                list(chain),
                serialization.BestAvailableEncryption(P12_PASSWORD),
            )
            # "x": exclusive creation, so a second hand-over fails instead of overwriting.
            with open(path, "xb", opener=_private_opener) as handle:
                written.append(path)
                handle.write(p12)
    except BaseException:
        card_files_remove(written)
        raise
    return written


def card_files_remove(paths: Sequence[Path]) -> None:
    """Remove files written for a card whose issuance did not commit."""
    for path in paths:
        path.unlink(missing_ok=True)


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)
