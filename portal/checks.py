"""Deploy checks: `manage.py check --deploy` refuses a development login and warns
when nobody could log in (no trust bundle, no proxy secret) and about demo PKI material."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from core import demo_material


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


@register(Tags.security, deploy=True)
def no_demo_pki(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """The same recognition as start-up in production (PORTAL_PRODUCTION, settings.py)."""
    if settings.PORTAL_ALLOW_DEMO_PKI:
        return []
    found = demo_material.demo_files(
        demo_material.pki_files(
            trust_bundle=settings.PORTAL_TRUST_BUNDLE,
            seal_cert=settings.PORTAL_SEAL_CERT,
            ca_dir=settings.PORTAL_CA_DIR,
            pki_dir=settings.PORTAL_PKI_DIR,
        )
    )
    if found:
        return [
            Warning(
                "Demo PKI material made by `manage.py demo_pki` is configured: "
                + ", ".join(str(path) for path in found),
                hint=(
                    "Configure your own trust bundle, seal, CA and nginx server certificate, "
                    "or set PORTAL_ALLOW_DEMO_PKI=1 for a demonstration deployment. "
                    "PORTAL_PRODUCTION=1 refuses to start with it."
                ),
                id="portal.W003",
            )
        ]
    return []
