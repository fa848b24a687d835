"""Outbox messages for revocation decisions whose notice was never sent (issue 12).

Before the outbox a notice queued while the broker was down was lost: no
sweeper looked for it. The CRL needs no message: it is signed afresh on
every request and rewritten on the next revocation."""

from django.db import migrations
from django.utils import timezone

from core.outbox_backfill import MAX_AGE, outbox_backfill


def waiting(apps, schema_editor):
    request = apps.get_model("certificates", "RevocationRequest")
    outbox_backfill(
        apps,
        [
            ("certificates.revocation_notice", pk, decided_at)
            for pk, decided_at in request.objects.filter(
                state__in=["executed", "rejected"],
                notified_at__isnull=True,
                decided_at__gte=timezone.now() - MAX_AGE,
            ).values_list("pk", "decided_at")
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox"),
        ("certificates", "0009_certificate_order_moves_to_orders"),
    ]

    operations = [migrations.RunPython(waiting, migrations.RunPython.noop)]
