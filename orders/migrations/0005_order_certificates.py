"""What an order issued moves from ``Certificate.order`` to ``OrderCertificate`` (issue 12):
one order may yield several certificates, and ``certificates`` names nothing above it."""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    certificate = apps.get_model("certificates", "Certificate")
    link = apps.get_model("orders", "OrderCertificate")
    link.objects.bulk_create(
        link(order_id=order_id, certificate_id=pk, usage=usage)
        for pk, order_id, usage in certificate.objects.filter(order__isnull=False).values_list(
            "pk", "order_id", "card_usage"
        )
    )


def copy_back(apps, schema_editor):
    certificate = apps.get_model("certificates", "Certificate")
    link = apps.get_model("orders", "OrderCertificate")
    for order_id, certificate_id in link.objects.values_list("order_id", "certificate_id"):
        certificate.objects.filter(pk=certificate_id).update(order_id=order_id)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0008_issuance_profiles"),
        ("orders", "0004_order_details"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderCertificate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "usage",
                    models.CharField(
                        blank=True, max_length=15, verbose_name="certificaat op de pas"
                    ),
                ),
                (
                    "certificate",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="issued_for",
                        to="certificates.certificate",
                        verbose_name="certificaat",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="issued",
                        to="orders.order",
                        verbose_name="bestelling",
                    ),
                ),
            ],
            options={
                "verbose_name": "uitgegeven certificaat",
                "verbose_name_plural": "uitgegeven certificaten",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("order", "usage"), name="order_one_certificate_per_usage"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_links, copy_back),
    ]
