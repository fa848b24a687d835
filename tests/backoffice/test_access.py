"""Who reaches the back office (issue 5): customers never; an officer only with the
permission for each decision, whatever the page shows or a forged POST tries."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from audit.models import AuditEntry
from certificates.models import Certificate, RevocationReason, RevocationRequest
from certificates.services import revocation_request_create
from orders.models import Order
from organisations.models import Person
from tests.orders.placing import place_order

pytestmark = pytest.mark.django_db

ORDERS = "/beheer/orders/order/"
REVOCATIONS = "/beheer/certificates/revocationrequest/"
AUDIT = "/beheer/audit/auditentry/"


@pytest.fixture
def order() -> Order:
    return place_order(cn="app.voorbeeld.nl")


@pytest.fixture
def revocation() -> RevocationRequest:
    return revocation_request_create(
        certificate=Certificate.objects.get(common_name="koppeling.voorbeeld.nl"),
        reason=RevocationReason.KEY_COMPROMISE,
        requested_by=Person.objects.get(email="joost@voorbeeld.nl"),
    )


@pytest.fixture
def taker(officer_login):  # noqa: ANN001, ANN201
    """A staff user who may look at orders and take them, nothing more."""
    user = get_user_model().objects.create_user("stagiair", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="orders", codename__in=["view_order", "take_order"]
        )
        | Permission.objects.filter(
            content_type__app_label="certificates", codename="view_revocationrequest"
        )
    )
    return officer_login(user)


def _back_office_urls(order: Order, revocation: RevocationRequest) -> list[str]:
    audit_entry = AuditEntry.objects.filter(object_id=str(order.pk)).first()
    return [
        "/beheer/",
        ORDERS,
        f"{ORDERS}{order.pk}/change/",
        f"{ORDERS}{order.pk}/in-behandeling/",
        f"{ORDERS}{order.pk}/goedkeuren/",
        f"{ORDERS}{order.pk}/afkeuren/",
        REVOCATIONS,
        f"{REVOCATIONS}{revocation.pk}/change/",
        f"{REVOCATIONS}{revocation.pk}/intrekken/",
        f"{REVOCATIONS}{revocation.pk}/afwijzen/",
        AUDIT,
        f"{AUDIT}{audit_entry.pk}/change/",
    ]


def test_a_customer_is_sent_to_the_admin_login_everywhere(client, login_as, order, revocation):
    login_as("joost")
    assert client.get("/servercertificaten/").status_code == 200  # logged in as a customer

    for url in _back_office_urls(order, revocation):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith("/beheer/login/"), url

    order.refresh_from_db()
    revocation.refresh_from_db()
    assert order.state == Order.State.PLACED
    assert revocation.state == RevocationRequest.State.OPEN


def test_a_customer_cannot_run_an_admin_action(client, login_as, order, revocation):
    login_as("joost")

    for url, action, pk in [
        (ORDERS, "approve_selected", order.pk),
        (ORDERS, "take_selected", order.pk),
        (ORDERS, "reject_selected", order.pk),
        (REVOCATIONS, "execute_selected", revocation.pk),
    ]:
        data = {"action": action, "_selected_action": [pk], "index": "0", "apply": "1"}
        response = client.post(url, {**data, "note": "weg ermee"})
        assert response.status_code == 302 and response["Location"].startswith("/beheer/login/")

    order.refresh_from_db()
    revocation.refresh_from_db()
    assert order.state == Order.State.PLACED
    assert revocation.state == RevocationRequest.State.OPEN
    assert not Certificate.objects.filter(orders=order).exists()


def test_a_staff_user_without_a_group_sees_nothing(client, officer_login, order):
    officer_login(get_user_model().objects.create_user("nieuw", password="x", is_staff=True))

    assert client.get(ORDERS).status_code == 403
    assert client.post(f"{ORDERS}{order.pk}/in-behandeling/").status_code == 403
    assert client.get(AUDIT).status_code == 403


def test_an_officer_without_the_approve_permission_is_not_offered_approve(client, taker, order):
    queue = client.get(ORDERS)
    detail = client.get(f"{ORDERS}{order.pk}/change/").content.decode()

    offered = [name for name, _label in queue.context["action_form"].fields["action"].choices]
    assert "take_selected" in offered
    assert "approve_selected" not in offered and "reject_selected" not in offered
    assert f"{ORDERS}{order.pk}/in-behandeling/" in detail
    assert f"{ORDERS}{order.pk}/goedkeuren/" not in detail
    assert f"{ORDERS}{order.pk}/afkeuren/" not in detail


def test_an_officer_without_the_approve_permission_cannot_approve_by_forging(
    client, taker, order, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        button = client.post(f"{ORDERS}{order.pk}/goedkeuren/")
        action = client.post(
            ORDERS,
            {"action": "approve_selected", "_selected_action": [order.pk], "index": "0"},
            follow=True,
        )
        reject = client.post(f"{ORDERS}{order.pk}/afkeuren/", {"apply": "1", "note": "nee"})

    assert button.status_code == 403
    assert reject.status_code == 403
    assert action.status_code == 200
    assert "Geen actie geselecteerd." in [str(m) for m in action.context["messages"]]
    order.refresh_from_db()
    assert order.state == Order.State.PLACED
    assert not Certificate.objects.filter(orders=order).exists()
    assert not AuditEntry.objects.filter(object_id=str(order.pk), actor=taker).exists()


def test_an_officer_without_revocation_permissions_cannot_decide(client, taker, revocation):
    assert client.post(f"{REVOCATIONS}{revocation.pk}/intrekken/").status_code == 403
    declined = client.post(f"{REVOCATIONS}{revocation.pk}/afwijzen/", {"apply": "1", "note": "x"})
    assert declined.status_code == 403
    for action in ["execute_selected", "decline_selected"]:
        client.post(
            REVOCATIONS,
            {"action": action, "_selected_action": [revocation.pk], "index": "0"},
        )

    revocation.refresh_from_db()
    assert revocation.state == RevocationRequest.State.OPEN
    assert revocation.certificate.revoked_at is None


def test_the_officer_group_has_the_back_office_permissions():
    officer = get_user_model().objects.get(username="validatie")

    for permission in [
        "orders.view_order",
        "orders.take_order",
        "orders.approve_order",
        "orders.reject_order",
        "certificates.view_revocationrequest",
        "certificates.execute_revocationrequest",
        "certificates.reject_revocationrequest",
        "audit.view_auditentry",
    ]:
        assert officer.has_perm(permission), permission
    for permission in ["orders.change_order", "orders.delete_order", "audit.change_auditentry"]:
        assert not officer.has_perm(permission), permission
