"""Reads on certificates (selectors, see STYLE.md). Always scoped to one subscriber."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.expressions import Expression
from django.http import Http404
from django.utils import timezone

from certificates.models import (
    RENEWAL_ISSUED,
    CampaignCertificate,
    Card,
    Certificate,
    CertificateQuerySet,
    Kind,
    Product,
    RevocationRequest,
    Status,
    revoked_flag,
)
from organisations.models import Person, Subscriber

# Sort keys of the overview's column headings (manual §3.1), each ending in the primary
# key so that a row's sort values are unique: the overviews page by cursor
# (core.pagination), and each order has an index (certificates.models, issue 15).
# "Status" groups Verlopen, Geldig, Ingetrokken: not revoked before revoked, then by
# expiry, which puts the expired before the valid without a clock in the index.
SERVER_SORTS: dict[str, tuple[str | Expression, ...]] = {
    "type": ("product__short_name",),
    "status": (revoked_flag(), "not_after"),
    "cn": ("common_name",),
    "from": ("not_before",),
    "expiry": ("not_after",),
}


class OverviewFilters(TypedDict):
    """Keyword arguments of the certificate selectors from an overview's filter form."""

    status: str
    name_part: str
    expires_within: int | None
    renewal_due: bool
    to_replace: bool
    sort: str
    descending: bool


class ServerOverviewFilters(OverviewFilters):
    product: str


def server_products() -> QuerySet[Product]:
    return Product.objects.filter(kind=Kind.SERVER).order_by("short_name")


def server_certificates(
    *,
    subscriber: Subscriber,
    product: str = "",
    status: str = Status.VALID,
    name_part: str = "",
    expires_within: int | None = None,
    renewal_due: bool = False,
    to_replace: bool = False,
    sort: str = "expiry",
    descending: bool = False,
    requested_by: Person | None = None,
    managed_by: Person | None = None,
) -> QuerySet[Certificate]:
    """The Servercertificaten overview: one subscriber's server certificates, filtered.

    ``requested_by`` / ``managed_by`` narrow it to one person (manual §7.4).
    """
    certificates = filtered_server_certificates(
        subscriber=subscriber,
        product=product,
        status=status,
        name_part=name_part,
        expires_within=expires_within,
        renewal_due=renewal_due,
        to_replace=to_replace,
        requested_by=requested_by,
        managed_by=managed_by,
    )
    return with_replace_before(certificates.with_status()).order_by(
        *_ordering(SERVER_SORTS, sort, status=status, descending=descending)
    )


def filtered_server_certificates(
    *,
    subscriber: Subscriber,
    product: str = "",
    status: str = Status.VALID,
    name_part: str = "",
    expires_within: int | None = None,
    renewal_due: bool = False,
    to_replace: bool = False,
    requested_by: Person | None = None,
    managed_by: Person | None = None,
) -> CertificateQuerySet:
    """The rows of ``server_certificates`` without what only a page of the list needs
    (the status and campaign annotations, the order): what Home counts."""
    certificates = _for_person(
        Certificate.objects.filter(subscriber=subscriber, kind=Kind.SERVER),
        requested_by=requested_by,
        managed_by=managed_by,
    )
    certificates = _status_filter(certificates, status)
    certificates = _expiry_filters(
        certificates,
        expires_within=expires_within,
        renewal_due=renewal_due,
        to_replace=to_replace,
    )
    if product:
        certificates = certificates.filter(product__code=product)
    if name_part:
        certificates = certificates.filter(common_name__icontains=name_part)
    return certificates


def _status_filter(certificates: CertificateQuerySet, status: str) -> CertificateQuerySet:
    if status == Status.VALID:
        return certificates.valid()
    if status == Status.EXPIRED:
        return certificates.expired()
    if status == Status.REVOKED:
        return certificates.revoked()
    return certificates


def _ordering(
    sorts: dict[str, tuple[str | Expression, ...]], sort: str, *, status: str, descending: bool
) -> list[OrderBy]:
    """ORDER BY of an overview: the sort's keys, then the primary key, all one way (so
    descending is exactly ascending reversed). With one status chosen, sorting on
    status is sorting on expiry: the status part is the same for every row."""
    keys = sorts.get(sort, sorts["expiry"])
    if sort == "status" and status in Status.values:
        keys = sorts["expiry"]
    expressions = [F(key) if isinstance(key, str) else key for key in (*keys, "pk")]
    return [e.desc() if descending else e.asc() for e in expressions]


def _expiry_filters(
    certificates: CertificateQuerySet,
    *,
    expires_within: int | None,
    renewal_due: bool,
    to_replace: bool = False,
) -> CertificateQuerySet:
    """ "Verloopt binnen … dagen", "Te verlengen" (the renewal window is open, see
    certificates.renewal) and "Te vervangen" (covered by an active replacement
    campaign, see certificates.campaigns)."""
    if expires_within is not None:
        certificates = certificates.expiring_within(expires_within)
    if renewal_due:
        certificates = certificates.in_renewal_window()
    if to_replace:
        certificates = certificates.to_replace()
    return certificates


