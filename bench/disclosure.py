"""Benchmark of disclosure control (issue #12): suppress and audit every linked table of a
city-year, of the country's 514 kab/kota, and of the national roll-up above them.

Data (synthetic, ``random.Random(SEED)``): cases drawn onto kelurahan with a skewed rate (a
gamma weight of shape 0.5 per kelurahan: many kelurahan with 0-4 cases, a few with dozens), 3 %
of cases without a known kelurahan, 10 % of online harm, a quarter with two victims; each
victim has a sex, an age group (5 % unknown) and one form of violence (6 % two, 2 % none
recorded); months uniform. The linked tables of a city-year are those the case statistics
publish: cases, online cases and victims by kelurahan, kecamatan and city (cases = online +
offline, the difference a cell of its own; cases <= victims per area); victims and cases by form
(a cover: several forms per victim), sex, age group (with an unpublished unknown) and month
(adding up to the year). They are built by ``layak.cases.statistics.linked_from_counts``, the
builder the pages use, or with ``--own-builder`` by :func:`own_linked`.

Scenarios:

* one city-year in Balikpapan's shape (6 kecamatan, 34 kelurahan, read from
  ``layak/regions/data/balikpapan-regions.csv``) with 195 cases, Balikpapan's rate;
* the country: 514 kab/kota in the 38 provinces of ``provinces.csv`` with 7,300 synthetic
  kecamatan and 83,000 kelurahan (the repository bundles no national list) split unevenly
  (5-23 kecamatan a city and 4-19 kelurahan a kecamatan, before scaling), cases per city-year
  log-normal (median 40); ``--scale`` builds that share of the cities (and of the areas);
* the national roll-up: cases, online cases and victims of every kab/kota adding up to its
  province and the provinces to the nation, first protected apart (to show how two levels
  protected apart disagree on the city totals), then both levels protected together with
  tau-Argus's modular method: a city total hidden at one level is hidden at the other and the
  level re-protected, until stable; then each city with hidden totals is audited with the
  roll-up as one set, the attacker knowing every other city's totals, and protected so where it
  is short; finally the roll-up and every such city as ONE linked set (up to
  ``FULL_JOINT_CITIES`` cities; above, the pair audits are the proof).

Measured for each: building the :class:`~layak.core.disclosure.Linked` set from the counts,
:func:`~layak.core.disclosure.protect` and the attacker
(:func:`~layak.core.disclosure.attack` over every hidden cell, then
:func:`~layak.core.disclosure.shortfalls`). The reference, in the same run: computing the tables
themselves, the GROUP BY queries over the synthetic case, victim and form rows in temporary
tables (an in-memory SQLite database, or the PostgreSQL database of ``DATABASE_URL``), summed to
kecamatan and city in Python. Information loss is the cells hidden and their share of the
published count.

**Correctness:** the aggregation must equal the counts the tables were built from, and the
attacker must find no shortfall; otherwise the run prints MISMATCH and exits 1. Times are
printed, never asserted.

Run with ``python -m bench disclosure [--scale F]`` or ``python -m bench.disclosure``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import math
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bench.common import (
    configure_django,
    environment,
    report_mismatches,
    scale_argument,
    seconds_text,
)

SEED = 2026
CITIES = 514
#: Kecamatan and kelurahan/desa of the country (about; the repository bundles no list).
KECAMATAN = 7_300
KELURAHAN = 83_000
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "layak/regions/data"
#: Balikpapan's cases a year (as in the ``cases`` benchmark).
BALIKPAPAN_CASES = 195
YEAR = 2025
NATION = "ID"

UNKNOWN = "-"  # the unpublished rest of a breakdown (as in layak.cases.statistics)
UNPLACED = "-"  # cases without a known kelurahan count for the city only
FORMS = {
    "seksual": 52,
    "fisik": 28,
    "psikis": 10,
    "trafficking": 4,
    "penelantaran": 3,
    "eksploitasi": 2,
    "lainnya": 1,
}
SEXES = {"F": 62, "M": 38}
AGES = {"0-5": 15, "6-12": 35, "13-17": 50}
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]

Key = tuple[str, str, str]
T = TypeVar("T")

#: Measured runs of the one city-year (protect and audit; its SQL) and of the country's SQL.
ONE_CITY_REPEATS = 5
ONE_CITY_SQL_REPEATS = 20
COUNTRY_SQL_REPEATS = 5
#: The joint audit of the roll-up with every city whose shared cells are hidden, as one set,
#: up to this many such cities (about --scale 0.1); above, one city at a time with the roll-up.
FULL_JOINT_CITIES = 60


# -- shapes and rows -------------------------------------------------------------------------


@dataclass
class Shape:
    """A kab/kota: its code, its province and kecamatan code -> kelurahan codes."""

    code: str
    province: str
    kelurahan_of: dict[str, list[str]]

    @property
    def kelurahan(self) -> list[str]:
        return [k for kels in self.kelurahan_of.values() for k in kels]


def balikpapan() -> Shape:
    with (DATA / "balikpapan-regions.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    city = next(r for r in rows if r["level"] in ("kota", "kabupaten"))
    kelurahan_of: dict[str, list[str]] = {r["code"]: [] for r in rows if r["level"] == "kecamatan"}
    for r in rows:
        if r["level"] in ("kelurahan", "desa"):
            kelurahan_of[r["parent_code"]].append(r["code"])
    return Shape(city["code"], city["parent_code"], kelurahan_of)


def allot(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), at least 1 each."""
    whole = sum(weights)
    shares = [max(1.0, total * w / whole) for w in weights]
    parts = [math.floor(x) for x in shares]
    order = sorted(range(len(shares)), key=lambda i: parts[i] - shares[i])
    for i in order[: max(0, total - sum(parts))]:
        parts[i] += 1
    return parts


