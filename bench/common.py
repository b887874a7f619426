"""What the benchmarks share: a throwaway database around a run, the line naming the
environment, counting queries and timing runs, and loading PostgreSQL tables with ``COPY``.

Django is set up by :func:`throwaway_database`; everything else here imports Django inside the
functions, after that.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

#: Measured runs of each query or page by default, and unmeasured rounds before them.
REPEATS = 30
WARM_UP = 2

T = TypeVar("T")


# -- the database ----------------------------------------------------------------------------


def configure_django(var_dir: Path) -> bool:
    """Point Django at a throwaway database and ``var_dir``; True if that database is a
    temporary SQLite file (otherwise ``DATABASE_URL`` names it)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("LAYAK_ENCRYPTION_KEYS", "bench-only-encryption-key")
    # Production behaviour: with DEBUG on, every query would also be logged.
    os.environ["DEBUG"] = "false"
    os.environ["LAYAK_VAR_DIR"] = str(var_dir)
    temporary = not os.environ.get("DATABASE_URL")
    if temporary:
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    import django

    django.setup()
    return temporary


def throwaway_database(
    run: Callable[[], int], *, holds_data: Sequence[str], postgres_only: str = ""
) -> int:
    """Set Django up on a throwaway database, migrate it and return ``run()``'s status; empty
    the database again afterwards.

    Refuses (status 2) a database where a model of ``holds_data`` (labels such as
    ``"regions.Region"``) has rows. With ``postgres_only`` (the benchmark's name), prints that
    the benchmark was skipped and returns 0 unless ``DATABASE_URL`` names PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if postgres_only and not url.startswith(("postgres://", "postgresql://")):
        print(
            f"{postgres_only}: skipped, it needs PostgreSQL (DATABASE_URL=postgres://...; "
            "see bench/README.md)."
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="layak-bench-") as tmp:
        temporary = configure_django(Path(tmp))
        from django.apps import apps
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, skip_checks=True)
        if any(apps.get_model(label).objects.exists() for label in holds_data):
            print(
                "The database of DATABASE_URL already holds Layak data; the benchmark needs a "
                "throwaway one (drop and create it again).",
                file=sys.stderr,
            )
            connection.close()
            return 2
        try:
            return run()
        finally:
            if not temporary:
                # Everything in it is ours: leave it empty for the next run.
                call_command("flush", interactive=False, verbosity=0)
            connection.close()


def environment() -> str:
    """The database and its version, Python's, Django's and the CPU count."""
    import django
    from django.db import connection

    version = ".".join(map(str, connection.get_database_version()))
    return (
        f"{connection.display_name} {version}, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {os.cpu_count()} CPUs"
    )


def report_mismatches(errors: Sequence[str], headline: str, most: int | None = None) -> int:
    """Print ``MISMATCH: <count> <headline>`` and the first ``most`` errors; returns 1."""
    print(f"MISMATCH: {len(errors)} {headline}", flush=True)
    for line in errors[:most]:
        print(f"MISMATCH {line}")
    return 1


# -- timing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    queries: int


class QueryCounter:
    """An execute wrapper that counts the queries sent to the database."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def measure(work: Callable[[], T]) -> tuple[T, Run]:
    """``work()``, its time and the queries it sent through Django's connection."""
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - start
    return result, Run(seconds, counter.count)


def seconds_text(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


@dataclass(frozen=True)
class Timing:
    median: float
    p95: float
    queries: int


def timing(seconds: Sequence[float], queries: int) -> Timing:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return Timing(statistics.median(ordered), p95, queries)


def alternate(
    works: Sequence[Callable[[], Any]],
    repeats: int,
    before: Callable[[], None] = lambda: None,
) -> list[tuple[Any, Timing]]:
    """Run ``works`` in turn, ``WARM_UP`` rounds and then ``repeats`` measured ones, with
    ``before`` (not measured) at the start of each round. Returns each work's last result and
    its timing (the queries are those of its last run)."""
    for _ in range(WARM_UP):
        before()
        for work in works:
            work()
    runs: list[list[Run]] = [[] for _ in works]
    results: list[Any] = [None for _ in works]
    for _ in range(repeats):
        before()
        for index, work in enumerate(works):
            results[index], run = measure(work)
            runs[index].append(run)
    return [
        (result, timing([r.seconds for r in measured], measured[-1].queries if measured else 0))
        for result, measured in zip(results, runs, strict=True)
    ]


# -- loading (PostgreSQL) --------------------------------------------------------------------


def copy_rows(model: Any, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` (values in the order of ``names``, which include ``id``) into ``model``."""
    from django.db import connection

    columns = ", ".join(model._meta.get_field(name).column for name in names)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def reset_sequence(model: Any) -> None:
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (our names)
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def vacuum_analyse(models: Iterable[Any]) -> None:
    """Vacuum the tables of ``models`` (visibility maps) and analyse every table, as autovacuum
    would."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM {model._meta.db_table}")
        cursor.execute("ANALYZE")


def scale_argument(parser: argparse.ArgumentParser | argparse._ArgumentGroup, cities: int) -> None:
    """``--scale``: the share of the country's kab/kota a national benchmark builds."""
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help=f"share of the {cities} kab/kota to build (each keeps its shape); default 1",
    )
