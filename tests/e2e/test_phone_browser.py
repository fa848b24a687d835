"""The portal on a phone, in Chromium through nginx (issue 13 point 6).

At 390 px the menu is folded behind its toggler; opening it shows the menu,
the server overview keeps Status, Naam and Beheren in view without sideways
scrolling, and Beheren opens the detail page. Help (Toelichting) and the
Servicedesk are on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright import sync_api

from tests.e2e.conftest import NginxProxy
from tests.e2e.test_browser import browser, new_context, watch  # noqa: F401 (fixture)

expect = sync_api.expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db
def test_the_served_database_has_voorbeeld() -> None:
    # A database test first: pytest-django then sets up (and seeds) the test database
    # before the served portal starts.
    from organisations.models import Subscriber

    assert Subscriber.objects.filter(name="Voorbeeld B.V.").exists()


def test_on_a_phone_the_menu_opens_and_a_detail_page_is_reachable(
    browser,  # noqa: F811
    nginx_proxy: NginxProxy,
    pki_dir: Path,
) -> None:
    context = new_context(browser, nginx_proxy, pki_dir, "maximo")
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        problems = watch(page)
        page.goto(nginx_proxy.base_url + "/")

        menu_link = page.get_by_role("link", name="Servercertificaten", exact=True)
        toggle = page.get_by_test_id("menu-toggle")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(menu_link).to_be_hidden()

        toggle.click()  # Bootstrap's collapse, from our own static files (no CDN, strict CSP)
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(menu_link).to_be_visible()
        expect(page.get_by_role("link", name="Organisatiegegevens", exact=True)).to_be_visible()
        menu_link.click()
        expect(page).to_have_url(f"{nginx_proxy.base_url}/servercertificaten/")

        table = page.get_by_test_id("certificate-table")
        for heading in ("Status", "Naam van de Service (CN)", "Beheren"):
            cell = table.get_by_role("columnheader", name=heading)
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"], heading
        for heading in ("Certificate Type", "Geldig van"):
            expect(table.get_by_role("columnheader", name=heading)).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        expect(page.get_by_text("Toelichting zoeken van servercertificaten.")).to_be_visible()
        expect(page.get_by_test_id("servicedesk")).to_be_visible()

        row = table.locator("tbody tr", has_text="www.voorbeeld.nl")
        row.get_by_role("link", name="Beheren").click()
        expect(page).to_have_url(re.compile(rf"{nginx_proxy.base_url}/servercertificaten/\d+/$"))
        expect(page.get_by_text("www.voorbeeld.nl").first).to_be_visible()
        expect(page.get_by_test_id("menu-toggle")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert problems == []
    finally:
        context.close()
