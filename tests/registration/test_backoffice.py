"""The back office's change-request queue (issue 6): review, approve and apply, reject."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from audit.models import Action, AuditEntry
from organisations.models import Person, Subscriber
from registration import services
from registration.changes import CONTACT_FIELDS, person_values
from registration.models import ChangeRequest
from registration.services import (
    ChangeAlreadyDecided,
    change_request_approve,
    change_request_reject,
)
from tests.registration.submitting import (
    address_change,
    new_contact,
    new_representative,
    person,
    submit_change,
)

pytestmark = pytest.mark.django_db

QUEUE = "/beheer/registration/changerequest/"


def _url(change_request: ChangeRequest, name: str = "change") -> str:
    return f"{QUEUE}{change_request.pk}/{name}/"


def _voorbeeld() -> Subscriber:
    return Subscriber.objects.get(name="Voorbeeld B.V.")


def _everything() -> ChangeRequest:
    """Address, phone, billing, a new, a changed and a removed contact person."""
    herman, joost = person("herman"), person("joost")
    return submit_change(
        {
            **address_change(),
            "contact_data": {"before": {"phone": "0688889900"}, "after": {"phone": "0101234567"}},
            "contacts": {
                "changes": [
                    new_contact(),
                    {
                        "change": "change",
                        "person": joost.pk,
                        "before": person_values(joost, CONTACT_FIELDS),
                        "after": {**person_values(joost, CONTACT_FIELDS), "job_title": "CISO"},
                    },
                    {
                        "change": "remove",
                        "person": herman.pk,
                        "before": person_values(herman, CONTACT_FIELDS),
                    },
                ]
            },
        }
    )


def test_the_queue_shows_submitted_requests_oldest_first(officer_client):
    newer = submit_change(address_change())
    older = submit_change(address_change(), by="joost")
    ChangeRequest.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - timedelta(days=2)
    )
    decided = submit_change(address_change())
    change_request_reject(
        change_request_id=decided.pk, officer=get_user_model().objects.first(), reason="Nee"
    )

    response = officer_client.get(QUEUE)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [older, newer]


def test_the_detail_shows_the_proposal_next_to_the_registration(officer_client):
    change_request = _everything()

    response = officer_client.get(_url(change_request))

    assert response.status_code == 200
    page = response.text
    assert 'data-testid="section-organisation"' in page
    assert "Coolsingel 40" in page and "Wilhelminakade 123" in page
    assert "Nieuwe Contactpersoon: Nina Nieuw" in page
    assert "Verwijderen Contactpersoon: Herman Testing" in page
    assert "Wijzigen Contactpersoon: Joost Test" in page
    assert "Goedkeuren en doorvoeren" in page
    assert page.count('data-testid="id-document-link"') == 1


def test_approving_applies_exactly_the_changes(
    officer_client, eager_tasks, django_capture_on_commit_callbacks
):
    change_request = _everything()
    herman, joost = person("herman"), person("joost")
    persons_before = Person.objects.count()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(_url(change_request, "goedkeuren"), follow=True)

    assert "Het wijzigingsverzoek is goedgekeurd" in response.text
    voorbeeld = _voorbeeld()
    assert (voorbeeld.street, voorbeeld.postcode, voorbeeld.city) == (
        "Coolsingel 40",
        "3011 AD",
        "Rotterdam",
    )
    assert voorbeeld.phone == "0101234567"
    assert voorbeeld.name == "Voorbeeld B.V."
    assert voorbeeld.billing_email == "facturen@voorbeeld.nl"
    nina = Person.objects.get(email="nina@voorbeeld.nl")
    assert (nina.subscriber, nina.contact_authorisation, nina.status) == (
        voorbeeld,
        "basic",
        "active",
    )
    assert nina.identified and not nina.is_representative
    assert Person.objects.count() == persons_before + 1
    joost.refresh_from_db()
    herman.refresh_from_db()
    assert (joost.job_title, joost.phone) == ("CISO", "0611112222")
    assert herman.status == Person.Status.INACTIVE
    change_request.refresh_from_db()
    assert change_request.state == ChangeRequest.State.APPROVED
    assert change_request.decided_by.username == "validatie"
    assert change_request.decided_at is not None

    entries = AuditEntry.objects.filter(action=Action.REGISTRATION_CHANGED)
    by_object = {(entry.object_type, entry.object_id): entry for entry in entries}
    assert set(by_object) == {
        ("subscriber", str(voorbeeld.pk)),
        ("person", str(nina.pk)),
        ("person", str(joost.pk)),
        ("person", str(herman.pk)),
    }
    subscriber_entry = by_object["subscriber", str(voorbeeld.pk)]
    assert subscriber_entry.details["before"] == {
        "street": "Wilhelminakade 123",
        "postcode": "3072 AP",
        "phone": "0688889900",
    }
    assert subscriber_entry.details["after"]["street"] == "Coolsingel 40"
    assert subscriber_entry.details["change_request"] == change_request.reference
    assert subscriber_entry.actor_label.startswith("validatie")
    assert by_object["person", str(joost.pk)].details["after"] == {"job_title": "CISO"}
    assert by_object["person", str(herman.pk)].state_after == "inactive"
    approved = AuditEntry.objects.get(action=Action.CHANGE_APPROVED)
    assert approved.object_id == str(change_request.pk)
    (message,) = mail.outbox
    assert message.to == ["maximo@voorbeeld.nl"]
    assert "goedgekeurd" in message.subject


def test_approving_is_one_transaction(monkeypatch):
    change_request = _everything()
    real = services._apply_person
    calls = []

    def failing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database gone")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_apply_person", failing)
    officer = get_user_model().objects.get(username="validatie")

    with pytest.raises(RuntimeError):
        change_request_approve(change_request_id=change_request.pk, officer=officer)

    assert _voorbeeld().street == "Wilhelminakade 123"
    assert not Person.objects.filter(email="nina@voorbeeld.nl").exists()
    assert not AuditEntry.objects.filter(action=Action.REGISTRATION_CHANGED).exists()
    change_request.refresh_from_db()
    assert change_request.state == ChangeRequest.State.SUBMITTED


def test_only_what_the_request_changed_is_written():
    """A field the request left alone keeps what another approved request wrote meanwhile."""
    change_request = submit_change(address_change())
    Subscriber.objects.filter(name="Voorbeeld B.V.").update(city="Schiedam", name="Nieuw B.V.")
    officer = get_user_model().objects.get(username="validatie")

    change_request_approve(change_request_id=change_request.pk, officer=officer)

    voorbeeld = Subscriber.objects.get(pk=change_request.subscriber_id)
    assert (voorbeeld.name, voorbeeld.city, voorbeeld.street) == (
        "Nieuw B.V.",
        "Schiedam",
        "Coolsingel 40",
    )


def test_approving_representatives_and_a_cancellation():
    maximo = person("maximo")
    joost = person("joost")
    joost.is_representative = True
    joost.save()
    change_request = submit_change(
        {
            "representatives": {
                "changes": [
                    new_representative(),
                    {"change": "remove", "person": joost.pk, "before": {}},
                ],
                "remaining": ["Maximo de Tester"],
            },
            "cancel": {"reason": "Overstap"},
        }
    )
    officer = get_user_model().objects.get(username="validatie")

    change_request_approve(change_request_id=change_request.pk, officer=officer)

    pedro = Person.objects.get(email="pedro@voorbeeld.nl")
    assert pedro.is_representative and pedro.contact_authorisation == ""
    joost.refresh_from_db()
    # Joost stays a contact person: only his representative role goes.
    assert (joost.is_representative, joost.status, joost.contact_authorisation) == (
        False,
        "active",
        "full",
    )
    assert _voorbeeld().cancelled_at is not None
    maximo.refresh_from_db()
    assert maximo.is_representative


def test_a_decided_request_is_not_applied_twice(officer_client):
    change_request = submit_change(address_change())
    officer_client.post(_url(change_request, "goedkeuren"))

    response = officer_client.post(_url(change_request, "goedkeuren"), follow=True)

    assert "heeft de status Goedgekeurd en doorgevoerd" in response.text
    assert AuditEntry.objects.filter(action=Action.CHANGE_APPROVED).count() == 1
    with pytest.raises(ChangeAlreadyDecided):
        change_request_reject(
            change_request_id=change_request.pk,
            officer=get_user_model().objects.get(username="validatie"),
            reason="Te laat",
        )


def test_rejecting_needs_a_reason_and_mails_it(
    officer_client, eager_tasks, django_capture_on_commit_callbacks
):
    change_request = submit_change(address_change(), by="joost")
    mail.outbox.clear()

    page = officer_client.get(_url(change_request, "afkeuren"))
    assert "Reden van afkeuring" in page.text
    empty = officer_client.post(_url(change_request, "afkeuren"), {"apply": "1", "note": ""})
    assert empty.status_code == 200
    change_request.refresh_from_db()
    assert change_request.state == ChangeRequest.State.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(
            _url(change_request, "afkeuren"),
            {"apply": "1", "note": "Het KvK-uittreksel ontbreekt."},
        )

    change_request.refresh_from_db()
    assert change_request.state == ChangeRequest.State.REJECTED
    assert change_request.rejection_reason == "Het KvK-uittreksel ontbreekt."
    assert _voorbeeld().street == "Wilhelminakade 123"
    (message,) = mail.outbox
    assert message.to == ["joost@voorbeeld.nl"]
    assert "Het KvK-uittreksel ontbreekt." in message.body
    assert AuditEntry.objects.get(action=Action.CHANGE_REJECTED).details == {
        "rejection_reason": "Het KvK-uittreksel ontbreekt."
    }


def test_the_officer_downloads_the_id_copy(officer_client, upload_dir):
    change_request = submit_change({"contacts": {"changes": [new_contact()]}}, by="joost")
    document = change_request.sections["contacts"]["changes"][0]["id_document"]

    response = officer_client.get(_url(change_request, "identiteitsbewijs/0"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == (
        f'attachment; filename="identiteitsbewijs-{change_request.reference}-1.png"'
    )
    assert response.content == (upload_dir / "id" / document["stored_name"]).read_bytes()
    assert officer_client.get(_url(change_request, "identiteitsbewijs/1")).status_code == 404


def test_customers_cannot_reach_the_id_copy(client, login_as, upload_dir):
    change_request = submit_change({"contacts": {"changes": [new_contact()]}}, by="joost")
    stored = change_request.sections["contacts"]["changes"][0]["id_document"]["stored_name"]
    login_as("joost")

    admin_url = client.get(_url(change_request, "identiteitsbewijs/0"))
    assert admin_url.status_code == 302
    assert "/beheer/login/" in admin_url["Location"]
    for guess in [
        f"/media/{stored}",
        f"/media/id/{stored}",
        f"/uploads/id/{stored}",
        f"/static/{stored}",
        f"/var/uploads/id/{stored}",
    ]:
        assert client.get(guess).status_code == 404, guess
    assert (
        stored
        not in client.get(f"/organisatie/wijzigen/{change_request.reference}/ingediend/").text
    )


def test_an_officer_without_decision_permissions_cannot_open_id_copies(client, officer_login):
    change_request = submit_change({"contacts": {"changes": [new_contact()]}}, by="joost")
    viewer = get_user_model().objects.create_user("kijker", password="x", is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name="Validatiemedewerkers").permissions.filter(
            codename="view_changerequest"
        )
    )
    officer_login(viewer)

    detail = client.get(_url(change_request))
    assert detail.status_code == 200
    assert 'data-testid="id-document-link"' not in detail.text
    assert "Goedkeuren en doorvoeren" not in detail.text
    assert client.get(_url(change_request, "identiteitsbewijs/0")).status_code == 403
    assert client.post(_url(change_request, "goedkeuren")).status_code == 403
    change_request.refresh_from_db()
    assert change_request.is_open


def test_the_officer_group_has_the_change_request_permissions():
    officer = get_user_model().objects.get(username="validatie")

    for permission in ("view", "approve", "reject"):
        assert officer.has_perm(f"registration.{permission}_changerequest")
