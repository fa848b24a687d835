"""`make bench` (or `python -m bench [--certificates N] [--subscribers M]`): one table.

Every figure stands beside its floor, measured in the same run on the same rows, with
the ratio and issue 15's target (bench/README.md says how to read it):

- the lists, searches, a detail page and Home for ``joost`` (Voorbeeld B.V., 20% of
  the rows) through the Django test client with the real login middleware and the
  forwarded client certificate, against a bare view doing one primary-key query
  through the same middleware (bench/urls.py);
- the CSV export (rows/s, peak memory, time to the first byte) against PostgreSQL's
  ``COPY (SELECT ...) TO STDOUT`` of the same rows;
- CSR validation (RSA-2048 and 4096) against a bare parse and signature check;
- render + seal of an order form against render alone;
- 16 clients for 20 s through nginx with mTLS and gunicorn: the overview against the
  bare page.

It makes a throw-away PostgreSQL database next to BENCH_DATABASE_URL (or
DATABASE_URL; default postgres://postgres@127.0.0.1:5432/postgres), seeds the demo
data, adds ``bench_data`` rows, and drops the database at the end. Loopback only.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import secrets
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/postgres"
LIST_TARGET = 0.050  # issue 15, point 2: p95 of every list, the detail page and Home
SEARCH_TARGET = 0.100  # searches


@dataclass
class Row:
    case: str
    floor: str
    portal: str
    ratio: str
    target: str
    met: str


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}" if seconds >= 0.001 else f"{seconds * 1000:.3f}"


def ms(samples: list[float]) -> str:
    return f"{_ms(percentile(samples, 0.5))} / {_ms(percentile(samples, 0.95))}"


def sampled(fn: Callable[[], object], repeat: int, warm: int = 2) -> list[float]:
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return samples


def latency_row(case: str, floor: list[float], portal: list[float], target: float | None) -> Row:
    p95 = percentile(portal, 0.95)
    return Row(
        case,
        ms(floor),
        ms(portal),
        f"{p95 / percentile(floor, 0.95):.1f}×",
        f"p95 ≤ {target * 1000:.0f} ms" if target else "—",
        ("yes" if p95 <= target else "NO") if target else "—",
    )


def print_table(title: str, rows: list[Row]) -> None:
    header = Row("case", "floor p50/p95 ms", "portal p50/p95 ms", "ratio", "target", "met")
    widths = [max(len(getattr(r, f)) for r in [header, *rows]) for f in Row.__annotations__]
    print(title)
    for row in [header, None, *rows]:
        if row is None:
            print("  ".join("-" * w for w in widths))
            continue
        cells = [getattr(row, f) for f in Row.__annotations__]
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
    print()


def database_urls() -> tuple[str, str, str]:
    """The maintenance URL, the throw-away database's name and its URL."""
    maintenance = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    maintenance = maintenance or DEFAULT_DATABASE
    if not maintenance.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "make bench measures on PostgreSQL (the production database): set "
            "BENCH_DATABASE_URL=postgres://USER@HOST:PORT/postgres (it creates and drops "
            f"its own database there). Got {maintenance.split(':', 1)[0]}."
        )
    name = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    parts = urlsplit(maintenance)
    return maintenance, name, urlunsplit(parts._replace(path=f"/{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--certificates", type=int, default=1_000_000)
    parser.add_argument("--subscribers", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=30, help="per list case")
    parser.add_argument("--load-seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--skip", action="append", default=[], choices=["lists", "csv", "csr", "documents", "nginx"]
    )
    args = parser.parse_args()

    import psycopg

    maintenance, name, url = database_urls()
    pki = Path(tempfile.mkdtemp(prefix="bench-pki-"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        os.environ.update(
            DATABASE_URL=url, PORTAL_PKI_DIR=str(pki), DJANGO_SETTINGS_MODULE="bench.settings"
        )
        from certificates import demo_pki

        demo_pki.build(pki)
        run(args, url, pki)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(pki, ignore_errors=True)


def run(args: argparse.Namespace, url: str, pki: Path) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from certificates.bench_data import bench_data_create
    from core import proxy_secret
    from core.process import freeze_startup_objects
    from portal import demo_data
    from portal.middleware import CERT_HEADER, VERIFY_HEADER

    setup_test_environment()
    logging.getLogger("portal").setLevel(logging.WARNING)  # not a line per request
    # Nor one per task run inline, nor kombu's note on the in-memory broker: one table.
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    settings.ALLOWED_HOSTS = ["*"]
    settings.PORTAL_PROXY_SECRET = proxy_secret.read(pki / proxy_secret.SECRET_FILE)
    began = time.perf_counter()
    call_command("migrate", verbosity=0)
    demo_data.seed(pki)
    result = bench_data_create(certificates=args.certificates, subscribers=args.subscribers)
    print(
        f"Database ready in {time.perf_counter() - began:.0f} s: bench_data added "
        f"{result.certificates:,} certificates at {result.rows_per_second:,.0f} rows/s.\n"
    )
    client = Client(
        HTTP_X_FORWARDED_PROTO="https", **{proxy_secret.META_KEY: settings.PORTAL_PROXY_SECRET}
    )
    client.defaults[CERT_HEADER] = quote((pki / "clients/joost.crt").read_text(), safe="")
    client.defaults[VERIFY_HEADER] = "SUCCESS"

    def get(path: str, **params: object) -> Callable[[], object]:
        def fetch() -> object:
            response = client.get(path, params)
            assert response.status_code == 200, (path, params, response.status_code)
            return response

        return fetch

    # As gunicorn's and Celery's workers do once started (core/process.py).
    freeze_startup_objects()
    rows: list[Row] = []
    floor = sampled(get("/bench/floor/"), args.requests)
    if "lists" not in args.skip:
        rows += list_rows(args.requests, get, floor)
    if "csv" not in args.skip:
        rows += csv_rows(client)
    if "csr" not in args.skip:
        rows += csr_rows(args.requests)
    if "documents" not in args.skip:
        rows += document_rows()
    if "nginx" not in args.skip:
        rows += nginx_rows(url, pki, args.clients, args.load_seconds)
    print_table(
        f"{result.certificates:,} bench rows (+ demo seed), joost of Voorbeeld B.V.; "
        f"floor = bare view, one primary-key query, all middleware",
        rows,
    )


def list_rows(
    repeat: int, get: Callable[..., Callable[[], object]], floor: list[float]
) -> list[Row]:
    from certificates.forms import DEFAULT_PAGE_SIZE
    from certificates.models import Certificate, Kind
    from certificates.selectors import card_certificates, server_certificates
    from organisations.models import Subscriber

    voorbeeld = Subscriber.objects.get(kvk_number="12345678")

    def last(count: int) -> int:
        return max(1, math.ceil(count / DEFAULT_PAGE_SIZE))

    server_valid = last(server_certificates(subscriber=voorbeeld).count())
    server_all = last(server_certificates(subscriber=voorbeeld, status="all").count())
    personal = last(card_certificates(subscriber=voorbeeld, kind=Kind.PERSONAL).count())
    detail = (
        Certificate.objects.filter(subscriber=voorbeeld, kind=Kind.SERVER).order_by("pk").last()
    )
    assert detail is not None
    cases: list[tuple[str, Callable[[], object], float]] = [
        ("server list, page 1 (valid)", get("/servercertificaten/"), LIST_TARGET),
        ("server list, status=all", get("/servercertificaten/", status="all"), LIST_TARGET),
        (
            "sort by expiry, ascending",
            get("/servercertificaten/", sort="expiry", dir="asc"),
            LIST_TARGET,
        ),
        (
            "sort by expiry, descending",
            get("/servercertificaten/", sort="expiry", dir="desc"),
            LIST_TARGET,
        ),
        ('search "fina"', get("/servercertificaten/", q="fina"), SEARCH_TARGET),
        ("last page, valid", get("/servercertificaten/", page=server_valid), LIST_TARGET),
        ("last page, all", get("/servercertificaten/", status="all", page=server_all), LIST_TARGET),
        ("personal cards, page 1", get("/passen/personal/"), LIST_TARGET),
        ("personal cards, last page", get("/passen/personal/", page=personal), LIST_TARGET),
        ('personal cards, search "fina"', get("/passen/personal/", q="fina"), SEARCH_TARGET),
        ("group cards, page 1", get("/passen/group/"), LIST_TARGET),
        ("eSeal cards, page 1", get("/passen/eseal/"), LIST_TARGET),
        ("server certificate detail", get(f"/servercertificaten/{detail.pk}/"), LIST_TARGET),
        ("Home", get("/"), LIST_TARGET),
    ]
    rows = []
    for case, fetch, target in cases:
        rows.append(latency_row(case, floor, sampled(fetch, repeat), target))
    return rows


def csv_rows(client: object) -> list[Row]:
    from django.db import connection

    from certificates.models import Kind
    from organisations.models import Subscriber

    voorbeeld = Subscriber.objects.get(kvk_number="12345678")

    def portal() -> tuple[int, float, float]:
        began = time.perf_counter()
        response = client.get("/servercertificaten/export.csv", {"status": "all"})  # type: ignore[attr-defined]
        assert response.status_code == 200
        first = None
        lines = 0
        for chunk in response.streaming_content:
            first = first or time.perf_counter() - began
            lines += chunk.count(b"\n")
        return lines - 1, first or 0.0, time.perf_counter() - began

    query = (
        "COPY (SELECT p.short_name, c.common_name, c.sans, c.not_before, c.not_after, "
        "c.serial, ca.name, c.revoked_at FROM certificates_certificate c "
        "LEFT JOIN certificates_product p ON p.id = c.product_id "
        "JOIN certificates_issuingca ca ON ca.id = c.issuing_ca_id "
        "WHERE c.subscriber_id = %s AND c.kind = %s "
        "ORDER BY c.not_after, c.id) TO STDOUT (FORMAT CSV, HEADER)"
    )

    def copy() -> tuple[int, float, float]:
        began = time.perf_counter()
        first = None
        lines = 0
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(query, [voorbeeld.pk, Kind.SERVER.value]) as stream,
        ):
            for chunk in stream:
                first = first or time.perf_counter() - began
                lines += bytes(chunk).count(b"\n")
        return lines - 1, first or 0.0, time.perf_counter() - began

    def measured(fn: Callable[[], tuple[int, float, float]]) -> tuple[int, float, float, float]:
        fn()  # warm
        runs = [fn() for _ in range(3)]
        count, first, total = min(runs, key=lambda r: r[2])
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return count, first, total, peak

    p_rows, p_first, p_total, p_peak = measured(portal)
    c_rows, c_first, c_total, c_peak = measured(copy)
    p_rate, c_rate = p_rows / p_total, c_rows / c_total
    return [
        Row(
            f"CSV export, {p_rows:,} rows: rows/s",
            f"{c_rate:,.0f}",
            f"{p_rate:,.0f}",
            f"{p_rate / c_rate:.2f}×",
            "≥ 0.5× COPY",
            "yes" if p_rate >= 0.5 * c_rate else "NO",
        ),
        Row(
            "CSV export: time to first byte",
            f"{c_first * 1000:.0f} ms",
            f"{p_first * 1000:.0f} ms",
            f"{p_first / c_first:.1f}×",
            "≤ 100 ms",
            "yes" if p_first <= 0.1 else "NO",
        ),
        Row(
            "CSV export: peak Python memory",
            f"{c_peak / 2**20:.1f} MB",
            f"{p_peak / 2**20:.1f} MB",
            f"{p_peak / max(c_peak, 1):.1f}×",
            "flat: ≤ 16 MB",
            "yes" if p_peak <= 16 * 2**20 else "NO",
        ),
    ]


def csr_rows(repeat: int) -> list[Row]:
    from cryptography import x509

    from certificates.csr import CsrExpectations, csr_check
    from certificates.models import Product
    from organisations.models import Subscriber
    from tests.certificates.csr_factory import fresh_rsa_key, make_csr

    voorbeeld = Subscriber.objects.get(kvk_number="12345678")
    product = Product.objects.get(code="pkio-private")
    expect = CsrExpectations.for_order(subscriber=voorbeeld, product=product)
    rows = []
    for size in (2048, 4096):
        pem = make_csr(fresh_rsa_key(size), cn="www.voorbeeld.nl", sans=["www.voorbeeld.nl"])

        def bare(pem: bytes = pem) -> None:
            csr = x509.load_pem_x509_csr(pem)
            assert csr.is_signature_valid

        rows.append(
            latency_row(
                f"CSR validation, RSA-{size}",
                sampled(bare, repeat),
                sampled(lambda pem=pem: csr_check(pem, expect=expect), repeat),
                None,
            )
        )
    return rows


def document_rows() -> list[Row]:
    from bench.documents import render_and_seal

    render, sealed = render_and_seal(sampled)
    row = latency_row("order form: render + seal", render, sealed, 0.100)
    row.floor = f"{ms(render)} (render alone)"
    return [row]


def nginx_rows(url: str, pki: Path, clients: int, seconds: float) -> list[Row]:
    from bench.load import load, served

    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        print("nginx is not installed (make system-deps): no nginx rows.\n")
        return []
    with served(url, pki) as port:
        load(port, pki, "/servercertificaten/", clients=clients, seconds=2)  # warm
        bare = load(port, pki, "/bench/floor/", clients=clients, seconds=seconds)
        overview = load(port, pki, "/servercertificaten/", clients=clients, seconds=seconds)
    ratio = overview.rate / bare.rate if bare.rate else 0.0
    title = f"nginx mTLS, {clients} clients × {seconds:.0f} s"
    return [
        Row(
            f"{title}: requests/s",
            f"{bare.rate:.1f}",
            f"{overview.rate:.1f}",
            f"{ratio:.2f}×",
            "≥ 0.5× bare",
            "yes" if ratio >= 0.5 else "NO",
        ),
        Row(
            f"{title}: p99",
            f"{bare.p99 * 1000:.0f} ms",
            f"{overview.p99 * 1000:.0f} ms",
            f"{overview.p99 / bare.p99:.1f}×" if bare.p99 else "—",
            "≤ 250 ms",
            "yes" if overview.p99 <= 0.25 else "NO",
        ),
        Row(
            f"{title}: errors",
            str(bare.errors),
            str(overview.errors),
            "—",
            "0",
            "yes" if overview.errors == 0 else "NO",
        ),
    ]


if __name__ == "__main__":
    main()
