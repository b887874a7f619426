"""Benchmark of the KLA scores (issues #3 and #13): every score of 514 kab/kota against a
300-question instrument, and one city (the work of the cycle page), through Layak's path
(``selectors.cycle_scorecard``: seven queries, then the exact sums in Python) against the same
totals computed by one SQL aggregate in the same run.

The data are synthetic and built directly with ``bulk_create`` in a throwaway database: 514
cities (``--cities`` for a quick run), an instrument of 7 groups, 30 indicators and 300
city-level questions worth 3 or 4 whole points (1000 in all), the 3-point ones with the quarter
options 0, 1/4, 1/2, 3/4, 1 and the 4-point ones with 0, 1/3, 1/2, 2/3, 1 (stored as numerator
and denominator, issue #13), and one cycle per city with one answer per question (154,200
answers): random options, a few left empty, some verified one option lower.

Layak adds exact fractions and rounds once, halves up; the aggregate sums
``max_points * numerator / denominator`` (floating point on SQLite, numeric on PostgreSQL).
Every total is a multiple of 1/12, never within 1/600 of a half cent, so both must agree to
the cent; a difference is printed as MISMATCH and the run exits 1. Times are printed, never
asserted.

Database: ``DATABASE_URL`` if set (it must hold no Layak data; the benchmark empties it again at
the end), otherwise a temporary SQLite file. Run with ``python -m bench`` or
``python -m bench.scoring``.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from bench.common import (
    Run,
    environment,
    measure,
    report_mismatches,
    seconds_text,
    throwaway_database,
)

CITIES = 514
PROVINCES = 38
#: Indicators per group (Kelembagaan, Klaster I-V, Kecamatan/Kelurahan Layak Anak): 30 in all.
GROUP_SIZES = (5, 4, 4, 5, 4, 4, 4)
QUESTIONS_PER_INDICATOR = 10
#: The options of a question by its points: quarters of 3 points, thirds and a half of 4.
SHARES = {
    3: ("0", "1/4", "1/2", "3/4", "1"),
    4: ("0", "1/3", "1/2", "2/3", "1"),
}
#: Share of answers without an option, and of answered ones the verifier has judged.
EMPTY_SHARE = 0.05
VERIFIED_SHARE = 0.4
SINGLE_CITY_REPEATS = 20
BATCH_SIZE = 2000
SEED = 2024
ZERO = Decimal(0)

T = TypeVar("T")
#: Self-assessed and verified total per cycle: exact fractions from Layak, decimals or floats
#: from the SQL aggregate.
Totals = dict[int, tuple[Fraction | Decimal | float, Fraction | Decimal | float]]


def build_world(rng: random.Random, city_count: int = CITIES) -> int:
    """Regions, instrument, cycles and answers; returns the answer count."""
    from layak.evaluations.models import (
        SHARE_ORDER,
        Answer,
        AnswerOption,
        AnswerStatus,
        Band,
        Cycle,
        Indicator,
        IndicatorGroup,
        Instrument,
        Question,
        QuestionScope,
    )
    from layak.regions.models import Region, RegionLevel

    Region.objects.bulk_create(
        Region(code=f"{11 + p}", level=RegionLevel.PROVINSI, name=f"Provinsi {11 + p}")
        for p in range(PROVINCES)
    )
    province_pk = dict(Region.objects.filter(level=RegionLevel.PROVINSI).values_list("code", "pk"))
    cities = []
    for i in range(city_count):
        province, number = f"{11 + i % PROVINCES}", i // PROVINCES + 1
        kota = number > 10
        cities.append(
            Region(
                code=f"{province}.{number:02d}",
                level=RegionLevel.KOTA if kota else RegionLevel.KABUPATEN,
                name=f"{'Kota' if kota else 'Kabupaten'} {province}.{number:02d}",
                parent_id=province_pk[province],
            )
        )
    Region.objects.bulk_create(cities, batch_size=BATCH_SIZE)

    instrument = Instrument.objects.create(
        year=2025,
        name="Instrumen benchmark (300 pertanyaan)",
        source="bench/scoring.py",
        total_points=Decimal(1000),
    )
    IndicatorGroup.objects.bulk_create(
        IndicatorGroup(instrument=instrument, code=f"G{g + 1}", name=f"Kelompok {g + 1}", order=g)
        for g in range(len(GROUP_SIZES))
    )
    group_pk = dict(IndicatorGroup.objects.filter(instrument=instrument).values_list("order", "pk"))
    # 100 questions of 4 points and 200 of 3: 1000 points.
    points: list[list[Decimal]] = []
    indicators: list[Indicator] = []
    for group, size in enumerate(GROUP_SIZES):
        for _ in range(size):
            k = len(indicators)
            points.append(
                [
                    Decimal(4 if (k * QUESTIONS_PER_INDICATOR + m) % 3 == 0 else 3)
                    for m in range(QUESTIONS_PER_INDICATOR)
                ]
            )
            indicators.append(
                Indicator(
                    instrument=instrument,
                    group_id=group_pk[group],
                    code=str(k + 1),
                    name=f"Indikator {k + 1}",
                    max_points=sum(points[k], ZERO),
                    order=k,
                )
            )
    Indicator.objects.bulk_create(indicators)
    indicator_pk = dict(Indicator.objects.filter(instrument=instrument).values_list("order", "pk"))
    Question.objects.bulk_create(
        (
            Question(
                instrument=instrument,
                indicator_id=indicator_pk[k],
                code=f"{k + 1}.{m + 1:02d}",
                text=f"Pertanyaan benchmark {k + 1}.{m + 1:02d}",
                max_points=max_points,
                scope=QuestionScope.CITY,
                order=m,
            )
            for k, row in enumerate(points)
            for m, max_points in enumerate(row)
        ),
        batch_size=BATCH_SIZE,
    )
    question_points = dict(
        Question.objects.filter(instrument=instrument)
        .order_by("pk")
        .values_list("pk", "max_points")
    )
    question_pks = list(question_points)
    AnswerOption.objects.bulk_create(
        (
            _option(pk, share)
            for pk, max_points in question_points.items()
            for share in SHARES[int(max_points)]
        ),
        batch_size=BATCH_SIZE,
    )
    options_of: dict[int, list[int]] = {pk: [] for pk in question_pks}
    for pk, question_id in (
        AnswerOption.objects.filter(question__instrument=instrument)
        .order_by("question_id", SHARE_ORDER, "pk")
        .values_list("pk", "question_id")
    ):
        options_of[question_id].append(pk)
    Band.objects.bulk_create(
        Band(
            instrument=instrument,
            code=code,
            name=code.title(),
            min_points=Decimal(low),
            max_points=Decimal(high),
            order=order,
        )
        for order, (code, low, high) in enumerate(
            [
                ("pratama", 500, 600),
                ("madya", 601, 700),
                ("nindya", 701, 800),
                ("utama", 801, 900),
                ("kla", 901, 1000),
            ]
        )
    )

    Cycle.objects.bulk_create(
        (
            Cycle(
                region_id=pk,
                instrument=instrument,
                year=2025,
                answer_deadline=datetime.date(2025, 3, 31),
                review_deadline=datetime.date(2025, 4, 15),
                submission_deadline=datetime.date(2025, 4, 30),
            )
            for pk in Region.objects.filter(parent__isnull=False).values_list("pk", flat=True)
        ),
        batch_size=BATCH_SIZE,
    )
    count = 0
    batch: list[Answer] = []
    for cycle_pk in Cycle.objects.order_by("pk").values_list("pk", flat=True):
        for question_pk in question_pks:
            options = options_of[question_pk]
            answer = Answer(cycle_id=cycle_pk, question_id=question_pk)
            if rng.random() >= EMPTY_SHARE:
                index = rng.randrange(len(options))
                answer.option_id = options[index]
                answer.status = AnswerStatus.SUBMITTED
                if rng.random() < VERIFIED_SHARE:
                    lower = 1 if index > 0 and rng.random() < 0.25 else 0
                    answer.verified_option_id = options[index - lower]
                    answer.status = AnswerStatus.ACCEPTED
            batch.append(answer)
        if len(batch) >= BATCH_SIZE:
            Answer.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            count += len(batch)
            batch = []
    Answer.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    return count + len(batch)


def _option(question_pk: int, share: str) -> Any:
    """An option worth exactly ``share`` ("1/3") of its question's maximum."""
    from layak.evaluations.models import AnswerOption

    exact = Fraction(share)
    return AnswerOption(
        question_id=question_pk,
        numerator=exact.numerator,
        denominator=exact.denominator,
        label=f"Opsi {share}",
    )


