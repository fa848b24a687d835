"""Indexes for the overviews at 200,000 certificates per subscriber (issue 15).

One btree per sort, covering the status filters (certificates.models), and on
PostgreSQL trigram indexes for the card search on holder and e-mail address: Django
compiles icontains to UPPER(col::text) LIKE UPPER(%s), so index UPPER(col) with
gin_trgm_ops (as 0002 does for the common name; pg_trgm comes from there).
"""

from django.db import migrations, models

CARD_TRIGRAM_INDEXES = {
    "card_holder_upper_trgm": "holder_name",
    "card_email_upper_trgm": "email",
}


def add_card_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in CARD_TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON certificates_card "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop_card_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in CARD_TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0015_campaign_notices"),
        ("organisations", "0004_login_certificate_staff_user"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="certificate",
            name="cert_subscriber_kind_expiry",
        ),
        migrations.RemoveIndex(
            model_name="certificate",
            name="cert_subscriber_kind_cn",
        ),
        migrations.AddIndex(
            model_name="card",
            index=models.Index(
                fields=["subscriber", "kind", "holder_name"], name="card_list_holder"
            ),
        ),
        migrations.AddIndex(
            model_name="card",
            index=models.Index(fields=["subscriber", "kind", "email"], name="card_list_email"),
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                fields=["subscriber", "kind", "not_after", "id"],
                include=("not_before", "revoked_at", "card_usage"),
                name="cert_list_expiry",
            ),
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                fields=["subscriber", "kind", "not_before", "id"],
                include=("not_after", "revoked_at", "card_usage"),
                name="cert_list_from",
            ),
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                fields=["subscriber", "kind", "common_name", "id"],
                include=("not_before", "not_after", "revoked_at"),
                name="cert_list_cn",
            ),
        ),
        migrations.AddIndex(
            model_name="certificate",
            index=models.Index(
                models.F("subscriber"),
                models.F("kind"),
                models.ExpressionWrapper(
                    models.Q(("revoked_at__isnull", False)), output_field=models.BooleanField()
                ),
                models.F("not_after"),
                models.F("id"),
                include=("card_usage",),
                name="cert_list_status",
            ),
        ),
        migrations.RunPython(add_card_trigram_indexes, drop_card_trigram_indexes),
    ]
