"""The audit log of the back office (issue 5): an entry for every decision taken in the
admin (who, what, state before and after, from which address); readable, never
editable or deletable, not in the admin and not in the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.test import RequestFactory

from audit.middleware import client_address
from audit.models import Action, AuditEntry
from audit.selectors import history_of
from certificates.models import Certificate, RevocationReason
from certificates.services import revocation_request_create
from core.models import OutboxMessage
from organisations.models import Person
from tests.conftest import forwarded_by_nginx
from tests.factories import OutboxMessageFactory
from tests.orders.placing import place_order

pytestmark = pytest.mark.django_db

ORDERS = "/beheer/orders/order/"
REVOCATIONS = "/beheer/certificates/revocationrequest/"
AUDIT = "/beheer/audit/auditentry/"
# nginx passes the officer's address; the app sees nginx (127.0.0.1, a trusted proxy).
OFFICER_ADDRESS = "192.0.2.7"


@pytest.fixture
def officer(client, officer_login):  # noqa: ANN001, ANN201
    user = officer_login()
    client.defaults["HTTP_X_FORWARDED_FOR"] = OFFICER_ADDRESS
    return user


def _revocation(cn: str):  # noqa: ANN202
    return revocation_request_create(
        certificate=Certificate.objects.get(common_name=cn),
        reason=RevocationReason.SUPERSEDED,
        requested_by=Person.objects.get(email="joost@voorbeeld.nl"),
    )


def _trail(obj) -> list[tuple]:  # noqa: ANN001
    return [
        (entry.action, entry.actor_id, entry.state_before, entry.state_after, entry.address)
        for entry in history_of(obj)
    ]


def test_every_decision_in_the_admin_is_in_the_audit_log(
    client, officer, eager_tasks, django_capture_on_commit_callbacks
):
    rejected, approved = place_order(cn="app.voorbeeld.nl"), place_order(cn="mail.voorbeeld.nl")
    executed, declined = _revocation("koppeling.voorbeeld.nl"), _revocation("www.voorbeeld.nl")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{ORDERS}{rejected.pk}/in-behandeling/")
        client.post(f"{ORDERS}{rejected.pk}/afkeuren/", {"apply": "1", "note": "Onbekend domein."})
        client.post(
            ORDERS, {"action": "take_selected", "_selected_action": [approved.pk], "index": "0"}
        )
        client.post(f"{ORDERS}{approved.pk}/goedkeuren/")
        client.post(f"{REVOCATIONS}{executed.pk}/intrekken/")
        client.post(f"{REVOCATIONS}{declined.pk}/afwijzen/", {"apply": "1", "note": "Nog nodig."})

    me, there = officer.pk, OFFICER_ADDRESS
    assert _trail(rejected) == [
        (Action.ORDER_PLACED, None, "", "placed", None),
        (Action.ORDER_TAKEN, me, "placed", "in_validation", there),
        (Action.ORDER_REJECTED, me, "in_validation", "rejected", there),
    ]
    assert _trail(approved) == [
        (Action.ORDER_PLACED, None, "", "placed", None),
        (Action.ORDER_TAKEN, me, "placed", "in_validation", there),
        (Action.ORDER_APPROVED, me, "in_validation", "approved", there),
        (Action.ORDER_ISSUED, None, "approved", "issued", None),  # the issuing task
    ]
    assert _trail(executed) == [
        (Action.REVOCATION_REQUESTED, None, "", "open", None),
        (Action.REVOCATION_EXECUTED, me, "open/valid", "executed/revoked", there),
    ]
    assert _trail(declined) == [
        (Action.REVOCATION_REQUESTED, None, "", "open", None),
        (Action.REVOCATION_REJECTED, me, "open", "rejected", there),
    ]
    labels = {entry.actor_label for entry in AuditEntry.objects.filter(actor=officer)}
    assert labels == {"validatie (Vera Validatie)"}


def test_the_address_is_the_officers_only_through_a_trusted_proxy():
    factory = RequestFactory()
    nginx = forwarded_by_nginx()
    via_nginx = factory.post(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OFFICER_ADDRESS, **nginx
    )
    direct = factory.post(
        "/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=OFFICER_ADDRESS, **nginx
    )
    # Another process on the host: a trusted address, but without nginx's secret.
    local = factory.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OFFICER_ADDRESS)
    garbage = factory.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="<script>", **nginx)

    assert client_address(via_nginx) == OFFICER_ADDRESS
    assert client_address(direct) == "198.51.100.1"
    assert client_address(local) == "127.0.0.1"
    assert client_address(garbage) == "127.0.0.1"


def test_the_officer_reads_the_audit_log(client, officer):
    order = place_order(cn="app.voorbeeld.nl")
    client.post(f"{ORDERS}{order.pk}/in-behandeling/")
    entry = AuditEntry.objects.get(action=Action.ORDER_TAKEN, object_id=str(order.pk))

    listing = client.get(AUDIT)
    detail = client.get(f"{AUDIT}{entry.pk}/change/")

    assert listing.status_code == 200 and entry in listing.context["cl"].result_list
    assert detail.status_code == 200
    page = detail.content.decode()
    assert order.reference in page and OFFICER_ADDRESS in page
    assert 'name="_save"' not in page


def test_the_admin_refuses_to_add_edit_or_delete_an_entry(client, officer):
    entry = history_of(place_order(cn="app.voorbeeld.nl")).get()
    before = (entry.action, entry.actor_label, entry.state_after)

    assert client.post(f"{AUDIT}{entry.pk}/change/", {"actor_label": "niemand"}).status_code == 403
    assert client.post(f"{AUDIT}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{AUDIT}add/").status_code == 403
    client.post(AUDIT, {"action": "delete_selected", "_selected_action": [entry.pk], "index": "0"})

    entry.refresh_from_db()
    assert (entry.action, entry.actor_label, entry.state_after) == before


def test_the_database_refuses_to_change_or_delete_an_entry():
    order = place_order(cn="app.voorbeeld.nl")
    entry = history_of(order).get()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="niemand")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()

    assert AuditEntry.objects.get(pk=entry.pk).actor_label == entry.actor_label


OUTBOX = "/beheer/core/outboxmessage/"


def test_the_officer_sees_what_is_stuck_in_the_outbox_and_cannot_change_it(client, officer):
    stuck = OutboxMessageFactory(attempts=4, last_error="SMTPServerDisconnected: gone")
    OutboxMessageFactory(done_at=stuck.created_at)

    waiting = client.get(OUTBOX, {"afgehandeld": "nee"})

    assert waiting.status_code == 200
    assert stuck.key in waiting.text
    assert "SMTPServerDisconnected: gone" in waiting.text
    assert list(waiting.context["cl"].result_list) == [stuck]
    assert client.post(f"{OUTBOX}{stuck.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{OUTBOX}add/").status_code == 403
    assert OutboxMessage.objects.filter(pk=stuck.pk, done_at__isnull=True).exists()
