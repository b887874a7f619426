"""Benchmark of the indicator pages at national scale (issue #6), PostgreSQL only.

Data: 514 synthetic kab/kota (codes like ``11.01``) with 8 kecamatan of 20 kelurahan each
(82,240 kelurahan, about Indonesia's 83,000 kelurahan and desa; their boundaries are
Balikpapan's kecamatan and kelurahan polygons, reused, so rows weigh what real ones do), the 17
built-in definitions and 10 years (2016-2025) of yearly values of every definition at its own
level (kelurahan, kecamatan or city; Puspaga services monthly), plus the roll-ups the pages read:
each definition and period summed per kelurahan, kecamatan and city (about 8.7 million rows),
violence counts below 5 suppressed. Values and roll-ups are loaded with ``COPY``, one city at a
time, then the tables are vacuumed and analysed. ``--scale`` keeps each city's shape and builds
only that share of the 514 cities.

Measured through a real HTTP server (gunicorn, one sync worker, started on a free port against
the same database, ``DEBUG`` off, static files by WhiteNoise), logged in as the secretariat of a
middle city, each against references measured in the same run (runs alternate, after two
warm-up runs; median and 95th percentile):

* the city dashboard ``GET /dashboards/`` (``dashboards:city``), and
* the map page ``GET /indicators/akta-lahir/?period=2025&level=kelurahan``,

against (a) the roll-up rows the page needs read in raw SQL through psycopg on an open
connection (the map: that city's kelurahan rows of the definition and period joined to their
region codes and names; the dashboard: every city-level row of the city), and (b) a static
file (``/static/css/layak.css``) served by the same server.

Each page must answer 200 and the map page must name every kelurahan of the city that the SQL
returns; otherwise the run prints MISMATCH and exits 1. A dashboard not built yet (no URL named
``dashboards:city``, or 404) is reported as missing, not as a failure. Times are printed,
never asserted.

Run with ``python -m bench indicators [--scale F] [--repeats N]`` or
``python -m bench.indicators``; ``DATABASE_URL`` must name an empty PostgreSQL database
(emptied again at the end).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    REPEATS,
    WARM_UP,
    alternate,
    copy_rows,
    environment,
    report_mismatches,
    reset_sequence,
    scale_argument,
    seconds_text,
    throwaway_database,
    vacuum_analyse,
)

CITIES = 514
PROVINCES = 38
KECAMATAN_PER_CITY = 8
KELURAHAN_PER_KECAMATAN = 20
YEARS = range(2016, 2026)
SEED = 2024
MAP_CODE = "akta-lahir"
MAP_YEAR = 2025
STATIC_PATH = "/static/css/layak.css"
SMALL_CELL = 5
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "layak/regions/data"
SERVER_START_SECONDS = 60


@dataclass
class City:
    pk: int
    code: str
    kecamatan: list[tuple[int, str]] = field(default_factory=list)
    kelurahan: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # by kecamatan pk


@dataclass
class World:
    cities: list[City]
    kelurahan: int = 0
    values: int = 0
    rollups: int = 0


# -- data ------------------------------------------------------------------------------------


def _shapes(name: str) -> list[str]:
    features = json.loads((DATA / name).read_text("utf-8"))["features"]
    return [json.dumps(f["geometry"]) for f in features]


def build_regions(cities: int) -> World:
    """Provinces, ``cities`` kab/kota, their kecamatan and kelurahan, with ``COPY``."""
    from layak.regions.models import Region, RegionLevel

    kecamatan_shapes = _shapes("balikpapan-kecamatan.geojson")
    kelurahan_shapes = _shapes("balikpapan-kelurahan.geojson")
    names = ["id", "code", "level", "parent", "name", "postcode", "boundary"]
    world = World(cities=[])
    next_id = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal next_id
        province_ids: dict[str, int] = {}
        for p in range(PROVINCES):
            next_id += 1
            province_ids[f"{11 + p}"] = next_id
            yield (next_id, f"{11 + p}", RegionLevel.PROVINSI, None, f"Provinsi {11 + p}", "", None)
        shape = 0
        for i in range(cities):
            province, number = f"{11 + i % PROVINCES}", i // PROVINCES + 1
            kota = number > 10
            next_id += 1
            city = City(next_id, f"{province}.{number:02d}")
            world.cities.append(city)
            yield (
                city.pk,
                city.code,
                RegionLevel.KOTA if kota else RegionLevel.KABUPATEN,
                province_ids[province],
                f"{'Kota' if kota else 'Kabupaten'} Sintetis {city.code}",
                "",
                None,
            )
            for k in range(1, KECAMATAN_PER_CITY + 1):
                next_id += 1
                kec = (next_id, f"{city.code}.{k:02d}")
                city.kecamatan.append(kec)
                city.kelurahan[kec[0]] = []
                yield (
                    kec[0],
                    kec[1],
                    RegionLevel.KECAMATAN,
                    city.pk,
                    f"Kecamatan Sintetis {kec[1]}",
                    "",
                    kecamatan_shapes[k % len(kecamatan_shapes)],
                )
                for j in range(1, KELURAHAN_PER_KECAMATAN + 1):
                    next_id += 1
                    kel = (next_id, f"{kec[1]}.{1000 + j}")
                    city.kelurahan[kec[0]].append(kel)
                    shape += 1
                    world.kelurahan += 1
                    yield (
                        kel[0],
                        kel[1],
                        RegionLevel.KELURAHAN,
                        kec[0],
                        f"Kelurahan Sintetis {kel[1]}",
                        f"{76000 + j}",
                        kelurahan_shapes[shape % len(kelurahan_shapes)],
                    )

    copy_rows(Region, names, rows())
    reset_sequence(Region)
    return world


@dataclass(frozen=True)
class _Def:
    pk: int
    code: str
    unit: str
    level: str
    monthly: bool
    cases: bool


def _rate(unit: str, numerator: int, denominator: int | None) -> float | None:
    if unit == "count":
        return float(numerator)
    if not denominator:
        return None
    return round(numerator * (100 if unit == "percent" else 1000) / denominator, 1)


class Loader:
    """Draws one city's values and sums them up; ``COPY`` both tables city by city."""

    def __init__(self, definitions: list[_Def], rng: random.Random, values: bool) -> None:
        from django.utils import timezone

        self.definitions = definitions
        self.rng = rng
        self.with_values = values
        self.value_id = 0
        self.rollup_id = 0
        self.now = timezone.now()

    def city_rows(self, city: City) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rng = self.rng
        values: list[tuple[Any, ...]] = []
        rollups: list[tuple[Any, ...]] = []
        children = {
            kel: rng.randint(300, 3000) for kels in city.kelurahan.values() for kel, _c in kels
        }
        total_kelurahan = len(children)

        def rollup(
            d: _Def,
            region: int,
            level: str,
            start: datetime.date,
            label: str,
            counts: tuple[int | None, int | None],
            reporting: int,
        ) -> None:
            self.rollup_id += 1
            numerator, denominator = counts
            suppressed = d.cases and numerator is not None and 0 < numerator < SMALL_CELL
            if suppressed:
                numerator = None
            rollups.append(
                (
                    self.rollup_id,
                    d.pk,
                    city.pk,
                    region,
                    level,
                    start,
                    label,
                    numerator,
                    denominator,
                    None if numerator is None else _rate(d.unit, numerator, denominator),
                    suppressed,
                    reporting,
                    reporting,
                    self.now,
                )
            )

        def value(d: _Def, region: int, start: datetime.date, label: str, n: int, m: Any) -> None:
            if self.with_values:
                self.value_id += 1
                values.append((self.value_id, d.pk, region, start, label, n, m, self.now))

        for d in self.definitions:
            share = rng.uniform(0.2, 0.95)
            for year in YEARS:
                trend = 0.01 * (year - YEARS[0])
                starts = (
                    [datetime.date(year, m, 1) for m in range(1, 13)]
                    if d.monthly
                    else [datetime.date(year, 1, 1)]
                )
                for start in starts:
                    label = f"{year}-{start.month:02d}" if d.monthly else str(year)
                    if d.level == "city":
                        n = rng.randint(20, 400)
                        value(d, city.pk, start, label, n, None)
                        rollup(d, city.pk, "city", start, label, (n, None), 1)
                        continue
                    city_n = 0
                    city_m: int | None = None if d.unit == "count" else 0
                    for kec, _kec_code in city.kecamatan:
                        kels = city.kelurahan[kec]
                        if d.level == "kecamatan":
                            m = None if d.unit == "count" else len(kels)
                            n = rng.randint(0, m if m is not None else 10)
                            value(d, kec, start, label, n, m)
                            rollup(d, kec, "kecamatan", start, label, (n, m), 1)
                            city_n += n
                            if m is not None and city_m is not None:
                                city_m += m
                            continue
                        kec_n = 0
                        kec_m: int | None = None if d.unit == "count" else 0
                        for kel, _code in kels:
                            pop = children[kel]
                            if d.unit == "count":
                                n = rng.randint(0, 12) if d.cases else int(pop * rng.random() / 20)
                                m = None
                            else:
                                m = pop
                                n = int(pop * min(1.0, share + trend + rng.uniform(-0.05, 0.05)))
                            value(d, kel, start, label, n, m)
                            rollup(d, kel, "kelurahan", start, label, (n, m), 1)
                            kec_n += n
                            if m is not None and kec_m is not None:
                                kec_m += m
                        rollup(d, kec, "kecamatan", start, label, (kec_n, kec_m), len(kels))
                        city_n += kec_n
                        if kec_m is not None and city_m is not None:
                            city_m += kec_m
                    rollup(d, city.pk, "city", start, label, (city_n, city_m), total_kelurahan)
        return values, rollups

    def load(self, world: World) -> None:
        from layak.indicators.models import Rollup, Value

        with without_constraints_and_indexes([Value, Rollup]):
            self._load(world)

    def _load(self, world: World) -> None:
        from layak.indicators.models import Rollup, Value

        value_names = [
            "id",
            "definition",
            "region",
            "period_start",
            "period_label",
            "numerator",
            "denominator",
            "updated_at",
        ]
        rollup_names = [
            "id",
            "definition",
            "city",
            "region",
            "level",
            "period_start",
            "period_label",
            "numerator",
            "denominator",
            "rate",
            "suppressed",
            "reporting",
            "expected",
            "computed_at",
        ]
        for city in world.cities:
            values, rollups = self.city_rows(city)
            if values:
                world.values += copy_rows(Value, value_names, values)
            world.rollups += copy_rows(Rollup, rollup_names, rollups)
        reset_sequence(Value)
        reset_sequence(Rollup)


