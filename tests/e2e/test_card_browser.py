"""Persoons, Groeps and eSeal in Chromium through nginx (issue 13): for each kind the
overview from the menu, a click on a row opens the detail, and "Verlengen" starts the
renewal wizard prefilled from the card."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright import sync_api

from tests.e2e.conftest import NginxProxy
from tests.e2e.test_browser import browser, new_context, watch  # noqa: F401 (fixture)

expect = sync_api.expect

pytestmark = pytest.mark.e2e


@pytest.mark.django_db
def test_the_served_database_has_cards_of_every_kind() -> None:
    # A database test first: pytest-django then sets up (and seeds) the test database
    # before the served portal starts.
    from certificates.models import Certificate

    for kind in ("personal", "group", "eseal"):
        assert Certificate.objects.valid().filter(kind=kind, card__isnull=False).exists(), kind


@pytest.mark.parametrize(
    ("menu", "kind"), [("Persoons", "personal"), ("Groeps", "group"), ("eSeal", "eseal")]
)
def test_overview_detail_and_renewal_of_each_card_kind(
    browser,  # noqa: F811
    nginx_proxy: NginxProxy,
    pki_dir: Path,
    menu: str,
    kind: str,
) -> None:
    context = new_context(browser, nginx_proxy, pki_dir, "maximo")
    try:
        page = context.new_page()
        problems = watch(page)
        page.goto(nginx_proxy.base_url + "/")
        page.get_by_role("link", name=menu, exact=True).click()
        expect(page).to_have_url(f"{nginx_proxy.base_url}/passen/{kind}/")

        table = page.get_by_test_id("certificate-table")
        row = table.locator("tbody tr[data-href]", has_text="Geldig").first
        holder = row.locator("td").nth(3).inner_text().strip()
        assert holder
        # The manual: "Door op een rij ... te klikken" opens the detail, not only Beheren.
        row.locator("td").nth(2).click()
        expect(page).to_have_url(re.compile(rf"{nginx_proxy.base_url}/passen/{kind}/\d+/$"))
        expect(page.get_by_test_id("card-number")).not_to_be_empty()
        expect(page.get_by_test_id("certificate-details")).to_contain_text(holder)

        page.get_by_test_id("renew").click()
        expect(page.get_by_test_id("renewal-certificate")).to_contain_text(holder)
        page.get_by_test_id("next-step").click()
        expect(page).to_have_url(re.compile(r"/verlengen/formulier/$"))
        expect(page.locator("main")).to_contain_text(holder)
        assert problems == []
    finally:
        context.close()
