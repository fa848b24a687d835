"""Placing orders (services, see STYLE.md).

"Plaats bestelling" creates exactly one order of any kind (SPEC.md §7), with
its kind's detail (``orders.models.OrderDetail``): the database
refuses a second order for the same wizard submission (unique
``wizard_token``), a second open renewal of one certificate and a second open
order for one key (partial unique constraints). Row locks only make the
message friendlier; the constraints are the guarantee.
"""

from __future__ import annotations

import logging
import uuid

from audit.models import Action
from audit.services import audit_record
from certificates.login_certificate import LoginCertificateData
from certificates.models import Certificate, Kind, Product, ReplacementCampaign
from certificates.permissions import RENEW, certificate_actions
from core.language import supported_language
from core.lifecycle import state_change
from core.outbox import outbox_add
from core.submissions import NoFreeReference, submission_create_once
from orders.models import (
    ORDER_LIFECYCLE,
    CardOrderDetail,
    Order,
    OrderDetail,
    ServerOrderDetail,
    order_reference_format,
)
from orders.tasks import DOCUMENTS
from organisations.models import Person, Subscriber
from organisations.services import ManagerData, manager_create

logger = logging.getLogger("portal.orders")


class OrderNotPlaced(Exception):
    """Why an order could not be placed; the wizard shows it in Dutch."""


class OrderAlreadyPlaced(OrderNotPlaced):
    """This wizard submission was placed before (double click, replayed POST)."""

    def __init__(self, order: Order) -> None:
        super().__init__(order.reference)
        self.order = order


class RenewalAlreadyOpen(OrderNotPlaced):
    """Another open renewal exists that this person has not seen and confirmed."""

    def __init__(self, order: Order | None) -> None:
        super().__init__(order.reference if order else "")
        self.order = order


class KeyAlreadyOrdered(OrderNotPlaced):
    """Another open order holds the same public key."""


class RenewalNotAllowed(OrderNotPlaced):
    """This person may not renew this certificate now; the message says why in Dutch
    (``certificates.permissions.certificate_actions``)."""


# A certificate manager registered in step 2; created only when the order is placed.
NewManager = ManagerData


# The detail model each kind of product takes.
DETAIL_FOR_KIND: dict[str, type[ServerOrderDetail] | type[CardOrderDetail]] = {
    Kind.SERVER: ServerOrderDetail,
    Kind.PERSONAL: CardOrderDetail,
    Kind.GROUP: CardOrderDetail,
    Kind.ESEAL: CardOrderDetail,
}


def _open_renewal(certificate: Certificate) -> Order | None:
    return Order.objects.open().filter(renews=certificate).first()


