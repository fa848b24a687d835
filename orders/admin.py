"""The back office's order queue (issue 5; manual §3.2 "De afdeling PKIoverheid validatie
zal de aanvraag zo snel mogelijk in behandeling nemen").

Orders are never edited here: the officer reads the order, the CSR next to
the subscriber's registration, and the portal's checks, and decides through
``orders.validation`` (which checks the state and writes the audit log).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.selectors import history_of
from certificates.csr import CsrExpectations, CsrRejected, csr_check, reused_key_check
from core.admin_workqueue import WorkQueueAdmin, WorkQueueStateFilter, waiting_time
from orders.models import ORDER_LIFECYCLE, Order, OrderDocuments, ServerOrderDetail
from orders.validation import TransitionNotAllowed, order_approve, order_reject, order_take


class OrderStateFilter(WorkQueueStateFilter):
    states = Order.State
    open_states = ORDER_LIFECYCLE.open_states


def order_checks(order: Order) -> list[str]:
    """The portal's CSR checks (SPEC.md §7) run again on the order as it stands now: the
    registration or the compromised-key list may have changed since it was placed.
    An order without a CSR (a card's keys are made on the card) has none of these."""
    server = order.detail
    if not isinstance(server, ServerOrderDetail):
        return []
    if server.reuses_key and order.renews is not None:
        # A replacement certifying the old certificate's key again: the key rules only.
        return [
            str(message)
            for message in reused_key_check(
                order.renews.der.loaded,
                expect=CsrExpectations.for_order(
                    subscriber=order.subscriber, product=order.product
                ),
            )
        ]
    try:
        csr_check(
            server.csr_pem,
            expect=CsrExpectations.for_order(
                subscriber=order.subscriber,
                product=order.product,
                # A renewal keeps its name, as the renewal wizard required.
                common_name=order.renews.common_name if order.renews is not None else None,
            ),
            reusable_spki=order.spki_sha256,
        )
    except CsrRejected as rejected:
        return [str(message) for message in rejected.messages]
    return []


@admin.register(Order)
class OrderAdmin(WorkQueueAdmin[Order]):
    """The work queue: open orders, oldest first; the detail page for the decision."""

    lifecycle = ORDER_LIFECYCLE

    list_display = [
        "reference",
        "product",
        "subject",
        "subscriber",
        "state",
        "placed_at",
        "waiting",
    ]
    list_filter = [OrderStateFilter, "product"]
    search_fields = [
        "reference",
        "server__common_name",
        "card__holder_name",
        "subscriber__name",
        "subscriber__number",
        "spki_sha256",
    ]
    list_select_related = ["product", "subscriber", "server", "card"]
    ordering = ["placed_at", "pk"]
    actions = ["take_selected", "approve_selected", "reject_selected"]
    fieldsets = [
        (
            _("Bestelling"),
            {
                "fields": [
                    "reference",
                    "state",
                    "product",
                    "subscriber",
                    "subject",
                    "names",
                    "renews",
                    "replaced_order",
                    "contact_person",
                    "certificate_manager",
                    "manager_is_new",
                    "placed_at",
                    "waiting",
                    "rejection_reason",
                    "issued_certificate",
                ]
            },
        ),
        (
            _("Verklaringen en verzending"),
            {
                "classes": ["collapse"],
                "fields": [
                    "declaration_list",
                    "login_certificate_issuer",
                    "login_certificate_serial",
                    "language",
                    "documents_ready",
                    "confirmation_sent_at",
                    "certificate_sent_at",
                    "rejection_sent_at",
                ],
            },
        ),
    ]

    def has_take_permission(self, request: HttpRequest) -> bool:
        return self.may(request, "take")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return self.may(request, "approve")

    def has_reject_permission(self, request: HttpRequest) -> bool:
        return self.may(request, "reject")

    @admin.display(description=_("wacht sinds"), ordering="placed_at")
    def waiting(self, order: Order) -> str:
        return waiting_time(order.placed_at) if order.is_open else self.get_empty_value_display()

    @admin.display(description=_("voor"), ordering="server__common_name")
    def subject(self, order: Order) -> str:
        return order.subject_label

    @admin.display(description=_("subjectAltName"))
    def names(self, order: Order) -> str:
        server = order.detail
        if not isinstance(server, ServerOrderDetail):
            return self.get_empty_value_display()
        return "\n".join(server.sans)

    @admin.display(description=_("uitgegeven certificaat"))
    def issued_certificate(self, order: Order) -> str:
        certificates = order.certificates.order_by("card_usage", "pk")
        if not certificates:
            return self.get_empty_value_display()
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a literal tag
            '<a href="{}">{} ({})</a>',
            (
                (
                    reverse("admin:certificates_certificate_change", args=[certificate.pk]),
                    certificate,
                    certificate.serial,
                )
                for certificate in certificates
            ),
        )

    @admin.display(description=_("akkoordverklaringen"))
    def declaration_list(self, order: Order) -> str:
        return "\n".join(order.declaration_labels())

    @admin.display(boolean=True, description=_("bestelformulier gemaakt"))
    def documents_ready(self, order: Order) -> bool:
        return OrderDocuments.objects.filter(order=order).exists()

    def get_urls(self) -> list:
        return [
            *self.decision_paths(
                {
                    "in-behandeling": self.take_view,
                    "goedkeuren": self.approve_view,
                    "afkeuren": self.reject_view,
                }
            ),
            *super().get_urls(),
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Order | None = None,
    ) -> HttpResponse:
        if obj is not None:
            context.update(self._review(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _review(self, request: HttpRequest, order: Order) -> dict:
        """What the officer compares: the CSR, the registration, the portal's checks."""
        subscriber = order.subscriber
        server = order.detail if isinstance(order.detail, ServerOrderDetail) else None
        csr = server.csr_details if server is not None else {}
        fields = csr.get("subject_fields", {})
        decisions = self.offered_decisions(
            request,
            order,
            {
                "take": (_("In behandeling nemen"), "in-behandeling", False),
                "approve": (_("Goedkeuren en uitgeven"), "goedkeuren", False),
                "reject": (_("Afkeuren"), "afkeuren", True),
            },
        )
        return {
            "server": server,
            "csr": csr,
            "subscriber": subscriber,
            "verified_domains": subscriber.verified_domains.all(),
            "comparison": [
                (_("Land (C)"), fields.get("C", ""), subscriber.country),
                (_("Organisatie (O)"), fields.get("O", ""), subscriber.name),
                (
                    _("organizationIdentifier"),
                    fields.get("organizationIdentifier", ""),
                    f"NTRNL-{subscriber.kvk_number}",
                ),
                (_("serialNumber (OIN)"), fields.get("serialNumber", ""), subscriber.oin),
                (_("Plaats (L)"), fields.get("L", ""), subscriber.city),
            ],
            "checks": order_checks(order),
            "history": history_of(order),
            "decisions": decisions,
        }

    # The decisions, from the list (admin actions) and from the detail page (buttons).

    def _decide(
        self,
        request: HttpRequest,
        orders: Iterable[Order],
        service: Callable[..., Order],
        done: Callable[[int], str],
    ) -> None:
        self.decide_each(
            request,
            orders,
            lambda order: service(order_id=order.pk, officer=request.user),
            refused=TransitionNotAllowed,
            refused_message=_not_now,
            done_message=done,
        )

    def _reject(
        self, request: HttpRequest, orders: list[Order], action: str = ""
    ) -> TemplateResponse | None:
        reason = self.note_page(
            request,
            orders,
            title=_("Bestelling afkeuren"),
            label=_("Reden van afkeuring, wordt aan de klant getoond en gemaild"),
            submit_label=_("Afkeuren"),
            action=action,
        )
        if isinstance(reason, TemplateResponse):
            return reason
        self.decide_each(
            request,
            orders,
            lambda order: order_reject(
                order_id=order.pk,
                officer=request.user,
                reason=reason,
            ),
            refused=TransitionNotAllowed,
            refused_message=_not_now,
            done_message=_rejected,
        )
        return None

    def _ordered(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return self.selected_rows(request, queryset).order_by("placed_at", "pk")

    @admin.action(description=_("In behandeling nemen"), permissions=["take"])
    def take_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, self._ordered(request, queryset), order_take, _taken)

    @admin.action(description=_("Goedkeuren en uitgeven"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, self._ordered(request, queryset), order_approve, _approved)

    @admin.action(description=_("Afkeuren"), permissions=["reject"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._reject(request, list(self._ordered(request, queryset)), "reject_selected")

    def take_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.button_view(
            request,
            object_id,
            self.has_take_permission,
            lambda order: self._decide(request, [order], order_take, _taken),
        )

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self.button_view(
            request,
            object_id,
            self.has_approve_permission,
            lambda order: self._decide(request, [order], order_approve, _approved),
        )

    def reject_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        order = self.decision_target(request, object_id, self.has_reject_permission)
        return self._reject(request, [order]) or self.back_to(order)


def _taken(count: int) -> str:
    return ngettext(
        "%(count)d bestelling in behandeling genomen.",
        "%(count)d bestellingen in behandeling genomen.",
        count,
    ) % {"count": count}


def _approved(count: int) -> str:
    return ngettext(
        "%(count)d bestelling goedgekeurd; het certificaat wordt uitgegeven.",
        "%(count)d bestellingen goedgekeurd; de certificaten worden uitgegeven.",
        count,
    ) % {"count": count}


def _rejected(count: int) -> str:
    return ngettext(
        "%(count)d bestelling afgekeurd.", "%(count)d bestellingen afgekeurd.", count
    ) % {"count": count}


def _not_now(order: Order) -> str:
    return _(
        "Bestelling %(reference)s heeft de status %(state)s; deze actie is dan niet "
        "mogelijk. Er is niets gewijzigd."
    ) % {"reference": order.reference, "state": order.get_state_display()}