@contextmanager
def without_constraints_and_indexes(models: Sequence[Any]) -> Iterator[None]:
    """Drop the foreign keys, unique constraints and secondary indexes of ``models``' tables,
    and create them again afterwards: one index build and one foreign-key check per table
    instead of one per row (and no deferred checks piling up until the commit)."""
    from django.db import connection

    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        # Run the checks still pending (the regions' parents): ALTER TABLE refuses otherwise.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
            "FROM pg_constraint WHERE contype IN ('f', 'u') "
            "AND conrelid::regclass::text = ANY(%s) ORDER BY contype",
            [tables],
        )
        constraints = list(cursor.fetchall())
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE NOT indisprimary AND indrelid::regclass::text = ANY(%s) "
            "AND indexrelid NOT IN (SELECT conindid FROM pg_constraint)",
            [tables],
        )
        indexes = list(cursor.fetchall())
        for table, name, _definition, _kind in constraints:  # foreign keys first
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for index, _definition in indexes:
            cursor.execute(f"DROP INDEX {index}")
    yield
    with connection.cursor() as cursor:
        for _index, definition in indexes:
            cursor.execute(definition)
        for table, name, definition, _kind in reversed(constraints):  # unique ones first
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def build_people(city: City) -> int:
    """The secretariat of ``city`` (an agency, a person, the role); returns the person's pk."""
    from django.contrib.auth.hashers import make_password

    from layak.accounts.models import Agency, AgencyKind, RoleAssignment, User
    from layak.accounts.roles import Role

    agency = Agency.objects.create(
        region_id=city.pk,
        code="dp3a",
        name=f"Dinas PPPA {city.code}",
        short_name="Dinas PPPA",
        kind=AgencyKind.OPD,
    )
    user = User.objects.create(
        username=f"sekretariat.{city.code}",
        full_name=f"Sekretariat {city.code}",
        agency=agency,
        scope_region_id=city.pk,
        password=make_password(None),  # unusable: the benchmark logs in with a session
    )
    RoleAssignment.objects.create(user=user, role=Role.SECRETARIAT)
    return int(user.pk)


