"""Reads on orders (selectors, see STYLE.md). Always scoped to one subscriber."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from certificates.models import Certificate, Product, ReplacementCampaign
from orders.models import Order
from organisations.models import Person, Subscriber


def key_in_open_order(spki_sha256: str) -> bool:
    """Whether an open order holds this public key (the CSR rule on key reuse asks it)."""
    return Order.objects.open().filter(spki_sha256=spki_sha256).exists()


def orders_for_subscriber(
    *, subscriber: Subscriber, kind: str = "", open_only: bool = False
) -> QuerySet[Order]:
    """This subscriber's orders; ``kind`` / ``open_only`` narrow them (the dashboard's
    links on Home, issue 14)."""
    orders = Order.objects.filter(subscriber=subscriber)
    if kind:
        orders = orders.filter(product__kind=kind)
    if open_only:
        orders = orders.open()
    return orders.select_related("product", "contact_person", "renews", "server", "card")


def order_for_subscriber(*, subscriber: Subscriber, reference: str) -> Order:
    """One order of this subscriber, or 404 (another subscriber's is not found)."""
    order = (
        orders_for_subscriber(subscriber=subscriber)
        .select_related("certificate_manager", "replaced_order")
        .filter(reference=reference)
        .first()
    )
    if order is None:
        raise Http404
    return order


def renewals_submitted(*, certificate: Certificate) -> QuerySet[Order]:
    """Renewals of this certificate that were placed and not rejected or cancelled.

    The detail page and the renewal start screen warn about them (manual §3.1, §3.2).
    """
    return (
        Order.objects.filter(renews=certificate)
        .exclude(state__in=[Order.State.REJECTED, Order.State.CANCELLED])
        .select_related("contact_person")
        .order_by("-placed_at")
    )


def open_renewal(*, certificate: Certificate) -> Order | None:
    return Order.objects.open().filter(renews=certificate).first()


def orderable_products(*, family: str) -> QuerySet[Product]:
    return (
        Product.objects.filter(kind="server", family=family, active=True)
        .select_related("profile")
        .order_by("name")
    )


def orderable_card_products(*, kind: str) -> QuerySet[Product]:
    """The products of a Persoons, Groeps or eSeal order (manual §4–6)."""
    return Product.objects.filter(kind=kind, active=True).select_related("profile").order_by("name")


def certificate_managers(*, subscriber: Subscriber) -> QuerySet[Person]:
    """Active, identified certificate managers to choose from in step 2 (manual §3.2)."""
    return Person.objects.filter(
        subscriber=subscriber,
        manager_number__isnull=False,
        status=Person.Status.ACTIVE,
        identified=True,
    ).order_by("surname", "given_name")


class ProgressState:
    """The state of one certificate in a replacement campaign, for its customer."""

    OUTSTANDING = "outstanding"  # "Te vervangen"
    ORDERED = "ordered"  # "Vervanging besteld (<reference>)"
    REPLACED = "replaced"  # "Vervangen door <serial>"
    REVOKED = "revoked"  # "Ingetrokken"
    EXPIRED = "expired"  # "Verlopen"


@dataclass(frozen=True)
class CampaignRow:
    """One certificate of a subscriber in a campaign, with its replacement."""

    certificate: Certificate
    state: str
    order: Order | None = None
    successor: Certificate | None = None

    @property
    def outstanding(self) -> bool:
        return self.state == ProgressState.OUTSTANDING


@dataclass(frozen=True)
class CampaignProgress:
    """A subscriber's certificates in a campaign and the counters above them."""

    rows: list[CampaignRow]

    @property
    def affected(self) -> int:
        return len(self.rows)

    def _count(self, state: str) -> int:
        return sum(1 for row in self.rows if row.state == state)

    @property
    def ordered(self) -> int:
        return self._count(ProgressState.ORDERED)

    @property
    def replaced(self) -> int:
        return self._count(ProgressState.REPLACED)

    @property
    def outstanding(self) -> int:
        return self._count(ProgressState.OUTSTANDING)


def active_campaign(*, pk: int) -> ReplacementCampaign:
    """An active replacement campaign, or 404."""
    campaign = (
        ReplacementCampaign.objects.filter(pk=pk, active=True)
        .select_related("target_product__profile")
        .first()
    )
    if campaign is None:
        raise Http404
    return campaign


def campaign_progress(
    *, campaign: ReplacementCampaign, subscriber: Subscriber, now: dt.datetime | None = None
) -> CampaignProgress:
    """This subscriber's certificates in ``campaign`` and how far each one's replacement
    is (the customer's campaign page): three queries whatever the number of rows."""
    now = now or timezone.now()
    certificates = list(
        Certificate.objects.filter(campaign_entries__campaign=campaign, subscriber=subscriber)
        .order_by("common_name", "pk")
        .distinct()
    )
    renewals = (
        Order.objects.filter(renews__in=[certificate.pk for certificate in certificates])
        .exclude(state__in=[Order.State.REJECTED, Order.State.CANCELLED])
        .prefetch_related("certificates")
        .order_by("-placed_at", "-pk")
    )
    issued: dict[int, tuple[Order, Certificate]] = {}
    open_orders: dict[int, Order] = {}
    for order in renewals:
        assert order.renews_id is not None  # filtered on renews
        if order.state == Order.State.ISSUED:
            successor = next(iter(order.certificates.all()), None)
            if successor is not None:
                issued.setdefault(order.renews_id, (order, successor))
        elif order.is_open:
            open_orders.setdefault(order.renews_id, order)
    rows = []
    for certificate in certificates:
        if certificate.pk in issued:
            order, successor = issued[certificate.pk]
            rows.append(CampaignRow(certificate, ProgressState.REPLACED, order, successor))
        elif certificate.revoked_at is not None:
            rows.append(CampaignRow(certificate, ProgressState.REVOKED))
        elif certificate.pk in open_orders:
            rows.append(
                CampaignRow(certificate, ProgressState.ORDERED, open_orders[certificate.pk])
            )
        elif certificate.not_after <= now:
            rows.append(CampaignRow(certificate, ProgressState.EXPIRED))
        else:
            rows.append(CampaignRow(certificate, ProgressState.OUTSTANDING))
    return CampaignProgress(rows)


def campaign_outstanding(
    *, campaign: ReplacementCampaign, subscriber: Subscriber
) -> list[Certificate]:
    """This subscriber's certificates that ``campaign`` covers now ("Alle certificaten
    vervangen" orders their replacements)."""
    return list(
        Certificate.objects.to_replace()
        .filter(campaign_entries__campaign=campaign, subscriber=subscriber)
        .select_related("certificate_manager")
        .order_by("common_name", "pk")
        .distinct()
    )
