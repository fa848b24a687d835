"""Several bounded counts in one statement (core.pagination.bounded_counts, issue 15)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.models import Certificate
from core.pagination import Total, bounded_counts
from tests.factories import CertificateFactory, SubscriberFactory

pytestmark = pytest.mark.django_db


def test_counts_in_one_statement_each_bounded_on_its_own() -> None:
    subscriber = SubscriberFactory()
    CertificateFactory.create_batch(5, subscriber=subscriber, common_name="a.example.nl")
    CertificateFactory.create_batch(2, subscriber=subscriber, common_name="b.example.nl")
    ours = Certificate.objects.filter(subscriber=subscriber)
    with CaptureQueriesContext(connection) as queries:
        totals = bounded_counts(
            {
                "all": ours,
                "a": ours.filter(common_name="a.example.nl"),
                "b": ours.filter(common_name="b.example.nl"),
                "none": ours.filter(common_name="c.example.nl"),
            },
            limit=3,
        )
    assert len(queries) == 1
    assert totals == {
        "all": Total(count=3, exact=False, limit=3),
        "a": Total(count=3, exact=False, limit=3),
        "b": Total(count=2, exact=True, limit=3),
        "none": Total(count=0, exact=True, limit=3),
    }
    assert bounded_counts({}) == {}


def test_two_disjoint_totals_add_up_within_the_limit() -> None:
    assert Total(2, True, 5) + Total(3, True, 5) == Total(5, True, 5)
    assert Total(4, True, 5) + Total(2, True, 5) == Total(5, False, 5)
    assert Total(5, False, 5) + Total(0, True, 5) == Total(5, False, 5)
