"""Organisation data in Chromium through nginx (manual §7.2; issue 6).

Maximo (authorised representative) submits an address change and downloads
the sealed change form; Herman (basic contact person) opens
Organisatiegegevens and the change form and is told he is not authorised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from playwright import sync_api
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.e2e.conftest import NginxProxy
from tests.e2e.test_browser import browser, new_context, watch  # noqa: F401 (fixture)
from tests.e2e.test_order_browser import in_db_thread

expect = sync_api.expect

pytestmark = pytest.mark.e2e


@pytest.mark.django_db
def test_the_served_database_has_voorbeeld() -> None:
    from organisations.models import Subscriber

    assert Subscriber.objects.filter(name="Voorbeeld B.V.").exists()


@pytest.fixture
def submitted_changes(django_db_blocker) -> Iterator[list[str]]:  # noqa: ANN001
    """References of change requests a test submitted in the served database; removed after."""
    references: list[str] = []
    yield references

    def remove() -> None:
        from registration.models import ChangeRequest

        ChangeRequest.objects.filter(reference__in=references).delete()

    in_db_thread(django_db_blocker, remove)


def _page(browser, proxy: NginxProxy, pki_dir: Path, slug: str):  # noqa: ANN001, ANN202, F811
    context = new_context(browser, proxy, pki_dir, slug)
    page = context.new_page()
    return context, page, watch(page)


def test_maximo_submits_an_address_change_and_downloads_the_sealed_form(
    browser,  # noqa: F811
    nginx_proxy: NginxProxy,
    pki_dir: Path,
    submitted_changes: list[str],
    django_db_blocker,  # noqa: ANN001
) -> None:
    context, page, problems = _page(browser, nginx_proxy, pki_dir, "maximo")
    try:
        page.goto(nginx_proxy.base_url + "/organisatie/")
        page.get_by_role("link", name="Wijzigen Abonneeregistratie").first.click()
        page.get_by_label("Organisatienaam en/of adresgegevens").check()
        page.get_by_test_id("next-step").click()
        street = page.get_by_label("Straat en huisnummer")
        expect(street).to_have_value("Wilhelminakade 123")  # prefilled
        street.fill("Stationsplein 1")
        page.get_by_label("Postcode").fill("3013 AK")
        page.get_by_test_id("next-step").click()
        expect(page.get_by_text("Stationsplein 1").first).to_be_visible()
        page.get_by_test_id("submit-change").click()

        expect(page.get_by_role("heading", name="Wijzigingsformulier ingediend")).to_be_visible()
        reference = page.get_by_test_id("change-reference").inner_text()
        submitted_changes.append(reference)
        assert re.fullmatch(r"ABW\d{17}", reference), reference
        for _attempt in range(60):
            if page.get_by_test_id("documents-pending").count() == 0:
                break
            page.wait_for_timeout(500)
            page.reload()
        with page.expect_download() as info:
            page.get_by_test_id("download-pdf").click()
        pdf = Path(info.value.path()).read_bytes()
        reader = PdfFileReader(BytesIO(pdf))
        assert [s.field_name for s in reader.embedded_signatures] == ["Verzegeling"]
        assert problems == []
    finally:
        context.close()

    def registration_unchanged() -> str:
        from organisations.models import Subscriber

        return Subscriber.objects.get(name="Voorbeeld B.V.").street

    # Only the back office's approval changes the registration.
    assert in_db_thread(django_db_blocker, registration_unchanged) == "Wilhelminakade 123"


def test_herman_is_not_authorised_to_change_the_registration(
    browser,  # noqa: F811
    nginx_proxy: NginxProxy,
    pki_dir: Path,
) -> None:
    context, page, problems = _page(browser, nginx_proxy, pki_dir, "herman")
    try:
        page.goto(nginx_proxy.base_url + "/organisatie/")
        expect(
            page.get_by_text("U bent niet geautoriseerd om wijzigingen door te voeren")
        ).to_be_visible()
        expect(page.get_by_role("link", name="Wijzigen Abonneeregistratie")).to_have_count(0)
        response = page.goto(nginx_proxy.base_url + "/organisatie/wijzigen/")
        assert response is not None and response.status == 403
        expect(page.get_by_test_id("not-authorised")).to_contain_text("niet geautoriseerd")
    finally:
        context.close()
