"""Benchmark of ``layak reencrypt`` on the national synthetic case data (issue #11), PostgreSQL
only.

Data: the case benchmark's (``bench/cases.py``: 514 synthetic kab/kota, by default 1,000,000
victims in about 800,000 cases), every encrypted column written under the key
``bench-old-key``. Then ``bench-new-key`` is put first in ``LAYAK_ENCRYPTION_KEYS`` and
``layak reencrypt --no-files`` moves every case and victim row under it (files are not part of
the data set).

Measured, in the same run:

* **Layak**: the command, end to end (read a batch with ``SELECT ... FOR UPDATE``, decrypt
  every value with the old key, encrypt it with the new one, ``UPDATE`` each row), as rows
  re-encrypted per second and values per second;
* **reference, cryptography**: a plain loop of Fernet ``decrypt`` then ``encrypt`` of the same
  number of values, nothing else: the floor the cryptography alone sets;
* **reference, database**: ``UPDATE <table> SET <every encrypted column> = <itself>`` of the
  same rows in one statement per table: what writing the rows costs at best.

Correctness: afterwards every encrypted value must be under the new key (``reencrypt --report``
reports 0 on another key) and a sample of victims must decrypt, with only the new key, to the
values the generator wrote; otherwise the run prints MISMATCH and exits 1.

Run with ``python -m bench reencrypt [--victims N]`` or ``python -m bench.reencrypt``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from io import StringIO

from bench.cases import SEED, VICTIMS, build_cases, build_regions_and_people, ensure_lookups
from bench.common import environment, report_mismatches, throwaway_database, vacuum_analyse

OLD_KEY = "bench-old-key"
NEW_KEY = "bench-new-key"
BATCH = 1000
SAMPLE = 200


def _per_second(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "n/a"


def run(victims: int) -> int:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings
    from django.utils import timezone

    from layak.cases.models import Case, Victim
    from layak.core import crypto

    rng = random.Random(SEED)
    today = timezone.localdate()
    start = time.perf_counter()
    with override_settings(LAYAK_ENCRYPTION_KEYS=[OLD_KEY]), transaction.atomic():
        ensure_lookups()
        world = build_regions_and_people()
        build_cases(world, victims, rng, today)
    vacuum_analyse([Case, Victim])
    setup = time.perf_counter() - start
    print(f"Re-encryption benchmark (issue #11): {environment()}")
    models = list(crypto.encrypted_fields())
    rows = {model._meta.label: model._base_manager.count() for model, _fields in models}
    total_rows = sum(rows.values())
    values = 0
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, fields in models:
            for field in fields:
                cursor.execute(
                    f"SELECT COUNT({quote(field.column)}) FROM {quote(model._meta.db_table)}"  # noqa: S608
                )
                values += cursor.fetchone()[0]
    print(
        f"  {world.cases} cases, {world.victims} victims: {total_rows:,} rows with encrypted "
        f"columns, {values:,} encrypted values; setup {setup:.1f} s (not measured)"
    )

    with override_settings(LAYAK_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        out = StringIO()
        start = time.perf_counter()
        call_command("reencrypt", "--no-files", "--batch-size", str(BATCH), stdout=out)
        layak = time.perf_counter() - start
        report = StringIO()
        call_command("reencrypt", "--report", "--no-files", stdout=report)

    # Reference 1: the cryptography alone, on the same number of values.
    old = crypto._keyring((OLD_KEY,)).fernets[crypto._keyring((OLD_KEY,)).primary]
    new = crypto._keyring((NEW_KEY,)).fernets[crypto._keyring((NEW_KEY,)).primary]
    token = old.encrypt(b"Korban Sintetis 12345")
    start = time.perf_counter()
    for _ in range(values):
        new.encrypt(old.decrypt(token))
    fernet = time.perf_counter() - start

    # Reference 2: rewriting the same rows in one UPDATE per table.
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for model, fields in models:
            assignments = ", ".join(f"{quote(f.column)} = {quote(f.column)}" for f in fields)
            cursor.execute(f"UPDATE {quote(model._meta.db_table)} SET {assignments}")  # noqa: S608
    sql = time.perf_counter() - start

    print(f"  {'':44} {'time':>9} {'rows':>12} {'values':>12}")
    for label, seconds in (
        (f"layak reencrypt (batches of {BATCH})", layak),
        ("reference: Fernet decrypt+encrypt loop", fernet),
        ("reference: one SQL UPDATE per table", sql),
    ):
        print(
            f"  {label:44} {seconds:8.2f}s {_per_second(total_rows, seconds):>12} "
            f"{_per_second(values, seconds):>12}"
        )
    print(
        f"  ratio: reencrypt / (Fernet loop + SQL UPDATE) = {layak / max(fernet + sql, 1e-9):.2f}"
    )

    errors: list[str] = []
    if "0 values or files use another key" not in report.getvalue():
        errors.append("values left on the old key:\n" + report.getvalue())
    with override_settings(LAYAK_ENCRYPTION_KEYS=[NEW_KEY]):
        for victim in Victim.objects.order_by("?")[:SAMPLE]:
            if not (victim.name or "").startswith("Korban Sintetis"):
                errors.append(f"victim {victim.pk}: name does not decrypt to the generated one")
    if errors:
        return report_mismatches(errors, "re-encryption results are wrong", most=5)
    print(f"  every value is under the new key; {SAMPLE} sampled victims decrypt with it alone")
    return 0


def add_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--victims", type=int, default=VICTIMS, help=f"victims in all; default {VICTIMS:,}"
    )


def main(victims: int = VICTIMS) -> int:
    return throwaway_database(
        lambda: run(victims),
        holds_data=("regions.Region", "accounts.User", "cases.Case"),
        postgres_only="Re-encryption benchmark",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m bench.reencrypt", description=__doc__.split("\n")[0]
    )
    add_arguments(parser)
    sys.exit(main(parser.parse_args(sys.argv[1:]).victims))
