"""One change request per wizard submission, guaranteed by PostgreSQL (STYLE.md habit 3).

The threads use their own database connections, outside any test
transaction, so they see each other's commits as production would; the
fixture removes the change requests they created.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.test import Client

from portal.middleware import CERT_HEADER, VERIFY_HEADER
from registration.models import ChangeRequest
from tests.conftest import forwarded_by_nginx, pem_header
from tests.registration.steps import choose, post_step, token_of

THREADS = 12


@pytest.mark.django_db
def test_the_database_holds_the_guarantees():
    """Unique wizard token and reference are in the schema itself (this marked test also makes
    pytest-django set up the test database when this module runs on its own)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, ChangeRequest._meta.db_table)
    unique_columns = [info["columns"] for info in constraints.values() if info["unique"]]
    assert ["wizard_token"] in unique_columns
    assert ["reference"] in unique_columns
    assert "change_request_reference_format" in constraints


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker) -> Iterator[None]:  # noqa: ANN001
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("tested on PostgreSQL (CI): set DATABASE_URL=postgres://…")
        try:
            yield
        finally:
            ChangeRequest.objects.all().delete()
            connections.close_all()


def test_concurrent_posts_of_one_submission_make_one_change_request(committed_db, pki_dir):
    client = Client(**forwarded_by_nginx())
    client.defaults[CERT_HEADER] = pem_header(pki_dir, "joost")
    client.defaults[VERIFY_HEADER] = "SUCCESS"
    choose(client, "contact_data")
    last = post_step(client, "contactgegevens", {"phone": "0101234567"})
    token = token_of(last)
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def submit(index: int) -> None:
        twin = Client(**forwarded_by_nginx())
        twin.defaults.update(client.defaults)
        twin.cookies = client.cookies
        try:
            barrier.wait()
            response = post_step(twin, "indienen", {"token": token})
            results[index] = (response.status_code, response.get("Location"))
        except Exception as error:  # noqa: BLE001 - the result under test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    change_request = ChangeRequest.objects.get()
    assert str(change_request.wizard_token) == token
    expected = (302, f"/organisatie/wijzigen/{change_request.reference}/ingediend/")
    assert results == [expected] * THREADS