def layak_totals(cycles: list[Any]) -> Totals:
    """Layak's path: the full scorecard of every cycle, as the pages, exports and API build it."""
    from layak.evaluations.selectors import cycle_scorecard

    totals: Totals = {}
    for cycle in cycles:
        _, card = cycle_scorecard(cycle)
        totals[cycle.pk] = (card.total.self_points, card.total.verified_points)
    return totals


def _points(option: str) -> Any:
    """SUM(question.max_points * option.numerator / option.denominator): a city question's
    points (no areas here). SQLite keeps whole ``max_points`` as integers and would divide
    integers, so there the denominator is read as a float; PostgreSQL divides numerics."""
    from django.db import connection
    from django.db.models import DecimalField, F, FloatField, Sum
    from django.db.models.functions import Cast

    denominator: Any = F(f"{option}__denominator")
    if connection.vendor == "sqlite":
        denominator = Cast(denominator, FloatField())
        output: Any = FloatField()
    else:
        output = DecimalField(max_digits=30, decimal_places=16)
    return Sum(
        F("question__max_points") * F(f"{option}__numerator") / denominator,
        output_field=output,
    )


def reference_totals(cycle: Any = None) -> Totals:
    """The reference: the self and verified totals of every cycle (or one) in one query."""
    from layak.evaluations.models import Answer

    answers = Answer.objects.all() if cycle is None else Answer.objects.filter(cycle=cycle)
    rows = (
        answers.order_by()
        .values("cycle_id")
        .annotate(self_points=_points("option"), verified_points=_points("verified_option"))
    )
    return {
        row["cycle_id"]: (row["self_points"] or ZERO, row["verified_points"] or ZERO)
        for row in rows
    }


