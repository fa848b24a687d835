from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from cryptography import x509
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from portal import client_certificate
from portal.client_certificate import CertificateRejected
from portal.officers import VALIDATION_GROUP, OfficerError, officer_add

PASSWORD_ATTEMPTS = 3


def read_card(path: Path) -> x509.Certificate:
    """The one certificate in ``path``, PEM or DER."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read the card certificate {path}: {exc.strerror}") from None
    try:
        if b"-----BEGIN" in data:
            certificates = x509.load_pem_x509_certificates(data)
        else:
            certificates = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise CommandError(f"{path} is not a PEM or DER certificate") from None
    if len(certificates) != 1:
        raise CommandError(
            f"{path} holds {len(certificates)} certificates: give the card's authentication "
            "certificate alone"
        )
    return certificates[0]


class Command(BaseCommand):
    help = (
        "Make USERNAME a validation officer: create or update the staff user, put it in the "
        f"group {VALIDATION_GROUP!r} and map the officer's smartcard (the authentication "
        "certificate in --card) to it, which the back-office login requires. A new user's "
        "password is asked for in a terminal, or read from --password-file; never given on "
        "the command line. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--card",
            required=True,
            type=Path,
            metavar="FILE",
            help="The officer's authentication certificate (PEM or DER).",
        )
        parser.add_argument("--email", default="", help="Set the user's e-mail address.")
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="Also make the user a superuser (never taken away by leaving this out).",
        )
        parser.add_argument(
            "--password-file",
            type=Path,
            metavar="FILE",
            help=(
                "Read the password from FILE (its first line). Needed for a new user when "
                "stdin is not a terminal; for an existing user it sets the password."
            ),
        )

    def handle(
        self,
        *args: object,
        username: str,
        card: Path,
        email: str,
        superuser: bool,
        password_file: Path | None,
        **options: object,
    ) -> None:
        user_model = get_user_model()
        try:
            user_model._meta.get_field(user_model.USERNAME_FIELD).clean(username, None)
            if email:
                validate_email(email)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

        certificate = read_card(card)
        try:
            client_certificate.check(certificate)
        except CertificateRejected as rejected:
            raise CommandError(
                f"{card} would not log in ({rejected}). The back-office login checks the card "
                "as a customer's: its chain to the trust bundle (PORTAL_TRUST_BUNDLE), its "
                "validity, keyUsage digitalSignature without nonRepudiation (the card's "
                "authentication certificate, not the signature one), and revocation."
            ) from None

        exists = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).exists()
        probe = user_model(**{user_model.USERNAME_FIELD: username, "email": email})
        if password_file is not None:
            password: str | None = self._password_from_file(password_file)
            self._validate(password, probe)
        elif exists:
            password = None
        elif sys.stdin.isatty():
            password = self._password_from_terminal(username, probe)
        else:
            raise CommandError(
                f"{username!r} is a new user: give --password-file FILE, or run the command "
                "in a terminal to be asked for the password."
            )

        try:
            changes = officer_add(
                username=username,
                certificate=certificate,
                password=password,
                email=email or None,
                superuser=superuser,
                actor_label=f"manage.py officer_add ({_operator()})",
            )
        except OfficerError as exc:
            raise CommandError(str(exc)) from None
        if not changes:
            self.stdout.write(f"Nothing changed: {username} is an officer with this card.")
            return
        for change in changes:
            self.stdout.write(f"{username}: {change}")
        self.stdout.write(self.style.SUCCESS(f"{username} is an officer with this card."))

    @staticmethod
    def _password_from_file(path: Path) -> str:
        try:
            lines = path.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read the password file {path}: {exc}") from None
        if not lines or not lines[0]:
            raise CommandError(f"The password file {path} is empty")
        return lines[0]

    @staticmethod
    def _validate(password: str, user: object) -> None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from None

    def _password_from_terminal(self, username: str, user: object) -> str:
        for _attempt in range(PASSWORD_ATTEMPTS):
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords differ.")
                continue
            try:
                self._validate(password, user)
            except CommandError as exc:
                self.stderr.write(str(exc))
                continue
            return password
        raise CommandError("No password set.")


def _operator() -> str:
    """Who runs the command, as the operating system knows them (for the audit log)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a uid without a name, as in some containers
        return f"uid {os.getuid()}"
