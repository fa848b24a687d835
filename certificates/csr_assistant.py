"""The CSR assistant: the OpenSSL recipe of the Digidentity instruction, prefilled.

Seed: ``digidentity-csr-instructions.nl.txt``, "Instructie aanmaken CSR" steps
[1]–[4]: write ``voorbeeldbv.cnf``, ``openssl genrsa``, ``openssl req``, and up
to ten DNS names in ``[alt_names]``.

OpenSSL 3 already knows 2.5.4.97 as ``organizationIdentifier``: the seed's
``oid_section`` that defines it again as ``organizationOID`` makes ``openssl
req`` stop with "OBJ_create: oid exists" and write no CSR (SPEC.md §7). So the
default config says ``organizationIdentifier = <OIN>`` and has no
``oid_section``; the seed's form is only offered for OpenSSL 1.1 and older.
"""

from __future__ import annotations

import re
import unicodedata

from certificates.csr import MAX_SANS, is_host_name

# What OpenSSL's config parser (crypto/conf/conf_def.c) treats specially in a
# value: quotes, the escape character, "$" (variable expansion) and "#"
# (comment). Leading and trailing blanks are trimmed. Anything else is literal.
_CONF_SPECIAL = re.compile(r"[\"'`\\#$]")
_OIN = re.compile(r"^[0-9]{20}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def conf_value(text: str) -> str:
    """``text`` as a value OpenSSL's config parser reads back unchanged.

    Control characters (a newline would start a new key or section) are
    refused; a value with a quote, backslash, ``$`` or ``#`` is written in
    double quotes with ``"`` and ``\\`` escaped, so it can neither expand a
    variable nor end in a comment.
    """
    if not text:
        raise ValueError("an OpenSSL config value cannot be empty")
    if any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} for char in text):
        raise ValueError(f"control character in OpenSSL config value {text!r}")
    if _CONF_SPECIAL.search(text) or text != text.strip():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _checked_host_names(host_names: list[str]) -> list[str]:
    if not 1 <= len(host_names) <= MAX_SANS:
        raise ValueError(f"1 to {MAX_SANS} host names, not {len(host_names)}")
    for name in host_names:
        if not is_host_name(name):
            raise ValueError(f"not a host name: {name!r}")
    if len(set(host_names)) != len(host_names):
        raise ValueError("duplicate host names")
    return host_names


def openssl_config(
    *,
    organization: str,
    oin: str,
    country: str,
    host_names: list[str],
    legacy_oid_section: bool = False,
) -> str:
    """The instruction's ``voorbeeldbv.cnf`` for this organisation and these host names.

    Seed: "Instructie aanmaken CSR" [1] and [4]. The first host name is the
    commonName and DNS.1 ("Eerste servernaam in subjectAltName moet gelijk
    zijn aan servernaam in commonName"). ``legacy_oid_section`` gives the
    seed's own form for OpenSSL 1.1 and older, which OpenSSL 3 refuses.
    """
    hosts = _checked_host_names(host_names)
    if not _OIN.match(oin):
        raise ValueError(f"an OIN is 20 digits, not {oin!r}")
    if not _COUNTRY.match(country):
        raise ValueError(f"a country code is 2 capital letters, not {country!r}")
    oin_key = "organizationOID" if legacy_oid_section else "organizationIdentifier"

    lines = ["oid_section = OIDs", ""] if legacy_oid_section else []
    lines += [
        "[ req ]",
        "default_bits       = 2048",
        "encrypt_key        = no",
        "default_md         = sha256",
        "utf8               = yes",
        "string_mask        = utf8only",
        "prompt             = no",
        "distinguished_name = req_distinguished_name",
        "req_extensions     = req_ext",
        "",
    ]
    if legacy_oid_section:
        lines += ["[ OIDs ]", "organizationOID = 2.5.4.97", ""]
    lines += [
        "[ req_distinguished_name ]",
        f"countryName      = {country}",
        f"organizationName = {conf_value(organization)}",
        f"{oin_key} = {oin}",
        f"serialNumber     = {oin}",
        f"commonName       = {hosts[0]}",
        "",
        "[ req_ext ]",
        "subjectAltName = @alt_names",
        "",
        "[ alt_names ]",
        *(f"DNS.{number} = {name}" for number, name in enumerate(hosts, start=1)),
    ]
    return "\n".join(lines) + "\n"


def openssl_commands(*, basename: str) -> list[str]:
    """Steps [2] and [3] of the instruction, and a check of the result.

    ``openssl genrsa`` writes the private key (2048 bits as in the seed; 3072
    is also accepted), ``openssl req`` the CSR from the key and the config,
    and ``openssl req -verify`` shows the CSR and checks its signature.
    """
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", basename):
        raise ValueError(f"unsafe base name {basename!r}")
    return [
        f"openssl genrsa -out {basename}.key 2048",
        f"openssl req -new -sha256 -out {basename}.csr -key {basename}.key -config {basename}.cnf",
        f"openssl req -in {basename}.csr -noout -text -verify",
    ]


def base_name(host_names: list[str]) -> str:
    """File names for the key, CSR and config: the first host name, safe characters only."""
    first = host_names[0] if host_names else ""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", first).strip("._-")
    return safe[:100] or "csr"
