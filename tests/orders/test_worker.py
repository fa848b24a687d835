"""No order lost (SPEC.md §7): a real Celery worker on Redis makes the documents and sends the mail.

The worker is started by the tests, as the operator runs it
(``celery -A portal worker``), against the test database and the Redis of
``REDIS_URL``. Mail goes to files so the test can count it. The order row is
the truth: with the worker stopped or killed mid-task, the documents and the
confirmation still come exactly once.
"""

from __future__ import annotations

import email
import os
import signal
import time
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from core.outbox import outbox_sweep
from orders.models import Order, OrderDocuments
from portal.celery import app as celery_app
from tests.celery_worker import Worker
from tests.e2e.conftest import read_log, served_database_url
from tests.orders.placing import place_order

WAIT = 60  # seconds; a cold worker renders and seals in about one


@pytest.mark.django_db
def test_the_tasks_are_configured_not_to_lose_work():
    """What the tests below rely on. (This marked test also makes pytest-django set up
    the test database when this module runs on its own.)"""
    from core.outbox import outbox_deliver

    assert outbox_deliver.acks_late and outbox_deliver.reject_on_worker_lost
    assert outbox_deliver.max_retries and outbox_deliver.retry_backoff
    assert celery_app.conf.worker_prefetch_multiplier == 1
    schedule = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "core.outbox.outbox_sweep" in schedule


@pytest.fixture
def broker(committed_db) -> Iterator[None]:  # noqa: ANN001
    if not settings.REDIS_URL:
        pytest.skip("the worker tests need REDIS_URL (redis://127.0.0.1:6379/15 in CI)")
    if celery_app.conf.task_always_eager:
        pytest.fail("REDIS_URL is set but Celery runs eagerly")
    # Messages other tests queued for orders that no longer exist.
    celery_app.control.purge()
    yield
    celery_app.control.purge()


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def start_worker(
    broker, pki_dir: Path, mail_dir: Path, tmp_path: Path
) -> Iterator[Callable[[], Worker]]:  # noqa: ANN001
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=served_database_url(),
        REDIS_URL=settings.REDIS_URL,
        PORTAL_PKI_DIR=str(pki_dir),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        SECRET_KEY="worker-test",
        DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    workers: list[Worker] = []

    def _start() -> Worker:
        worker = Worker(env, tmp_path / f"worker{len(workers)}.log")
        workers.append(worker)
        return worker

    yield _start
    for worker in workers:
        worker.stop()


def _mails(mail_dir: Path, order: Order) -> list[Message]:
    """Messages about ``order`` written by the file backend (one file per connection)."""
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk)
                if order.reference in (message["Subject"] or ""):
                    messages.append(message)
    return messages


def _wait_until(condition: Callable[[], object], what: str, *logs: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}:\n{read_log(*logs)}")


def _queue_empty() -> bool:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen("celery") == 0


def _settle(worker: Worker) -> None:
    """Wait until the queue is drained and the worker has been idle for two seconds,
    so that a duplicate task would have run (and shown) by then."""
    _wait_until(_queue_empty, "an empty queue", worker.log)
    last, quiet_since = None, time.monotonic()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        log = worker.log.read_text(errors="replace")
        now = (log.count("] received"), log.count("] succeeded"))
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > 2:
            return
        time.sleep(0.1)
    pytest.fail(f"the worker did not settle:\n{read_log(worker.log)}")


def _pdf_attachment(message: Message) -> tuple[str, bytes]:
    (part,) = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    return part.get_filename(), part.get_payload(decode=True)


def test_a_placed_order_gets_its_documents_and_mail_from_the_worker(start_worker, mail_dir):
    worker = start_worker()
    order = place_order()

    _wait_until(lambda: _mails(mail_dir, order), "the confirmation e-mail", worker.log)
    _settle(worker)

    (message,) = _mails(mail_dir, order)
    assert message["To"] == "joost@voorbeeld.nl"
    documents = OrderDocuments.objects.get(order=order)
    assert _pdf_attachment(message) == (
        f"bestelformulier-{order.reference}.pdf",
        bytes(documents.pdf),
    )
    order.refresh_from_db()
    assert order.confirmation_sent_at is not None


def test_with_the_worker_stopped_nothing_is_lost(start_worker, mail_dir):
    order = place_order()  # queued in Redis; no worker
    time.sleep(1)
    assert Order.objects.filter(pk=order.pk).exists()
    assert not OrderDocuments.objects.filter(order=order).exists()
    # The sweeper runs before the worker is back: the documents task is queued twice.
    assert outbox_sweep(grace_seconds=0)["orders.documents"] == 1

    worker = start_worker()
    _wait_until(lambda: _mails(mail_dir, order), "the confirmation e-mail", worker.log)
    outbox_sweep(grace_seconds=0)
    _settle(worker)

    assert len(_mails(mail_dir, order)) == 1
    assert OrderDocuments.objects.filter(order=order).count() == 1
    log = worker.log.read_text()
    # The documents message twice (2 × received + succeeded), then the confirmation.
    assert log.count("core.outbox.outbox_deliver[") >= 6


def _locked(order: Order) -> psycopg.Connection:
    """Another session holding the order row, so the document task waits on it."""
    conn = psycopg.connect(served_database_url())
    conn.execute("SELECT 1 FROM orders_order WHERE id = %s FOR UPDATE", [order.pk])
    return conn


def _task_waits_for_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def test_a_task_killed_mid_run_runs_again_and_finishes_once(start_worker, mail_dir):
    """SIGKILL of the pool process: reject_on_worker_lost hands the task back to Redis."""
    order = place_order()
    lock = _locked(order)
    worker = start_worker()
    try:
        _wait_until(_task_waits_for_lock, "the document task to wait for the row", worker.log)
        os.kill(worker.child(), signal.SIGKILL)
        _wait_until(
            lambda: "WorkerLostError" in worker.log.read_text(errors="replace"),
            "the worker to notice",
            worker.log,
        )
    finally:
        lock.close()

    _wait_until(lambda: _mails(mail_dir, order), "the confirmation e-mail", worker.log)
    _settle(worker)
    assert len(_mails(mail_dir, order)) == 1
    assert OrderDocuments.objects.filter(order=order).count() == 1


def test_a_worker_killed_mid_task_is_covered_by_the_sweeper(start_worker, mail_dir):
    """SIGKILL of the whole worker: the message waits for Redis' visibility timeout,
    and the sweeper re-queues the order long before that."""
    order = place_order()
    lock = _locked(order)
    worker = start_worker()
    try:
        _wait_until(_task_waits_for_lock, "the document task to wait for the row", worker.log)
        worker.stop(signal.SIGKILL)
    finally:
        lock.close()
    assert not OrderDocuments.objects.filter(order=order).exists()

    worker = start_worker()
    assert outbox_sweep(grace_seconds=0)["orders.documents"] == 1
    _wait_until(lambda: _mails(mail_dir, order), "the confirmation e-mail", worker.log)
    _settle(worker)
    assert len(_mails(mail_dir, order)) == 1
    assert OrderDocuments.objects.filter(order=order).count() == 1