def national(scale: float, rng: random.Random) -> list[Shape]:
    """``scale`` of the 514 kab/kota, spread over the 38 real province codes, with that share
    of the country's kecamatan and kelurahan split unevenly between them (a city 5-23
    kecamatan before scaling, a kecamatan 4-19 kelurahan)."""
    with (DATA / "provinces.csv").open(encoding="utf-8") as f:
        provinces = [r["code"] for r in csv.DictReader(f)]
    count = max(2, round(CITIES * scale))
    per_city = allot(round(KECAMATAN * count / CITIES), [rng.randint(5, 23) for _ in range(count)])
    per_kecamatan = iter(
        allot(round(KELURAHAN * count / CITIES), [rng.randint(4, 19) for _ in range(sum(per_city))])
    )
    shapes = []
    for i in range(count):
        province = provinces[i % len(provinces)]
        code = f"{province}.{i // len(provinces) + 1:02d}"
        kelurahan_of = {}
        for k in range(1, per_city[i] + 1):
            kec = f"{code}.{k:02d}"
            kelurahan_of[kec] = [f"{kec}.{2000 + j}" for j in range(1, next(per_kecamatan) + 1)]
        shapes.append(Shape(code, province, kelurahan_of))
    return shapes


@dataclass
class Rows:
    """Case, victim and form rows, as the case tables would hold them."""

    cases: list[tuple[int, str, str | None, str, int]] = field(default_factory=list)
    victims: list[tuple[int, int, str, str | None]] = field(default_factory=list)
    forms: list[tuple[int, str]] = field(default_factory=list)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def draw(shape: Shape, cases: int, rng: random.Random, into: Rows) -> None:
    """``cases`` cases of one city-year with their victims and forms, appended to ``into``."""
    kelurahan = shape.kelurahan
    weights = [rng.gammavariate(0.5, 1.0) for _ in kelurahan]
    for _ in range(cases):
        case_id = len(into.cases) + 1
        where = None if rng.random() < 0.03 else rng.choices(kelurahan, weights=weights)[0]
        into.cases.append(
            (case_id, shape.code, where, rng.choice(MONTHS), int(rng.random() < 0.10))
        )
        for _victim in range(2 if rng.random() < 0.25 else 1):
            victim_id = len(into.victims) + 1
            age = None if rng.random() < 0.05 else _pick(rng, AGES)
            into.victims.append((victim_id, case_id, _pick(rng, SEXES), age))
            chance = rng.random()
            forms = 0 if chance < 0.02 else (2 if chance < 0.08 else 1)
            chosen: set[str] = set()
            while len(chosen) < forms:
                chosen.add(_pick(rng, FORMS))
            into.forms.extend((victim_id, form) for form in sorted(chosen))


# -- counts and the linked tables ------------------------------------------------------------


@dataclass
class Counts:
    """One city-year's counts, in the shape of ``layak.cases.statistics.CaseCounts``."""

    city: str
    kelurahan_of: dict[str, list[str]]
    areas: dict[str, dict[str, int]] = field(default_factory=dict)
    categories: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


def _add(into: dict[str, int], key: str, n: int = 1) -> None:
    into[key] = into.get(key, 0) + n


def counts_of(
    shape: Shape,
    area_rows: Iterable[tuple[str | None, int, int, int]],
    category_rows: Iterable[tuple[str, str, str, int]],
) -> Counts:
    """Counts from per-kelurahan rows ``(kelurahan or None, cases, online, victims)`` and
    per-category rows ``(unit, dimension, category, count)``: unknown rests, zeros and months
    filled in as ``layak.cases.statistics.case_counts`` fills them."""
    known = set(shape.kelurahan)
    areas: dict[str, dict[str, int]] = {"cases": {}, "online": {}, "victims": {}}
    for kel, n, online, victims in area_rows:
        where = kel if kel in known else UNPLACED
        _add(areas["cases"], where, n)
        _add(areas["online"], where, online)
        _add(areas["victims"], where, victims)
    total = {unit: sum(per.values()) for unit, per in areas.items()}
    found: dict[tuple[str, str], dict[str, int]] = {}
    for unit, dimension, category, n in category_rows:
        found.setdefault((unit, dimension), {})[category] = n
    cats: dict[tuple[str, str], dict[str, int]] = {}
    for unit in ("victims", "cases"):
        for dimension, names in (("form", FORMS), ("sex", SEXES), ("age_group", AGES)):
            got = found.get((unit, dimension), {})
            cats[(unit, dimension)] = {name: got.get(name, 0) for name in names}
        cats[(unit, "month")] = {m: found.get((unit, "month"), {}).get(m, 0) for m in MONTHS}
    # The unpublished rests: victims without a form or an age group; cases with no victim of
    # a form, sex or age group (the "any" rows count the cases that have one).
    cats[("victims", "form")][UNKNOWN] = total["victims"] - found.get(
        ("victims", "form_any"), {}
    ).get("", 0)
    cats[("victims", "age_group")][UNKNOWN] = total["victims"] - sum(
        cats[("victims", "age_group")][a] for a in AGES
    )
    for dimension in ("form", "sex", "age_group"):
        any_of = found.get(("cases", f"{dimension}_any"), {}).get("", 0)
        cats[("cases", dimension)][UNKNOWN] = total["cases"] - any_of
    return Counts(shape.code, shape.kelurahan_of, areas, cats)


