"""The CSR assistant's in-browser method in Chromium behind nginx.

The key pair is made with WebCrypto and the CSR with PKI.js (the esbuild
bundle from assets/csr-browser.js, served by WhiteNoise after collectstatic).
What the browser offers for download must be a working key and a CSR the
portal's own checks accept, and the private key must never reach the portal.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from playwright import sync_api

from tests.e2e.conftest import NginxProxy
from tests.e2e.test_browser import browser, new_context, watch  # noqa: F401 (fixture)

expect = sync_api.expect

# As in test_browser.py: no django_db marker on the browser tests (Playwright's
# event loop runs in this thread); the first test makes pytest-django create
# the test database that gunicorn serves.
pytestmark = pytest.mark.e2e

HOST_NAMES = ["server1.voorbeeld.nl", "www.voorbeeld.nl"]


@pytest.mark.django_db
def test_the_served_database_has_the_products() -> None:
    from certificates.models import Product

    assert Product.objects.get(code="pkio-private").allows_ecdsa is False
    assert Product.objects.get(code="pkio-trial").allows_ecdsa is True


@dataclass
class Traffic:
    """Every request the browser sent to the portal, with its body."""

    requests: list[tuple[str, bytes]]
    csp_messages: list[str]

    def containing(self, needles: list[bytes]) -> list[str]:
        return [
            url
            for url, body in self.requests
            if any(needle in body or needle in url.encode() for needle in needles)
        ]


@pytest.fixture
def joost_page(
    browser: sync_api.Browser,  # noqa: F811
    nginx_proxy: NginxProxy,
    pki_dir: Path,
) -> Iterator[tuple[sync_api.Page, Traffic, list[str]]]:
    context = new_context(browser, nginx_proxy, pki_dir, "joost")
    traffic = Traffic(requests=[], csp_messages=[])

    def on_request(request: sync_api.Request) -> None:
        if request.url.startswith(nginx_proxy.base_url):
            traffic.requests.append((request.url, request.post_data_buffer or b""))

    def on_console(message: sync_api.ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            traffic.csp_messages.append(message.text)

    context.on("request", on_request)
    try:
        page = context.new_page()
        problems = watch(page)
        page.on("console", on_console)
        yield page, traffic, problems
    finally:
        context.close()


def generate(
    page: sync_api.Page, *, key_type: str, host_names: list[str], password: str = ""
) -> sync_api.Locator:
    widget = page.get_by_test_id("csr-browser")
    expect(widget).to_have_attribute("data-csr-ready", "ready")
    widget.get_by_label("Sleuteltype").select_option(key_type)
    widget.get_by_label("Servernamen").fill("\n".join(host_names))
    widget.get_by_label("Wachtwoord voor de private key (optioneel)").fill(password)
    widget.get_by_label("Herhaal het wachtwoord").fill(password)
    widget.get_by_role("button", name="Genereer sleutelpaar en CSR").click()
    expect(widget.locator("[data-csr-status]")).to_have_class(re.compile(r"\balert-success\b"))
    return widget


def download(page: sync_api.Page, link: sync_api.Locator) -> tuple[str, bytes]:
    with page.expect_download() as info:
        link.click()
    assert info.value.failure() is None
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def spki(key: object) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined]


def secret_forms(key_pem: bytes, key: object) -> list[bytes]:
    """The private key as it could travel: PEM, its base64 lines, DER, base64 DER, URL-encoded."""
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, _no_encryption())  # type: ignore[attr-defined]
    b64 = base64.b64encode(der).decode()
    pem_lines = [line for line in key_pem.splitlines() if len(line) >= 40]
    return [
        key_pem,
        der,
        b64.encode(),
        quote(b64, safe="").encode(),
        quote_plus(b64).encode(),
        *pem_lines[:3],
    ]


def _no_encryption():  # noqa: ANN202
    from cryptography.hazmat.primitives.serialization import NoEncryption

    return NoEncryption()


def check_csr(pem: bytes, product_code: str, django_db_blocker) -> object:  # noqa: ANN001
    """csr_check for Voorbeeld B.V., in a thread of its own: this thread runs
    Playwright's event loop, where Django refuses database access."""

    def work() -> object:
        from django.db import connection

        from certificates.csr import CsrExpectations, csr_check
        from certificates.models import Product
        from organisations.models import Subscriber

        try:
            with django_db_blocker.unblock():
                return csr_check(
                    pem,
                    expect=CsrExpectations.for_order(
                        subscriber=Subscriber.objects.get(name="Voorbeeld B.V."),
                        product=Product.objects.get(code=product_code),
                    ),
                )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def test_joost_makes_a_key_and_csr_in_the_browser_and_the_key_stays_there(
    joost_page, nginx_proxy: NginxProxy, django_db_blocker
) -> None:
    page, traffic, problems = joost_page
    response = page.goto(nginx_proxy.base_url + "/csr-assistent/?product=pkio-private")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", name="CSR-assistent")).to_be_visible()
    # ECDSA is not offered for PKIoverheid PRIVATE.
    expect(page.locator("[data-csr-key-type] option[value=ecdsa-p256]")).to_have_count(0)
    # The order form's CSR field, when on the page, receives the CSR.
    page.evaluate(
        "() => document.body.insertAdjacentHTML('beforeend',"
        " '<textarea data-csr-target data-testid=\"csr-target\"></textarea>')"
    )

    page.wait_for_load_state("networkidle")
    sent_before = len(traffic.requests)

    # Without a password: a plain PKCS#8 key.
    widget = generate(page, key_type="rsa-2048", host_names=HOST_NAMES)
    key_name, key_pem = download(page, widget.get_by_role("link", name="Download de private key"))
    csr_name, csr_pem = download(page, widget.get_by_role("link", name="Download de CSR"))

    assert (key_name, csr_name) == ("server1.voorbeeld.nl.key", "server1.voorbeeld.nl.csr")
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    key = load_pem_private_key(key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    csr = x509.load_pem_x509_csr(csr_pem)
    assert spki(csr) == spki(key)
    assert widget.locator("[data-csr-output]").input_value().encode() == csr_pem
    assert page.get_by_test_id("csr-target").input_value().encode() == csr_pem
    assert page.evaluate("() => sessionStorage.getItem('portal.csr')").encode() == csr_pem
    checked = check_csr(csr_pem, "pkio-private", django_db_blocker)
    assert checked.sans == HOST_NAMES  # type: ignore[attr-defined]
    assert checked.key_description == "RSA 2048 bits"  # type: ignore[attr-defined]

    # With a password: PKCS#8 encrypted with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC).
    widget = generate(page, key_type="rsa-2048", host_names=HOST_NAMES, password="Geheim wacht€")
    _name, encrypted_pem = download(
        page, widget.get_by_role("link", name="Download de private key")
    )
    _name, csr2_pem = download(page, widget.get_by_role("link", name="Download de CSR"))

    assert encrypted_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    with pytest.raises((TypeError, ValueError)):
        load_pem_private_key(encrypted_pem, password=None)
    key2 = load_pem_private_key(encrypted_pem, password="Geheim wacht€".encode())
    assert spki(x509.load_pem_x509_csr(csr2_pem)) == spki(key2) != spki(key)
    check_csr(csr2_pem, "pkio-private", django_db_blocker)

    # Generating and downloading sent nothing to the portal at all (the
    # downloads are Blob URLs) ...
    assert [url for url, _body in traffic.requests[sent_before:] if "favicon" not in url] == []
    # ... and nothing the browser sent to the portal holds either private key.
    secrets = [
        *secret_forms(key_pem, key),
        *secret_forms(encrypted_pem, key2),
        *secret_forms(
            key2.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, _no_encryption()), key2
        ),
    ]
    assert traffic.requests, "no request to the portal was seen at all"
    assert traffic.containing(secrets) == []
    assert traffic.csp_messages == []
    assert problems == [], "\n".join(problems)


