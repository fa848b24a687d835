"""The portal in a real browser (Debian's Chromium via Playwright) behind nginx.

Playwright presents the client certificate through its own Node proxy, which
must trust nginx's server certificate: NODE_EXTRA_CA_CERTS is set before
Playwright starts (STACK-NOTES.md). One browser for the module, one context
(browser profile) per test.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api

from tests.e2e.conftest import NginxProxy

expect = sync_api.expect

# No django_db marker on the browser tests: with Playwright's event loop in this
# thread, Django would open a second connection per test and keep it (the test
# database then cannot be dropped). The first test below, which runs before the
# browser starts, is what makes pytest-django set the test database up.
pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CSV_HEADER = [
    "Certificate Type",
    "Status",
    "Naam van de Service (CN)",
    "SAN 1 t/m SAN 10",
    "Geldig van",
    "Verloopdatum",
    "Serienummer certificaat",
    "Uitgevende CA",
    "Registratienummer certificaatbeheerder",
    "Certificaatbeheerder",
    "Contactpersoon",
]


@pytest.mark.django_db
def test_the_served_database_holds_the_demo_data() -> None:
    from organisations.models import Subscriber

    assert set(Subscriber.objects.values_list("name", flat=True)) >= {
        "Voorbeeld B.V.",
        "Andere Organisatie B.V.",
    }


@pytest.fixture(scope="module")
def browser(nginx_proxy: NginxProxy, pki_dir: Path) -> Iterator[sync_api.Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NODE_EXTRA_CA_CERTS", str(pki_dir / "roots.pem"))
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


def new_context(
    browser: sync_api.Browser, proxy: NginxProxy, pki_dir: Path, slug: str | None
) -> sync_api.BrowserContext:
    """A browser profile with ``slug``'s smartcard certificate (or none), in Dutch.

    Without a certificate the profile still gets one, for an origin nobody
    visits: that keeps Playwright's proxy (and so NODE_EXTRA_CA_CERTS) in the
    path, so Chromium trusts nginx's demo server certificate all the same.
    """
    clients = pki_dir / "clients"
    context = browser.new_context(
        client_certificates=[
            {
                "origin": proxy.base_url if slug else "https://no-certificate.invalid",
                "certPath": clients / f"{slug or 'maximo'}.crt",
                "keyPath": clients / f"{slug or 'maximo'}.key",
            }
        ],
        accept_downloads=True,
        ignore_https_errors=False,
        locale="nl-NL",
    )
    context.set_default_timeout(15_000)
    return context


def watch(page: sync_api.Page) -> list[str]:
    """Collect what goes wrong besides the page itself: console errors (a CSP
    violation, a script error) and sub-requests that fail (a missing static file)."""
    problems: list[str] = []

    def on_console(message: sync_api.ConsoleMessage) -> None:
        # Failed loads are judged below (the page itself may well be a 403).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text} at {message.location.get('url')}")

    def on_response(response: sync_api.Response) -> None:
        # The portal has no favicon; Chromium asks for one anyway.
        if (
            response.status >= 400
            and response.request.resource_type != "document"
            and not response.url.endswith("/favicon.ico")
        ):
            problems.append(f"{response.status}: {response.url}")

    def on_request_failed(request: sync_api.Request) -> None:
        # A download is a navigation that Chromium aborts (net::ERR_ABORTED).
        if request.resource_type != "document":
            problems.append(f"failed: {request.url} {request.failure}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    return problems


def table_rows(page: sync_api.Page) -> list[tuple[str, str, str]]:
    """(Certificate Type, Status, CN) of each row of the overview."""
    rows = page.get_by_test_id("certificate-table").locator("tbody tr")
    return [
        tuple(rows.nth(i).locator("td").all_inner_texts()[:3])  # type: ignore[misc]
        for i in range(rows.count())
    ]


def test_maximo_filters_server_certificates_and_exports_the_list(
    browser: sync_api.Browser, nginx_proxy: NginxProxy, pki_dir: Path
) -> None:
    context = new_context(browser, nginx_proxy, pki_dir, "maximo")
    try:
        page = context.new_page()
        problems = watch(page)

        with page.expect_response(re.compile(r"/static/vendor/bootstrap/css/")) as stylesheet:
            response = page.goto(nginx_proxy.base_url + "/")
        assert response is not None and response.status == 200
        # collectstatic's hashed name (PORTAL_STATIC_MANIFEST), served by WhiteNoise.
        assert stylesheet.value.status == 200
        assert re.search(r"/bootstrap\.min\.[0-9a-f]{12}\.css$", stylesheet.value.url)
        expect(page.get_by_test_id("person-name")).to_have_text("Maximo de Tester")
        expect(page.get_by_test_id("organisation-name")).to_have_text("Voorbeeld B.V.")

        page.get_by_role("link", name="Servercertificaten", exact=True).click()
        expect(page).to_have_url(f"{nginx_proxy.base_url}/servercertificaten/")
        # Default: the valid certificates of Maximo's own organisation only.
        expect(page.get_by_test_id("page-range")).to_have_text("1 t/m 5 (totaal 5)")
        assert {cn for _type, _status, cn in table_rows(page)} == {
            "www.voorbeeld.nl",
            "api.voorbeeld.nl",
            "digipoort.voorbeeld.nl",
            "koppeling.voorbeeld.nl",
            "test.voorbeeld.nl",
        }

        # "t" is in digipoort, test and ingetrokken (revoked: needs "Alle") and
        # also in Andere Organisatie's portaal.andere.nl, which must stay out.
        form = page.get_by_test_id("filter-form")
        form.get_by_label("Status").select_option(label="Alle")
        form.get_by_label("(Deel van) Naam van de Service (FQDN)").fill("t")
        form.get_by_role("button", name="Zoeken").click()
        expect(page).to_have_url(re.compile(r"[?&]status=all(&|$)"))
        expect(page.get_by_test_id("page-range")).to_have_text("1 t/m 3 (totaal 3)")
        shown = table_rows(page)
        # Sorted by expiry date, soonest first (the default).
        assert [(status, cn) for _type, status, cn in shown] == [
            ("Geldig", "test.voorbeeld.nl"),
            ("Geldig", "digipoort.voorbeeld.nl"),
            ("Ingetrokken", "ingetrokken.voorbeeld.nl"),
        ]

        with page.expect_download() as info:
            page.get_by_role("link", name="Exporteer lijst als .csv").click()
        download = info.value
        assert download.failure() is None
        assert re.fullmatch(
            r"servercertificaten-P9571876-\d{4}-\d\d-\d\d\.csv", download.suggested_filename
        )
        data = Path(download.path()).read_bytes()
    finally:
        context.close()

    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert data.count(b"\r\n") == 4 and data.count(b"\n") == 4  # RFC 4180 line ends
    header, *rows = list(
        csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    )
    assert header == CSV_HEADER
    assert [tuple(row[:3]) for row in rows] == shown
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    assert "andere" not in data.decode("utf-8-sig").lower()
    assert problems == [], "\n".join(problems)


def test_browser_without_certificate_is_not_logged_in(
    browser: sync_api.Browser, nginx_proxy: NginxProxy, pki_dir: Path
) -> None:
    context = new_context(browser, nginx_proxy, pki_dir, None)
    try:
        page = context.new_page()
        problems = watch(page)

        response = page.goto(nginx_proxy.base_url + "/servercertificaten/")

        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", name="U bent niet ingelogd.")).to_be_visible()
        expect(page.get_by_test_id("login-failure")).to_have_attribute(
            "data-failure", "no_certificate"
        )
        expect(page.get_by_test_id("person-name")).to_have_count(0)
        expect(page.get_by_test_id("certificate-table")).to_have_count(0)
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