def _cents(value: Fraction | Decimal | float) -> str:
    """A total to the cent by the one display rule (halves up), from its exact value."""
    from layak.core.formatting import round_score

    return str(round_score(Decimal(value) if isinstance(value, float) else value))


def mismatches(layak: Totals, reference: Totals) -> list[str]:
    """Cycles whose totals differ to the cent (a correctness check, not a timing one)."""
    lines = []
    for pk in sorted(set(layak) | set(reference)):
        ours = "/".join(_cents(v) for v in layak.get(pk, (ZERO, ZERO)))
        theirs = "/".join(_cents(v) for v in reference.get(pk, (ZERO, ZERO)))
        if ours != theirs:
            lines.append(f"cycle {pk}: Layak self/verified {ours} != SQL {theirs}")
    return lines


def median_run(work: Callable[[], T], repeats: int) -> tuple[T, Run]:
    runs = [measure(work) for _ in range(repeats)]
    result = runs[-1][0]
    return result, Run(
        statistics.median(r.seconds for _, r in runs),
        round(statistics.median(r.queries for _, r in runs)),
    )


def run(city_count: int = CITIES) -> int:
    from django.db import transaction

    from layak.evaluations.models import Cycle

    start = time.perf_counter()
    with transaction.atomic():
        answer_count = build_world(random.Random(SEED), city_count)
    setup = time.perf_counter() - start
    cycles = list(Cycle.objects.select_related("region", "instrument").order_by("region__code"))
    questions = answer_count // len(cycles)
    print(f"Scoring benchmark (issues #3, #13): {environment()}")
    print(
        f"  {len(cycles)} cities x {questions} questions = {answer_count} answers; "
        f"setup {seconds_text(setup)} (not measured)"
    )

    all_layak, all_layak_run = measure(lambda: layak_totals(cycles))
    all_ref, all_ref_run = measure(reference_totals)
    errors = mismatches(all_layak, all_ref)

    city = cycles[len(cycles) // 2]
    one_layak, one_layak_run = median_run(lambda: layak_totals([city]), SINGLE_CITY_REPEATS)
    one_ref, one_ref_run = median_run(lambda: reference_totals(city), SINGLE_CITY_REPEATS)
    errors += mismatches(one_layak, one_ref)

    rows = [
        (f"all {len(cycles)} cities", all_layak_run, all_ref_run),
        (f"one city (median of {SINGLE_CITY_REPEATS})", one_layak_run, one_ref_run),
    ]
    header = ("scenario", "Layak time", "queries", "SQL time", "queries", "ratio")
    print(
        f"  {header[0]:<26}{header[1]:>12}{header[2]:>9}{header[3]:>11}{header[4]:>9}{header[5]:>9}"
    )
    for name, ours, theirs in rows:
        print(
            f"  {name:<26}{seconds_text(ours.seconds):>12}{ours.queries:>9}"
            f"{seconds_text(theirs.seconds):>11}{theirs.queries:>9}"
            f"{ours.seconds / theirs.seconds:>8.1f}x"
        )
    totals = sorted(v[0] for v in all_layak.values())
    print(
        f"  Layak per city: {seconds_text(all_layak_run.seconds / len(cycles))}, "
        f"{all_layak_run.queries / len(cycles):.1f} queries; self totals "
        f"{_cents(totals[0])}-{_cents(totals[-1])} points; ratio = Layak time / SQL time"
    )
    if errors:
        return report_mismatches(errors, "cycle totals differ from the SQL aggregate", most=10)
    print(f"  totals agree to the cent for all {len(all_layak)} cities")
    return 0


def add_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--cities",
        type=int,
        default=CITIES,
        help=f"kab/kota scored (one cycle each); default {CITIES}",
    )


def main(city_count: int = CITIES) -> int:
    return throwaway_database(
        lambda: run(city_count),
        holds_data=("regions.Region", "evaluations.Instrument", "accounts.User"),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.scoring")
    add_arguments(parser)
    sys.exit(main(parser.parse_args().cities))