def python_counts(shape: Shape, rows: Rows) -> Counts:
    """The counts drawn (what the tables must hold), counted in plain Python."""
    case_of = {c[0]: c for c in rows.cases if c[1] == shape.code}
    per_kel: dict[str | None, list[int]] = {}
    for _id, _city, kel, _month, online in case_of.values():
        entry = per_kel.setdefault(kel, [0, 0, 0])
        entry[0] += 1
        entry[1] += online
    victim_of = {}
    cat: dict[tuple[str, str, str], set[int]] = {}

    def put(unit: str, dimension: str, category: str, member: int) -> None:
        cat.setdefault((unit, dimension, category), set()).add(member)

    for victim_id, case_id, sex, age in rows.victims:
        case = case_of.get(case_id)
        if case is None:
            continue
        victim_of[victim_id] = case
        per_kel.setdefault(case[2], [0, 0, 0])[2] += 1
        for dimension, category in (("sex", sex), ("age_group", age), ("month", case[3])):
            if category is not None:
                put("victims", dimension, category, victim_id)
                put("cases", dimension, category, case_id)
                if dimension != "month":
                    put("cases", f"{dimension}_any", "", case_id)
    for victim_id, form in rows.forms:
        case = victim_of.get(victim_id)
        if case is not None:
            put("victims", "form", form, victim_id)
            put("cases", "form", form, case[0])
            put("victims", "form_any", "", victim_id)
            put("cases", "form_any", "", case[0])
    return counts_of(
        shape,
        ((kel, *entry) for kel, entry in per_kel.items()),  # type: ignore[misc]
        ((u, d, c, len(members)) for (u, d, c), members in cat.items()),
    )


def own_linked(counts: Counts) -> Any:
    """The linked tables declared here (the fallback when the cases builder is missing)."""
    from layak.core.disclosure import Linked

    t = Linked()
    city = counts.city

    def area(unit: str, code: str) -> Key:
        return (unit, "area", code)

    for unit in ("cases", "online", "victims"):
        per = counts.areas[unit]
        kecamatan = []
        for kec, kels in sorted(counts.kelurahan_of.items()):
            parts = [t.cell(area(unit, kel), per.get(kel, 0)) for kel in sorted(kels)]
            kecamatan.append(t.cell(area(unit, kec), sum(t.values[p] for p in parts)))
            t.add_sum(kecamatan[-1], parts)
        rest = t.cell(area(unit, UNPLACED), per.get(UNPLACED, 0), published=False)
        total = t.cell(area(unit, city), sum(t.values[p] for p in [*kecamatan, rest]))
        t.add_sum(total, [*kecamatan, rest])
    for code in [city, UNPLACED, *(c for k, ks in counts.kelurahan_of.items() for c in [k, *ks])]:
        # Cases outside the online ones are a difference anyone can take: a cell of its own.
        offline = t.cell(
            area("offline", code),
            t.values[area("cases", code)] - t.values[area("online", code)],
            published=code != UNPLACED,
        )
        t.add_sum(area("cases", code), [area("online", code), offline])
        t.add_below(area("cases", code), area("victims", code))
    for (unit, dimension), per_category in sorted(counts.categories.items()):
        parts = [
            t.cell((unit, dimension, c), n, published=c != UNKNOWN)
            for c, n in sorted(per_category.items())
        ]
        if dimension == "form" or (unit == "cases" and dimension != "month"):
            t.add_cover(area(unit, city), parts)
        else:
            t.add_sum(area(unit, city), parts)
    for (unit, dimension), per_category in sorted(counts.categories.items()):
        victims = counts.categories.get(("victims", dimension), {})
        for c, n in sorted(per_category.items()):
            if unit == "cases" and c in victims and n <= victims[c]:
                t.add_below((unit, dimension, c), ("victims", dimension, c))
    return t


def builder(own: bool = False) -> tuple[str, Callable[[Counts], Any]]:
    """The cases app's builder (``layak.cases.statistics.linked_from_counts``) when it is
    there, else (or with ``own``) :func:`own_linked`."""
    if own:
        return "bench/disclosure.py's own builder (--own-builder)", own_linked
    try:
        from layak.cases.statistics import CaseCounts, linked_from_counts
    except ImportError:
        return "bench/disclosure.py's own builder (layak.cases.statistics missing)", own_linked

    def build(counts: Counts) -> Any:
        return linked_from_counts(
            CaseCounts(
                city=counts.city,
                kelurahan_of=counts.kelurahan_of,
                areas=counts.areas,
                categories=counts.categories,
            )
        )

    return "layak.cases.statistics.linked_from_counts", build


# -- the reference: computing the tables in SQL ----------------------------------------------

CREATE = [
    "CREATE TEMPORARY TABLE bench_case (id integer PRIMARY KEY, city varchar(16) NOT NULL, "
    "kecamatan varchar(16), kelurahan varchar(24), month varchar(7) NOT NULL, "
    "online integer NOT NULL)",
    "CREATE TEMPORARY TABLE bench_victim (id integer PRIMARY KEY, case_id integer NOT NULL, "
    "sex varchar(1) NOT NULL, age varchar(8))",
    "CREATE TEMPORARY TABLE bench_form (victim_id integer NOT NULL, form varchar(16) NOT NULL)",
]
INDEXES = [
    "CREATE INDEX bench_case_city ON bench_case (city)",
    "CREATE INDEX bench_victim_case ON bench_victim (case_id)",
    "CREATE INDEX bench_form_victim ON bench_form (victim_id)",
]

#: Per kelurahan: cases, online cases and victims.
AREA_SQL = """
SELECT c.city, c.kelurahan, COUNT(*), SUM(c.online), SUM(v.n)
FROM bench_case c
JOIN (SELECT case_id, COUNT(*) AS n FROM bench_victim GROUP BY case_id) v ON v.case_id = c.id
{where}
GROUP BY c.city, c.kelurahan
"""

