"""How the portal's processes write their log lines (issue 16): one JSON object per line
in production, plain text otherwise.

Django's ``LOGGING`` (``portal/settings.py``, also the Celery worker's and beat's) and
gunicorn's own lines (``deploy/gunicorn/gunicorn.conf.py``, configured in gunicorn's
master before Django starts) take the decision and the formatters from here, so an
operator's log collector gets one format from every process.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

from core.env import envbool

FORMATS = ("json", "text")

FORMATTERS: dict[str, dict[str, Any]] = {
    "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    "json": {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": ["levelname", "name", "message"],
        "rename_fields": {"levelname": "level", "name": "logger", "exc_info": "exception"},
        "timestamp": True,
        # Django's own request lines pass the request object along: its repr holds
        # the query string. The request's fields come from the context filter.
        "reserved_attrs": [*RESERVED_ATTRS, "request"],
    },
}


def log_format() -> str:
    """``PORTAL_LOG_FORMAT``: ``json`` or ``text``; by default ``json`` with
    ``PORTAL_PRODUCTION=1``, else ``text``."""
    default = "json" if envbool("PORTAL_PRODUCTION", False) else "text"
    value = os.environ.get("PORTAL_LOG_FORMAT", default)
    if value not in FORMATS:
        raise ImproperlyConfigured(f"PORTAL_LOG_FORMAT must be json or text, not {value!r}")
    return value