def build_awards_and_targets(world: World, definitions: list[_Def], rng: random.Random) -> None:
    """A KLA category per city and year, and a target per definition for 2025-2029."""
    from decimal import Decimal

    from layak.evaluations.models import Award
    from layak.indicators.models import Target

    categories = ["Pratama", "Madya", "Nindya", "Utama"]
    Award.objects.bulk_create(
        (
            Award(
                region_id=city.pk,
                year=year,
                category=rng.choice(categories),
                verified_score=Decimal(rng.randint(500, 950)),
                evaluated=year != 2024,
            )
            for city in world.cities
            for year in YEARS
        ),
        batch_size=5000,
    )
    Target.objects.bulk_create(
        (
            Target(definition_id=d.pk, city_id=city.pk, year=year, value=Decimal(80 + year % 10))
            for city in world.cities
            for d in definitions
            for year in range(2025, 2030)
        ),
        batch_size=5000,
    )


# -- the references in SQL -------------------------------------------------------------------

#: The roll-up rows the map page needs: one city's kelurahan of one definition and period.
MAP_SQL = """
SELECT r.code, r.name, ro.numerator, ro.denominator, ro.rate, ro.suppressed
FROM indicators_rollup ro
JOIN regions_region r ON r.id = ro.region_id
WHERE ro.definition_id = %(definition)s AND ro.city_id = %(city)s
  AND ro.level = 'kelurahan' AND ro.period_start = %(start)s
ORDER BY r.code
"""

