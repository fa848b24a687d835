"""Documents and confirmation after placing (SPEC.md §7–8): idempotent, nothing lost.

The tasks run in this process here (eager); tests/orders/test_worker.py runs
them in a real Celery worker over Redis.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from core.outbox import outbox_sweep
from orders import documents as order_documents
from orders.emails import confirmation_send
from orders.models import Order, OrderDocuments
from portal.celery import app as celery_app
from tests.orders.placing import place_order

pytestmark = pytest.mark.django_db


def _count_renders(monkeypatch) -> list[str]:  # noqa: ANN001
    renders: list[str] = []
    render = order_documents.order_form_pdf

    def counting(order, **kwargs):  # noqa: ANN001, ANN003, ANN202
        renders.append(order.reference)
        return render(order, **kwargs)

    monkeypatch.setattr(order_documents, "order_form_pdf", counting)
    return renders


def test_placing_makes_the_documents_and_mails_the_sealed_pdf(
    eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    documents = OrderDocuments.objects.get(order=order)
    assert bytes(documents.pdf).startswith(b"%PDF")
    assert b"<ds:Signature" in bytes(documents.xml) or b"Signature" in bytes(documents.xml)
    (message,) = mail.outbox
    assert message.to == ["joost@voorbeeld.nl"]
    assert message.subject == f"Bevestiging bestelling {order.reference}"
    assert order.reference in message.body
    assert message.extra_headers["Message-ID"].startswith(f"<{order.reference}.")
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"bestelformulier-{order.reference}.pdf", "application/pdf")
    assert content == bytes(documents.pdf)
    assert len(PdfFileReader(BytesIO(content)).embedded_signatures) == 1
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None


def test_an_order_placed_in_english_gets_an_english_form_and_mail(
    eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(language="en")

    (message,) = mail.outbox
    assert message.subject == f"Confirmation of order {order.reference}"
    assert "Thank you for your order" in message.body
    documents = OrderDocuments.objects.get(order=order)
    assert documents.language == "en"


def test_making_the_documents_twice_makes_them_once(monkeypatch):
    order = place_order()
    renders = _count_renders(monkeypatch)

    first = order_documents.documents_create(order.pk)
    second = order_documents.documents_create(order.pk)

    assert renders == [order.reference]
    assert first.pk == second.pk
    assert OrderDocuments.objects.filter(order=order).count() == 1


def test_documents_of_a_deleted_order_are_not_made():
    order = place_order()
    order_id = order.pk
    order.delete()
    assert order_documents.documents_create(order_id) is None


def test_the_confirmation_is_sent_once():
    order = place_order()
    order_documents.documents_create(order.pk)

    assert confirmation_send(order.pk) is True
    assert confirmation_send(order.pk) is False
    assert len(mail.outbox) == 1


def test_no_confirmation_before_the_documents_exist():
    order = place_order()
    assert confirmation_send(order.pk) is False
    assert mail.outbox == []


def test_with_the_broker_down_the_order_is_placed_and_the_sweeper_delivers_later(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()

    assert Order.objects.filter(pk=order.pk).exists()
    assert not OrderDocuments.objects.filter(order=order).exists()
    assert "Could not queue core.outbox.outbox_deliver" in caplog.text
    # The sweeper cannot queue either while the broker is down; nothing breaks.
    assert outbox_sweep(grace_seconds=0)["orders.documents"] >= 1
    assert mail.outbox == []

    celery_app.conf.task_always_eager = True  # the broker is back (and runs inline here)
    outbox_sweep(grace_seconds=0)

    assert OrderDocuments.objects.filter(order=order).count() == 1
    assert [m.subject for m in mail.outbox] == [f"Bevestiging bestelling {order.reference}"]
    outbox_sweep(grace_seconds=0)
    assert len(mail.outbox) == 1


def test_the_sweeper_waits_for_the_grace_period(eager_tasks):
    order = place_order()
    assert not any(outbox_sweep(grace_seconds=300).values())
    assert not OrderDocuments.objects.filter(order=order).exists()


def test_the_sweeper_does_not_send_week_old_confirmations(eager_tasks):
    order = place_order()
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - timedelta(days=8))

    assert outbox_sweep(grace_seconds=0)["orders.documents"] == 1
    assert OrderDocuments.objects.filter(order=order).exists()
    assert mail.outbox == []
    assert not any(outbox_sweep(grace_seconds=0).values())
