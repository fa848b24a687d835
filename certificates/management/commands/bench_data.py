from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from certificates.bench_data import BenchDataError, bench_data_create


class Command(BaseCommand):
    help = (
        "Add benchmark rows fast to a database with the demo seed: N certificates, 20%% "
        "for Voorbeeld B.V., 80%% spread over M new subscribers (SPEC.md §10). "
        "Benchmark material: the certificates parse, their signatures do not verify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--certificates", type=int, default=1_000_000, metavar="N")
        parser.add_argument("--subscribers", type=int, default=5_000, metavar="M")
        parser.add_argument("--seed", type=int, help="Random seed (default: a new one).")

    def handle(self, *args: object, certificates: int, subscribers: int, **options: object) -> None:
        seed = options.get("seed")
        try:
            result = bench_data_create(
                certificates=certificates,
                subscribers=subscribers,
                seed=seed if isinstance(seed, int) else None,
            )
        except BenchDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {result.certificates:,} certificates ({result.cards:,} cards), "
                f"{result.subscribers:,} subscribers, {result.persons:,} persons in "
                f"{result.seconds:.1f} s: {result.rows_per_second:,.0f} rows/s."
            )
        )
