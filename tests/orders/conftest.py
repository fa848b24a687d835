"""Fixtures for order tests that need real commits (concurrency, the Celery worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, connections

from orders.models import Order
from organisations.models import Person


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker) -> Iterator[None]:  # noqa: ANN001
    """Real commits, visible to other threads and processes; orders and persons made here are
    removed after (their documents with them)."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("tested on PostgreSQL (CI): set DATABASE_URL=postgres://…")
        persons_before = set(Person.objects.values_list("pk", flat=True))
        try:
            yield
        finally:
            Order.objects.filter(replaced_order__isnull=False).delete()
            Order.objects.all().delete()
            Person.objects.exclude(pk__in=persons_before).delete()
            connections.close_all()