#: The roll-up rows a city dashboard needs: every city-level row of the city, all periods.
DASHBOARD_SQL = """
SELECT d.code, ro.period_start, ro.numerator, ro.denominator, ro.rate, ro.suppressed
FROM indicators_rollup ro
JOIN indicators_definition d ON d.id = ro.definition_id
WHERE ro.city_id = %(city)s AND ro.level = 'city'
ORDER BY d.code, ro.period_start
"""


# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    """gunicorn with one sync worker on ``port``, with this process's settings."""
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            status, _body = get(port, STATIC_PATH, "")
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return process
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer in time")


def get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    """One GET on a new connection (a gunicorn sync worker closes each one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        headers = {"Accept-Encoding": "identity"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def run(scale: float, repeats: int, with_values: bool) -> int:
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from layak.indicators.loader import load_definitions
    from layak.indicators.models import Definition, Rollup, Value
    from layak.regions.models import Region

    cities = max(2, round(CITIES * scale))
    rng = random.Random(SEED)
    start = time.perf_counter()
    load_definitions()
    definitions = [
        _Def(d.pk, d.code, d.unit, d.level, d.period_type == "month", d.source == "cases")
        for d in Definition.objects.filter(active=True).order_by("code")
    ]
    stages: list[str] = []

    def stage(name: str, since: float) -> float:
        now = time.perf_counter()
        stages.append(f"{name} {seconds_text(now - since)}")
        return now

    with transaction.atomic():
        world = build_regions(cities)
        mark = stage("regions", start)
        Loader(definitions, rng, with_values).load(world)
        mark = stage("values and roll-ups", mark)
        build_awards_and_targets(world, definitions, rng)
        city = world.cities[len(world.cities) // 2]
        user_pk = build_people(city)
    mark = stage("awards, targets, people", mark)
    vacuum_analyse([Region, Value, Rollup])
    mark = stage("vacuum and analyse", mark)
    call_command("collectstatic", interactive=False, verbosity=0)
    stage("collectstatic", mark)
    setup = time.perf_counter() - start
    print(f"Indicator benchmark (issue #6): {environment()}")
    print(
        f"  {len(world.cities)} kab/kota, {world.kelurahan:,} kelurahan, {len(definitions)} "
        f"definitions x {len(YEARS)} years: {world.values:,} values, {world.rollups:,} roll-ups; "
        f"setup {seconds_text(setup)} (not measured)"
    )
    print(f"  setup: {', '.join(stages)}")

    from layak.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=user_pk))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    try:
        dashboard_path: str | None = reverse("dashboards:city")
    except NoReverseMatch:
        dashboard_path = None
    map_path = f"/indicators/{MAP_CODE}/?period={MAP_YEAR}&level=kelurahan"
    definition_pk = next(d.pk for d in definitions if d.code == MAP_CODE)
    map_params = {
        "definition": definition_pk,
        "city": city.pk,
        "start": datetime.date(MAP_YEAR, 1, 1),
    }
    dashboard_params = {"city": city.pk}
    connection.close()  # the server and psycopg below use their own connections

    errors: list[str] = []
    port = free_port()
    server = start_server(port)
    try:
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as sql:

            def query(text: str, params: dict[str, Any]) -> Callable[[], list[Any]]:
                def work() -> list[Any]:
                    with sql.cursor() as cursor:
                        cursor.execute(text, params)
                        return list(cursor.fetchall())

                return work

            def page(path: str) -> Callable[[], tuple[int, bytes]]:
                return lambda: get(port, path, cookie)

            dashboard_status = get(port, dashboard_path, cookie)[0] if dashboard_path else 404
            has_dashboard = dashboard_status != 404
            works: list[Callable[[], Any]] = [
                page(map_path),
                query(MAP_SQL, map_params),
                page(STATIC_PATH),
            ]
            if has_dashboard and dashboard_path:
                works += [page(dashboard_path), query(DASHBOARD_SQL, dashboard_params)]
            results = alternate(works, repeats)
    finally:
        server.terminate()
        server.wait(timeout=30)

    (map_page, t_map), (map_rows, t_map_sql), (static, t_static) = results[:3]
    if map_page[0] != 200:
        errors.append(f"map page: status {map_page[0]}")
    html = map_page[1].decode("utf-8", "replace")
    missing = [code for code, name, *_rest in map_rows if name not in html]
    if not map_rows or missing:
        errors.append(f"map page: {len(missing)} of {len(map_rows)} kelurahan missing")
    if static[0] != 200:
        errors.append(f"static file: status {static[0]}")
    rows = [(f"map page, {len(map_rows)} kelurahan", t_map, t_map_sql, len(map_page[1]))]
    if len(results) == 5:
        (dash_page, t_dash), (dash_rows, t_dash_sql) = results[3:]
        if dash_page[0] != 200:
            errors.append(f"dashboard: status {dash_page[0]}")
        rows.insert(
            0, (f"city dashboard, {len(dash_rows)} rows", t_dash, t_dash_sql, len(dash_page[1]))
        )

    header = ("page", "page med", "p95", "SQL med", "p95", "static med", "p95", "/SQL", "/static")
    print(
        f"  {header[0]:<30}{header[1]:>10}{header[2]:>10}{header[3]:>10}{header[4]:>10}"
        f"{header[5]:>11}{header[6]:>10}{header[7]:>8}{header[8]:>9}"
    )
    for name, ours, reference, _size in rows:
        print(
            f"  {name:<30}{seconds_text(ours.median):>10}{seconds_text(ours.p95):>10}"
            f"{seconds_text(reference.median):>10}{seconds_text(reference.p95):>10}"
            f"{seconds_text(t_static.median):>11}{seconds_text(t_static.p95):>10}"
            f"{ours.median / reference.median:>7.1f}x{ours.median / t_static.median:>8.1f}x"
        )
    print(
        f"  median and 95th percentile of {repeats} runs each (after {WARM_UP} warm-up runs), "
        "runs alternating; page: HTTP GET through gunicorn (new connection each); SQL: the "
        "roll-up rows in raw SQL on an open psycopg connection; static: "
        f"{STATIC_PATH} from the same server ({len(static[1]):,} bytes)"
    )
    for name, _ours, _reference, size in rows:
        print(f"  {name}: {size:,} bytes of HTML")
    if dashboard_path is None or not has_dashboard:
        print("  city dashboard: not measured (no page at dashboards:city yet)")
    if errors:
        return report_mismatches(errors, "problems")
    print("  every page answered 200 and the map named every kelurahan of the SQL's rows")
    return 0


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.indicators", description=__doc__.split("\n")[0]
    )
    add_arguments(parser)
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help=f"runs per page; default {REPEATS}"
    )
    return parser.parse_args(argv)


def add_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    scale_argument(parser, CITIES)
    parser.add_argument(
        "--no-values",
        dest="values",
        action="store_false",
        help="load only the roll-ups, not the raw values they sum",
    )


def main(scale: float = 1.0, repeats: int = REPEATS, values: bool = True) -> int:
    return throwaway_database(
        lambda: run(scale, repeats, values),
        holds_data=("regions.Region", "accounts.User", "indicators.Value"),
        postgres_only="Indicator benchmark",
    )


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    sys.exit(main(arguments.scale, arguments.repeats, arguments.values))
