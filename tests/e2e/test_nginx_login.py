"""Smartcard login through the real nginx (SPEC.md §5), with a plain TLS client.

Each client certificate of the demo PKI is presented to nginx exactly as a
browser would; the page the portal answers with says who is logged in or, on
"U bent niet ingelogd", why not (``data-failure``).
"""

from __future__ import annotations

import html
import http.client
import re
import ssl
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.e2e.conftest import NginxProxy, PortalServer

# django_db: so that pytest-django creates (and tests/conftest.py seeds) the test
# database that gunicorn serves; these tests themselves never touch it.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

TESTID = re.compile(r'<[^>]*\bdata-testid="([a-z-]+)"([^>]*)>([^<]*)<')
FAILURE = re.compile(r'data-failure="([a-z_]*)"')
NEXT = re.compile(r'<input type="hidden" name="next" value="([^"]*)"')


@dataclass(frozen=True)
class Page:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def text(self, testid: str) -> str | None:
        for found, _attributes, content in TESTID.findall(self.body):
            if found == testid:
                return html.unescape(content).strip()
        return None

    @property
    def failure(self) -> str | None:
        for found, attributes, _content in TESTID.findall(self.body):
            if found == "login-failure":
                match = FAILURE.search(attributes)
                return match.group(1) if match else ""
        return None

    @property
    def person(self) -> str | None:
        return self.text("person-name")

    @property
    def served_path(self) -> str | None:
        """The path the portal rendered (the language switch's ``next``): nginx's
        own refusals (495) are rewritten to /niet-ingelogd/."""
        match = NEXT.search(self.body)
        return html.unescape(match.group(1)) if match else None

    def cookie(self, name: str) -> str | None:
        jar = SimpleCookie()
        for header in self.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return jar[name].value if name in jar else None


def tls_context(pki_dir: Path, slug: str | None) -> ssl.SSLContext:
    """Trust the demo roots (nginx's server certificate); present ``slug``'s certificate."""
    context = ssl.create_default_context(cafile=str(pki_dir / "roots.pem"))
    if slug is not None:
        clients = pki_dir / "clients"
        context.load_cert_chain(clients / f"{slug}.crt", clients / f"{slug}.key")
    return context


def read(connection: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> Page:
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8")
        return Page(response.status, response.headers, body)
    finally:
        connection.close()


def via_nginx(
    proxy: NginxProxy,
    pki_dir: Path,
    slug: str | None,
    path: str = "/",
    headers: dict[str, str] | None = None,
) -> Page:
    connection = http.client.HTTPSConnection(
        proxy.host, proxy.port, context=tls_context(pki_dir, slug), timeout=15
    )
    return read(connection, path, headers or {})


def straight_to_gunicorn(
    server: PortalServer, path: str = "/", headers: dict[str, str] | None = None
) -> Page:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=15)
    return read(connection, path, headers or {})


def forged_headers(pki_dir: Path, slug: str, *, underscores: bool = False) -> dict[str, str]:
    """What nginx would forward for ``slug`` — sent by the client itself."""
    pem = quote((pki_dir / "clients" / f"{slug}.crt").read_text(), safe="")
    if underscores:
        return {"X_SSL_Client_Cert": pem, "X_SSL_Client_Verify": "SUCCESS"}
    return {"X-SSL-Client-Cert": pem, "X-SSL-Client-Verify": "SUCCESS"}


def assert_not_logged_in(page: Page, failure: str) -> None:
    assert page.status == 403, page.body[:2000]
    assert "U bent niet ingelogd" in page.body
    assert page.person is None
    assert page.failure == failure


@pytest.mark.parametrize(
    ("slug", "name", "organisation", "subscriber"),
    [
        ("maximo", "Maximo de Tester", "Voorbeeld B.V.", "P9571876"),  # issuer + serialNumber
        ("joost", "Joost Test", "Voorbeeld B.V.", "P9571876"),  # UZI number
        ("herman", "Herman Testing", "Voorbeeld B.V.", "P9571876"),  # fingerprint
        ("frank", "Frank TestF", "Andere Organisatie B.V.", None),  # issuer + serialNumber
    ],
)
def test_registered_person_lands_on_home(
    nginx_proxy: NginxProxy,
    pki_dir: Path,
    slug: str,
    name: str,
    organisation: str,
    subscriber: str | None,
) -> None:
    page = via_nginx(nginx_proxy, pki_dir, slug)

    assert page.status == 200, page.body[:2000]
    assert "Welkom bij Certificaatportaal" in page.body
    assert page.person == name
    assert page.text("organisation-name") == organisation
    if subscriber is not None:
        assert page.text("subscriber-number") == subscriber
    assert page.failure is None


