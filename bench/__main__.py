"""Benchmarks: `make bench` (or `python -m bench [--rows N]`).

Measures the server-certificate overview and the CSV export on a large
inventory of one subscriber, each as a ratio against a baseline measured in
the same run on the same rows:

- CSV export through the view (auth, filters, streaming) vs. the bare
  baseline: the same values_list query written with csv.writer into memory.
- Overview page 1 and a deep page vs. the baseline: one COUNT(*) plus one
  page of rows straight from the ORM.

And the sealed order documents (render, seal, XML signature; see
bench/documents.py). ``--only documents`` or ``--only inventory`` runs one part.

Runs against a throw-away test database (DATABASE_URL's server when set,
SQLite otherwise).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _report(title: str, results: list[tuple[str, float, float]]) -> None:
    print(title)
    print(f"{'measurement':28} {'baseline s':>11} {'portal s':>10} {'ratio':>7}")
    for name, base, portal in results:
        print(f"{name:28} {base:11.4f} {portal:10.4f} {portal / base:7.2f}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--only", choices=["inventory", "documents"])
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import tempfile
    from pathlib import Path

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from certificates import demo_pki
    from certificates.models import Certificate
    from core import proxy_secret
    from portal import demo_data
    from portal.middleware import CERT_HEADER, VERIFY_HEADER

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    pki = Path(tempfile.mkdtemp(prefix="bench-pki-"))
    demo_pki.build(pki)
    settings.PORTAL_TRUST_BUNDLE = pki / "trust-bundle.pem"
    settings.PORTAL_CRL_DIR = pki / "crl"
    settings.PORTAL_PKI_DIR = pki
    settings.PORTAL_SEAL_KEY = pki / "seal.key"
    settings.PORTAL_SEAL_CERT = pki / "seal.crt"
    settings.PORTAL_PROXY_SECRET = proxy_secret.read(pki / proxy_secret.SECRET_FILE)
    old = setup_databases(verbosity=0, interactive=False)
    try:
        demo_data.seed(pki)
        vendor = django.db.connection.vendor
        if args.only != "inventory":
            from bench.documents import measurements

            _report("one order's sealed documents, per document", measurements(pki, timed))
        if args.only == "documents":
            return
        template = Certificate.objects.get(common_name="www.voorbeeld.nl")
        rows = []
        for i in range(args.rows):
            template.pk = None
            row = Certificate(
                **{
                    f.attname: getattr(template, f.attname)
                    for f in Certificate._meta.concrete_fields
                    if f.attname != "id"
                }
            )
            row.serial = f"{i + 1:032x}"
            row.fingerprint = f"{i + 1:064x}"
            row.common_name = f"host{i:06d}.voorbeeld.nl"
            rows.append(row)
        Certificate.objects.bulk_create(rows, batch_size=5000)
        subscriber = template.subscriber

        from urllib.parse import quote

        client = Client(
            HTTP_X_FORWARDED_PROTO="https",
            **{proxy_secret.META_KEY: settings.PORTAL_PROXY_SECRET},
        )
        client.defaults[CERT_HEADER] = quote((pki / "clients/maximo.crt").read_text(), safe="")
        client.defaults[VERIFY_HEADER] = "SUCCESS"

        def baseline_csv() -> None:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in (
                Certificate.objects.filter(subscriber=subscriber, kind="server")
                .values_list(
                    "product__short_name",
                    "common_name",
                    "sans",
                    "not_before",
                    "not_after",
                    "serial",
                    "issuing_ca__name",
                )
                .iterator(chunk_size=2000)
            ):
                writer.writerow(row)

        def view_csv() -> None:
            response = client.get("/servercertificaten/export.csv", {"status": "all"})
            assert response.status_code == 200
            for _chunk in response.streaming_content:
                pass

        def baseline_page(page: int) -> Callable[[], None]:
            def run() -> None:
                qs = Certificate.objects.filter(subscriber=subscriber, kind="server")
                qs.count()
                list(qs.order_by("not_after", "pk")[(page - 1) * 25 : page * 25])

            return run

        def view_page(page: int) -> Callable[[], None]:
            def run() -> None:
                response = client.get("/servercertificaten/", {"status": "all", "page": page})
                assert response.status_code == 200

            return run

        deep = args.rows // 25
        results = [
            ("CSV export, all rows", timed(baseline_csv, 3), timed(view_csv, 3)),
            ("overview page 1", timed(baseline_page(1)), timed(view_page(1))),
            (f"overview page {deep}", timed(baseline_page(deep)), timed(view_page(deep))),
        ]
        _report(f"{args.rows} server certificates of one subscriber, {vendor}", results)
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
