"""Which button orders each product and which CSR rules apply to it (SPEC.md §7)."""

from django.db import migrations

RULES = {
    # code: family, checks domains, CN from the OIN, ECDSA allowed, L and ST required
    "pkio-private": ("pkio", True, False, False, False),
    "pkio-digipoort": ("pkio", False, True, False, False),
    "pkio-trial": ("pkio", False, False, True, False),
    "certsign-ov": ("certsign", True, False, True, True),
}


def set_rules(apps, schema_editor):
    Product = apps.get_model("certificates", "Product")
    for code, (family, domains, from_oin, ecdsa, locality) in RULES.items():
        Product.objects.filter(code=code).update(
            family=family,
            checks_domains=domains,
            common_name_from_oin=from_oin,
            allows_ecdsa=ecdsa,
            requires_locality=locality,
        )


class Migration(migrations.Migration):
    dependencies = [("certificates", "0003_product_rules_compromised_keys_revocation_requests")]

    operations = [migrations.RunPython(set_rules, migrations.RunPython.noop)]
