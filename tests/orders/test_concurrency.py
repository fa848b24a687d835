"""Exactly one order under concurrency, guaranteed by PostgreSQL (SPEC.md §7, STYLE.md habit 3).

The threads use their own database connections, outside any test
transaction, so they see each other's commits as production would; the
fixture removes what they created.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.test import Client

from certificates.csr import CsrExpectations, csr_check
from certificates.models import Certificate, Product
from orders.models import Order, ServerOrderDetail
from orders.services import OrderAlreadyPlaced, RenewalAlreadyOpen, order_place
from organisations.models import Person
from tests.certificates.csr_factory import make_csr
from tests.orders.wizard_steps import manager_choice, new_order_url, post_step, walk_to_final_step

THREADS = 20


@pytest.mark.django_db
def test_the_database_holds_the_guarantees():
    """The constraints the tests below rely on are in the schema itself.

    (This marked test also makes pytest-django set up the test database when
    this module runs on its own.)
    """
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Order._meta.db_table)
    unique = {name for name, info in constraints.items() if info["unique"]}
    assert {"order_one_open_renewal_per_certificate", "order_one_open_order_per_key"} <= unique
    assert any(
        info["unique"] and info["columns"] == ["wizard_token"] for info in constraints.values()
    )


def run_together(work: Callable[[int], object]) -> list[object]:
    """Start THREADS threads at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the result under test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_posts_of_the_same_wizard_submission_place_one_order(committed_db, pki_dir):
    from portal.middleware import CERT_HEADER, VERIFY_HEADER
    from tests.conftest import forwarded_by_nginx, pem_header

    client = Client(**forwarded_by_nginx())
    client.defaults[CERT_HEADER] = pem_header(pki_dir, "joost")
    client.defaults[VERIFY_HEADER] = "SUCCESS"
    victor = Person.objects.get(manager_number="CB9505784")
    url = new_order_url()
    prefix, token = walk_to_final_step(
        client,
        url,
        csr_pem=make_csr().decode(),
        manager=manager_choice(victor),
        product_id=Product.objects.get(code="pkio-private").pk,
    )

    def submit(_index: int) -> object:
        twin = Client(**forwarded_by_nginx())
        twin.defaults.update(client.defaults)
        twin.cookies = client.cookies
        response = post_step(twin, url, prefix, "afronding", {"token": token})
        return response.status_code, response.get("Location")

    results = run_together(submit)
    order = Order.objects.get()
    assert str(order.wizard_token) == token
    expected = (302, f"/bestellingen/{order.reference}/geplaatst/")
    assert results == [expected] * THREADS


def test_twenty_concurrent_renewals_leave_one_open_renewal(committed_db):
    www = Certificate.objects.get(common_name="www.voorbeeld.nl")
    persons = list(
        Person.objects.filter(
            subscriber=www.subscriber, contact_authorisation__in=["full", "basic"]
        )
    )
    expect = CsrExpectations.for_order(
        subscriber=www.subscriber, product=www.product, common_name=www.common_name
    )
    checked = [
        csr_check(make_csr(cn="www.voorbeeld.nl", sans=["www.voorbeeld.nl"]), expect=expect)
        for _ in range(THREADS)
    ]

    def renew(index: int) -> object:
        return order_place(
            token=uuid.uuid4(),
            subscriber=www.subscriber,
            product=www.product,
            contact_person=persons[index % len(persons)],
            detail=ServerOrderDetail.from_csr(checked[index]),
            declarations=["truthful"],
            manager=www.certificate_manager,
            renews=www,
        )

    results = run_together(renew)
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, RenewalAlreadyOpen)]
    assert len(placed) == 1, results
    assert len(refused) == THREADS - 1, results
    assert {r.order.pk for r in refused} == {placed[0].pk}
    assert Order.objects.open().filter(renews=www).count() == 1


def test_twenty_service_calls_with_one_token_place_one_order(committed_db):
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    product = Product.objects.get(code="pkio-private")
    checked = csr_check(
        make_csr(), expect=CsrExpectations.for_order(subscriber=joost.subscriber, product=product)
    )
    token = uuid.uuid4()

    def place(_index: int) -> object:
        try:
            return order_place(
                token=token,
                subscriber=joost.subscriber,
                product=product,
                contact_person=joost,
                detail=ServerOrderDetail.from_csr(checked),
                declarations=["truthful"],
                manager=Person.objects.get(manager_number="CB9505784"),
            ).pk
        except OrderAlreadyPlaced as placed:
            return placed.order.pk

    results = run_together(place)
    assert Order.objects.count() == 1
    assert set(results) == {Order.objects.get().pk}
