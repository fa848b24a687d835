"""Deploy checks: `manage.py check --deploy` refuses a development login and warns
when nobody could log in (no trust bundle, no proxy secret)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def dev_login_off(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.PORTAL_DEV_LOGIN:
        return [
            Error(
                "The development login (PORTAL_DEV_LOGIN) is on.",
                hint="Unset PORTAL_DEV_LOGIN and DEBUG in production.",
                id="portal.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def trust_bundle_configured(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.PORTAL_TRUST_BUNDLE is None:
        return [
            Warning(
                "No trust bundle for login certificates: nobody can log in.",
                hint="Set PORTAL_TRUST_BUNDLE or PORTAL_PKI_DIR.",
                id="portal.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def proxy_secret_configured(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if not settings.PORTAL_PROXY_SECRET:
        return [
            Warning(
                "No proxy secret: forwarded client certificates never count, nobody can log in.",
                hint=(
                    "Run `manage.py nginx_conf --pki DIR …` (or demo_pki --out DIR) to create "
                    "DIR/proxy-secret, set PORTAL_PKI_DIR=DIR or PORTAL_PROXY_SECRET_FILE, "
                    "and restart the portal."
                ),
                id="portal.W002",
            )
        ]
    return []
