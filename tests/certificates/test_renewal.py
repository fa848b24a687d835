"""The renewal window of a certificate (issue 14, point 1): the function and its
QuerySet counterpart agree on a table of cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from certificates.models import Certificate, RevocationReason
from certificates.renewal import RenewalState, renewal_window
from tests.factories import CertificateFactory, OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _certificate(*, expires_in: int, window: int = 90, **kwargs: object) -> Certificate:
    not_after = NOW + dt.timedelta(days=expires_in)
    return CertificateFactory(
        product=ProductFactory(renewal_window_days=window),
        not_before=not_after - dt.timedelta(days=365),
        not_after=not_after,
        **kwargs,
    )


def _revoked() -> Certificate:
    return _certificate(
        expires_in=30, revoked_at=NOW, revocation_reason=RevocationReason.SUPERSEDED
    )


def _with_renewal(state: str) -> Certificate:
    certificate = _certificate(expires_in=30)
    OrderFactory(subscriber=certificate.subscriber, renews=certificate, state=state)
    return certificate


CASES = [
    ("valid, far from expiry", lambda: _certificate(expires_in=200), RenewalState.NOT_YET),
    ("valid, one day before the window", lambda: _certificate(expires_in=91), RenewalState.NOT_YET),
    ("valid, window opens now", lambda: _certificate(expires_in=90), RenewalState.OPEN),
    ("valid, in the window", lambda: _certificate(expires_in=10), RenewalState.OPEN),
    ("expired", lambda: _certificate(expires_in=-5), RenewalState.OPEN),
    ("revoked", _revoked, RenewalState.NEVER),
    ("successor issued", lambda: _with_renewal("issued"), RenewalState.NEVER),
    ("open renewal is no successor", lambda: _with_renewal("placed"), RenewalState.OPEN),
    (
        "renewal in validation is no successor",
        lambda: _with_renewal("in_validation"),
        RenewalState.OPEN,
    ),
    ("short product window", lambda: _certificate(expires_in=40, window=30), RenewalState.NOT_YET),
    ("long product window", lambda: _certificate(expires_in=150, window=180), RenewalState.OPEN),
    (
        "card certificate: default window",
        lambda: CertificateFactory(
            on_card=True,
            not_before=NOW - dt.timedelta(days=300),
            not_after=NOW + dt.timedelta(days=60),
        ),
        RenewalState.OPEN,
    ),
]


@pytest.mark.parametrize(("name", "make", "expected"), CASES, ids=[c[0] for c in CASES])
def test_function_and_queryset_agree(name: str, make, expected: RenewalState) -> None:
    certificate = make()
    window = renewal_window(certificate, now=NOW)
    assert window.state == expected
    in_queryset = Certificate.objects.in_renewal_window(NOW).filter(pk=certificate.pk).exists()
    assert in_queryset == window.due


def test_all_cases_at_once_agree() -> None:
    certificates = [make() for _, make, _ in CASES]
    due = {c.pk for c in certificates if renewal_window(c, now=NOW).due}
    ours = Certificate.objects.filter(pk__in=[c.pk for c in certificates])
    assert set(ours.in_renewal_window(NOW).values_list("pk", flat=True)) == due
    assert ours.in_renewal_window(NOW).count() == len(due) == 7


def test_opens_at_is_the_product_window_before_expiry() -> None:
    certificate = _certificate(expires_in=200, window=60)
    window = renewal_window(certificate, now=NOW)
    assert window.opens_at == certificate.not_after - dt.timedelta(days=60)
    assert renewal_window(certificate, now=window.opens_at).state == RenewalState.OPEN
    assert renewal_window(_revoked(), now=NOW).opens_at is None


def test_expiring_within() -> None:
    soon = _certificate(expires_in=20)
    later = _certificate(expires_in=50)
    _certificate(expires_in=-1)
    _revoked()
    ours = Certificate.objects.filter(subscriber__in=[soon.subscriber, later.subscriber])
    assert set(ours.expiring_within(30, NOW)) == {soon}
    assert set(ours.expiring_within(60, NOW)) == {soon, later}
