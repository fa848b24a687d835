"""Home as a dashboard (issue 14, point 3): per kind the counts of valid certificates,
those expiring within 30, 60 and 90 days, those whose renewal window is open
(certificates.renewal), those a replacement campaign covers (certificates.campaigns)
and open orders; each count links to the list that shows exactly
those rows, because it is counted through the same selectors and filters."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from certificates.forms import EXPIRY_FILTER_DAYS
from certificates.models import Certificate, Kind, ReplacementCampaign, Status
from certificates.selectors import card_certificates, server_certificates
from core.pagination import Total, bounded_count
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


def _certificates(
    subscriber: Subscriber,
    kind: str,
    *,
    expires_within: int | None = None,
    renewal_due: bool = False,
    to_replace: bool = False,
) -> QuerySet[Certificate]:
    """The valid certificates of a kind as its overview lists them."""
    filters = {
        "status": Status.VALID,
        "expires_within": expires_within,
        "renewal_due": renewal_due,
        "to_replace": to_replace,
    }
    if kind == Kind.SERVER:
        return server_certificates(subscriber=subscriber, **filters)
    return card_certificates(subscriber=subscriber, kind=Kind(kind), **filters)


# The list filter "Te vervangen" (certificates.forms.OverviewFilterForm).
REPLACE_FILTER = {"status": Status.VALID, "renewal": "replace"}


def _list_url(kind: str, params: dict[str, object]) -> str:
    base = reverse("server_list") if kind == Kind.SERVER else reverse("card_list", args=[kind])
    return f"{base}?{urlencode(params)}"


def dashboard_counts(*, subscriber: Subscriber) -> list[KindCounts]:
    """The dashboard's rows, one per kind, for one subscriber."""
    rows = []
    for kind, title in KIND_TITLES.items():
        counts = [
            Count(
                _("Geldig"),
                bounded_count(_certificates(subscriber, kind)),
                _list_url(kind, {"status": Status.VALID}),
                f"{kind}-valid",
            )
        ]
        for days in EXPIRY_FILTER_DAYS:
            counts.append(
                Count(
                    _("Verloopt binnen %(days)s dagen") % {"days": days},
                    bounded_count(_certificates(subscriber, kind, expires_within=days)),
                    _list_url(kind, {"status": Status.VALID, "expires_within": days}),
                    f"{kind}-expiring-{days}",
                )
            )
        counts.append(
            Count(
                _("Te verlengen"),
                bounded_count(_certificates(subscriber, kind, renewal_due=True)),
                _list_url(kind, {"status": Status.VALID, "renewal": "due"}),
                f"{kind}-renewal",
            )
        )
        counts.append(
            Count(
                _("Te vervangen"),
                bounded_count(_certificates(subscriber, kind, to_replace=True)),
                _list_url(kind, REPLACE_FILTER),
                f"{kind}-replace",
            )
        )
        counts.append(
            Count(
                _("Openstaande bestellingen"),
                bounded_count(
                    orders_for_subscriber(subscriber=subscriber, kind=kind, open_only=True)
                ),
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
            _certificates(subscriber, kind, to_replace=True)
            .filter(campaign_entries__campaign=campaign)
            .count()
        )
        if number:
            banners.append(CampaignBanner(campaign, number, _list_url(kind, REPLACE_FILTER)))
    return banners
