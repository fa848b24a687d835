"""Typed readers of environment variables for the settings (SPEC.md §10): a bad value
raises ImproperlyConfigured naming the variable. In core, not in ``portal/settings.py``,
because gunicorn's configuration reads some of the same variables before Django starts
(``core/log_format.py``)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def envdays(name: str, default: str) -> list[int]:
    """A comma-separated list of whole numbers of days, e.g. ``30,14,7,1``."""
    items = envlist(name, default)
    try:
        return [int(item) for item in items]
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be whole numbers of days separated by commas, e.g. {default!r}, "
            f"not {os.environ.get(name)!r}"
        ) from None


def envpath(name: str, default: Path | None = None, *, must_exist: bool = True) -> Path | None:
    value = os.environ.get(name)
    if not value:
        return default
    path = Path(value).expanduser()
    if must_exist and not path.exists():
        raise ImproperlyConfigured(f"{name} points to {path}, which does not exist")
    return path


def envnetworks(name: str, default: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in envlist(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks, {item!r} is neither"
            ) from None
    return networks


def envsecret(name: str) -> str | None:
    """The secret in the file the variable ``name`` names (a container secret), or None
    when it is unset. Trailing newlines go, as the postgres image reads
    POSTGRES_PASSWORD_FILE; an empty or unreadable file stops start-up."""
    path = envpath(name)
    if path is None:
        return None
    try:
        value = path.read_text().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(f"{name} {path} cannot be read: {error}") from None
    if not value:
        raise ImproperlyConfigured(f"{name} {path} is empty")
    return value
