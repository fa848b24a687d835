from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderDocuments


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-mostly for now; the validation workflow is built on top of this (issue 5)."""

    list_display = ["reference", "product", "common_name", "subscriber", "state", "placed_at"]
    list_filter = ["state", "product"]
    search_fields = ["reference", "common_name", "subscriber__name", "spki_sha256"]
    list_select_related = ["product", "subscriber"]
    raw_id_fields = ["renews", "contact_person", "certificate_manager", "replaced_order"]
    readonly_fields = [
        "reference",
        "wizard_token",
        "subscriber",
        "product",
        "renews",
        "contact_person",
        "csr_pem",
        "spki_sha256",
        "common_name",
        "sans",
        "csr_details",
        "declarations",
        "login_certificate_issuer",
        "login_certificate_serial",
        "placed_at",
        "language",
        "confirmation_sent_at",
        "documents_ready",
    ]

    @admin.display(boolean=True, description=_("bestelformulier gemaakt"))
    def documents_ready(self, order: Order) -> bool:
        return OrderDocuments.objects.filter(order=order).exists()
