"""Fixtures for order tests that need real commits (concurrency, the Celery worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, connections

from core.models import OutboxMessage
from orders.models import Order
from organisations.models import Person


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker) -> Iterator[None]:  # noqa: ANN001
    """Real commits, visible to other threads and processes; orders and persons made here are
    removed after (their documents and outbox messages with them).

    Outbox messages that earlier tests committed and left undelivered (the
    end-to-end servers run no worker) are removed first, so that the sweeper
    here sees only this test's work."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("tested on PostgreSQL (CI): set DATABASE_URL=postgres://…")
        persons_before = set(Person.objects.values_list("pk", flat=True))
        OutboxMessage.objects.filter(done_at__isnull=True).delete()
        try:
            yield
        finally:
            Order.objects.filter(replaced_order__isnull=False).delete()
            Order.objects.all().delete()
            OutboxMessage.objects.filter(topic__startswith="orders.").delete()
            Person.objects.exclude(pk__in=persons_before).delete()
            connections.close_all()
