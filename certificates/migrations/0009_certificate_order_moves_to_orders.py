"""``Certificate.order`` goes: ``orders.OrderCertificate`` holds what an order issued
(copied there by orders 0005), so ``certificates`` names nothing above it (issue 12)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0008_issuance_profiles"),
        ("orders", "0005_order_certificates"),
    ]

    operations = [migrations.RemoveField(model_name="certificate", name="order")]
