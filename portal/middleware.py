"""Client-certificate login (SPEC.md §5) and the Content-Security-Policy header."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from cryptography import x509
from django.conf import settings
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse

from certificates.x509_fields import fingerprint
from core.access import Failure
from core.trusted_proxy import from_trusted_proxy, untrusted_because
from organisations.models import Person
from portal import client_certificate
from portal.backends import ClientCertificateBackend, matching_login_certificates
from portal.client_certificate import CertificateRejected

logger = logging.getLogger("portal.auth")

CERT_HEADER = "HTTP_X_SSL_CLIENT_CERT"
VERIFY_HEADER = "HTTP_X_SSL_CLIENT_VERIFY"
SESSION_PERSON = "portal_person_id"
SESSION_FINGERPRINT = "portal_certificate_sha256"
SESSION_LOGGED_OUT = "portal_logged_out"
SESSION_DEV_PERSON = "portal_dev_person_id"


def log_out(request: HttpRequest) -> None:
    """End the session; the card stays in the reader, so remember the choice."""
    request.session.flush()
    request.session[SESSION_LOGGED_OUT] = True
    request.person = None
    request.login_failure = Failure.LOGGED_OUT


def log_in_again(request: HttpRequest) -> None:
    request.session.pop(SESSION_LOGGED_OUT, None)


class ProxyHeadersMiddleware:
    """Forget X-Forwarded-Proto unless nginx (a trusted proxy with the secret) sent it.

    Django's SECURE_PROXY_SSL_HEADER believes the header from anyone who
    reaches the app; only the proxy may say the request came over HTTPS.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_X_FORWARDED_PROTO" in request.META and not from_trusted_proxy(request):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)


@functools.lru_cache(maxsize=1024)
def _login_still_good_sql(
    certificate: x509.Certificate, issuer_fingerprint: str
) -> tuple[str, tuple[object, ...]]:
    """SQL true when ``certificate`` is not revoked in the portal and maps to exactly one
    person, the one whose id is the last parameter. Built once per certificate from the
    same querysets the full check runs (``revoked_in_portal``, ``matching_login_certificates``)."""
    revoked, revoked_params = (
        client_certificate.revoked_in_portal(certificate, issuer_fingerprint)
        .values("pk")
        .query.sql_with_params()
    )
    persons, persons_params = (
        matching_login_certificates(certificate)
        .filter(person__isnull=False)
        .values("person_id")
        .distinct()
        .query.sql_with_params()
    )
    # Only SQL the ORM compiled is put together here; every value stays a parameter.
    sql = (
        f"NOT EXISTS ({revoked}) AND (SELECT CASE WHEN COUNT(*) = 1"  # noqa: S608
        f" THEN MAX(m.person_id) END FROM ({persons}) m) = %s"
    )
    return sql, (*revoked_params, *persons_params)


class ClientCertificateMiddleware:
    """Sets ``request.person`` (or None) and ``request.login_failure``.

    1. The forwarded headers count only from nginx (``untrusted_because``).
    2. Verify must be SUCCESS and the certificate passes our own checks.
    3. The certificate maps to a registered person (backends.py).
    4. The session is bound to the certificate's fingerprint: a different
       certificate on the same session ends that session first.

    After the first request of a session the check stays as strict but costs one
    query: the chain and CRL verdict comes from the cache (``client_certificate.verify``,
    keyed by the certificate, the trust bundle and the CRL files), and the portal's own
    records (the certificate revoked, the mapping gone or ambiguous, the person
    inactive) are read with the person in ``_still_logged_in``.
    """

    backend = ClientCertificateBackend()

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The checked login certificate: orders record its issuer and serial.
        request.client_certificate = None
        request.person, request.login_failure = self._authenticate(request)
        return self.get_response(request)

    def _authenticate(self, request: HttpRequest) -> tuple[Person | None, Failure | None]:
        session = request.session
        verify = request.META.get(VERIFY_HEADER, "")
        pem = request.META.get(CERT_HEADER, "")
        if (verify or pem) and (untrusted := untrusted_because(request)):
            logger.warning(
                "Client-certificate headers ignored: %s (path %s)", untrusted, request.path
            )
            verify = pem = ""

        if session.get(SESSION_LOGGED_OUT):
            return None, Failure.LOGGED_OUT

        if verify != "SUCCESS" or not pem:
            dev_person = self._dev_person(request)
            if dev_person is not None:
                return dev_person, None
            self._end_session(request)
            return None, client_certificate.failure_from_proxy(verify)

        try:
            certificate = client_certificate.read_forwarded(pem)
            fp = fingerprint(certificate)
            if session.get(SESSION_FINGERPRINT) not in (None, fp):
                logger.info("Another certificate on session; logging the session out")
                self._end_session(request)
            verified = client_certificate.verify(certificate)
            person = None
            if session.get(SESSION_FINGERPRINT) == fp:
                person = self._still_logged_in(certificate, verified, session.get(SESSION_PERSON))
            if person is None:
                person = self.backend.authenticate(certificate)
        except CertificateRejected as rejected:
            logger.info("Login refused from %s: %s", request.META.get("REMOTE_ADDR"), rejected)
            self._end_session(request)
            return None, rejected.failure

        request.client_certificate = certificate
        if session.get(SESSION_PERSON) != person.pk:
            # A new login: a fresh session key against session fixation.
            session.cycle_key()
            session[SESSION_PERSON] = person.pk
            session[SESSION_FINGERPRINT] = fp
            logger.info("Person %s (subscriber %s) logged in", person.pk, person.subscriber_id)
        return person, None

    @staticmethod
    def _still_logged_in(
        certificate: x509.Certificate, verified: client_certificate.Verified, person_id: object
    ) -> Person | None:
        """The session's person, when the portal's records still let ``certificate`` log
        them in (not revoked in the portal, mapped to this person and no other, the person
        active with a role): read in the one query that loads the person. None sends
        the request through the full check, which says why not."""
        if not isinstance(person_id, int):
            return None
        condition, params = _login_still_good_sql(certificate, verified.issuer_fingerprint)
        # Compiled SQL, the values as parameters.
        still_good = RawSQL(condition, (*params, person_id), output_field=BooleanField())  # noqa: S611
        person = next(
            iter(
                Person.objects.select_related("subscriber")
                .filter(pk=person_id)
                .alias(login_still_good=still_good)
                .filter(login_still_good=True)
            ),
            None,
        )
        return person if person is not None and person.can_log_in else None

    @staticmethod
    def _end_session(request: HttpRequest) -> None:
        if SESSION_PERSON in request.session or SESSION_DEV_PERSON in request.session:
            request.session.flush()

    @staticmethod
    def _dev_person(request: HttpRequest) -> Person | None:
        if not settings.PORTAL_DEV_LOGIN:
            return None
        person_id = request.session.get(SESSION_DEV_PERSON)
        if person_id is None:
            return None
        person = Person.objects.select_related("subscriber").filter(pk=person_id).first()
        return person if person is not None and person.can_log_in else None


class ContentSecurityPolicyMiddleware:
    """A strict CSP: no inline scripts or styles, nothing from other origins."""

    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