def order_place(
    *,
    token: uuid.UUID,
    subscriber: Subscriber,
    product: Product,
    contact_person: Person,
    detail: OrderDetail,
    declarations: list[str],
    manager: Person | None = None,
    new_manager: NewManager | None = None,
    login_certificate: LoginCertificateData | None = None,
    renews: Certificate | None = None,
    replaces: Order | None = None,
    campaign: ReplacementCampaign | None = None,
    language: str | None = "nl",
) -> Order:
    """Place one order in one transaction and return it.

    ``detail`` is the unsaved kind-specific part (``ServerOrderDetail.from_csr`` for a
    server certificate, a ``CardOrderDetail`` for a card); it must fit the product's
    kind. A renewal (``renews``) is any kind of certificate that ``contact_person``
    may renew now (``certificate_actions``), else ``RenewalNotAllowed``.

    Raises ``OrderAlreadyPlaced`` when the token was used before,
    ``RenewalAlreadyOpen`` when ``renews`` has an open renewal other than the
    confirmed ``replaces`` (manual §3.2: "er is al een aanvraag voltooid"),
    ``KeyAlreadyOrdered`` when another open order holds the key.

    A confirmed ``replaces`` that is still only placed is cancelled in the
    same transaction: one open renewal per certificate.

    The sealed documents (and after them the confirmation e-mail) are an
    outbox message written in the same transaction (``orders.tasks``); were
    the broker down, the outbox sweeper delivers them later. ``language`` is
    the language of the form and the e-mail.

    A replacement in a replacement campaign (``campaign``) renews ``renews`` with the
    campaign's product; only it may reuse the old certificate's key
    (``ServerOrderDetail.from_certificate``).
    """
    if (manager is None) == (new_manager is None):
        raise ValueError("give exactly one of manager and new_manager")
    if not isinstance(detail, DETAIL_FOR_KIND[product.kind]):
        raise ValueError(f"a {product.kind} order takes a {DETAIL_FOR_KIND[product.kind]}")
    if renews is not None and renews.kind != product.kind:
        raise ValueError("a renewal orders the same kind of certificate")
    if campaign is not None and renews is None:
        raise ValueError("a replacement names the certificate it replaces")
    if isinstance(detail, ServerOrderDetail) and detail.reuses_key and campaign is None:
        raise ValueError("only a replacement in a campaign may reuse a key")
    spki_sha256 = detail.public_key_sha256
    login_certificate = login_certificate or LoginCertificateData()
    language = supported_language(language)

    def create(reference: str) -> Order:
        confirmed = replaces
        if renews is not None:
            # Serialise renewals of one certificate for a clear message.
            Certificate.objects.select_for_update().filter(pk=renews.pk).first()
            open_renewal = _open_renewal(renews)
            if open_renewal is None:
                confirmed = None
            elif confirmed is None or open_renewal.pk != confirmed.pk:
                raise RenewalAlreadyOpen(open_renewal)
            else:
                cancelled, before = state_change(
                    Order,
                    open_renewal.pk,
                    lifecycle=ORDER_LIFECYCLE,
                    action="cancel",
                    refused=RenewalAlreadyOpen,
                )
                audit_record(
                    action=Action.ORDER_CANCELLED,
                    obj=cancelled,
                    label=cancelled.reference,
                    state_before=before,
                    state_after=cancelled.state,
                    actor_label=contact_person.name,
                    details={"replaced_by_wizard": str(token)},
                )
            refused = certificate_actions(contact_person, renews).refusals.get(RENEW)
            if refused is not None:
                raise RenewalNotAllowed(refused)
        order_manager = manager or manager_create(
            subscriber=subscriber,
            data=new_manager,  # type: ignore[arg-type]  # exactly one is given (checked above)
        )
        order = Order.objects.create(
            reference=reference,
            wizard_token=token,
            subscriber=subscriber,
            product=product,
            renews=renews,
            campaign=campaign,
            replaced_order=confirmed,
            contact_person=contact_person,
            certificate_manager=order_manager,
            manager_is_new=new_manager is not None,
            spki_sha256=spki_sha256,
            declarations=list(declarations),
            login_certificate_issuer=login_certificate.issuer,
            login_certificate_serial=login_certificate.serial,
            language=language,
        )
        detail.order = order
        detail.save(force_insert=True)
        audit_record(
            action=Action.ORDER_PLACED,
            obj=order,
            label=order.reference,
            state_after=Order.State.PLACED,
            actor_label=contact_person.name,
        )
        outbox_add(DOCUMENTS, order.pk)
        return order

    def other_conflict() -> None:
        if renews is not None and (open_renewal := _open_renewal(renews)) is not None:
            raise RenewalAlreadyOpen(open_renewal) from None
        if spki_sha256 and Order.objects.open().filter(spki_sha256=spki_sha256).exists():
            raise KeyAlreadyOrdered from None

    try:
        order = submission_create_once(
            model=Order,
            token=token,
            create=create,
            reference=order_reference_format(product.kind),
            already=OrderAlreadyPlaced,
            other_conflict=other_conflict,
        )
    except NoFreeReference:
        raise OrderNotPlaced("no free reference") from None
    logger.info(
        "Order %s placed by person %s for subscriber %s (renews %s)",
        order.reference,
        contact_person.pk,
        subscriber.pk,
        renews.pk if renews else "-",
    )
    return order