def test_ecdsa_where_the_product_allows_it(
    joost_page, nginx_proxy: NginxProxy, django_db_blocker
) -> None:
    page, traffic, problems = joost_page
    page.goto(nginx_proxy.base_url + "/csr-assistent/?product=pkio-trial")

    widget = generate(page, key_type="ecdsa-p256", host_names=["test.example.org"])
    _name, key_pem = download(page, widget.get_by_role("link", name="Download de private key"))
    csr_pem = widget.locator("[data-csr-output]").input_value().encode()

    key = load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert spki(x509.load_pem_x509_csr(csr_pem)) == spki(key)
    checked = check_csr(csr_pem, "pkio-trial", django_db_blocker)
    assert checked.key_description == "ECDSA P-256"  # type: ignore[attr-defined]
    assert traffic.containing(secret_forms(key_pem, key)) == []
    assert traffic.csp_messages == []
    assert problems == [], "\n".join(problems)


def test_the_widget_explains_what_is_wrong_with_the_host_names(
    joost_page, nginx_proxy: NginxProxy
) -> None:
    page, traffic, problems = joost_page
    page.goto(nginx_proxy.base_url + "/csr-assistent/")
    widget = page.get_by_test_id("csr-browser")
    expect(widget).to_have_attribute("data-csr-ready", "ready")
    widget.get_by_label("Servernamen").fill("*.voorbeeld.nl")
    widget.get_by_role("button", name="Genereer sleutelpaar en CSR").click()

    expect(widget.locator("[data-csr-status]")).to_have_text(
        "“*.voorbeeld.nl” is geen geldige servernaam (zoals server1.voorbeeld.nl; "
        "geen wildcard of IP-adres)."
    )
    expect(widget.locator("[data-csr-result]")).to_be_hidden()
    assert traffic.csp_messages == []
    assert problems == [], "\n".join(problems)


def test_a_csr_made_earlier_is_offered_to_an_empty_order_form_field(
    joost_page, nginx_proxy: NginxProxy
) -> None:
    page, traffic, problems = joost_page
    page.goto(nginx_proxy.base_url + "/csr-assistent/")
    widget = generate(page, key_type="rsa-2048", host_names=["server1.voorbeeld.nl"])
    csr_pem = widget.locator("[data-csr-output]").input_value()

    # The order form's CSR field, there before the module runs (as in step 3).
    page.context.add_init_script(
        """document.addEventListener("readystatechange", () => {
          if (document.readyState === "interactive") document.body.insertAdjacentHTML(
            "beforeend", '<textarea data-csr-target data-testid="csr-target"></textarea>');
        });"""
    )
    page.reload()
    offer = page.get_by_role("button", name="Gebruik de CSR uit de CSR-assistent")
    offer.click()

    expect(page.get_by_test_id("csr-target")).to_have_value(csr_pem)
    expect(offer).to_have_count(0)
    assert traffic.csp_messages == []
    assert problems == [], "\n".join(problems)
