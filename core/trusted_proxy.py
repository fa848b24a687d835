"""Whether a request came through nginx, so its forwarded headers count (issue 11, point 7)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from core import proxy_secret


def untrusted_because(request: HttpRequest) -> str | None:
    """Why forwarded headers (client certificate, X-Forwarded-*) do not count, or None.

    They count only from nginx: from a PORTAL_TRUSTED_PROXIES address *and*
    with the deployment's proxy secret (core/proxy_secret.py), because any
    local process reaches gunicorn on loopback too (issue 11, point 7).
    Without a configured secret nothing counts.
    """
    address = request.META.get("REMOTE_ADDR", "")
    try:
        trusted = any(
            ipaddress.ip_address(address) in network for network in settings.PORTAL_TRUSTED_PROXIES
        )
    except ValueError:
        trusted = False
    if not trusted:
        return f"untrusted address {address}"
    secret = settings.PORTAL_PROXY_SECRET
    if not secret:
        return "no proxy secret configured (PORTAL_PROXY_SECRET_FILE)"
    supplied = request.META.get(proxy_secret.META_KEY, "")
    if not hmac.compare_digest(supplied.encode(errors="replace"), secret.encode()):
        return f"missing or wrong proxy secret from {address}"
    return None


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether nginx forwarded this request, so its forwarded headers count."""
    return untrusted_because(request) is None
