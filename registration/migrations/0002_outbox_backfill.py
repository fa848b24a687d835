"""Outbox messages for change requests that were waiting when the outbox came
(issue 12): what ``registration_sweep`` would have re-queued."""

from django.db import migrations
from django.utils import timezone

from core.outbox_backfill import MAX_AGE, outbox_backfill


def waiting(apps, schema_editor):
    change_request = apps.get_model("registration", "ChangeRequest")
    recent = timezone.now() - MAX_AGE
    messages = [
        ("registration.documents", pk, None)
        for pk in change_request.objects.filter(documents__isnull=True).values_list("pk", flat=True)
    ]
    messages += [
        ("registration.confirmation", pk, submitted_at)
        for pk, submitted_at in change_request.objects.filter(
            documents__isnull=False, confirmation_sent_at__isnull=True, submitted_at__gte=recent
        ).values_list("pk", "submitted_at")
    ]
    for state, sent_field, topic in [
        ("approved", "approval_sent_at", "registration.approval"),
        ("rejected", "rejection_sent_at", "registration.rejection"),
    ]:
        messages += [
            (topic, pk, decided_at)
            for pk, decided_at in change_request.objects.filter(
                state=state, decided_at__gte=recent, **{f"{sent_field}__isnull": True}
            ).values_list("pk", "decided_at")
        ]
    outbox_backfill(apps, messages)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox"),
        ("registration", "0001_initial"),
    ]

    operations = [migrations.RunPython(waiting, migrations.RunPython.noop)]
