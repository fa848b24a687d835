"""A replacement campaign as joost sees it in Chromium through nginx (issue 14, point 4):
Home's banner, its link to the filtered list with exactly the covered rows marked, the
detail page's notice and its "Vervangen" button."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright import sync_api

from tests.e2e.conftest import NginxProxy
from tests.e2e.test_browser import browser, new_context, watch  # noqa: F401 (fixture)
from tests.e2e.test_order_browser import in_db_thread

expect = sync_api.expect

# As in test_browser.py: no django_db marker on the browser tests; the first
# test makes pytest-django create the test database that gunicorn serves.
pytestmark = pytest.mark.e2e

COVERED = {"digipoort.voorbeeld.nl", "koppeling.voorbeeld.nl"}
MESSAGE = "Vervang uw G3-certificaten door Private G1-certificaten (e2e)."


@pytest.mark.django_db
def test_the_served_database_has_the_g3_certificates() -> None:
    from certificates.models import Certificate

    assert (
        set(
            Certificate.objects.valid()
            .filter(issuing_ca__name="Demo Organisatie Services CA - G3")
            .values_list("common_name", flat=True)
        )
        >= COVERED
    )


@pytest.fixture
def campaign(django_db_blocker) -> Iterator[dt.date]:  # noqa: ANN001
    """A campaign over the demo G3 CA, committed in the served database; removed after."""
    deadline = timezone.localdate() + dt.timedelta(days=40)

    def make() -> int:
        from certificates.campaigns import campaign_create
        from certificates.models import IssuingCA, Product

        return campaign_create(
            name="G3 → Private G1 (e2e)",
            leaving_cas=IssuingCA.objects.filter(name="Demo Organisatie Services CA - G3"),
            target_product=Product.objects.get(code="pkio-private"),
            deadline=deadline,
            message=MESSAGE,
        ).pk

    pk = in_db_thread(django_db_blocker, make)
    try:
        yield deadline
    finally:

        def remove() -> None:
            from certificates.models import ReplacementCampaign

            ReplacementCampaign.objects.filter(pk=pk).delete()

        in_db_thread(django_db_blocker, remove)


def test_joost_follows_the_banner_to_the_marked_rows_and_replaces_one(
    browser,  # noqa: F811
    nginx_proxy: NginxProxy,
    pki_dir: Path,
    campaign: dt.date,
) -> None:
    deadline = f"{campaign:%d-%m-%Y}"
    context = new_context(browser, nginx_proxy, pki_dir, "joost")
    try:
        page = context.new_page()
        problems = watch(page)
        page.goto(nginx_proxy.base_url + "/")
        banner = page.get_by_test_id("campaign-banner")
        expect(banner).to_have_count(1)
        expect(banner).to_contain_text(f"2 certificaten moeten worden vervangen vóór {deadline}")
        expect(banner).to_contain_text(MESSAGE)
        expect(page.get_by_test_id("server-replace")).to_contain_text("2")

        page.get_by_test_id("campaign-banner-list").click()
        expect(page).to_have_url(re.compile(r"/servercertificaten/\?status=valid&renewal=replace$"))
        rows = page.get_by_test_id("certificate-table").locator("tbody tr[data-href]")
        expect(rows).to_have_count(2)
        names = {rows.nth(i).locator("td").nth(2).inner_text().strip() for i in range(2)}
        assert names == COVERED
        marks = page.get_by_test_id("replace-mark")
        expect(marks).to_have_count(2)
        for i in range(2):
            expect(marks.nth(i)).to_have_text(f"Moet vervangen worden vóór {deadline}")

        chosen = rows.first.locator("td").nth(2).inner_text().strip()
        rows.first.locator("td").nth(2).click()
        expect(page).to_have_url(re.compile(r"/servercertificaten/\d+/$"))
        notice = page.get_by_test_id("campaign-notice")
        expect(notice).to_contain_text(MESSAGE)
        expect(notice).to_contain_text(f"Moet vervangen worden vóór {deadline}")
        expect(page.get_by_test_id("renew")).to_be_visible()
        with page.expect_navigation() as navigation:
            page.get_by_test_id("replace").click()
        response = navigation.value
        assert response is not None and response.status == 200
        expect(page).to_have_url(re.compile(r"/servercertificaten/\d+/vervangen/$"))
        # The replacement form, prefilled from the certificate: its name, the new
        # product from the G1 CA, the same expiry date, and the old key offered again.
        expect(page.get_by_test_id("replacement-cn")).to_have_text(chosen)
        expect(page.get_by_test_id("replacement-ca")).to_have_text("Demo Private Services CA - G1")
        expect(page.get_by_test_id("replacement-not-after")).to_contain_text(
            "gelijk aan het huidige certificaat"
        )
        expect(page.get_by_test_id("campaign-message")).to_contain_text(MESSAGE)
        expect(page.get_by_test_id("place-replacement")).to_be_visible()
        assert problems == []
    finally:
        context.close()


PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_campaign_pages_fit(
    browser,  # noqa: F811
    nginx_proxy: NginxProxy,
    pki_dir: Path,
    campaign: dt.date,
) -> None:
    """Home's banner, the campaign page, a "Vervangen" page and the trust page at 390 px:
    no sideways scrolling, no CSP or console errors."""
    context = new_context(browser, nginx_proxy, pki_dir, "joost")
    try:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        problems = watch(page)

        def fits(what: str) -> None:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (what, width)

        page.goto(nginx_proxy.base_url + "/")
        expect(page.get_by_test_id("campaign-banner")).to_be_visible()
        fits("home")
        page.get_by_test_id("campaign-banner-campaign").click()
        expect(page).to_have_url(re.compile(r"/vervanging/\d+/$"))
        expect(page.get_by_test_id("count-affected")).to_have_text("2")
        fits("campaign page")
        page.get_by_test_id("replace-one").first.click()
        expect(page).to_have_url(re.compile(r"/vervangen/$"))
        expect(page.get_by_test_id("place-replacement")).to_be_visible()
        fits("replacement page")
        page.goto(nginx_proxy.base_url + "/vertrouwen/")
        expect(page.get_by_text("Demo Private Services CA - G1").first).to_be_visible()
        fits("trust page")
        assert problems == []
    finally:
        context.close()
