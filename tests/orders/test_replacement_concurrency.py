"""Clicking "Alle certificaten vervangen" at once in several browsers (issue 14, point 4):
each outstanding certificate gets exactly one replacement order.

The threads use their own database connections, outside any test transaction, so
they see each other's commits as production would (``committed_db``).
"""

from __future__ import annotations

import threading

from django.db import connections
from django.test import Client
from django.urls import reverse

from orders.models import Order
from portal.middleware import CERT_HEADER, VERIFY_HEADER
from tests.conftest import forwarded_by_nginx, pem_header
from tests.orders.test_replacement_views import KOPPELING, declarations, g3_campaign

THREADS = 6


def test_two_concurrent_clicks_on_replace_all_order_each_certificate_once(committed_db, pki_dir):
    campaign = g3_campaign()
    url = reverse("campaign_overview", args=[campaign.pk])
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def click(index: int) -> None:
        client = Client(**forwarded_by_nginx())
        client.defaults[CERT_HEADER] = pem_header(pki_dir, "joost")
        client.defaults[VERIFY_HEADER] = "SUCCESS"
        try:
            barrier.wait()
            results[index] = client.post(url, declarations("alle-")).status_code
        except Exception as error:  # noqa: BLE001 - the result under test
            results[index] = error
        finally:
            connections.close_all()

    try:
        workers = [threading.Thread(target=click, args=(i,)) for i in range(THREADS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert results == [302] * THREADS
        renewed = list(
            Order.objects.filter(campaign=campaign).values_list("renews__common_name", flat=True)
        )
        assert sorted(renewed) == ["digipoort.voorbeeld.nl", KOPPELING]
    finally:
        Order.objects.filter(campaign=campaign).delete()
        campaign.delete()
