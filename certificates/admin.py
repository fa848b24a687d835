from django.contrib import admin

from certificates.models import (
    Card,
    Certificate,
    CompromisedKey,
    IssuingCA,
    Product,
    RevocationRequest,
)


@admin.register(IssuingCA)
class IssuingCAAdmin(admin.ModelAdmin):
    list_display = ["name", "generation", "parent", "fingerprint"]
    readonly_fields = ["certificate_pem"]

    @admin.display(description="PEM")
    def certificate_pem(self, obj: IssuingCA) -> str:
        return obj.certificate.pem if obj.certificate else ""


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "short_name",
        "kind",
        "family",
        "validity_days",
        "price_cents",
        "active",
    ]
    list_filter = ["kind", "family", "active"]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["number", "holder_name", "kind", "carrier", "subscriber", "activation"]
    list_filter = ["kind", "carrier"]
    search_fields = ["number", "holder_name", "subscriber__name"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["common_name", "kind", "product", "subscriber", "not_after", "revoked_at"]
    list_filter = ["kind", "product", "issuing_ca"]
    search_fields = ["common_name", "serial", "spki_sha256", "fingerprint", "subscriber__name"]
    list_select_related = ["product", "subscriber"]
    readonly_fields = ["certificate_pem", "serial", "subject", "spki_sha256", "fingerprint"]
    raw_id_fields = ["certificate_manager", "requested_by", "card"]

    @admin.display(description="PEM")
    def certificate_pem(self, obj: Certificate) -> str:
        return obj.der.pem if obj.der else ""


@admin.register(CompromisedKey)
class CompromisedKeyAdmin(admin.ModelAdmin):
    """The portal's own list of refused public keys (CSR rule 3), kept by the back office."""

    list_display = ["spki_sha256", "reason", "added_at"]
    search_fields = ["spki_sha256", "reason"]


@admin.register(RevocationRequest)
class RevocationRequestAdmin(admin.ModelAdmin):
    list_display = ["certificate", "reason", "state", "requested_by", "requested_at"]
    list_filter = ["state", "reason"]
    list_select_related = ["certificate", "requested_by"]
    raw_id_fields = ["certificate", "requested_by"]
    readonly_fields = ["requested_at"]