def with_replace_before(
    certificates: CertificateQuerySet, now: dt.datetime | None = None
) -> CertificateQuerySet:
    """Annotate ``replace_before``: the earliest deadline of the active campaigns that
    cover the row ("Moet vervangen worden vóór …"), ``None`` for a row no campaign
    covers. One subquery in the list's query, no query per row; covered means what
    ``CertificateQuerySet.to_replace`` (and ``campaigns.campaign_for``) says: not
    revoked, not expired, no issued successor."""
    now = now or timezone.now()
    deadline = (
        CampaignCertificate.objects.filter(certificate=OuterRef("pk"), campaign__active=True)
        .order_by("campaign__deadline", "campaign__pk")
        .values("campaign__deadline")[:1]
    )
    successor = Certificate.objects.filter(pk=OuterRef("pk"), renewals__state=RENEWAL_ISSUED)
    return certificates.annotate(
        replace_before=Case(
            When(
                Q(revoked_at__isnull=True, not_after__gt=now) & ~Exists(successor),
                then=Subquery(deadline, output_field=DateField()),
            ),
            default=None,
            output_field=DateField(),
        )
    )


def _for_person(
    certificates: CertificateQuerySet,
    *,
    requested_by: Person | None,
    managed_by: Person | None,
) -> CertificateQuerySet:
    if requested_by is not None:
        certificates = certificates.filter(requested_by=requested_by)
    if managed_by is not None:
        certificates = certificates.filter(certificate_manager=managed_by)
    return certificates


def certificate_for_subscriber(
    *, subscriber: Subscriber, pk: int, kind: Kind | None = None
) -> Certificate:
    """One certificate of this subscriber, or 404 (another subscriber's is not found)."""
    certificates = Certificate.objects.select_related(
        "product", "issuing_ca", "certificate_manager__subscriber", "requested_by", "card"
    ).filter(subscriber=subscriber)
    if kind is not None:
        certificates = certificates.filter(kind=kind)
    certificate = certificates.filter(pk=pk).first()
    if certificate is None:
        raise Http404
    return certificate


CARD_SORTS: dict[str, tuple[str | Expression, ...]] = {
    "status": SERVER_SORTS["status"],
    "cn": ("card__holder_name",),
    "email": ("card__email",),
    "from": ("not_before",),
    "expiry": ("not_after",),
}


def card_certificates(
    *,
    subscriber: Subscriber,
    kind: Kind,
    status: str = Status.VALID,
    name_part: str = "",
    expires_within: int | None = None,
    renewal_due: bool = False,
    to_replace: bool = False,
    sort: str = "expiry",
    descending: bool = False,
    requested_by: Person | None = None,
    managed_by: Person | None = None,
) -> QuerySet[Certificate]:
    """The Persoons / Groeps / eSeal overviews (manual §4–6): one row per card.

    A card's row is its authenticity certificate (or, for an eSeal, its seal
    certificate): the one whose validity the overview shows. ``requested_by`` /
    ``managed_by`` narrow it to one person (manual §7.4).
    """
    certificates = filtered_card_certificates(
        subscriber=subscriber,
        kind=kind,
        status=status,
        name_part=name_part,
        expires_within=expires_within,
        renewal_due=renewal_due,
        to_replace=to_replace,
        requested_by=requested_by,
        managed_by=managed_by,
    )
    if sort in {"cn", "email"}:
        # Said of the card too, so that this sort can start from the card's index
        # (certificates.models.Card) and stop after a page.
        certificates = certificates.filter(card__subscriber=subscriber, card__kind=kind)
    return (
        with_replace_before(certificates.with_status())
        .select_related("card")
        .order_by(*_ordering(CARD_SORTS, sort, status=status, descending=descending))
    )


def filtered_card_certificates(
    *,
    subscriber: Subscriber,
    kind: Kind,
    status: str = Status.VALID,
    name_part: str = "",
    expires_within: int | None = None,
    renewal_due: bool = False,
    to_replace: bool = False,
    requested_by: Person | None = None,
    managed_by: Person | None = None,
) -> CertificateQuerySet:
    """The rows of ``card_certificates`` without what only a page of the list needs
    (the status and campaign annotations, the order): what Home counts."""
    row_usage = (
        Q(card_usage__in=["authentication", "signature"])
        if kind == Kind.ESEAL
        else Q(card_usage="authentication")
    )
    certificates = _for_person(
        Certificate.objects.filter(row_usage, subscriber=subscriber, kind=kind),
        requested_by=requested_by,
        managed_by=managed_by,
    )
    certificates = _status_filter(certificates, status)
    certificates = _expiry_filters(
        certificates,
        expires_within=expires_within,
        renewal_due=renewal_due,
        to_replace=to_replace,
    )
    if name_part:
        # The subscriber's cards of this kind first, then the text (trigram indexes on
        # PostgreSQL, migration 0016): never a scan of every subscriber's cards.
        certificates = certificates.filter(
            card__in=Card.objects.filter(subscriber=subscriber, kind=kind).filter(
                Q(holder_name__icontains=name_part) | Q(email__icontains=name_part)
            )
        )
    return certificates


def open_revocation(certificate: Certificate) -> RevocationRequest | None:
    """The certificate's revocation request the back office has not decided yet."""
    return (
        certificate.revocation_requests.filter(state=RevocationRequest.State.OPEN)
        .select_related("requested_by")
        .first()
    )
