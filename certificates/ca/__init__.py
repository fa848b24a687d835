"""The CA backend (SPEC.md §9): ``ca_backend()`` returns the configured implementation.

``PORTAL_CA_BACKEND`` names the class (default the built-in
``certificates.ca.local.LocalCA``); one instance per process.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from certificates.ca.base import (
    CAUnavailable,
    CertificateAuthority,
    IssuedCertificate,
    IssueRequest,
    ProfileData,
    SubjectData,
)
from core.health import Check

logger = logging.getLogger("portal.health")

__all__ = [
    "CAUnavailable",
    "CertificateAuthority",
    "IssueRequest",
    "IssuedCertificate",
    "ProfileData",
    "SubjectData",
    "ca_backend",
    "ca_check",
]


@lru_cache
def _backend(dotted_path: str) -> CertificateAuthority:
    return import_string(dotted_path)()


def ca_backend() -> CertificateAuthority:
    """The configured CA backend, one instance per process and setting value."""
    return _backend(settings.PORTAL_CA_BACKEND)


def ca_check() -> Check:
    """Readiness (``/readyz``): the configured CA backend could issue now (its keys load).
    The reason is logged; the answer only says that it failed."""
    try:
        ca_backend().check()
    except (CAUnavailable, OSError) as error:
        logger.warning("Readiness: CA backend unavailable: %s", error)
        return Check(ok=False, detail="CA keys not loadable")
    return Check(ok=True)
