"""Outbox messages for orders that were waiting when the outbox came (issue 12):
what ``orders_sweep`` would have re-queued."""

from django.db import migrations
from django.utils import timezone

from core.outbox_backfill import MAX_AGE, outbox_backfill


def waiting(apps, schema_editor):
    order = apps.get_model("orders", "Order")
    recent = timezone.now() - MAX_AGE
    messages = [
        ("orders.documents", pk, None)
        for pk in order.objects.filter(documents__isnull=True).values_list("pk", flat=True)
    ]
    for pk, placed_at in order.objects.filter(
        documents__isnull=False, confirmation_sent_at__isnull=True, placed_at__gte=recent
    ).values_list("pk", "placed_at"):
        messages.append(("orders.confirmation", pk, placed_at))
    for pk in order.objects.filter(state="approved", certificates__isnull=True).values_list(
        "pk", flat=True
    ):
        messages.append(("orders.issue", pk, None))
    for state, sent_field, topic in [
        ("issued", "certificate_sent_at", "orders.certificate"),
        ("rejected", "rejection_sent_at", "orders.rejection"),
    ]:
        for pk, updated_at in order.objects.filter(
            state=state, updated_at__gte=recent, **{f"{sent_field}__isnull": True}
        ).values_list("pk", "updated_at"):
            messages.append((topic, pk, updated_at))
    outbox_backfill(apps, messages)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox"),
        ("orders", "0006_order_certificates_field"),
    ]

    operations = [migrations.RunPython(waiting, migrations.RunPython.noop)]
