from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certificates.ca.base import CAUnavailable
from certificates.ca.local import ca_dir
from certificates.ca_records import CADirectoryError, issuing_ca_for_slug, issuing_cas_register
from certificates.models import IssuanceProfile


class Command(BaseCommand):
    help = (
        "Register every CA certificate <slug>.crt in the CA directory (default PORTAL_CA_DIR) "
        "and the chain certificates those files hold as issuing CAs in the database, parents "
        "first; issuing needs them. Idempotent. Then warns about every issuance profile whose "
        "CA is still not registered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, metavar="DIR", help="The CA directory (default PORTAL_CA_DIR)."
        )

    def handle(self, *args: object, dir: Path | None, **options: object) -> None:  # noqa: A002
        if dir is None:
            try:
                dir = ca_dir()
            except CAUnavailable as exc:
                raise CommandError(str(exc)) from None
        try:
            registered = issuing_cas_register(directory=dir)
        except CADirectoryError as exc:
            raise CommandError(str(exc)) from None

        for ca in registered:
            where = ca.path.name if ca.slug else f"{ca.path.name} (chain)"
            state = "registered" if ca.created else "already registered"
            parent = f", issued by {ca.record.parent.name!r}" if ca.record.parent else ", a root"
            self.stdout.write(
                f"{where}: {state} as {ca.record.name!r}"
                f" (generation {ca.record.generation or '-'}{parent})"
            )
            if not ca.issuer_found:
                self.stderr.write(
                    self.style.WARNING(
                        f"Warning: no certificate in {dir} signed {ca.path.name}: put its "
                        "issuer's certificate there (the built-in CA needs the chain up to the "
                        "root) and run ca_register again."
                    )
                )
        created = sum(ca.created for ca in registered)
        self.stdout.write(
            self.style.SUCCESS(
                f"{created} CA(s) registered, {len(registered) - created} already registered."
            )
        )
        self._warn_unregistered_profiles()

    def _warn_unregistered_profiles(self) -> None:
        """Each issuance profile (and its products) that cannot issue for want of a
        registered CA, as the CA backend sees it (PORTAL_CA_BACKEND, PORTAL_CA_DIR)."""
        for profile in IssuanceProfile.objects.prefetch_related("products").order_by("code"):
            try:
                issuing_ca_for_slug(profile.ca_slug)
            except CAUnavailable as exc:
                products = ", ".join(p.code for p in profile.products.all()) or "no products"
                self.stderr.write(
                    self.style.WARNING(
                        f"Warning: issuance profile {profile.code!r} ({products}) cannot issue: "
                        f"{exc}"
                    )
                )