#: Victims and cases by sex, age group and month (and the cases with a known sex/age).
CATEGORY_SQL = """
SELECT c.city, 'sex', v.sex, COUNT(*), COUNT(DISTINCT c.id)
FROM bench_victim v JOIN bench_case c ON c.id = v.case_id {where} GROUP BY c.city, v.sex
UNION ALL
SELECT c.city, 'age_group', v.age, COUNT(*), COUNT(DISTINCT c.id)
FROM bench_victim v JOIN bench_case c ON c.id = v.case_id
{where_and} v.age IS NOT NULL GROUP BY c.city, v.age
UNION ALL
SELECT c.city, 'month', c.month, COUNT(*), COUNT(DISTINCT c.id)
FROM bench_victim v JOIN bench_case c ON c.id = v.case_id {where} GROUP BY c.city, c.month
UNION ALL
SELECT c.city, 'form', f.form, COUNT(DISTINCT v.id), COUNT(DISTINCT c.id)
FROM bench_form f JOIN bench_victim v ON v.id = f.victim_id JOIN bench_case c ON c.id = v.case_id
{where} GROUP BY c.city, f.form
UNION ALL
SELECT c.city, 'form_any', '', COUNT(DISTINCT v.id), COUNT(DISTINCT c.id)
FROM bench_form f JOIN bench_victim v ON v.id = f.victim_id JOIN bench_case c ON c.id = v.case_id
{where} GROUP BY c.city
UNION ALL
SELECT c.city, 'sex_any', '', 0, COUNT(DISTINCT c.id)
FROM bench_victim v JOIN bench_case c ON c.id = v.case_id {where} GROUP BY c.city
UNION ALL
SELECT c.city, 'age_group_any', '', 0, COUNT(DISTINCT c.id)
FROM bench_victim v JOIN bench_case c ON c.id = v.case_id
{where_and} v.age IS NOT NULL GROUP BY c.city
"""


