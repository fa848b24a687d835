"""Ordering a server certificate in Chromium through nginx (manual §3.3).

Joost follows the CSR assistant's OpenSSL recipe with the real `openssl`,
uploads the CSR in step 3 and places the order; and he makes the key pair in
the browser inside step 3, where the CSR lands in the form and passes the
checks while the private key never leaves the browser.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

import pytest
from playwright import sync_api
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.e2e.conftest import NginxProxy
from tests.e2e.test_browser import browser, new_context, watch  # noqa: F401 (fixture)
from tests.e2e.test_csr_in_browser import Traffic, download, generate, secret_forms

expect = sync_api.expect

# As in test_browser.py: no django_db marker on the browser tests; the first
# test makes pytest-django create the test database that gunicorn serves.
pytestmark = pytest.mark.e2e


@pytest.mark.django_db
def test_the_served_database_has_the_certificate_manager() -> None:
    from organisations.models import Person

    assert Person.objects.filter(manager_number="CB9505784", identified=True).exists()


def in_db_thread(django_db_blocker, work: Callable[[], object]) -> object:  # noqa: ANN001
    """Run ORM code in a thread of its own: this one runs Playwright's event loop."""

    def run() -> object:
        from django.db import connection

        try:
            with django_db_blocker.unblock():
                return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def placed_orders(django_db_blocker) -> Iterator[list[str]]:  # noqa: ANN001
    """References of orders a test placed in the served database; removed afterwards."""
    references: list[str] = []
    yield references

    def remove() -> None:
        from orders.models import Order

        Order.objects.filter(reference__in=references).delete()

    in_db_thread(django_db_blocker, remove)


@pytest.fixture
def joost(
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


def next_step(page: sync_api.Page, expected_step: str) -> None:
    page.get_by_role("button", name="Volgende stap >>").click()
    expect(page.locator("[aria-current=step]")).to_contain_text(expected_step)


def walk_steps_one_and_two(page: sync_api.Page, base_url: str) -> None:
    page.goto(base_url + "/servercertificaten/")
    page.get_by_role("link", name="Nieuw PKIO servercertificaat").click()
    expect(page.locator("[aria-current=step]")).to_contain_text("1. Contactpersoon")
    expect(page.get_by_test_id("contact-email")).to_have_text("joost@voorbeeld.nl")
    next_step(page, "2. Certificaatbeheerder")
    page.get_by_label("reeds geïdentificeerd").check()
    page.get_by_label("Certificaatbeheerder", exact=True).select_option(
        label="Achterlijn, Victor (CB9505784)"
    )
    next_step(page, "3. Certificaat")
    page.get_by_label("PKIoverheid PRIVATE servercertificaat").check()


def finish_and_place(page: sync_api.Page, cn: str) -> str:
    next_step(page, "4. Controle")
    expect(page.get_by_test_id("csr-cn").first).to_have_text(cn)
    next_step(page, "5. Voorwaarden")
    for checkbox in page.locator("input[type=checkbox]").all():
        checkbox.check()
    next_step(page, "6. Afronding")
    page.get_by_role("button", name="Plaats bestelling").click()
    expect(page.get_by_role("heading", name="Bestelling geplaatst")).to_be_visible()
    expect(page.get_by_text("U hoeft verder geen vervolgactie te ondernemen.")).to_be_visible()
    reference = page.get_by_test_id("order-reference").inner_text()
    assert re.fullmatch(r"S\d{17}", reference), reference
    assert_sealed_form_downloads(page, reference)
    return reference


def assert_sealed_form_downloads(page: sync_api.Page, reference: str) -> None:
    """ "Download PDF bestelformulier" gives the sealed form once the worker has made it."""
    for _attempt in range(60):
        if page.get_by_test_id("documents-pending").count() == 0:
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_test_id("documents-pending")).to_have_count(0)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF bestelformulier").click()
    assert info.value.suggested_filename == f"bestelformulier-{reference}.pdf"
    pdf = Path(info.value.path()).read_bytes()
    reader = PdfFileReader(BytesIO(pdf))
    assert [signature.field_name for signature in reader.embedded_signatures] == ["Verzegeling"]


def test_joost_orders_with_a_csr_made_by_the_assistants_commands(
    joost, nginx_proxy: NginxProxy, tmp_path: Path, placed_orders: list[str], django_db_blocker
) -> None:
    page, traffic, problems = joost
    page.goto(nginx_proxy.base_url + "/csr-assistent/")
    page.get_by_label("Servernamen").first.fill("bestel.voorbeeld.nl\nbestel2.voorbeeld.nl")
    page.get_by_test_id("csr-assistant-form").locator("button[type=submit]").click()

    # [1] the configuration file, [2] the key, [3] the CSR: exactly as shown.
    name, config = download(page, page.get_by_test_id("download-cnf"))
    (tmp_path / name).write_bytes(config)
    commands = page.get_by_test_id("openssl-command").all_inner_texts()
    assert len(commands) == 3
    for command in commands:
        subprocess.run(command, shell=True, cwd=tmp_path, check=True, capture_output=True)
    csr_file = next(tmp_path.glob("*.csr"))

    walk_steps_one_and_two(page, nginx_proxy.base_url)
    page.get_by_label("CSR-bestand").set_input_files(str(csr_file))
    page.get_by_role("button", name="CSR inlezen").click()
    details = page.get_by_test_id("csr-details")
    expect(details).to_contain_text("bestel2.voorbeeld.nl")
    expect(details).to_contain_text("RSA 2048 bits")
    reference = finish_and_place(page, "bestel.voorbeeld.nl")
    placed_orders.append(reference)

    def stored() -> tuple[str, list[str], str]:
        from orders.models import Order

        order = Order.objects.get(reference=reference)
        return order.contact_person.email, order.server.sans, order.state

    assert in_db_thread(django_db_blocker, stored) == (
        "joost@voorbeeld.nl",
        ["bestel.voorbeeld.nl", "bestel2.voorbeeld.nl"],
        "placed",
    )
    assert traffic.csp_messages == []
    assert problems == [], "\n".join(problems)


def test_the_key_made_in_step_three_stays_in_the_browser(
    joost, nginx_proxy: NginxProxy, placed_orders: list[str]
) -> None:
    page, traffic, problems = joost
    walk_steps_one_and_two(page, nginx_proxy.base_url)
    page.get_by_test_id("csr-generator-panel").locator("summary").click()
    widget = generate(page, key_type="rsa-2048", host_names=["browser.voorbeeld.nl"])
    _name, key_pem = download(page, widget.get_by_role("link", name="Download de private key"))
    csr_pem = widget.locator("[data-csr-output]").input_value()
    # The CSR went straight into step 3's field, and the portal's checks accept it.
    expect(page.get_by_label("Of plak de CSR (PEM)")).to_have_value(csr_pem)
    page.get_by_role("button", name="CSR inlezen").click()
    expect(page.get_by_test_id("csr-details")).to_contain_text("browser.voorbeeld.nl")
    placed_orders.append(finish_and_place(page, "browser.voorbeeld.nl"))

    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(key_pem, password=None)
    assert traffic.containing(secret_forms(key_pem, key)) == []
    assert any(csr_pem.split("\n")[1].encode() in body for _url, body in traffic.requests)
    assert traffic.csp_messages == []
    assert problems == [], "\n".join(problems)
