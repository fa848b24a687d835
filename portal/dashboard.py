"""Home as a dashboard (issue 14, point 3): per kind the counts of valid certificates,
those expiring within 30, 60 and 90 days, those whose renewal window is open
(certificates.renewal), those a replacement campaign covers (certificates.campaigns)
and open orders; each count links to the list that shows exactly
those rows, because it is counted through the same selectors and filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from certificates.forms import EXPIRY_FILTER_DAYS
from certificates.models import CertificateQuerySet, Kind, ReplacementCampaign, Status
from certificates.selectors import filtered_card_certificates, filtered_server_certificates
from core.pagination import Total, bounded_counts
from orders.selectors import orders_for_subscriber
from organisations.models import Subscriber

KIND_TITLES: dict[str, Promise] = {
    Kind.SERVER: _("Servercertificaten"),
    Kind.PERSONAL: _("Persoons"),
    Kind.GROUP: _("Groeps"),
    Kind.ESEAL: _("eSeal"),
}


@dataclass(frozen=True)
class Count:
    """One number of the dashboard, counted as its list counts it (core.pagination):
    exactly up to the limit, beyond it "meer dan 10.000"."""

    label: Promise
    total: Total
    url: str
    testid: str

    @property
    def number(self) -> int:
        return self.total.count

    @property
    def shown(self) -> str:
        if self.total.exact:
            return str(self.total.count)
        return _("meer dan %(limit)s") % {
            "limit": number_format(self.total.limit, force_grouping=True)
        }


@dataclass(frozen=True)
class KindCounts:
    kind: str
    title: Promise
    counts: list[Count]


def _certificates(subscriber: Subscriber, kind: str) -> CertificateQuerySet:
    """The valid certificates of a kind as its overview lists them."""
    if kind == Kind.SERVER:
        return filtered_server_certificates(subscriber=subscriber, status=Status.VALID)
    return filtered_card_certificates(subscriber=subscriber, kind=Kind(kind), status=Status.VALID)


# The list filter "Te vervangen" (certificates.forms.OverviewFilterForm).
REPLACE_FILTER = {"status": Status.VALID, "renewal": "replace"}


def _list_url(kind: str, params: dict[str, object]) -> str:
    base = reverse("server_list") if kind == Kind.SERVER else reverse("card_list", args=[kind])
    return f"{base}?{urlencode(params)}"


def dashboard_counts(*, subscriber: Subscriber) -> list[KindCounts]:
    """The dashboard's rows, one per kind, for one subscriber.

    Every number is counted in one statement (``core.pagination.bounded_counts``), each
    on the rows the list it links to shows: the overview's own selector with the
    QuerySet method of its filter. "Te verlengen" is counted in its two disjoint parts
    (``CertificateQuerySet.renewal_window_parts``), which is cheaper than the one
    query the list filters with and adds up to the same number.
    """
    querysets: dict[str, QuerySet[Any]] = {}
    for kind in KIND_TITLES:
        valid = _certificates(subscriber, kind)
        querysets[f"{kind}-valid"] = valid
        for days in EXPIRY_FILTER_DAYS:
            querysets[f"{kind}-expiring-{days}"] = valid.expiring_within(days)
        by_date, by_campaign_only = valid.renewal_window_parts()
        querysets[f"{kind}-renewal"] = by_date
        querysets[f"{kind}-renewal-campaign"] = by_campaign_only
        querysets[f"{kind}-replace"] = valid.to_replace()
        querysets[f"{kind}-open-orders"] = orders_for_subscriber(
            subscriber=subscriber, kind=kind, open_only=True
        )
    totals = bounded_counts(querysets)

    rows = []
    for kind, title in KIND_TITLES.items():
        counts = [
            Count(
                _("Geldig"),
                totals[f"{kind}-valid"],
                _list_url(kind, {"status": Status.VALID}),
                f"{kind}-valid",
            )
        ]
        for days in EXPIRY_FILTER_DAYS:
            counts.append(
                Count(
                    _("Verloopt binnen %(days)s dagen") % {"days": days},
                    totals[f"{kind}-expiring-{days}"],
                    _list_url(kind, {"status": Status.VALID, "expires_within": days}),
                    f"{kind}-expiring-{days}",
                )
            )
        counts.append(
            Count(
                _("Te verlengen"),
                totals[f"{kind}-renewal"] + totals[f"{kind}-renewal-campaign"],
                _list_url(kind, {"status": Status.VALID, "renewal": "due"}),
                f"{kind}-renewal",
            )
        )
        counts.append(
            Count(
                _("Te vervangen"),
                totals[f"{kind}-replace"],
                _list_url(kind, REPLACE_FILTER),
                f"{kind}-replace",
            )
        )
        counts.append(
            Count(
                _("Openstaande bestellingen"),
                totals[f"{kind}-open-orders"],
                f"{reverse('order_list')}?{urlencode({'kind': kind, 'open': 1})}",
                f"{kind}-open-orders",
            )
        )
        rows.append(KindCounts(kind, title, counts))
    return rows


@dataclass(frozen=True)
class CampaignBanner:
    """Home's banner for an active replacement campaign that covers certificates of the
    subscriber (issue 14, point 4): how many, before when, and where to see them."""

    campaign: ReplacementCampaign
    number: int
    list_url: str


def campaign_banners(*, subscriber: Subscriber) -> list[CampaignBanner]:
    """One banner per active campaign covering some of ``subscriber``'s certificates,
    counted through the list's selector and filter ("Te vervangen")."""
    banners = []
    for campaign in ReplacementCampaign.objects.filter(active=True).select_related(
        "target_product"
    ):
        kind = campaign.target_product.kind
        number = (
            _certificates(subscriber, kind)
            .to_replace()
            .filter(campaign_entries__campaign=campaign)
            .count()
        )
        if number:
            banners.append(CampaignBanner(campaign, number, _list_url(kind, REPLACE_FILTER)))
    return banners
