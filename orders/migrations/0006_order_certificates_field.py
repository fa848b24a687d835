"""``Order.certificates``: the certificates issued for an order, through ``OrderCertificate``.

Added once ``Certificate.order`` is gone (certificates 0009), whose reverse
accessor had the same name. No table changes: the link table exists (0005)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0009_certificate_order_moves_to_orders"),
        ("orders", "0005_order_certificates"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="certificates",
            field=models.ManyToManyField(
                blank=True,
                related_name="orders",
                through="orders.OrderCertificate",
                to="certificates.certificate",
                verbose_name="certificaten",
            ),
        ),
    ]
