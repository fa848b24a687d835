"""Home's banner per active replacement campaign (issue 14, point 4) and the dashboard's
"Te vervangen" count: both count through the list's selector and filter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.certificates.test_campaigns import g3_campaign

pytestmark = pytest.mark.django_db

REPLACE_LIST = "/servercertificaten/?status=valid&amp;renewal=replace"


def _deadline() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=30)


def test_no_banner_without_a_campaign(client, login_as):  # noqa: ANN001
    login_as("joost")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["campaign_banners"] == []
    assert 'data-testid="campaign-banner"' not in response.content.decode()


def test_the_banner_counts_joosts_certificates_and_links_to_the_list(client, login_as):  # noqa: ANN001
    login_as("joost")
    campaign = g3_campaign(deadline=_deadline(), message="Vervang uw G3-certificaten.")
    response = client.get(reverse("home"))
    content = response.content.decode()
    [banner] = response.context["campaign_banners"]
    assert banner.campaign == campaign
    assert banner.number == 2
    assert f"2 certificaten moeten worden vervangen vóór {_deadline():%d-%m-%Y}" in content
    assert "Vervang uw G3-certificaten." in content
    assert f'href="{REPLACE_LIST}"' in content
    assert f'href="{reverse("trust_chains")}"' in content
    # The list the banner links to shows exactly that many rows.
    listed = client.get(banner.list_url)
    assert listed.context["page"].total.count == banner.number


def test_franks_banner_counts_only_his_certificate(client, login_as):  # noqa: ANN001
    login_as("frank")
    g3_campaign(deadline=_deadline())
    response = client.get(reverse("home"))
    [banner] = response.context["campaign_banners"]
    assert banner.number == 1
    content = response.content.decode()
    assert f"1 certificaat moet worden vervangen vóór {_deadline():%d-%m-%Y}" in content
    listed = client.get(banner.list_url)
    assert [c.common_name for c in listed.context["page"]] == ["api.andere.nl"]


def test_an_inactive_campaign_has_no_banner(client, login_as):  # noqa: ANN001
    login_as("joost")
    campaign = g3_campaign(deadline=_deadline())
    campaign.active = False
    campaign.save()
    response = client.get(reverse("home"))
    assert response.context["campaign_banners"] == []


def test_the_banner_in_english(client, login_as):  # noqa: ANN001
    login_as("joost")
    g3_campaign(deadline=_deadline())
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get(reverse("home")).content.decode()
    assert f"2 certificates must be replaced before {_deadline():%d-%m-%Y}" in content


def test_the_dashboard_count_te_vervangen_equals_the_filtered_list(client, login_as):  # noqa: ANN001
    login_as("joost")
    before = client.get(reverse("home"))
    counts = {c.testid: c for row in before.context["dashboard"] for c in row.counts}
    assert counts["server-replace"].number == 0
    g3_campaign(deadline=_deadline())
    response = client.get(reverse("home"))
    counts = {c.testid: c for row in response.context["dashboard"] for c in row.counts}
    replace = counts["server-replace"]
    assert replace.number == 2
    assert str(replace.label) == "Te vervangen"
    assert replace.url == "/servercertificaten/?status=valid&renewal=replace"
    assert f'href="{replace.url.replace("&", "&amp;")}"' in response.content.decode()
    listed = client.get(replace.url)
    assert listed.context["page"].total.count == replace.number
    for kind in ("personal", "group", "eseal"):
        assert counts[f"{kind}-replace"].number == 0
