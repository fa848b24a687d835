"""Orders that are not only server certificates (issue 12, point 4): a per-kind detail,
several certificates per order, renewal and revocation of any kind of certificate."""

from __future__ import annotations

import datetime as dt
from uuid import uuid4

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from certificates.models import Kind, RevocationRequest
from certificates.services import RevocationNotPossible, revocation_request_create
from orders.models import CardOrderDetail, Declaration, Order, ServerOrderDetail
from orders.services import RenewalNotAllowed, order_place
from organisations.models import Person
from tests.factories import (
    CardOrderDetailFactory,
    CertificateFactory,
    OrderCertificateFactory,
    OrderFactory,
    PersonFactory,
    ProductFactory,
    ServerOrderDetailFactory,
)
from tests.orders.placing import place_order

pytestmark = pytest.mark.django_db


def test_a_server_order_keeps_its_csr_and_names_in_its_detail():
    order = place_order(cn="nieuw.voorbeeld.nl", renews=None)
    assert isinstance(order.detail, ServerOrderDetail)
    assert order.server.common_name == "nieuw.voorbeeld.nl"
    assert order.server.sans == ["nieuw.voorbeeld.nl"]
    assert order.server.csr_pem.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    assert order.spki_sha256 == order.server.public_key_sha256
    assert order.subject_label == "nieuw.voorbeeld.nl"
    assert order.reference.startswith("S") and len(order.reference) == 18


def test_a_card_order_has_a_holder_and_no_key():
    detail = CardOrderDetailFactory(holder_name="Maria de Vries")
    order = Order.objects.get(pk=detail.order_id)
    assert order.detail == detail
    assert order.subject_label == "Maria de Vries"
    assert order.spki_sha256 == ""
    assert order.reference.startswith("GRP")


def test_two_open_card_orders_without_a_key_do_not_collide():
    first, second = CardOrderDetailFactory(), CardOrderDetailFactory()
    assert first.order.is_open and second.order.is_open


def test_the_reference_format_is_still_checked_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(reference="X12345")


def test_one_order_yields_several_certificates_one_per_usage():
    order = CardOrderDetailFactory().order
    authentication = OrderCertificateFactory(order=order, certificate__on_card=True).certificate
    signature = OrderCertificateFactory(
        order=order,
        certificate__on_card=True,
        certificate__card=authentication.card,
        certificate__card_usage="signature",
    ).certificate
    assert set(order.certificates.all()) == {authentication, signature}
    assert set(signature.orders.all()) == {order}
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderCertificateFactory(
            order=order, certificate__on_card=True, certificate__card=authentication.card
        )


def test_a_server_order_yields_one_certificate():
    order = ServerOrderDetailFactory().order
    OrderCertificateFactory(order=order)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderCertificateFactory(order=order)


def test_a_certificate_comes_from_one_order():
    link = OrderCertificateFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderCertificateFactory(certificate=link.certificate)


def _card_renewal(certificate, person, **kwargs):  # noqa: ANN001, ANN202
    return order_place(
        token=uuid4(),
        subscriber=certificate.subscriber,
        product=ProductFactory(kind=Kind.PERSONAL, family=""),
        contact_person=person,
        detail=CardOrderDetail(
            holder_name=certificate.card.holder_name,
            email="houder@organisatie.nl",
            date_of_birth=dt.date(1980, 1, 2),
        ),
        declarations=[choice.value for choice in Declaration],
        manager=certificate.certificate_manager,
        renews=certificate,
        **kwargs,
    )


def test_the_renewal_service_renews_a_personal_certificate():
    personal = CertificateFactory(on_card=True)
    person = PersonFactory(subscriber=personal.subscriber)
    order = _card_renewal(personal, person)
    assert order.renews == personal
    assert order.card.holder_name == personal.card.holder_name
    assert order.subject_label == personal.card.holder_name
    assert order.spki_sha256 == ""
    assert order.reference.startswith("GRP") and len(order.reference) == 21


def test_the_renewal_service_asks_certificate_actions():
    personal = CertificateFactory(on_card=True)
    manager_only = PersonFactory(subscriber=personal.subscriber, manager=True)
    with pytest.raises(RenewalNotAllowed, match="niet geautoriseerd"):
        _card_renewal(personal, manager_only)
    assert not Order.objects.filter(renews=personal).exists()


def test_a_detail_of_another_kind_is_refused():
    personal = CertificateFactory(on_card=True)
    with pytest.raises(ValueError, match="personal"):
        order_place(
            token=uuid4(),
            subscriber=personal.subscriber,
            product=ProductFactory(kind=Kind.PERSONAL, family=""),
            contact_person=PersonFactory(subscriber=personal.subscriber),
            detail=ServerOrderDetail(csr_pem="", common_name="x"),
            declarations=[],
            manager=personal.certificate_manager,
        )


@pytest.fixture
def joost(db) -> Person:  # noqa: ANN001
    return Person.objects.get(email="joost@voorbeeld.nl")


def test_a_personal_certificate_of_the_organisation_can_be_revoked(client, login_as, joost):
    login_as("joost")
    personal = CertificateFactory(on_card=True, subscriber=joost.subscriber)
    url = reverse("certificate_revoke", args=[personal.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Intrekken certificaat" in page.content.decode()
    response = client.post(url, {"reason": "keyCompromise", "confirm": "on"})
    assert response.status_code == 302
    assert response.url == reverse("card_detail", args=["personal", personal.pk])
    request = RevocationRequest.objects.get(certificate=personal)
    assert request.requested_by == joost


def test_a_revoked_personal_certificate_is_not_revoked_again(client, login_as, joost):
    login_as("joost")
    personal = CertificateFactory(
        on_card=True,
        subscriber=joost.subscriber,
        revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        revocation_reason="keyCompromise",
    )
    response = client.post(
        reverse("certificate_revoke", args=[personal.pk]), {"reason": "superseded", "confirm": "on"}
    )
    assert response.status_code == 302
    assert not RevocationRequest.objects.filter(certificate=personal).exists()


def test_the_revocation_service_refuses_with_the_reason(joost):
    personal = CertificateFactory(on_card=True, subscriber=joost.subscriber)
    revocation_request_create(certificate=personal, reason="superseded", requested_by=joost)
    with pytest.raises(RevocationNotPossible, match="al een intrekking aangevraagd"):
        revocation_request_create(certificate=personal, reason="superseded", requested_by=joost)


def test_a_card_certificate_renews_through_the_card_wizard(client, login_as, joost):
    login_as("joost")
    personal = CertificateFactory(on_card=True, subscriber=joost.subscriber)
    response = client.get(reverse("renewal_start", args=[personal.pk]))
    assert response.status_code == 200
    assert "nog niet via het portaal" not in response.content.decode()
    assert (
        reverse("card_renewal_wizard", args=["personal", personal.pk]) in response.content.decode()
    )


def test_a_renewal_in_validation_hides_the_button_and_says_why(client, login_as, joost):
    login_as("joost")
    www = CertificateFactory(subscriber=joost.subscriber)
    OrderFactory(subscriber=www.subscriber, renews=www, state=Order.State.IN_VALIDATION)
    detail = client.get(reverse("server_detail", args=[www.pk])).content.decode()
    assert 'data-testid="renew"' not in detail
    assert 'data-testid="revoke"' in detail
    start = client.get(reverse("renewal_start", args=[www.pk])).content.decode()
    assert "behandelt al een verlenging" in start
    assert 'data-testid="next-step"' not in start
