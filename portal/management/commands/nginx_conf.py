from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import proxy_secret
from portal import nginx

ADDRESS = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$")


class Command(BaseCommand):
    help = "Write PREFIX/nginx.conf: TLS with optional client certificates in front of the portal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pki", required=True, type=Path, metavar="DIR")
        parser.add_argument("--listen", required=True, metavar="HOST:PORT")
        parser.add_argument("--upstream", required=True, metavar="HOST:PORT")
        parser.add_argument("--prefix", required=True, type=Path, metavar="DIR")
        parser.add_argument(
            "--trust-bundle",
            type=Path,
            default=None,
            metavar="FILE",
            help=(
                "The smartcard CAs nginx accepts client certificates from (default "
                "PKI/trust-bundle.pem); the portal checks against PORTAL_TRUST_BUNDLE."
            ),
        )
        parser.add_argument(
            "--proxy-bind",
            default="",
            metavar="ADDR",
            help="Source address nginx connects to the portal from (PORTAL_TRUSTED_PROXIES).",
        )
        parser.add_argument(
            "--http-listen",
            default="",
            metavar="HOST:PORT",
            help=(
                "Also serve plain HTTP here: the CRLs and CA certificates under the path of "
                "PORTAL_CRL_BASE_URL, everything else redirected to HTTPS."
            ),
        )

    def handle(
        self,
        *args: object,
        pki: Path,
        listen: str,
        upstream: str,
        prefix: Path,
        proxy_bind: str,
        http_listen: str,
        trust_bundle: Path | None,
        **options: object,
    ) -> None:
        addresses = [("--listen", listen), ("--upstream", upstream)]
        if http_listen:
            addresses.append(("--http-listen", http_listen))
        for name, value in addresses:
            if not ADDRESS.match(value):
                raise CommandError(f"{name} must be HOST:PORT, not {value!r}")
        crl_base_path = ""
        if http_listen:
            try:
                crl_base_path = nginx.crl_path(settings.PORTAL_CRL_BASE_URL)
            except ValueError as error:
                raise CommandError(str(error)) from None
        pki = pki.resolve()
        bundle = (trust_bundle or pki / "trust-bundle.pem").resolve()
        for needed in (pki / "server.crt", pki / "server.key", bundle):
            if not needed.exists():
                raise CommandError(f"{needed} is missing: run `manage.py demo_pki` first")
        portal_bundle = settings.PORTAL_TRUST_BUNDLE
        if portal_bundle is not None and Path(portal_bundle).resolve() != bundle:
            # nginx and the portal each check the chain: two bundles drift apart.
            self.stderr.write(
                f"Warning: nginx accepts client certificates from {bundle}, the portal "
                f"checks them against PORTAL_TRUST_BUNDLE={portal_bundle}. Use one file "
                "(--trust-bundle), or keep both the same."
            )
        # nginx includes PKI/proxy-secret.conf; the portal reads PKI/proxy-secret.
        proxy_secret.ensure(pki)
        prefix = prefix.resolve()
        prefix.mkdir(parents=True, exist_ok=True)
        config = nginx.render(
            pki=pki,
            listen=listen,
            upstream=upstream,
            prefix=prefix,
            proxy_bind=proxy_bind,
            http_listen=http_listen,
            crl_base_path=crl_base_path,
            trust_bundle=bundle,
        )
        (prefix / "nginx.conf").write_text(config)
        self.stdout.write(self.style.SUCCESS(f"Wrote {prefix / 'nginx.conf'}"))
