"""Products as data (SPEC.md §7), and the trigram index for the FQDN filter.

The index is PostgreSQL-only: Django compiles icontains to
UPPER(col::text) LIKE UPPER(%s), so a plain trigram index on the column is
not used; index UPPER(common_name) with gin_trgm_ops (STACK-NOTES.md).
"""

from django.db import migrations

PRODUCTS = [
    # code, name, short name, kind, validity in days, price in cents
    ("pkio-private", "PKIoverheid PRIVATE servercertificaat", "PRIVATE SSL", "server", 1095, 29900),
    (
        "pkio-digipoort",
        "PKIoverheid Digipoort PRIVATE servercertificaat",
        "Digipoort PRIVATE SSL",
        "server",
        1095,
        29900,
    ),
    ("pkio-trial", "PKIoverheid Trial servercertificaat", "Trial SSL", "server", 90, 0),
    ("certsign-ov", "certSIGN OV SSL", "CertSIGN OV SSL", "server", 199, 9900),
]


def add_products(apps, schema_editor):
    Product = apps.get_model("certificates", "Product")
    for code, name, short_name, kind, days, price in PRODUCTS:
        Product.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short_name,
                "kind": kind,
                "validity_days": days,
                "price_cents": price,
            },
        )


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS cert_cn_upper_trgm ON certificates_certificate "
        "USING gin (UPPER(common_name) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS cert_cn_upper_trgm")


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial")]

    operations = [
        migrations.RunPython(add_products, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
