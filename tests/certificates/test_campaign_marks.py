"""Replacement campaigns as the customer sees them (issue 14, point 4): "Moet vervangen
worden vóór …" on the covered rows of the lists and on their detail pages, and the list
filter "Te vervangen"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, IssuingCA, Product
from tests.certificates.test_campaigns import g3_campaign
from tests.certificates.test_card_overviews import card_certificate
from tests.factories import CertificateFactory

pytestmark = pytest.mark.django_db

VOORBEELD_G3 = {"digipoort.voorbeeld.nl", "koppeling.voorbeeld.nl"}


@pytest.fixture
def joost(client, login_as):  # noqa: ANN001, ANN201
    login_as("joost")
    return client


def _deadline() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=45)


def _marked(response) -> set[str]:  # noqa: ANN001
    """The common names of the rows that carry the mark, read from the HTML."""
    content = response.content.decode()
    rows = content.split("<tr data-href=")[1:]
    marked = set()
    for row in rows:
        if 'data-testid="replace-mark"' in row:
            cn = next(c.common_name for c in response.context["page"] if c.common_name in row)
            marked.add(cn)
    return marked


def test_the_list_marks_only_the_covered_rows_with_the_deadline(joost):  # noqa: ANN001
    before = joost.get(reverse("server_list"), {"per_page": 100})
    assert 'data-testid="replace-mark"' not in before.content.decode()

    g3_campaign(deadline=_deadline())
    response = joost.get(reverse("server_list"), {"per_page": 100})

    assert response.status_code == 200
    names = {c.common_name for c in response.context["page"]}
    assert names > VOORBEELD_G3  # other rows are listed too, unmarked
    assert _marked(response) == VOORBEELD_G3
    assert f"Moet vervangen worden vóór {_deadline():%d-%m-%Y}" in response.content.decode()
    assert response.content.decode().count('data-testid="replace-mark"') == 2


def test_the_filter_te_vervangen_shows_exactly_the_covered_rows(joost):  # noqa: ANN001
    response = joost.get(reverse("server_list"), {"status": "valid", "renewal": "replace"})
    assert list(response.context["page"]) == []

    g3_campaign(deadline=_deadline())
    response = joost.get(reverse("server_list"), {"status": "valid", "renewal": "replace"})
    assert {c.common_name for c in response.context["page"]} == VOORBEELD_G3
    assert response.context["page"].total.count == 2
    assert '<option value="replace" selected>Te vervangen</option>' in response.content.decode()
    # Sorting and the status column keep working with the annotation.
    descending = joost.get(
        reverse("server_list"),
        {"status": "valid", "renewal": "replace", "sort": "status", "dir": "desc"},
    )
    assert {c.common_name for c in descending.context["page"]} == VOORBEELD_G3
    assert all(c.status_code == "valid" for c in descending.context["page"])


def test_the_filter_on_the_csv_export_gives_the_same_rows(joost):  # noqa: ANN001
    g3_campaign(deadline=_deadline())
    response = joost.get(reverse("server_csv"), {"status": "valid", "renewal": "replace"})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 3  # header + 2
    assert all(any(cn in line for cn in VOORBEELD_G3) for line in lines[1:])


def _list_queries(client, url: str) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"per_page": 100})
    assert response.status_code == 200
    return len(queries)


def test_the_list_does_not_query_per_row(joost):  # noqa: ANN001
    digipoort = Certificate.objects.get(common_name="digipoort.voorbeeld.nl")
    g3 = IssuingCA.objects.get(name="Demo Organisatie Services CA - G3")
    g3_campaign(deadline=_deadline())
    few = _list_queries(joost, reverse("server_list"))
    for n in range(12):
        CertificateFactory(
            subscriber=digipoort.subscriber,
            issuing_ca=g3,
            common_name=f"extra{n}.voorbeeld.nl",
        )
    g3_campaign(deadline=_deadline() + dt.timedelta(days=5), name="Tweede")
    response = joost.get(reverse("server_list"), {"per_page": 100})
    assert len(_marked(response)) == 14
    assert _list_queries(joost, reverse("server_list")) <= few


def test_card_list_queries_do_not_grow_with_marked_rows(client, login_as):  # noqa: ANN001
    login_as("maximo")
    subscriber = Certificate.objects.get(common_name="digipoort.voorbeeld.nl").subscriber
    url = reverse("card_list", args=["personal"])
    few = _list_queries(client, url)
    certificates = [card_certificate(subscriber, "personal", f"Vervang {n}") for n in range(6)]
    ca_ids = {c.issuing_ca_id for c in certificates}
    g3_campaign(
        leaving_cas=IssuingCA.objects.filter(pk__in=ca_ids),
        target_product=Product.objects.filter(kind="personal").first(),
        deadline=_deadline(),
    )
    response = client.get(url, {"per_page": 100})
    content = response.content.decode()
    assert content.count('data-testid="replace-mark"') >= 6
    assert _list_queries(client, url) <= few


def test_the_detail_shows_the_campaign_message_deadline_and_buttons(joost):  # noqa: ANN001
    campaign = g3_campaign(deadline=_deadline(), message="Vervang G3 vóór de zomer.")
    certificate = Certificate.objects.get(common_name="digipoort.voorbeeld.nl")
    response = joost.get(reverse("server_detail", args=[certificate.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["campaign"] == campaign
    assert 'data-testid="campaign-notice"' in content
    assert "Vervang G3 vóór de zomer." in content
    assert f"Moet vervangen worden vóór {_deadline():%d-%m-%Y}" in content
    assert 'data-testid="renew"' in content  # Verlengen stays
    assert reverse("trust_chains") in content


def test_an_uncovered_certificate_has_no_notice(joost):  # noqa: ANN001
    g3_campaign(deadline=_deadline())
    other = (
        Certificate.objects.filter(subscriber__name="Voorbeeld B.V.", kind="server")
        .valid()
        .exclude(common_name__in=VOORBEELD_G3)
        .first()
    )
    assert other is not None
    response = joost.get(reverse("server_detail", args=[other.pk]))
    assert response.status_code == 200
    assert response.context["campaign"] is None
    assert 'data-testid="campaign-notice"' not in response.content.decode()


def test_an_inactive_campaign_marks_nothing(joost):  # noqa: ANN001
    campaign = g3_campaign(deadline=_deadline())
    campaign.active = False
    campaign.save()
    listed = joost.get(reverse("server_list"), {"per_page": 100})
    assert 'data-testid="replace-mark"' not in listed.content.decode()
    filtered = joost.get(reverse("server_list"), {"status": "valid", "renewal": "replace"})
    assert list(filtered.context["page"]) == []
    certificate = Certificate.objects.get(common_name="digipoort.voorbeeld.nl")
    detail = joost.get(reverse("server_detail", args=[certificate.pk]))
    assert 'data-testid="campaign-notice"' not in detail.content.decode()


def test_a_revoked_covered_certificate_loses_its_mark(joost):  # noqa: ANN001
    g3_campaign(deadline=_deadline())
    Certificate.objects.filter(common_name="koppeling.voorbeeld.nl").update(
        revoked_at=timezone.now(), revocation_reason="superseded"
    )
    response = joost.get(reverse("server_list"), {"status": "all", "per_page": 100})
    assert _marked(response) == {"digipoort.voorbeeld.nl"}


def test_the_earliest_active_deadline_is_the_mark(joost):  # noqa: ANN001
    g3_campaign(deadline=_deadline() + dt.timedelta(days=30), name="Later")
    g3_campaign(deadline=_deadline(), name="Eerder")
    response = joost.get(reverse("server_list"), {"status": "valid", "renewal": "replace"})
    assert {c.replace_before for c in response.context["page"]} == {_deadline()}
