"""The order work queue in the admin (issue 5): the queue, the detail page, and the
decisions "in behandeling nemen", "goedkeuren en uitgeven" and "afkeuren"."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from certificates.models import Certificate, CompromisedKey
from orders.models import Declaration, Order
from orders.replacement import replacement_place
from organisations.models import Person
from tests.certificates.campaigns import g3_campaign
from tests.orders.placing import place_order

pytestmark = pytest.mark.django_db

QUEUE = "/beheer/orders/order/"


@pytest.fixture
def officer(client, officer_login):  # noqa: ANN001, ANN201
    user = officer_login()
    return user


def _url(order: Order, name: str = "change") -> str:
    return f"{QUEUE}{order.pk}/{name}/"


def _messages(response) -> list[str]:  # noqa: ANN001
    return [str(message) for message in response.context["messages"]]


def _act(client, action: str, *orders: Order, **extra: str):  # noqa: ANN001, ANN202
    data = {"action": action, "_selected_action": [o.pk for o in orders], "index": "0", **extra}
    return client.post(QUEUE, data, follow=True)


def test_the_queue_shows_open_orders_oldest_first(client, officer):
    newer = place_order(cn="app.voorbeeld.nl")
    older = place_order(cn="mail.voorbeeld.nl")
    Order.objects.filter(pk=older.pk).update(placed_at=timezone.now() - timedelta(days=3))
    closed = place_order(cn="oud2.voorbeeld.nl")
    Order.objects.filter(pk=closed.pk).update(state=Order.State.CANCELLED)

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [older, newer]
    page = response.content.decode()
    assert "wacht sinds" in page.lower()
    assert "3\xa0dagen" in page  # timesince keeps number and unit together


def test_the_queue_can_show_every_state_and_filter_by_state_and_product(client, officer):
    order = place_order(cn="app.voorbeeld.nl")
    Order.objects.filter(pk=order.pk).update(state=Order.State.CANCELLED)

    everything = client.get(QUEUE, {"status": "alle"}).context["cl"].result_list
    cancelled = client.get(QUEUE, {"status": "cancelled"}).context["cl"].result_list
    by_product = client.get(QUEUE, {"status": "alle", "product__id__exact": order.product_id})

    assert order in everything and order in cancelled
    assert list(by_product.context["cl"].result_list) == [order]


def test_the_queue_searches_reference_name_and_subscriber_in_every_state(client, officer):
    order = place_order(cn="app.voorbeeld.nl")
    other = place_order(cn="mail.voorbeeld.nl")
    Order.objects.filter(pk=order.pk).update(state=Order.State.CANCELLED)

    for query in [order.reference, "app.voorbeeld"]:
        assert list(client.get(QUEUE, {"q": query}).context["cl"].result_list) == [order]
    assert set(client.get(QUEUE, {"q": "Voorbeeld B.V."}).context["cl"].result_list) == {
        order,
        other,
    }


def test_the_detail_shows_the_csr_beside_the_registration_and_the_checks(client, officer):
    order = place_order(cn="app.voorbeeld.nl")

    response = client.get(_url(order))

    assert response.status_code == 200
    page = response.content.decode()
    for expected in [
        order.reference,
        "app.voorbeeld.nl",
        order.server.csr_details["subject"],
        order.server.csr_details["key_description"],
        order.server.csr_details["signature_algorithm"],
        order.spki_sha256,
        "BEGIN CERTIFICATE REQUEST",
        # The registration: name, KvK, OIN, address, country; the verified domain.
        "Voorbeeld B.V.",
        "NTRNL-12345678",
        "00000003123456780000",
        "Wilhelminakade 123, 3072 AP Rotterdam, NL",
        'data-testid="verified-domains">Geverifieerde domeinen:<br>voorbeeld.nl',
        "Alle controles geslaagd.",
        "Bestelling geplaatst",
    ]:
        assert expected in page, expected


def test_the_detail_shows_what_the_checks_refuse_now(client, officer):
    order = place_order(cn="app.voorbeeld.nl")
    CompromisedKey.objects.create(spki_sha256=order.spki_sha256, reason="gelekt")

    page = client.get(_url(order)).content.decode()

    assert "Alle controles geslaagd." not in page
    assert "lijst van gecompromitteerde sleutels" in page


def test_nothing_of_an_order_is_editable_added_or_deleted(client, officer):
    order = place_order(cn="app.voorbeeld.nl")

    page = client.get(_url(order)).content.decode()

    assert 'name="_save"' not in page
    assert client.post(_url(order), {"common_name": "evil.example"}).status_code == 403
    assert client.get(f"{QUEUE}add/").status_code == 403
    assert client.post(_url(order, "delete"), {"post": "yes"}).status_code == 403
    order.refresh_from_db()
    assert order.server.common_name == "app.voorbeeld.nl"
    assert order.state == Order.State.PLACED


def test_the_detail_offers_the_buttons_that_can_work(client, officer):
    order = place_order(cn="app.voorbeeld.nl")

    page = client.get(_url(order)).content.decode()
    assert _url(order, "in-behandeling") in page
    assert _url(order, "goedkeuren") in page
    assert _url(order, "afkeuren") in page

    Order.objects.filter(pk=order.pk).update(state=Order.State.CANCELLED)
    page = client.get(_url(order)).content.decode()
    assert 'data-testid="decisions"' not in page


def test_the_officer_takes_an_order_with_the_button(client, officer):
    order = place_order(cn="app.voorbeeld.nl")

    response = client.post(_url(order, "in-behandeling"), follow=True)

    assert response.redirect_chain[-1][0] == _url(order)
    assert _messages(response) == ["1 bestelling in behandeling genomen."]
    order.refresh_from_db()
    assert order.state == Order.State.IN_VALIDATION


def test_a_button_answers_only_post(client, officer):
    order = place_order(cn="app.voorbeeld.nl")

    assert client.get(_url(order, "in-behandeling")).status_code == 405
    assert client.get(_url(order, "goedkeuren")).status_code == 405
    order.refresh_from_db()
    assert order.state == Order.State.PLACED


def test_the_officer_takes_orders_from_the_list(client, officer):
    first = place_order(cn="app.voorbeeld.nl")
    second = place_order(cn="mail.voorbeeld.nl")

    response = _act(client, "take_selected", first, second)

    assert _messages(response) == ["2 bestellingen in behandeling genomen."]
    assert set(
        Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)
    ) == {Order.State.IN_VALIDATION}


def test_taking_an_order_twice_is_a_message_not_an_error(client, officer):
    order = place_order(cn="app.voorbeeld.nl")
    client.post(_url(order, "in-behandeling"), follow=True)

    by_button = client.post(_url(order, "in-behandeling"), follow=True)
    by_action = _act(client, "take_selected", order)

    expected = (
        f"Bestelling {order.reference} heeft de status In validatie; deze actie is dan niet "
        "mogelijk. Er is niets gewijzigd."
    )
    assert _messages(by_button) == [expected]
    assert _messages(by_action) == [expected]


def test_rejecting_asks_for_a_reason(client, officer):
    order = place_order(cn="app.voorbeeld.nl")

    page = client.get(_url(order, "afkeuren"))
    refused = client.post(_url(order, "afkeuren"), {"apply": "1", "note": "   "})

    assert "Reden van afkeuring, wordt aan de klant getoond en gemaild" in page.content.decode()
    assert refused.status_code == 200
    assert refused.context["form"].errors["note"]
    order.refresh_from_db()
    assert order.state == Order.State.PLACED


def test_a_rejection_is_stored_mailed_and_shown_to_the_customer(
    client, officer, login_as, eager_tasks, django_capture_on_commit_callbacks
):
    order = place_order(cn="app.voorbeeld.nl")
    client.post(_url(order, "in-behandeling"), follow=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(order, "afkeuren"),
            {"apply": "1", "note": "Het domein app.voorbeeld.nl is niet van de abonnee."},
            follow=True,
        )

    assert _messages(response) == ["1 bestelling afgekeurd."]
    order.refresh_from_db()
    assert order.state == Order.State.REJECTED
    assert order.rejection_reason == "Het domein app.voorbeeld.nl is niet van de abonnee."
    (message,) = [m for m in mail.outbox if order.reference in m.subject]
    assert message.to == ["joost@voorbeeld.nl"]
    assert order.rejection_reason in message.body
    client.logout()
    login_as("joost")
    customer_page = client.get(f"/bestellingen/{order.reference}/").content.decode()
    assert "Reden van afkeuring" in customer_page
    assert order.rejection_reason in customer_page


def test_rejecting_from_the_list_asks_for_the_reason_first(client, officer):
    first = place_order(cn="app.voorbeeld.nl")
    second = place_order(cn="mail.voorbeeld.nl")

    page = _act(client, "reject_selected", first, second)
    assert page.context["rows"] == [first, second]
    assert Order.objects.get(pk=first.pk).state == Order.State.PLACED

    data = {
        "action": "reject_selected",
        "_selected_action": [first.pk, second.pk],
        "apply": "1",
        "note": "Dubbel besteld.",
    }
    response = client.post(QUEUE, data, follow=True)

    assert _messages(response) == ["2 bestellingen afgekeurd."]
    assert (
        list(
            Order.objects.filter(pk__in=[first.pk, second.pk]).values_list(
                "state", "rejection_reason"
            )
        )
        == [(Order.State.REJECTED, "Dubbel besteld.")] * 2
    )


def test_approving_issues_the_certificate_and_mails_it_to_the_manager(
    client, officer, eager_tasks, django_capture_on_commit_callbacks
):
    order = place_order(cn="app.voorbeeld.nl")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(order, "goedkeuren"), follow=True)

    assert _messages(response) == ["1 bestelling goedgekeurd; het certificaat wordt uitgegeven."]
    order.refresh_from_db()
    assert order.state == Order.State.ISSUED
    certificate = order.certificates.get()
    assert certificate.common_name == "app.voorbeeld.nl"
    assert certificate.spki_sha256 == order.spki_sha256
    (message,) = [m for m in mail.outbox if "uitgegeven" in m.subject]
    assert message.to == [order.certificate_manager.email]
    assert message.cc == ["joost@voorbeeld.nl"]


def test_approving_twice_yields_one_certificate_and_a_message(
    client, officer, eager_tasks, django_capture_on_commit_callbacks
):
    order = place_order(cn="app.voorbeeld.nl")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(order, "goedkeuren"), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(_url(order, "goedkeuren"), follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        from_list = _act(client, "approve_selected", order)

    assert Certificate.objects.filter(orders=order).count() == 1
    expected = (
        f"Bestelling {order.reference} heeft de status Uitgegeven; deze actie is dan niet "
        "mogelijk. Er is niets gewijzigd."
    )
    assert _messages(again) == [expected]
    assert _messages(from_list) == [expected]
    assert len([m for m in mail.outbox if "uitgegeven" in m.subject]) == 1


def _reused_key_replacement() -> Order:
    campaign = g3_campaign()
    return replacement_place(
        campaign=campaign,
        certificate=Certificate.objects.get(common_name="koppeling.voorbeeld.nl"),
        contact_person=Person.objects.get(email="joost@voorbeeld.nl"),
        token=uuid.uuid4(),
        declarations=[d.value for d in Declaration],
    )


def test_a_replacement_reusing_its_key_passes_the_key_checks(client, officer):
    order = _reused_key_replacement()

    page = client.get(_url(order)).content.decode()

    assert "Alle controles geslaagd." in page
    assert "Het bestand is leeg" not in page


def test_a_reused_key_that_was_reported_compromised_is_shown(client, officer):
    order = _reused_key_replacement()
    CompromisedKey.objects.create(spki_sha256=order.spki_sha256, reason="gelekt")

    page = client.get(_url(order)).content.decode()

    assert "Alle controles geslaagd." not in page
    assert "lijst van gecompromitteerde sleutels" in page
