"""From approval to certificate (issue 5, SPEC.md §9): one certificate per order, from
validated data, delivered to the certificate manager with a copy to the contact person."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.core import mail

from audit.models import Action
from audit.selectors import history_of
from certificates.models import Certificate
from orders.issuance import order_issue
from orders.models import Order
from orders.validation import TransitionNotAllowed, order_approve, order_reject, order_take
from tests.certificates.csr_factory import VOORBEELD_OIN
from tests.orders.placing import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():  # noqa: ANN201
    return get_user_model().objects.get(username="validatie")


def _approve(order: Order, officer, capture) -> Order:  # noqa: ANN001
    with capture(execute=True):
        return order_approve(order_id=order.pk, officer=officer, address="192.0.2.10")


def _openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shutil.which("openssl") or "openssl", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def test_an_approved_order_becomes_one_valid_certificate(
    officer, eager_tasks, django_capture_on_commit_callbacks, pki_dir, tmp_path
):
    order = place_order(cn="app.voorbeeld.nl")
    _approve(order, officer, django_capture_on_commit_callbacks)

    order.refresh_from_db()
    certificate = Certificate.objects.get(orders=order)
    assert order.state == Order.State.ISSUED
    assert certificate.subscriber == order.subscriber
    assert certificate.certificate_manager == order.certificate_manager
    assert certificate.requested_by == order.contact_person
    issued = x509.load_der_x509_certificate(bytes(certificate.der.der))
    csr = x509.load_pem_x509_csr(order.server.csr_pem.encode())
    assert issued.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    ) == csr.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    subject = {attribute.oid: attribute.value for attribute in issued.subject}
    assert subject == {
        NameOID.COUNTRY_NAME: "NL",
        NameOID.ORGANIZATION_NAME: "Voorbeeld B.V.",
        NameOID.ORGANIZATION_IDENTIFIER: "NTRNL-12345678",
        NameOID.SERIAL_NUMBER: VOORBEELD_OIN,
        NameOID.COMMON_NAME: "app.voorbeeld.nl",
    }
    pem = tmp_path / "issued.pem"
    pem.write_bytes(issued.public_bytes(Encoding.PEM))
    verified = _openssl(
        "verify",
        "-CAfile",
        pki_dir / "ca" / "g1-root.crt",
        "-untrusted",
        pki_dir / "ca" / "g1-services.crt",
        pem,
    )
    assert verified.returncode == 0 and f"{pem}: OK" in verified.stdout, verified.stderr


def test_the_manager_gets_the_certificate_with_a_copy_to_the_contact_person(
    officer, eager_tasks, django_capture_on_commit_callbacks
):
    order = place_order(cn="app.voorbeeld.nl")
    _approve(order, officer, django_capture_on_commit_callbacks)

    (message,) = [m for m in mail.outbox if "uitgegeven" in m.subject]
    assert message.to == [order.certificate_manager.email]
    assert message.cc == ["joost@voorbeeld.nl"]
    names = [name for name, _content, _type in message.attachments]
    assert names == ["app.voorbeeld.nl.pem", "app.voorbeeld.nl-chain.pem"]
    leaf = x509.load_pem_x509_certificate(message.attachments[0][1])
    assert leaf.serial_number == int(Certificate.objects.get(orders=order).serial, 16)


def test_issuing_twice_yields_one_certificate(
    officer, eager_tasks, django_capture_on_commit_callbacks
):
    order = place_order(cn="app.voorbeeld.nl")
    _approve(order, officer, django_capture_on_commit_callbacks)

    again = order_issue(order.pk)

    assert Certificate.objects.filter(orders=order).count() == 1
    assert again == Certificate.objects.get(orders=order)
    with pytest.raises(TransitionNotAllowed):
        order_approve(order_id=order.pk, officer=officer)
    assert len([m for m in mail.outbox if "uitgegeven" in m.subject]) == 1


def test_a_placed_order_is_not_issued():
    order = place_order(cn="app.voorbeeld.nl")
    assert order_issue(order.pk) is None
    assert not Certificate.objects.filter(orders=order).exists()


def test_rejection_needs_a_reason_and_is_mailed_and_shown(
    officer, eager_tasks, django_capture_on_commit_callbacks, client, login_as
):
    order = place_order(cn="app.voorbeeld.nl")
    order_take(order_id=order.pk, officer=officer)
    with pytest.raises(ValueError):
        order_reject(order_id=order.pk, officer=officer, reason="   ")
    with django_capture_on_commit_callbacks(execute=True):
        order_reject(order_id=order.pk, officer=officer, reason="Domein <b>niet</b> van de abonnee")

    order.refresh_from_db()
    assert order.state == Order.State.REJECTED
    (message,) = mail.outbox
    assert message.to == ["joost@voorbeeld.nl"]
    assert "Domein <b>niet</b> van de abonnee" in message.body
    login_as("joost")
    page = client.get(f"/bestellingen/{order.reference}/").content.decode()
    assert "Domein &lt;b&gt;niet&lt;/b&gt; van de abonnee" in page
    with pytest.raises(TransitionNotAllowed):
        order_approve(order_id=order.pk, officer=officer)


def test_the_customer_sees_the_progress_and_the_audit_log_has_every_step(
    officer, eager_tasks, django_capture_on_commit_callbacks, client, login_as
):
    order = place_order(cn="app.voorbeeld.nl")
    order_take(order_id=order.pk, officer=officer, address="192.0.2.10")
    _approve(order, officer, django_capture_on_commit_callbacks)

    entries = list(history_of(order))
    assert [entry.action for entry in entries] == [
        Action.ORDER_PLACED,
        Action.ORDER_TAKEN,
        Action.ORDER_APPROVED,
        Action.ORDER_ISSUED,
    ]
    assert [(e.state_before, e.state_after) for e in entries] == [
        ("", "placed"),
        ("placed", "in_validation"),
        ("in_validation", "approved"),
        ("approved", "issued"),
    ]
    assert entries[0].actor_label == "Joost Test"
    assert entries[1].actor == officer and entries[1].address == "192.0.2.10"
    assert entries[3].actor is None and entries[3].actor_label == "systeem"

    login_as("joost")
    page = client.get(f"/bestellingen/{order.reference}/").content.decode()
    for label in [
        "Bestelling geplaatst",
        "In behandeling genomen",
        "Goedgekeurd",
        "Certificaat uitgegeven",
    ]:
        assert label in page
    assert 'data-testid="issued-certificate"' in page
    assert "validatie" not in page  # officers' names stay in the back office


def _certsign_order(*, state: str = "Noord-Holland") -> Order:
    # The CSR names another place than the registration (Rotterdam).
    return place_order(
        cn="shop.voorbeeld.nl",
        product_code="certsign-ov",
        extra_attrs=[
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Amsterdam"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, state),
        ],
    )


def _issued(order: Order) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(Certificate.objects.get(orders=order).der.der))


def test_a_certsign_certificate_names_the_registered_place_never_the_csrs(
    officer, eager_tasks, django_capture_on_commit_callbacks, pki_dir, tmp_path
):
    order = _certsign_order()
    _approve(order, officer, django_capture_on_commit_callbacks)

    issued = _issued(order)
    assert [(a.oid, a.value) for a in issued.subject] == [
        (NameOID.COUNTRY_NAME, "NL"),
        (NameOID.LOCALITY_NAME, "Rotterdam"),  # Voorbeeld B.V.'s registered city
        (NameOID.ORGANIZATION_NAME, "Voorbeeld B.V."),
        (NameOID.COMMON_NAME, "shop.voorbeeld.nl"),
    ]
    pem = tmp_path / "issued.pem"
    pem.write_bytes(issued.public_bytes(Encoding.PEM))
    verified = _openssl(
        "verify",
        "-CAfile",
        pki_dir / "ca" / "certsign-root.crt",
        "-untrusted",
        pki_dir / "ca" / "certsign-ov-tls.crt",
        "-purpose",
        "sslserver",
        pem,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize(
    ("at", "days"),
    [
        (dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC), 199),  # the product's own 199 days
        (dt.datetime(2027, 3, 15, 0, 0, 30, tzinfo=dt.UTC), 100),
        (dt.datetime(2029, 3, 15, 12, 0, tzinfo=dt.UTC), 47),
    ],
)
def test_a_certsign_certificate_obeys_the_schedule_on_the_day_it_is_issued(
    officer, eager_tasks, django_capture_on_commit_callbacks, monkeypatch, at, days
):
    order = _certsign_order()
    monkeypatch.setattr("certificates.ca.local._now", lambda: at)
    _approve(order, officer, django_capture_on_commit_callbacks)

    issued = _issued(order)
    period = issued.not_valid_after_utc - issued.not_valid_before_utc + dt.timedelta(seconds=1)
    assert period == dt.timedelta(days=days)
    assert issued.not_valid_before_utc <= at
