"""The CA backend (SPEC.md §9): ``ca_backend()`` returns the configured implementation.

``PORTAL_CA_BACKEND`` names the class (default the built-in
``certificates.ca.local.LocalCA``); one instance per process.
"""

from __future__ import annotations

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

__all__ = [
    "CAUnavailable",
    "CertificateAuthority",
    "IssueRequest",
    "IssuedCertificate",
    "ProfileData",
    "SubjectData",
    "ca_backend",
]


@lru_cache
def _backend(dotted_path: str) -> CertificateAuthority:
    return import_string(dotted_path)()


def ca_backend() -> CertificateAuthority:
    """The configured CA backend, one instance per process and setting value."""
    return _backend(settings.PORTAL_CA_BACKEND)
