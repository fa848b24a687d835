"""Reports per person (manual §7.4): the normal overview narrowed to what one person
requested or manages, with the notice and the links back."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from certificates.models import Certificate, Kind, Status
from organisations.models import Person

pytestmark = pytest.mark.django_db


def victor() -> Person:
    return Person.objects.get(manager_number="CB9505784")


def joost() -> Person:
    return Person.objects.get(email="joost@voorbeeld.nl")


def names(response) -> set[str]:  # noqa: ANN001
    return {c.common_name or c.card.holder_name for c in response.context["page"]}


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001
    login_as("maximo")
    return client


def test_server_certificates_requested_by_a_person(maximo_client):
    pk = joost().pk
    response = maximo_client.get(reverse("server_list"), {"aangevraagd_door": pk, "status": "all"})
    expected = set(
        Certificate.objects.filter(kind=Kind.SERVER, requested_by=joost()).values_list(
            "common_name", flat=True
        )
    )
    assert names(response) == expected
    assert expected == {
        "www.voorbeeld.nl",
        "digipoort.voorbeeld.nl",
        "oud.voorbeeld.nl",
        "ingetrokken.voorbeeld.nl",
    }


def test_the_default_status_filter_still_applies(maximo_client):
    response = maximo_client.get(reverse("server_list"), {"beheerder": victor().pk})
    assert names(response) == {"www.voorbeeld.nl", "digipoort.voorbeeld.nl", "test.voorbeeld.nl"}


def test_server_certificates_managed_by_victor_with_the_seeds_notice(maximo_client):
    response = maximo_client.get(
        reverse("server_list"), {"beheerder": victor().pk, "status": "all"}
    )
    assert names(response) == {
        "www.voorbeeld.nl",
        "digipoort.voorbeeld.nl",
        "test.voorbeeld.nl",
        "oud.voorbeeld.nl",
    }
    content = response.content.decode()
    notice = re.sub(r"\s+", " ", content[content.index('data-testid="person-report"') :])
    assert (
        "Onderstaand overzicht bevat alleen servercertificaten waarvoor "
        "<strong>Victor Achterlijn</strong> (CB9505784) beheerder is bij uw organisatie."
    ) in notice
    assert (
        'Klik <a href="/servercertificaten/" data-testid="report-all">hier</a> voor een '
        "overzicht van alle servercertificaten behorend bij uw Abonnee registratie."
    ) in notice
    assert (
        'Klik <a href="/organisatie/#personen" data-testid="report-persons">hier</a> voor een '
        "overzicht van andere geregistreerde personen binnen uw organisatie."
    ) in notice


def test_the_requested_by_notice(maximo_client):
    response = maximo_client.get(reverse("server_list"), {"aangevraagd_door": joost().pk})
    content = re.sub(r"\s+", " ", response.content.decode())
    assert (
        "Onderstaand overzicht bevat alleen servercertificaten die door "
        "<strong>Joost Test</strong> zijn aangevraagd bij uw organisatie."
    ) in content


def test_without_a_person_there_is_no_notice(maximo_client):
    content = maximo_client.get(reverse("server_list")).content.decode()
    assert 'data-testid="person-report"' not in content


@pytest.mark.parametrize(
    ("kind", "parameter", "email"),
    [
        ("personal", "aangevraagd_door", "maximo@voorbeeld.nl"),
        ("personal", "aangevraagd_door", "joost@voorbeeld.nl"),
        ("group", "beheerder", "victor@voorbeeld.nl"),
        ("eseal", "beheerder", "karel@voorbeeld.nl"),
        ("eseal", "beheerder", "victor@voorbeeld.nl"),
    ],
)
def test_card_overviews_narrow_to_the_person(maximo_client, kind, parameter, email):
    who = Person.objects.get(email=email)
    everything = maximo_client.get(reverse("card_list", args=[kind]), {"status": "all"})
    response = maximo_client.get(
        reverse("card_list", args=[kind]), {parameter: who.pk, "status": "all"}
    )
    field = "requested_by" if parameter == "aangevraagd_door" else "certificate_manager"
    expected = [c.pk for c in everything.context["page"] if getattr(c, f"{field}_id") == who.pk]
    assert [c.pk for c in response.context["page"]] == expected
    assert 'data-testid="person-report"' in response.content.decode()


def test_the_group_report_of_victor_is_not_empty(maximo_client):
    response = maximo_client.get(reverse("card_list", args=["group"]), {"beheerder": victor().pk})
    assert names(response) == {"Servicedesk Voorbeeld"}
    assert "groepscertificaten waarvoor" in response.content.decode()


def test_filters_sorting_paging_and_export_keep_the_person(maximo_client):
    pk = victor().pk
    response = maximo_client.get(
        reverse("server_list"), {"beheerder": pk, "status": "all", "per_page": 10}
    )
    content = response.content.decode()
    assert f'<input type="hidden" name="beheerder" value="{pk}">' in content
    assert f"beheerder={pk}" in response.context["sort_query"]
    assert f"beheerder={pk}" in response.context["query"]
    assert (
        f'href="/servercertificaten/export.csv?{response.context["query"]}"'.replace("&", "&amp;")
        in content
    )


def test_the_csv_export_respects_the_person(maximo_client):
    response = maximo_client.get(reverse("server_csv"), {"beheerder": victor().pk, "status": "all"})
    body = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    assert sorted(r[2] for r in rows[1:]) == [
        "digipoort.voorbeeld.nl",
        "oud.voorbeeld.nl",
        "test.voorbeeld.nl",
        "www.voorbeeld.nl",
    ]
    assert {r[8] for r in rows[1:]} == {"CB9505784"}


def test_a_person_of_another_subscriber_is_not_found(client, login_as):
    login_as("frank")
    pk = victor().pk
    for url in [
        f"/servercertificaten/?beheerder={pk}",
        f"/servercertificaten/?aangevraagd_door={joost().pk}",
        f"/passen/personal/?aangevraagd_door={joost().pk}",
        f"/passen/group/?beheerder={pk}",
        f"/servercertificaten/export.csv?beheerder={pk}",
    ]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "query",
    [
        "beheerder=abc",
        "beheerder=-1",
        "beheerder=99999999999999999999999",
        "aangevraagd_door=1.5",
        "beheerder={victor}&aangevraagd_door={victor}",
    ],
)
def test_a_tampered_person_filter_is_a_404_not_a_500(maximo_client, query):
    url = "/servercertificaten/?" + query.format(victor=victor().pk)
    assert maximo_client.get(url).status_code == 404


def test_the_persons_name_is_escaped_in_the_notice(maximo_client):
    Person.objects.filter(pk=victor().pk).update(given_name="<b>Victor</b>")
    content = maximo_client.get(reverse("server_list"), {"beheerder": victor().pk}).content
    assert b"<b>Victor</b>" not in content
    assert b"&lt;b&gt;Victor&lt;/b&gt;" in content


def test_the_report_shows_only_valid_certificates_unless_asked(maximo_client):
    response = maximo_client.get(reverse("server_list"), {"aangevraagd_door": joost().pk})
    assert {c.status for c in response.context["page"]} == {Status.VALID}