class Sql:
    """Where the reference runs: an in-memory SQLite database (``sqlite3``), or the PostgreSQL
    database of ``DATABASE_URL`` through Django's connection (temporary tables only)."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.cursor: Any
        if postgres:
            from django.db import connection

            self.cursor = connection.cursor()
            self.name = environment()
        else:
            import django

            self.db = sqlite3.connect(":memory:")
            self.cursor = self.db.cursor()
            self.name = (
                f"SQLite {sqlite3.sqlite_version} (in memory), Python "
                f"{platform.python_version()}, Django {django.get_version()}, "
                f"{os.cpu_count()} CPUs"
            )

    def _text(self, statement: str) -> str:
        return statement if self.postgres else statement.replace("%s", "?")

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(self._text(statement), params)
        return list(self.cursor.fetchall()) if self.cursor.description else []

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self.cursor.executemany(self._text(statement), rows)

    def close(self) -> None:
        self.cursor.close()
        if not self.postgres:
            self.db.close()


def load(sql: Sql, rows: Rows) -> None:
    for statement in CREATE:
        sql.execute(statement)
    sql.executemany(
        "INSERT INTO bench_case VALUES (%s, %s, %s, %s, %s, %s)",
        [
            (i, city, kel.rsplit(".", 1)[0] if kel else None, kel, month, online)
            for i, city, kel, month, online in rows.cases
        ],
    )
    sql.executemany("INSERT INTO bench_victim VALUES (%s, %s, %s, %s)", rows.victims)
    sql.executemany("INSERT INTO bench_form VALUES (%s, %s)", rows.forms)
    for statement in INDEXES:
        sql.execute(statement)
    for table in ("bench_case", "bench_victim", "bench_form"):
        sql.execute(f"ANALYZE {table}")


def unload(sql: Sql) -> None:
    for table in ("bench_form", "bench_victim", "bench_case"):
        sql.execute(f"DROP TABLE {table}")


def aggregate(sql: Sql, shapes: Sequence[Shape], city: str | None = None) -> dict[str, Counts]:
    """Every city's tables computed from the rows: the GROUP BY queries (one city, or all
    cities at once) and the sums to kecamatan and city."""
    where, where_and, params = "", "WHERE", []
    if city is not None:
        where, where_and = "WHERE c.city = %s", "WHERE c.city = %s AND"
    areas: dict[str, list[tuple[str | None, int, int, int]]] = {}
    categories: dict[str, list[tuple[str, str, str, int]]] = {}
    params = [city] if city else []
    for code, kel, n, online, victims in sql.execute(AREA_SQL.format(where=where), params):
        areas.setdefault(code, []).append((kel, int(n), int(online), int(victims)))
    for code, dimension, category, victims, cases in sql.execute(
        CATEGORY_SQL.format(where=where, where_and=where_and), params * 7
    ):
        found = categories.setdefault(code, [])
        if dimension.endswith("_any"):
            found.append(("cases", dimension, "", int(cases)))
            if dimension == "form_any":
                found.append(("victims", dimension, "", int(victims)))
        else:
            found.append(("victims", dimension, category, int(victims)))
            found.append(("cases", dimension, category, int(cases)))
    return {
        s.code: counts_of(s, areas.get(s.code, []), categories.get(s.code, []))
        for s in shapes
        if city is None or s.code == city
    }


# -- protecting and auditing -----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    name: str
    areas: int  # kelurahan (or kab/kota) in the tables
    cells: int
    published: int
    published_count: int
    primary: int
    hidden: int
    count_hidden: int
    share_hidden: float
    build: float
    protect: float
    audit: float
    cpu: float  # processor time of protect and audit (wall times include waiting for it)
    shortfalls: list[str]
    hidden_keys: frozenset[Any]
    shared: frozenset[Any] = frozenset()  # cells also in the other level (the city totals)


def protect_and_audit(
    name: str,
    build: Callable[[], Any],
    areas: int = 0,
    start: Iterable[Any] = (),
    shared_with: frozenset[Any] = frozenset(),
) -> Outcome:
    """Build, protect (``start``: cells hidden elsewhere, kept hidden here) and audit alone;
    ``shared``: the cells of ``shared_with`` the set holds."""
    from layak.core.disclosure import attack, protect, shortfalls

    began = time.perf_counter()
    linked = build()
    built = time.perf_counter()
    cpu = time.process_time()
    protected = protect(linked, start=start)
    protected_at = time.perf_counter()
    intervals = attack(linked, protected.hidden)
    short = shortfalls(linked, protected.hidden, intervals=intervals)
    audited = time.perf_counter()
    cpu = time.process_time() - cpu
    hidden, count, share = protected.loss
    return Outcome(
        name=name,
        areas=areas,
        cells=len(linked.values),
        published=len(linked.published),
        published_count=sum(linked.values[k] for k in linked.published),
        primary=len(protected.primary),
        hidden=hidden,
        count_hidden=count,
        share_hidden=share,
        build=built - began,
        protect=protected_at - built,
        audit=audited - protected_at,
        cpu=cpu,
        shortfalls=[str(s) for s in short],
        hidden_keys=protected.hidden,
        shared=shared_with & linked.values.keys(),
    )


def compare(name: str, expected: Counts, got: Counts | None) -> list[str]:
    if got is None:
        return [f"{name}: no rows from the aggregation"]
    errors = []
    for unit, per in expected.areas.items():
        if {k: v for k, v in per.items() if v} != {k: v for k, v in got.areas[unit].items() if v}:
            errors.append(f"{name}: {unit} by kelurahan differ")
    for pair, per in expected.categories.items():
        if per != got.categories.get(pair):
            errors.append(f"{name}: {pair[0]} by {pair[1]} differ")
    return errors


def _area(unit: str, code: str) -> Key:
    return (unit, "area", code)


def _parent(code: str) -> str | None:
    """kab/kota -> province -> nation ("ID")."""
    if code == NATION:
        return None
    return code.rsplit(".", 1)[0] if "." in code else NATION


def national_linked(shapes: Sequence[Shape], per_city: dict[str, Counts]) -> Any:
    """Cases, online cases and victims of every kab/kota adding up to its province and the
    provinces to the nation; online <= cases <= victims everywhere."""
    from layak.core.disclosure import Linked

    t = Linked()
    codes: list[str] = []
    for unit in ("cases", "online", "victims"):
        values: dict[str, int] = {}
        for shape in shapes:
            n = sum(per_city[shape.code].areas[unit].values())
            values[shape.code] = n
            values[shape.province] = values.get(shape.province, 0) + n
        values[NATION] = sum(v for code, v in values.items() if "." not in code)
        t.add_hierarchy(values, key=functools.partial(_area, unit), parent=_parent)
        codes = list(values)
    for code in codes:
        t.add_below(("online", "area", code), ("cases", "area", code))
        t.add_below(("cases", "area", code), ("victims", "area", code))
    return t


def split(shapes: Sequence[Shape], rows: Rows) -> dict[str, Rows]:
    """The rows of each city."""
    per = {s.code: Rows() for s in shapes}
    city_of_case = {}
    for case in rows.cases:
        per[case[1]].cases.append(case)
        city_of_case[case[0]] = case[1]
    city_of_victim = {}
    for victim in rows.victims:
        per[city_of_case[victim[1]]].victims.append(victim)
        city_of_victim[victim[0]] = city_of_case[victim[1]]
    for form in rows.forms:
        per[city_of_victim[form[0]]].forms.append(form)
    return per


def timed(work: Callable[[], T], repeats: int) -> tuple[T, float]:
    """``work()`` after one unmeasured run, and the median time of ``repeats`` runs."""
    result = work()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    return result, statistics.median(seconds)


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


HEADER = (
    f"  {'tables':<32}{'cells':>9}{'publ.':>9}{'primary':>8}{'hidden':>8}{'count':>9}"
    f"{'share':>7}{'build':>9}{'protect':>10}{'audit':>10}{'short':>6}"
)


def line(o: Outcome) -> str:
    return (
        f"  {o.name:<32}{o.cells:>9,}{o.published:>9,}{o.primary:>8,}{o.hidden:>8,}"
        f"{o.count_hidden:>9,}{o.share_hidden:>7.1%}{seconds_text(o.build):>9}"
        f"{_time(o.protect):>10}{_time(o.audit):>10}{len(o.shortfalls):>6}"
    )


def _time(seconds: float) -> str:
    """A time, or "-" where the line has none (NaN)."""
    return "-" if math.isnan(seconds) else seconds_text(seconds)


def run(sql: Sql, scale: float, own_builder: bool = False) -> int:
    rng = random.Random(SEED)
    name, build = builder(own_builder)
    errors: list[str] = []
    print(f"Disclosure benchmark (issue #12): {sql.name}")
    print(f"  linked tables built by {name}")

    # -- one city-year in Balikpapan's shape
    city = balikpapan()
    rows = Rows()
    draw(city, BALIKPAPAN_CASES, rng, rows)
    load(sql, rows)
    truth = python_counts(city, rows)
    by_sql, t_sql = timed(lambda: aggregate(sql, [city], city.code), ONE_CITY_SQL_REPEATS)
    errors += compare(city.code, truth, by_sql.get(city.code))
    unload(sql)
    runs = [
        protect_and_audit(f"{city.code} {YEAR}", lambda: build(truth), len(city.kelurahan))
        for _ in range(ONE_CITY_REPEATS)
    ]
    one = dataclasses.replace(
        runs[0],
        build=statistics.median(o.build for o in runs),
        protect=statistics.median(o.protect for o in runs),
        audit=statistics.median(o.audit for o in runs),
        cpu=statistics.median(o.cpu for o in runs),
    )
    if len({o.hidden_keys for o in runs}) != 1:
        errors.append(f"{city.code}: protect hid different cells in different runs")
    errors += one.shortfalls
    print(
        f"  one city-year, Balikpapan's shape: {len(city.kelurahan_of)} kecamatan, "
        f"{len(city.kelurahan)} kelurahan, {len(rows.cases)} cases, {len(rows.victims)} victims"
    )
    print(HEADER)
    print(line(one))
    print(
        f"  medians of {ONE_CITY_REPEATS} runs (the same cells hidden in each); computing the "
        f"tables (SQL GROUP BY of the rows, one city, median of {ONE_CITY_SQL_REPEATS}): "
        f"{seconds_text(t_sql)}; protect / SQL {one.protect / t_sql:.0f}x, "
        f"protect + audit / SQL {(one.protect + one.audit) / t_sql:.0f}x"
    )

    # -- the country, city by city
    wall = time.perf_counter()
    shapes = national(scale, rng)
    rows = Rows()
    for shape in shapes:
        draw(shape, round(rng.lognormvariate(math.log(40), 0.9)), rng, rows)
    load(sql, rows)
    start = time.perf_counter()
    per_city, t_country_sql = timed(lambda: aggregate(sql, shapes), COUNTRY_SQL_REPEATS)
    for shape, city_rows in zip(shapes, split(shapes, rows).values(), strict=True):
        errors += compare(shape.code, python_counts(shape, city_rows), per_city.get(shape.code))
    unload(sql)
    kecamatan = sum(len(s.kelurahan_of) for s in shapes)
    kelurahan = sum(len(s.kelurahan) for s in shapes)
    print(
        f"  the country: {len(shapes)} kab/kota, {kecamatan:,} kecamatan, {kelurahan:,} "
        f"kelurahan, {len(rows.cases):,} cases, {len(rows.victims):,} victims in {YEAR} "
        f"(setup {seconds_text(start - wall)}, not measured)",
        flush=True,
    )
    roll_keys = frozenset(national_linked(shapes, per_city).values)
    outcomes = []
    for index, shape in enumerate(shapes, 1):
        counts = per_city[shape.code]
        outcome = protect_and_audit(
            shape.code,
            functools.partial(build, counts),
            len(shape.kelurahan),
            shared_with=roll_keys,
        )
        outcomes.append(outcome)
        errors += [f"{shape.code}: {s}" for s in outcome.shortfalls]
        if index % 100 == 0 and index < len(shapes):
            print(f"    ... {index} of {len(shapes)} city-years", flush=True)
    total = summed(f"all {len(shapes)} city-years", outcomes)
    print(HEADER)
    print(line(total))
    print(f"  {'per city-year':<20}{'median':>10}{'p95':>10}{'max':>10}")
    rows_out: list[tuple[str, Callable[[Outcome], float], Callable[[float], str]]] = [
        ("kelurahan", lambda o: o.areas, _whole),
        ("cells", lambda o: o.cells, _whole),
        ("primary", lambda o: o.primary, _whole),
        ("hidden", lambda o: o.hidden, _whole),
        ("share of count", lambda o: o.share_hidden, _share),
        ("protect", lambda o: o.protect, seconds_text),
        ("audit", lambda o: o.audit, seconds_text),
    ]
    for label, pick, text in rows_out:
        values = [float(pick(o)) for o in outcomes]
        print(
            f"  {label:<20}{text(statistics.median(values)):>10}"
            f"{text(quantile(values, 0.95)):>10}{text(max(values)):>10}"
        )
    slowest = max(outcomes, key=lambda o: o.protect)
    print(f"  slowest to protect: {line(slowest).strip()}")

    # -- the national roll-up above the cities, first protected apart (for comparison)
    roll_build = functools.partial(national_linked, shapes, per_city)
    roll_name = "kab/kota > province > nation"
    apart = protect_and_audit(roll_name, roll_build, len(shapes))
    print(HEADER)
    print(line(apart))
    disagree = sum(len(o.shared & (o.hidden_keys ^ apart.hidden_keys)) for o in outcomes)
    shared_cells = sum(len(o.shared) for o in outcomes)
    print(
        f"  protected apart: {disagree} of the {shared_cells:,} cells in both levels (the city "
        "totals) hidden in one and shown in the other"
    )

    # -- both levels protected together: tau-Argus's modular method (HiTaS), until stable,
    # then each city audited with the roll-up as one set and any pair found short protected
    # as one (a cell hidden stays hidden, so it ends)
    from layak.core.disclosure import protect, shortfalls

    modular = time.perf_counter()
    roll_up = apart
    roll_start: frozenset[Any] = frozenset()
    city_start: dict[str, frozenset[Any]] = {s.code: frozenset() for s in shapes}
    city_build = {s.code: functools.partial(build, per_city[s.code]) for s in shapes}
    rounds = passes = 0
    reruns: list[Outcome] = []  # the protections after the first, each city's and the roll-up's
    pair_seconds = pair_cpu = 0.0
    fixed_pairs: list[int] = []
    stuck: dict[str, str] = {}  # city -> its first shortfall that hiding more cannot fix
    while True:
        while True:  # the modular rounds
            rounds += 1
            want = roll_start.union(*(o.shared & o.hidden_keys for o in outcomes))
            roll_again = bool(want - roll_up.hidden_keys)
            if roll_again:
                roll_start = want
                roll_up = protect_and_audit(roll_name, roll_build, len(shapes), roll_start)
                reruns.append(roll_up)
            again = 0
            for i, (shape, outcome) in enumerate(zip(shapes, outcomes, strict=True)):
                need = city_start[shape.code] | (outcome.shared & roll_up.hidden_keys)
                if need - outcome.hidden_keys:
                    city_start[shape.code] = need
                    outcomes[i] = protect_and_audit(
                        shape.code, city_build[shape.code], len(shape.kelurahan), need, roll_keys
                    )
                    reruns.append(outcomes[i])
                    again += 1
            print(
                f"    round {rounds}: the roll-up {'re-protected' if roll_again else 'unchanged'}"
                f", {again} city-years re-protected "
                f"({seconds_text(time.perf_counter() - modular)})",
                flush=True,
            )
            if all(o.shared & o.hidden_keys == o.shared & roll_up.hidden_keys for o in outcomes):
                break
        # Each city with hidden shared cells and the roll-up, seen as one set by the attacker.
        passes += 1
        began, cpu = time.perf_counter(), time.process_time()
        short_pairs = 0
        stuck.clear()
        for shape, outcome in zip(shapes, outcomes, strict=True):
            if not outcome.shared & outcome.hidden_keys:
                continue  # its shared cells are shown: constants, the city stands alone
            merged, hidden = merge_sets(
                roll_build, roll_up, [(shape.code, city_build[shape.code], outcome)]
            )
            # The attacker may know every other city's totals (shown by the city or not): then
            # every province but this city's is known too. Safe so for each city, the joint set
            # is safe: its solutions hold all of these (other cities at their true values).
            near = {
                _area(u, c)
                for u in ("cases", "online", "victims")
                for c in (shape.province, NATION)
            }
            known = {k for k in roll_keys if k not in outcome.shared and k not in near}
            hidden -= known
            # A province or national cell pinned here with no primary cell short is an artefact
            # of that assumption (it is the sum of what is assumed known, and of this city's
            # shown zeros); the roll-up's own audit and the joint audit judge those cells.
            short = [
                s
                for s in shortfalls(merged, hidden)
                if s.primary or s.key in outcome.shared or s.key not in roll_keys
            ]
            if not short:
                continue
            short_pairs += 1
            added: set[Any] = set(protect(merged, start=hidden, known=known).hidden - hidden)
            if not added:
                stuck[shape.code] = str(short[0])
                continue
            roll_start |= added & roll_keys
            city_start[shape.code] |= {k[1] for k in added - roll_keys} | (added & outcome.shared)
        pair_seconds += time.perf_counter() - began
        pair_cpu += time.process_time() - cpu
        fixed_pairs.append(short_pairs)
        print(
            f"    pass {passes}: {short_pairs} city-years short with the roll-up, protected "
            f"together ({seconds_text(time.perf_counter() - modular)})",
            flush=True,
        )
        if short_pairs == len(stuck):
            break  # nothing left that hiding more could fix; the stuck are reported
    protected_at = time.perf_counter()
    joint_cities = [
        (s.code, city_build[s.code], o)
        for s, o in zip(shapes, outcomes, strict=True)
        if o.shared & o.hidden_keys
    ]
    alone = [o for o in outcomes if not o.shared & o.hidden_keys]
    errors += [f"{o.name}: {s}" for o in outcomes for s in o.shortfalls]
    errors += [f"national: {s}" for s in roll_up.shortfalls]
    full_joint = len(joint_cities) <= FULL_JOINT_CITIES
    if full_joint:
        joint = joint_audit(roll_up, roll_build, joint_cities)
        errors += [f"joint: {s}" for s in joint.shortfalls]
    else:  # the pairs are the proof: a pair still short fails the run
        errors += [f"{code} with the roll-up: {s}" for code, s in sorted(stuck.items())]
    for code, first in sorted(stuck.items()):
        print(
            f"  {code} stays short with the roll-up when every other city's totals are known "
            f"and hiding more cannot help: {first}"
            + (" (the joint audit below decides)" if full_joint else "")
        )
    audited_at = time.perf_counter()
    cities_total = summed(f"all {len(shapes)} city-years", outcomes)
    print(HEADER)
    print(line(dataclasses.replace(cities_total, protect=math.nan, audit=math.nan)))
    print(line(dataclasses.replace(roll_up, protect=math.nan, audit=math.nan)))
    if full_joint:
        print(line(joint))
    rerun_protect = sum(o.protect for o in reruns)
    print(
        f"  protected together (modular, as tau-Argus's HiTaS): {rounds} rounds, "
        f"{len(reruns)} re-protections ({sum(1 for o in reruns if o.name == roll_name)} of the "
        f"roll-up, {seconds_text(rerun_protect)}); audits of each city with the roll-up as one "
        f"set: {passes} passes, city-years short and protected with the roll-up as one set: "
        f"{' + '.join(str(n) for n in fixed_pairs)} ({seconds_text(pair_seconds)}); all took "
        f"{seconds_text(protected_at - modular)}. "
        f"{sum(len(o.shared & o.hidden_keys) for o in outcomes)} of the {shared_cells:,} "
        f"shared cells hidden at both levels, none at one only"
    )
    if full_joint:
        print(
            f"  joint audit: the roll-up and the {len(joint_cities)} city-years with hidden "
            f"shared cells as ONE linked set: {len(joint.shortfalls)} shortfalls "
            f"({seconds_text(audited_at - protected_at)}); the other {len(alone)} city-years "
            f"alone (shown cells are constants): {sum(len(o.shortfalls) for o in alone)}"
        )
    else:
        print(
            f"  joint audit: the roll-up with each of the {len(joint_cities)} city-years with "
            f"hidden shared cells, one pair at a time, the attacker knowing every other city's "
            f"totals (the last pass above: 0 short; a city safe so is safe in one set of all; a "
            f"province or national cell hidden only to protect others is judged by the "
            f"roll-up's audit; one set of all is audited up to {FULL_JOINT_CITIES} such cities, "
            f"--scale 0.1); the other {len(alone)} city-years "
            f"alone (shown cells are constants): {sum(len(o.shortfalls) for o in alone)} shortfalls"
        )
    wall = time.perf_counter() - wall
    protect_time = total.protect + apart.protect + rerun_protect
    audit_time = pair_seconds + (audited_at - protected_at)
    print(
        f"  computing the tables (SQL GROUP BY of all rows, every city at once, median of "
        f"{COUNTRY_SQL_REPEATS}): {seconds_text(t_country_sql)}; protecting both levels "
        f"together (apart first, then the rounds) {seconds_text(protect_time)}, "
        f"/ SQL {protect_time / t_country_sql:.0f}x; with the joint audits and the pairs "
        f"protected as one {seconds_text(protect_time + audit_time)}, / SQL "
        f"{(protect_time + audit_time) / t_country_sql:.0f}x"
    )
    cpu = total.cpu + apart.cpu + sum(o.cpu for o in reruns) + pair_cpu
    print(
        f"  national wall time {seconds_text(wall)} (setup, SQL, building, protecting and "
        f"auditing every city-year and the roll-up, apart then together); of it "
        f"{seconds_text(cpu)} of CPU time in protect and audit, before the joint audit (the "
        "rest is waiting on a shared machine)"
    )
    if errors:
        return report_mismatches(errors, "problems", 20)
    print("  the SQL tables equal the counts drawn; the attacker found no shortfall anywhere")
    return 0


def merge_sets(
    roll_build: Callable[[], Any],
    roll_up: Outcome,
    cities: Sequence[tuple[str, Callable[[], Any], Outcome]],
) -> tuple[Any, set[Any]]:
    """The roll-up and ``cities`` as one linked set (their shared cells, the city totals, one
    cell each; every other cell of a city renamed ``(city, key)``) and its hidden cells."""
    merged = roll_build()
    hidden = set(roll_up.hidden_keys)
    for code, build_city, outcome in cities:
        merged.merge(relabelled(build_city(), code, outcome.shared))
        hidden |= {k if k in outcome.shared else (code, k) for k in outcome.hidden_keys}
    return merged, hidden


def relabelled(linked: Any, prefix: str, keep: frozenset[Any]) -> Any:
    """``linked`` with every cell but those in ``keep`` renamed ``(prefix, key)``: cities share
    names (their unplaced rest, their categories) that are different cells."""
    from layak.core.disclosure import Linked
    from layak.core.disclosure.tables import Relation

    def name(key: Any) -> Any:
        return key if key in keep else (prefix, key)

    t = Linked()
    t.values = {name(k): v for k, v in linked.values.items()}
    t.published = {name(k) for k in linked.published}
    t.relations = [
        Relation(tuple((name(k), c) for k, c in r.terms), r.equal) for r in linked.relations
    ]
    return t


def joint_audit(
    roll_up: Outcome,
    roll_build: Callable[[], Any],
    cities: Sequence[tuple[str, Callable[[], Any], Outcome]],
) -> Outcome:
    """The attacker over the roll-up and ``cities`` merged into one linked set."""
    from layak.core.disclosure import attack, protection, shortfalls

    began = time.perf_counter()
    cpu = time.process_time()
    merged, hidden = merge_sets(roll_build, roll_up, cities)
    built = time.perf_counter()
    intervals = attack(merged, hidden)
    short = shortfalls(merged, hidden, intervals=intervals)
    done = time.perf_counter()
    policy = protection()
    count = sum(merged.values[k] for k in hidden)
    published = sum(merged.values[k] for k in merged.published)
    return Outcome(
        name=f"joint: roll-up + {len(cities)} city-years",
        areas=0,
        cells=len(merged.values),
        published=len(merged.published),
        published_count=published,
        primary=sum(1 for k in merged.published if policy.is_primary(merged.values[k])),
        hidden=len(hidden),
        count_hidden=count,
        share_hidden=count / published if published else 0.0,
        build=built - began,
        protect=math.nan,
        audit=done - built,
        cpu=time.process_time() - cpu,
        shortfalls=[str(s) for s in short],
        hidden_keys=frozenset(),
    )


def _whole(value: float) -> str:
    return f"{value:,.0f}"


def _share(value: float) -> str:
    return f"{value:.1%}"


def summed(name: str, outcomes: Sequence[Outcome]) -> Outcome:
    published = sum(o.published_count for o in outcomes)
    count = sum(o.count_hidden for o in outcomes)
    return Outcome(
        name=name,
        areas=sum(o.areas for o in outcomes),
        cells=sum(o.cells for o in outcomes),
        published=sum(o.published for o in outcomes),
        published_count=published,
        primary=sum(o.primary for o in outcomes),
        hidden=sum(o.hidden for o in outcomes),
        count_hidden=count,
        share_hidden=count / published if published else 0.0,
        build=sum(o.build for o in outcomes),
        protect=sum(o.protect for o in outcomes),
        audit=sum(o.audit for o in outcomes),
        cpu=sum(o.cpu for o in outcomes),
        shortfalls=[s for o in outcomes for s in o.shortfalls],
        hidden_keys=frozenset(),
    )


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.disclosure", description=__doc__.split("\n")[0]
    )
    add_arguments(parser)
    parser.add_argument(
        "--own-builder",
        action="store_true",
        help="build the linked tables here, not with layak.cases.statistics.linked_from_counts",
    )
    return parser.parse_args(argv)


def add_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    scale_argument(parser, CITIES)


def main(scale: float = 1.0, own_builder: bool = False) -> int:
    # Decided before Django is configured: after another benchmark, DATABASE_URL names that
    # benchmark's temporary SQLite file, gone by now.
    postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    with tempfile.TemporaryDirectory(prefix="layak-bench-") as tmp:
        configure_django(Path(tmp))  # the protection settings (LAYAK_SMALL_CELL, ...)
        sql = Sql(postgres)
        try:
            return run(sql, scale, own_builder)
        finally:
            sql.close()
            if postgres:
                from django.db import connection

                connection.close()


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    sys.exit(main(arguments.scale, arguments.own_builder))
