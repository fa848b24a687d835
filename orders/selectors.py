"""Reads on orders (selectors, see STYLE.md). Always scoped to one subscriber."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from certificates.models import Certificate, Product
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