@pytest.mark.parametrize(
    ("slug", "failure", "refused_by_nginx"),
    [
        # Chains to the trusted CA, but no person is registered for it.
        ("unregistered", "not_registered", False),
        # nginx: $ssl_client_verify "FAILED:certificate has expired" -> 495.
        ("expired", "expired", True),
        # nginx: "FAILED:unsuitable certificate purpose" (no clientAuth) -> 495.
        ("signature-only", "wrong_type", True),
        # nginx: "FAILED:unable to get local issuer certificate" -> 495.
        ("untrusted", "untrusted", True),
        # nginx has no CRL: it forwards SUCCESS and the portal finds it on its CRL.
        ("revoked", "revoked", False),
        # No certificate at all: $ssl_client_verify is NONE.
        (None, "no_certificate", False),
    ],
)
def test_refused_certificate_does_not_get_in(
    nginx_proxy: NginxProxy, pki_dir: Path, slug: str | None, failure: str, refused_by_nginx: bool
) -> None:
    """The TLS handshake always completes (ssl_verify_client optional); nginx's 495
    becomes the portal's page with the reason, with the portal's status 403."""
    page = via_nginx(nginx_proxy, pki_dir, slug)

    assert_not_logged_in(page, failure)
    assert page.served_path == ("/niet-ingelogd/" if refused_by_nginx else "/")


@pytest.mark.parametrize("path", ["/servercertificaten/", "/servercertificaten/export.csv"])
def test_pages_behind_login_refuse_without_certificate(
    nginx_proxy: NginxProxy, pki_dir: Path, path: str
) -> None:
    assert_not_logged_in(via_nginx(nginx_proxy, pki_dir, None, path), "no_certificate")


@pytest.mark.parametrize("underscores", [False, True], ids=["dashes", "underscores"])
def test_forged_headers_through_nginx_are_overwritten(
    nginx_proxy: NginxProxy, pki_dir: Path, underscores: bool
) -> None:
    """nginx sets X-SSL-Client-* itself and drops underscore names (X_SSL_Client_Cert)."""
    page = via_nginx(
        nginx_proxy,
        pki_dir,
        None,
        headers=forged_headers(pki_dir, "maximo", underscores=underscores),
    )

    assert_not_logged_in(page, "no_certificate")


def test_forged_headers_with_a_real_certificate_are_overwritten(
    nginx_proxy: NginxProxy, pki_dir: Path
) -> None:
    """Herman's card with Maximo's certificate in forged headers: nginx forwards Herman's."""
    page = via_nginx(nginx_proxy, pki_dir, "herman", headers=forged_headers(pki_dir, "maximo"))

    assert page.status == 200
    assert page.person == "Herman Testing"


@pytest.mark.parametrize("underscores", [False, True], ids=["dashes", "underscores"])
def test_forged_headers_straight_to_gunicorn_are_ignored(
    portal_server: PortalServer, nginx_proxy: NginxProxy, pki_dir: Path, underscores: bool
) -> None:
    """Any process on the host reaches gunicorn from 127.0.0.1, a trusted proxy address by
    default; without nginx's proxy secret no proxy header counts (issue 11, point 7).

    Not even X-Forwarded-Proto: the app sends the caller to HTTPS (nginx)
    instead of serving anything, so the forged certificate never logs in.
    """
    headers = {
        "Host": "localhost",
        "X-Forwarded-Proto": "https",
        **forged_headers(pki_dir, "maximo", underscores=underscores),
    }

    page = straight_to_gunicorn(portal_server, headers=headers)

    assert page.status == 301
    assert page.headers["Location"] == "https://localhost/"
    assert page.person is None
    assert "Maximo" not in page.body
    # The same person through nginx, with the card: logged in.
    assert via_nginx(nginx_proxy, pki_dir, "maximo").person == "Maximo de Tester"


def test_session_cookie_follows_the_certificate(nginx_proxy: NginxProxy, pki_dir: Path) -> None:
    """Maximo's session cookie presented with Joost's card is Joost's session, not Maximo's."""
    maximo = via_nginx(nginx_proxy, pki_dir, "maximo")
    session = maximo.cookie("sessionid")
    assert maximo.person == "Maximo de Tester"
    assert session

    joost = via_nginx(nginx_proxy, pki_dir, "joost", headers={"Cookie": f"sessionid={session}"})

    assert joost.status == 200
    assert joost.person == "Joost Test"
    assert joost.cookie("sessionid") not in (None, session)


def test_session_cookie_without_certificate_is_not_logged_in(
    nginx_proxy: NginxProxy, pki_dir: Path
) -> None:
    """Taking the card out ends the login, even with a live session cookie."""
    session = via_nginx(nginx_proxy, pki_dir, "maximo").cookie("sessionid")
    assert session

    page = via_nginx(nginx_proxy, pki_dir, None, headers={"Cookie": f"sessionid={session}"})

    assert_not_logged_in(page, "no_certificate")


def test_an_upload_over_nginx_limit_gets_the_portal_page(nginx_proxy: NginxProxy, pki_dir: Path):
    """20 MB to the seal check: nginx stops it, the portal's page says why (in Dutch)."""
    connection = http.client.HTTPSConnection(
        nginx_proxy.host, nginx_proxy.port, context=tls_context(pki_dir, "joost"), timeout=30
    )
    try:
        connection.request(
            "POST",
            "/bestelformulier-controleren/",
            body=b"\0" * (20 * 1024 * 1024),
            headers={"Content-Type": "application/octet-stream"},
        )
        response = connection.getresponse()
        body = response.read().decode("utf-8")
    finally:
        connection.close()
    assert response.status == 413
    assert "Het bestand is te groot" in body
    assert 'data-testid="too-large"' in body
