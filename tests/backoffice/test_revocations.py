"""The revocation-request queue in the admin (issue 5; manual §3.1 "Intrekken"):
"intrekken uitvoeren" and "afwijzen"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from certificates.models import Certificate, RevocationReason, RevocationRequest, Status
from certificates.services import revocation_request_create
from organisations.models import Person

pytestmark = pytest.mark.django_db

QUEUE = "/beheer/certificates/revocationrequest/"


@pytest.fixture
def officer(client, officer_login):  # noqa: ANN001, ANN201
    user = officer_login()
    return user


def _request(cn: str = "koppeling.voorbeeld.nl") -> RevocationRequest:
    return revocation_request_create(
        certificate=Certificate.objects.get(common_name=cn),
        reason=RevocationReason.KEY_COMPROMISE,
        requested_by=Person.objects.get(email="joost@voorbeeld.nl"),
        explanation="De sleutel stond op een gestolen laptop.",
    )


def _url(request: RevocationRequest, name: str = "change") -> str:
    return f"{QUEUE}{request.pk}/{name}/"


def _messages(response) -> list[str]:  # noqa: ANN001
    return [str(message) for message in response.context["messages"]]


def _customer_status(client, login_as, cn: str) -> str:  # noqa: ANN001
    client.logout()
    login_as("joost")
    page = client.get("/servercertificaten/", {"status": "all"}).content.decode()
    (status,) = re.findall(rf"<td>([^<]*)</td>\s*<td>{re.escape(cn)}</td>", page)
    return status


def test_the_queue_shows_open_requests_oldest_first(client, officer):
    newer = _request("koppeling.voorbeeld.nl")
    older = _request("www.voorbeeld.nl")
    RevocationRequest.objects.filter(pk=older.pk).update(
        requested_at=timezone.now() - timedelta(hours=5)
    )
    decided = _request("api.voorbeeld.nl")
    RevocationRequest.objects.filter(pk=decided.pk).update(state=RevocationRequest.State.REJECTED)

    response = client.get(QUEUE)

    assert list(response.context["cl"].result_list) == [older, newer]
    assert "5\xa0uur" in response.content.decode()
    assert decided in client.get(QUEUE, {"status": "alle"}).context["cl"].result_list


def test_the_detail_shows_the_request_and_the_certificate(client, officer):
    revocation = _request()
    certificate = revocation.certificate

    page = client.get(_url(revocation)).content.decode()

    for expected in [
        "Sleutel gecompromitteerd",
        "De sleutel stond op een gestolen laptop.",
        "Joost Test",
        certificate.subject,
        certificate.serial,
        "edsn.voorbeeld.nl",
        "Geldig",
        "Karel Tak",
        _url(revocation, "intrekken"),
        _url(revocation, "afwijzen"),
    ]:
        assert expected in page, expected
    assert 'name="_save"' not in page


def test_a_request_is_not_edited_added_or_deleted_in_the_admin(client, officer):
    revocation = _request()

    assert client.post(_url(revocation), {"state": "executed"}).status_code == 403
    assert client.get(f"{QUEUE}add/").status_code == 403
    assert client.post(_url(revocation, "delete"), {"post": "yes"}).status_code == 403
    revocation.refresh_from_db()
    assert revocation.state == RevocationRequest.State.OPEN


def test_executing_revokes_the_certificate_and_tells_the_customer(
    client, officer, login_as, eager_tasks, django_capture_on_commit_callbacks
):
    revocation = _request()
    certificate = revocation.certificate

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(revocation, "intrekken"), follow=True)

    assert _messages(response) == ["1 certificaat ingetrokken."]
    revocation.refresh_from_db()
    certificate.refresh_from_db()
    assert revocation.state == RevocationRequest.State.EXECUTED
    assert revocation.decided_at is not None
    assert certificate.status == Status.REVOKED
    assert certificate.revocation_reason == RevocationReason.KEY_COMPROMISE
    (notice,) = mail.outbox
    assert notice.to == ["joost@voorbeeld.nl", certificate.certificate_manager.email]
    assert certificate.serial in notice.body
    assert _customer_status(client, login_as, "koppeling.voorbeeld.nl") == "Ingetrokken"


def test_executing_twice_is_a_message_not_an_error(
    client, officer, eager_tasks, django_capture_on_commit_callbacks
):
    revocation = _request()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(revocation, "intrekken"), follow=True)

    again = client.post(_url(revocation, "intrekken"), follow=True)
    from_list = client.post(
        QUEUE,
        {"action": "execute_selected", "_selected_action": [revocation.pk], "index": "0"},
        follow=True,
    )

    expected = (
        "Het intrekkingsverzoek voor koppeling.voorbeeld.nl is al afgehandeld (Uitgevoerd); "
        "er is niets gewijzigd."
    )
    assert _messages(again) == [expected]
    assert _messages(from_list) == [expected]
    assert len(mail.outbox) == 1


def test_executing_from_the_list(client, officer, eager_tasks, django_capture_on_commit_callbacks):
    first, second = _request("koppeling.voorbeeld.nl"), _request("www.voorbeeld.nl")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            QUEUE,
            {"action": "execute_selected", "_selected_action": [first.pk, second.pk], "index": "0"},
            follow=True,
        )

    assert _messages(response) == ["2 certificaten ingetrokken."]
    assert (
        Certificate.objects.filter(
            common_name__in=["koppeling.voorbeeld.nl", "www.voorbeeld.nl"], revoked_at__isnull=False
        ).count()
        == 2
    )


def test_declining_needs_a_note(client, officer):
    revocation = _request()

    page = client.get(_url(revocation, "afwijzen"))
    refused = client.post(_url(revocation, "afwijzen"), {"apply": "1", "note": ""})

    assert "Toelichting bij de afwijzing, wordt aan de klant gemaild" in page.content.decode()
    assert refused.status_code == 200 and refused.context["form"].errors["note"]
    revocation.refresh_from_db()
    assert revocation.state == RevocationRequest.State.OPEN


def test_declining_keeps_the_certificate_valid_and_mails_the_note(
    client, officer, login_as, eager_tasks, django_capture_on_commit_callbacks
):
    revocation = _request()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(revocation, "afwijzen"),
            {"apply": "1", "note": "Bel ons eerst even, de sleutel lijkt veilig."},
            follow=True,
        )

    assert _messages(response) == ["1 intrekkingsverzoek afgewezen."]
    revocation.refresh_from_db()
    assert revocation.state == RevocationRequest.State.REJECTED
    assert revocation.decision_note == "Bel ons eerst even, de sleutel lijkt veilig."
    (notice,) = mail.outbox
    assert "joost@voorbeeld.nl" in notice.to
    assert revocation.decision_note in notice.body
    assert _customer_status(client, login_as, "koppeling.voorbeeld.nl") == "Geldig"


def test_declining_from_the_list_asks_for_the_note_first(client, officer):
    revocation = _request()
    selected = {"action": "decline_selected", "_selected_action": [revocation.pk]}

    page = client.post(QUEUE, {**selected, "index": "0"})
    assert page.context["rows"] == [revocation]
    response = client.post(QUEUE, {**selected, "apply": "1", "note": "Niet nodig."}, follow=True)

    assert _messages(response) == ["1 intrekkingsverzoek afgewezen."]
    revocation.refresh_from_db()
    assert (revocation.state, revocation.decision_note) == ("rejected", "Niet nodig.")
