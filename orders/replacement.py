"""Replacement orders in a replacement campaign (issue 14, point 4; the Logius
replacement-plan seed).

"Vervangen" orders a certificate of the campaign's product for an affected
certificate: the same names, its certificate manager, and either the old key again
(the seed: "om uitgifte te vereenvoudigen is besloten voor dit specifieke geval
hergebruik van csr-bestanden toe te staan", the one exception to the key-reuse
rule) or a new CSR. It is an ordinary order through ``order_place`` (``renews`` the
old certificate, ``campaign`` set): sealed form, back office, issuance and e-mails as
for any order; the CA gives it the old certificate's expiry date
(``certificates.campaigns.replacement_not_after``).

``replacements_place_all`` orders every outstanding replacement of one subscriber at
once. Its tokens are derived from campaign, certificate and the number of earlier
closed replacement orders, so a second click (or two at once) places nothing twice:
an open replacement is skipped, and the same token is refused by the database.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from certificates.csr import CheckedCsr
from certificates.login_certificate import LoginCertificateData
from certificates.models import Certificate, ReplacementCampaign
from orders.models import ORDER_LIFECYCLE, Order, ServerOrderDetail
from orders.services import (
    OrderAlreadyPlaced,
    OrderNotPlaced,
    RenewalAlreadyOpen,
    order_place,
)
from organisations.models import Person

logger = logging.getLogger("portal.orders")

_TOKEN_NAMESPACE = uuid.UUID("5b0f6f0e-3c54-4d52-9a55-1f3e7f6b9c21")


def replacement_token(*, campaign: ReplacementCampaign, certificate: Certificate) -> uuid.UUID:
    """The submission token of the next replacement of ``certificate`` in ``campaign``:
    the same until that replacement is placed and closed (rejected or cancelled)."""
    closed = (
        Order.objects.filter(campaign=campaign, renews=certificate)
        .exclude(ORDER_LIFECYCLE.open_q())
        .exclude(state=Order.State.ISSUED)
        .count()
    )
    return uuid.uuid5(_TOKEN_NAMESPACE, f"{campaign.pk}:{certificate.pk}:{closed}")


def _manager(certificate: Certificate, contact_person: Person) -> Person:
    """The old certificate's manager when still active, else the contact person."""
    manager = certificate.certificate_manager
    same_subscriber = manager is not None and manager.subscriber_id == certificate.subscriber_id
    if manager is not None and manager.is_active and same_subscriber:
        return manager
    return contact_person


def replacement_place(
    *,
    campaign: ReplacementCampaign,
    certificate: Certificate,
    contact_person: Person,
    token: uuid.UUID,
    declarations: list[str],
    csr: CheckedCsr | None = None,
    manager: Person | None = None,
    login_certificate: LoginCertificateData | None = None,
    language: str | None = "nl",
) -> Order:
    """Order the replacement of ``certificate`` in ``campaign``: with ``csr``'s key, or
    (no ``csr``) the old certificate's key again. Raises what ``order_place`` raises."""
    detail = (
        ServerOrderDetail.from_csr(csr)
        if csr is not None
        else ServerOrderDetail.from_certificate(certificate)
    )
    return order_place(
        token=token,
        subscriber=certificate.subscriber,
        product=campaign.target_product,
        contact_person=contact_person,
        detail=detail,
        declarations=declarations,
        manager=manager or _manager(certificate, contact_person),
        login_certificate=login_certificate,
        renews=certificate,
        campaign=campaign,
        language=language,
    )


@dataclass
class BulkResult:
    """What ``replacements_place_all`` did: orders placed now, certificates that had one
    already, and those refused with the reason (Dutch)."""

    placed: list[Order] = field(default_factory=list)
    already: list[Certificate] = field(default_factory=list)
    refused: list[tuple[Certificate, str]] = field(default_factory=list)


def replacements_place_all(
    *,
    campaign: ReplacementCampaign,
    certificates: list[Certificate],
    contact_person: Person,
    declarations: list[str],
    login_certificate: LoginCertificateData | None = None,
    language: str | None = "nl",
) -> BulkResult:
    """Order the replacement of each of ``certificates`` (the subscriber's outstanding
    ones in ``campaign``) with its own key again; one order each, never two."""
    result = BulkResult()
    for certificate in certificates:
        if Order.objects.open().filter(renews=certificate).exists():
            result.already.append(certificate)
            continue
        try:
            order = replacement_place(
                campaign=campaign,
                certificate=certificate,
                contact_person=contact_person,
                token=replacement_token(campaign=campaign, certificate=certificate),
                declarations=declarations,
                login_certificate=login_certificate,
                language=language,
            )
        except (OrderAlreadyPlaced, RenewalAlreadyOpen):
            result.already.append(certificate)
        except OrderNotPlaced as refused:
            result.refused.append((certificate, str(refused)))
        else:
            result.placed.append(order)
    logger.info(
        "Campaign %s: person %s placed %d replacement(s), %d already ordered, %d refused",
        campaign.pk,
        contact_person.pk,
        len(result.placed),
        len(result.already),
        len(result.refused),
    )
    return result
