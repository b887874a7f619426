"""Benchmark of the case module's reads at national scale (issue #4), PostgreSQL only.

Data: 514 synthetic kab/kota (codes like ``11.01``) with 3 kecamatan and 6 kelurahan each
(their boundaries are Balikpapan's kelurahan polygons, reused, so rows weigh what real ones
do), one UPTD PPA per city with a case manager and four case workers, and by default 1,000,000
victims in about 800,000 cases opened over eight years (about 195 cases a city a year, the
Balikpapan rate): a quarter of the cases have two victims, a few victims two forms of violence,
one case in ten a second case worker on its team. Open: 90 % of the last year's cases, 50 % of
the year before's, 10 % of older ones: more than real services keep open, chosen so that a case
worker's list holds about a hundred cases. Encrypted columns hold real Fernet tokens drawn from
a small pool encrypted once (the point is query time, not cryptography). Everything is loaded
with ``COPY``; the tables are then vacuumed and analysed. Perpetrators, incidents, services and
consents are left out: the measured reads do not touch them.

Measured, each against the same query written in SQL in the same run (runs alternate, after
two warm-up runs; median and 95th percentile):

* a case worker's list: ``selectors.my_cases(user)[:50]`` evaluated, for a worker with about a
  hundred open cases (the person is loaded fresh before each run, as a request would);
* ``statistics.case_statistic`` of one city for the last full year, victims by form of
  violence and by kecamatan. It counts the city-year's whole linked set of case tables and
  protects it (``layak.core.disclosure``); the result is cached by a fingerprint, so each run
  first empties the process-local memo and, unless the cache is a dummy (``LAYAK_CACHE=dummy``,
  as ``make bench`` sets it), this process's locmem cache: every measured call protects. The
  reference counts only the one table, without protection.

For the list, the run also prints the query plan and times ``team_list_rewritten``, the same
list with the team filter written so that PostgreSQL can use its indexes (a suggestion, not
Layak's code); for the statistics, where the time goes (``case_counts``, building the linked
set, ``protect``, the cache key; the protection's share of the call), the call with the
protection memoised, the cells hidden, and the plans.

The list's case ids (in order) must equal the SQL's; of a statistic, every shown cell must equal
the SQL's count (0 for a category the SQL does not return: Layak lists every category, zeros
included), hidden cells are skipped, every category the SQL counts must be one of Layak's, and a
shown total must equal the SQL's. Otherwise the run prints MISMATCH and exits 1. Times are
printed, never asserted. ``LAYAK_CASE_STATS_REQUIRE_CONSENT`` must be off (the default): the
benchmark records no consents.

Run with ``python -m bench cases [--victims N] [--repeats N]`` or ``python -m bench.cases``;
``DATABASE_URL`` must name an empty PostgreSQL database (emptied again at the end).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    REPEATS,
    WARM_UP,
    Timing,
    alternate,
    copy_rows,
    environment,
    report_mismatches,
    reset_sequence,
    seconds_text,
    throwaway_database,
    vacuum_analyse,
)

VICTIMS = 1_000_000
CITIES = 514
PROVINCES = 38
KECAMATAN_PER_CITY = 3
KELURAHAN_PER_KECAMATAN = 2
WORKERS_PER_CITY = 4
YEARS = 8
#: Victims per case: a quarter of the cases have two, so 1,000,000 victims are 800,000 cases.
SECOND_VICTIM_SHARE = 0.25
SECOND_FORM_SHARE = 0.06
MEMBER_SHARE = 0.1
#: Share of cases still open by age: the last year, the year before, older.
OPEN_SHARE = (0.9, 0.5, 0.1)
PAGE = 50
WANTED_LIST = 100
SEED = 2024
POOL = 400
BOUNDARIES = Path(__file__).resolve().parent.parent / (
    "layak/regions/data/balikpapan-kelurahan.geojson"
)
LOOKUPS = Path(__file__).resolve().parent.parent / "layak/cases/data/lookups.csv"
OPEN_STAGES = ("intake", "assessment", "plan", "services", "monitoring")
FORMS = {
    "seksual": 52,
    "fisik": 28,
    "psikis": 10,
    "trafficking": 8,
    "eksploitasi": 1,
    "lainnya": 1,
}


# -- data ------------------------------------------------------------------------------------


@dataclass
class World:
    cities: list[Any]
    kelurahan: dict[int, list[tuple[int, str]]]  # city pk -> (pk, code)
    agencies: dict[int, int]  # city pk -> agency pk
    workers: dict[int, list[int]]  # city pk -> user pks
    cases: int = 0
    victims: int = 0
    members: int = 0


def build_regions_and_people() -> World:
    from django.contrib.auth.hashers import make_password

    from layak.accounts.models import Agency, AgencyKind, RoleAssignment, User
    from layak.accounts.roles import Role
    from layak.regions.models import Region, RegionLevel

    shapes = [f["geometry"] for f in json.loads(BOUNDARIES.read_text("utf-8"))["features"]]
    Region.objects.bulk_create(
        Region(code=f"{11 + p}", level=RegionLevel.PROVINSI, name=f"Provinsi {11 + p}")
        for p in range(PROVINCES)
    )
    province_pk = dict(Region.objects.filter(level=RegionLevel.PROVINSI).values_list("code", "pk"))
    cities = []
    for i in range(CITIES):
        province, number = f"{11 + i % PROVINCES}", i // PROVINCES + 1
        cities.append(
            Region(
                code=f"{province}.{number:02d}",
                level=RegionLevel.KABUPATEN,
                name=f"Kabupaten {province}.{number:02d}",
                parent_id=province_pk[province],
            )
        )
    Region.objects.bulk_create(cities, batch_size=2000)
    cities = list(Region.objects.filter(level=RegionLevel.KABUPATEN).order_by("code"))
    Region.objects.bulk_create(
        (
            Region(
                code=f"{city.code}.{k:02d}",
                level=RegionLevel.KECAMATAN,
                name=f"Kecamatan {city.code}.{k:02d}",
                parent=city,
            )
            for city in cities
            for k in range(1, KECAMATAN_PER_CITY + 1)
        ),
        batch_size=2000,
    )
    kecamatan = list(Region.objects.filter(level=RegionLevel.KECAMATAN).order_by("code"))
    Region.objects.bulk_create(
        (
            Region(
                code=f"{kec.code}.{2000 + j}",
                level=RegionLevel.KELURAHAN,
                name=f"Kelurahan {kec.code}.{2000 + j}",
                parent=kec,
                boundary=shapes[(n * KELURAHAN_PER_KECAMATAN + j) % len(shapes)],
            )
            for n, kec in enumerate(kecamatan)
            for j in range(1, KELURAHAN_PER_KECAMATAN + 1)
        ),
        batch_size=500,
    )
    city_of = {city.code: city.pk for city in cities}
    kelurahan: dict[int, list[tuple[int, str]]] = {city.pk: [] for city in cities}
    for pk, code in (
        Region.objects.filter(level=RegionLevel.KELURAHAN)
        .order_by("code")
        .values_list("pk", "code")
    ):
        kelurahan[city_of[code[:5]]].append((pk, code))

    Agency.objects.bulk_create(
        Agency(
            region=city,
            code="uptd-ppa",
            name=f"UPTD PPA {city.name}",
            short_name="UPTD PPA",
            kind=AgencyKind.SERVICE_UNIT,
        )
        for city in cities
    )
    agencies = dict(Agency.objects.values_list("region_id", "pk"))
    password = make_password("bench-only-password")
    User.objects.bulk_create(
        (
            User(
                username=f"{'manajer' if i == 0 else f'pekerja{i}'}.{city.code}",
                full_name=f"Petugas {i} {city.code}",
                agency_id=agencies[city.pk],
                scope_region=city,
                password=password,
            )
            for city in cities
            for i in range(WORKERS_PER_CITY + 1)
        ),
        batch_size=2000,
    )
    workers: dict[int, list[int]] = {city.pk: [] for city in cities}
    roles = []
    for pk, username, region_id in User.objects.order_by("pk").values_list(
        "pk", "username", "scope_region_id"
    ):
        manager = username.startswith("manajer.")
        roles.append(
            RoleAssignment(user_id=pk, role=Role.CASE_MANAGER if manager else Role.CASE_WORKER)
        )
        if not manager:
            workers[region_id].append(pk)
    RoleAssignment.objects.bulk_create(roles, batch_size=2000)
    return World(cities=cities, kelurahan=kelurahan, agencies=agencies, workers=workers)


def ensure_lookups() -> None:
    """The category lists, as migration ``cases.0002_lookups`` loads them; a previous run's
    ``flush`` (or scoring's, on the same database) emptied them."""
    import csv

    from layak.cases.models import Lookup

    if Lookup.objects.exists():
        return
    with LOOKUPS.open(encoding="utf-8") as handle:
        Lookup.objects.bulk_create(
            Lookup(
                kind=row["kind"],
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                order=int(row["order"]),
                min_value=int(row["min_value"]) if row["min_value"] else None,
                max_value=int(row["max_value"]) if row["max_value"] else None,
            )
            for row in csv.DictReader(handle)
        )


def _pool(field: Any, values: Iterable[str]) -> list[str]:
    """Fernet tokens of ``values``, encrypted once by the model field itself."""
    return [field.get_prep_value(value) for value in values]


def build_cases(world: World, victims: int, rng: random.Random, today: datetime.date) -> None:
    """COPY the cases, victims, their forms and case members."""
    from django.utils import timezone

    from layak.cases.models import Case, CaseMember, Lookup, LookupKind, Victim

    tz = timezone.get_default_timezone()
    lookups = {(x.kind, x.code): x for x in Lookup.objects.all()}
    age_groups = [
        (x.min_value or 0, x.max_value or 120, x.pk)
        for x in Lookup.objects.filter(kind=LookupKind.AGE_GROUP)
    ]
    risks = [x.pk for x in Lookup.objects.filter(kind=LookupKind.RISK)]
    form_pks = [lookups[(LookupKind.VIOLENCE_FORM, code)].pk for code in FORMS]
    form_weights = list(FORMS.values())
    education = {
        code: lookups[(LookupKind.EDUCATION, code)].pk
        for code in ("belum-sekolah", "sd", "sltp", "slta")
    }
    pelajar = lookups[(LookupKind.OCCUPATION, "pelajar")].pk
    no_disability = lookups[(LookupKind.DISABILITY, "tidak")].pk

    field = Case._meta.get_field
    summaries = _pool(
        field("summary"), (f"Ringkasan kasus sintetis nomor {i}." for i in range(POOL))
    )
    closure = _pool(field("closure_note"), (f"Kasus ditutup; catatan {i}." for i in range(50)))
    vfield = Victim._meta.get_field
    names = _pool(vfield("name"), (f"Korban Sintetis {i}" for i in range(POOL)))
    niks = _pool(vfield("nik"), (f"6471{i:012d}" for i in range(POOL)))
    addresses = _pool(vfield("address"), (f"Jl. Sintetis No. {i}, RT 01" for i in range(POOL)))
    phones = _pool(vfield("phone"), (f"0812{i:08d}" for i in range(POOL)))
    guardians = _pool(vfield("guardian"), (f"Wali Sintetis {i}" for i in range(POOL)))
    births = [datetime.date(2005, 1, 1) + datetime.timedelta(days=9 * i) for i in range(POOL)]
    birth_tokens = _pool(vfield("birth_date"), (b.isoformat() for b in births))
    from layak.cases import crypto

    nik_indexes = [crypto.nik_index(f"6471{i:012d}") for i in range(POOL)]
    birth_indexes = [crypto.birth_index(b) for b in births]

    cases = round(victims / (1 + SECOND_VICTIM_SHARE))
    first = today.replace(year=today.year - YEARS, month=1, day=1)
    span = (today - first).days
    # Cases are inserted in the order they were opened, all cities mixed, as in real life.
    city_pks = [city.pk for city in world.cities]
    plan = sorted((rng.randrange(span), city_pks[n % len(city_pks)]) for n in range(cases))
    serial: dict[int, int] = {}
    codes = {city.pk: city.code for city in world.cities}
    members: list[tuple[int, int, int, datetime.datetime]] = []

    def case_rows() -> Iterator[tuple[Any, ...]]:
        for case_id, (offset, city_pk) in enumerate(plan, start=1):
            opened = first + datetime.timedelta(days=offset)
            age = (today - opened).days
            share = OPEN_SHARE[0] if age < 365 else OPEN_SHARE[1] if age < 730 else OPEN_SHARE[2]
            is_open = rng.random() < share
            stage = rng.choice(OPEN_STAGES) if is_open else "closed"
            closed_on = (
                None if is_open else min(opened + datetime.timedelta(rng.randint(20, 200)), today)
            )
            at = datetime.datetime.combine(opened, datetime.time(9), tzinfo=tz)
            owner = rng.choice(world.workers[city_pk])
            kel_pk, kel_code = rng.choice(world.kelurahan[city_pk])
            serial[city_pk] = serial.get(city_pk, 0) + 1
            if rng.random() < MEMBER_SHARE:
                other = rng.choice([w for w in world.workers[city_pk] if w != owner])
                members.append((len(members) + 1, case_id, other, at))
            yield (
                case_id,
                city_pk,
                f"{codes[city_pk]}-{serial[city_pk]:06d}",
                world.agencies[city_pk],
                owner,
                stage,
                kel_pk,
                kel_code,
                rng.choice(risks),
                False,
                False,
                summaries[case_id % POOL],
                opened,
                opened + datetime.timedelta(days=4),
                None if stage == "intake" else at + datetime.timedelta(days=2),
                closed_on,
                None if is_open else closure[case_id % len(closure)],
                None,
                1,
                at,
                at,
            )

    world.cases = copy_rows(
        Case,
        [
            "id",
            "region",
            "number",
            "agency",
            "owner",
            "stage",
            "kelurahan",
            "region_code",
            "risk",
            "child_marriage",
            "online_harm",
            "summary",
            "opened_on",
            "followup_due",
            "followup_done_at",
            "closed_on",
            "closure_note",
            "anonymised_at",
            "version",
            "created_at",
            "updated_at",
        ],
        case_rows(),
    )
    forms: list[tuple[int, int, int]] = []

    def victim_rows() -> Iterator[tuple[Any, ...]]:
        victim_id = 0
        for case_id, (offset, _city) in enumerate(plan, start=1):
            at = datetime.datetime.combine(
                first + datetime.timedelta(days=offset), datetime.time(10), tzinfo=tz
            )
            for _ in range(2 if rng.random() < SECOND_VICTIM_SHARE else 1):
                victim_id += 1
                k = rng.randrange(POOL)
                girl = rng.random() < 0.6
                adult = not girl and rng.random() < 0.55
                age = rng.randint(18, 44) if adult else rng.randint(1, 17)
                group = next(pk for low, high, pk in age_groups if low <= age <= high)
                school = (
                    "belum-sekolah"
                    if age < 6
                    else "sd"
                    if age < 13
                    else "sltp"
                    if age < 16
                    else "slta"
                )
                has_nik = rng.random() < 0.7
                for form in {
                    *rng.choices(form_pks, form_weights, k=1),
                    *(
                        rng.choices(form_pks, form_weights, k=1)
                        if rng.random() < SECOND_FORM_SHARE
                        else []
                    ),
                }:
                    forms.append((len(forms) + 1, victim_id, form))
                yield (
                    victim_id,
                    case_id,
                    names[k],
                    niks[k] if has_nik else None,
                    birth_tokens[k],
                    addresses[k],
                    phones[k],
                    None if adult else guardians[k],
                    nik_indexes[k] if has_nik else "",
                    birth_indexes[k],
                    "F" if girl or adult else "M",
                    age,
                    group,
                    education[school],
                    None if adult or age < 6 else pelajar,
                    no_disability,
                    at,
                )

    world.victims = copy_rows(
        Victim,
        [
            "id",
            "case",
            "name",
            "nik",
            "birth_date",
            "address",
            "phone",
            "guardian",
            "nik_index",
            "birth_index",
            "sex",
            "age",
            "age_group",
            "education",
            "occupation",
            "disability",
            "created_at",
        ],
        victim_rows(),
    )
    through = Victim.forms.through
    copy_rows(through, ["id", "victim", "lookup"], forms)
    world.members = copy_rows(CaseMember, ["id", "case", "user", "added_at"], members)
    for model in (Case, Victim, through, CaseMember):
        reset_sequence(model)


# -- the reads -------------------------------------------------------------------------------

#: ``my_cases`` as ``permissions._team_q`` builds it for a case worker: cases of the person's
#: agency that they own or are a member of, not closed, most urgent first.
LIST_SQL = """
SELECT c.*, u.*, k.*, r.*
FROM cases_case c
JOIN accounts_user u ON u.id = c.owner_id
LEFT JOIN regions_region k ON k.id = c.kelurahan_id
LEFT JOIN cases_lookup r ON r.id = c.risk_id
WHERE c.agency_id = %(agency)s
  AND (c.owner_id = %(user)s
       OR EXISTS (SELECT 1 FROM cases_casemember m WHERE m.case_id = c.id AND m.user_id = %(user)s))
  AND c.stage <> 'closed'
ORDER BY c.followup_due, c.opened_on DESC, c.id DESC
LIMIT %(page)s
"""

#: Keyed by the lookup CODE, as ``statistics.case_statistic`` keys its forms; a victim without a
#: form joins no lookup (key NULL: counted in the total only, as Layak's unpublished rest).
FORM_SQL = """
SELECT GROUPING(l.code), l.code, COUNT(DISTINCT v.id)
FROM cases_victim v
JOIN cases_case c ON c.id = v.case_id
JOIN regions_region r ON r.id = c.region_id
LEFT JOIN cases_victim_forms vf ON vf.victim_id = v.id
LEFT JOIN cases_lookup l ON l.id = vf.lookup_id
WHERE r.code = %(city)s AND c.opened_on >= %(start)s AND c.opened_on < %(end)s
GROUP BY GROUPING SETS ((l.code), ())
"""

KECAMATAN_SQL = r"""
SELECT GROUPING(k), k, COUNT(*)
FROM (
    SELECT CASE WHEN c.region_code ~ '^\d+\.\d+\.\d+' THEN substr(c.region_code, 1, 8) END AS k
    FROM cases_victim v
    JOIN cases_case c ON c.id = v.case_id
    JOIN regions_region r ON r.id = c.region_id
    WHERE r.code = %(city)s AND c.opened_on >= %(start)s AND c.opened_on < %(end)s
) rows
GROUP BY GROUPING SETS ((k), ())
"""


def team_list_rewritten(user: Any) -> Any:
    """``my_cases`` with the team written so that PostgreSQL can use the indexes: the case ids
    the person is a member of are read first (a short list), so the filter becomes
    ``owner_id = X OR id IN (...)``, a BitmapOr of two index scans. For the report only."""
    from django.db.models import Q

    from layak.cases.models import Case, CaseMember, Stage

    members = list(CaseMember.objects.filter(user=user).values_list("case_id", flat=True))
    return (
        Case.objects.filter(Q(owner=user) | Q(pk__in=members), agency_id=user.agency_id)
        .exclude(stage=Stage.CLOSED)
        .select_related("owner", "kelurahan", "risk")
        .order_by("followup_due", "-opened_on", "-pk")
    )


def sql_rows(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def sql_statistic(sql: str, params: dict[str, Any]) -> tuple[dict[str, int], int]:
    cells: dict[str, int] = {}
    total = 0
    for grouping, key, count in sql_rows(sql, params):
        if grouping:
            total = count
        elif key is not None:
            cells[str(key)] = count
    return cells, total


def statistic_mismatch(name: str, stat: Any, cells: dict[str, int], total: int) -> list[str]:
    """Every shown cell and a shown total must equal the SQL's count (a category the SQL does
    not return is 0: Layak lists every category, zeros included); hidden cells are skipped but
    must show the one hidden mark; every category the SQL counts must be one of Layak's."""
    from layak.core.disclosure import hidden_mark

    keys = {c.key for c in stat.cells}
    lines = []
    if missing := sorted(set(cells) - keys):
        lines.append(f"{name}: SQL categories {missing} missing from Layak's {sorted(keys)}")
    wrong = {
        c.key: (c.value, cells.get(c.key, 0))
        for c in stat.cells
        if c.value is not None and c.value != cells.get(c.key, 0)
    }
    if wrong:
        lines.append(f"{name}: shown cells (Layak, SQL) differ: {wrong}")
    marks = {c.display for c in stat.cells if c.hidden}
    if stat.total_hidden:
        marks.add(stat.total_display)
    if marks - {hidden_mark()}:
        lines.append(f"{name}: hidden cells show {sorted(marks)}, not {hidden_mark()!r}")
    if stat.total is not None and stat.total != total:
        lines.append(f"{name}: Layak total {stat.total} != SQL {total}")
    return lines


def hidden_text(stat: Any) -> str:
    """E.g. "2 of 7 hidden" (the total counted as a cell)."""
    hidden = sum(c.hidden for c in stat.cells) + int(stat.total_hidden)
    return f"{hidden} of {len(stat.cells) + 1} hidden"


def pick_worker(world: World) -> tuple[int, int]:
    """The case worker of a middle city whose open list is closest to ``WANTED_LIST``."""
    from django.db.models import Count, Q

    from layak.accounts.models import User

    city = world.cities[len(world.cities) // 2]
    people = (
        User.objects.filter(pk__in=world.workers[city.pk])
        .annotate(
            open=Count("owned_cases", filter=~Q(owned_cases__stage="closed")),
        )
        .values_list("pk", "open")
    )
    pk, count = min(people, key=lambda p: (abs(p[1] - WANTED_LIST), p[0]))
    return pk, count


def plan_summary(sql: str, params: dict[str, Any]) -> str:
    """The scans of a query plan, e.g. "Seq Scan on cases_case; Index Scan on ..."."""
    rows = sql_rows(f"EXPLAIN {sql}", params)
    scans = []
    for (line,) in rows:
        text = line.strip().lstrip("->").strip()
        if " Scan " in f" {text}" and " on " in text:
            scans.append(text.split("  (")[0])
    return "; ".join(dict.fromkeys(scans))


def run(victims: int, repeats: int) -> int:
    from django.core.cache import caches
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache
    from django.db import transaction
    from django.utils import timezone

    from layak.accounts.models import User
    from layak.cases import selectors, statistics
    from layak.cases.models import Case, CaseMember, Victim
    from layak.core.disclosure import caching, protect

    rng = random.Random(SEED)
    today = timezone.localdate()
    start = time.perf_counter()
    with transaction.atomic():
        ensure_lookups()
        world = build_regions_and_people()
        build_cases(world, victims, rng, today)
    vacuum_analyse([Case, Victim, Victim.forms.through, CaseMember])
    setup = time.perf_counter() - start
    print(f"Case benchmark (issue #4): {environment()}")
    print(
        f"  {len(world.cities)} kab/kota, {world.cases} cases, {world.victims} victims, "
        f"{world.members} extra team members; setup {seconds_text(setup)} (not measured)"
    )
    errors: list[str] = []
    rows: list[tuple[str, Timing, Timing]] = []
    hidden: dict[str, str] = {}

    user_pk, open_count = pick_worker(world)
    list_params = {"user": user_pk, "agency": User.objects.get(pk=user_pk).agency_id, "page": PAGE}
    person: list[Any] = []

    def load_person() -> None:
        # A request's user comes from the session middleware: loaded, but not part of the list.
        person[:] = [User.objects.get(pk=user_pk)]

    def layak_page() -> list[int]:
        return [case.pk for case in selectors.my_cases(person[0])[:PAGE]]

    def sql_page() -> list[int]:
        return [row[0] for row in sql_rows(LIST_SQL, list_params)]

    (ours, t_ours), (theirs, t_theirs) = alternate(
        [layak_page, sql_page], repeats, before=load_person
    )
    if ours != theirs:
        errors.append(f"my_cases: Layak {ours[:5]}... != SQL {theirs[:5]}...")
    rows.append((f"my_cases, first {PAGE} of {open_count}", t_ours, t_theirs))

    city = world.cities[len(world.cities) // 2]
    year = today.year - 1
    stat_params = {
        "city": city.code,
        "start": datetime.date(year, 1, 1),
        "end": datetime.date(year + 1, 1, 1),
    }

    # Every call protects: the process-local memo of ``protect_cached`` is emptied before each
    # run, and the cache is a dummy (``LAYAK_CACHE=dummy``, as ``make bench`` sets it) or this
    # process's own locmem cache, emptied too. A shared cache (Redis) is left alone.
    local_cache = isinstance(caches["default"], LocMemCache)
    if not isinstance(caches["default"], DummyCache | LocMemCache):
        print("  NOTE: a shared cache may answer the protection; run with LAYAK_CACHE=dummy")

    def cold() -> None:
        caching.forget_local()
        if local_cache:
            caches["default"].clear()

    for dimension, sql in (("form", FORM_SQL), ("kecamatan", KECAMATAN_SQL)):

        def layak_stat(dimension: str = dimension) -> Any:
            return statistics.case_statistic(
                city=city, year=year, unit="victims", dimension=dimension
            )

        def sql_stat(sql: str = sql) -> tuple[dict[str, int], int]:
            return sql_statistic(sql, stat_params)

        (stat, t_ours), ((cells, total), t_theirs) = alternate(
            [layak_stat, sql_stat], repeats, before=cold
        )
        errors += statistic_mismatch(dimension, stat, cells, total)
        rows.append((f"victims by {dimension}, {year} ({total})", t_ours, t_theirs))
        hidden[dimension] = hidden_text(stat)

    # Where the statistic's time goes, measured in the same rounds: the whole call with every
    # call protecting (first in each round, after the memo is emptied), counting
    # (``case_counts``, the queries), building the linked set, protecting it (``protect``, what
    # the cache saves), its cache key, and the whole call again with the memo warm (a repeated
    # call in one process, as after the first page of a city-year).
    counts = statistics.case_counts(city, year)
    linked = statistics.linked_from_counts(counts)

    def form_stat() -> Any:
        return statistics.case_statistic(city=city, year=year, unit="victims", dimension="form")

    parts = alternate(
        [
            form_stat,
            lambda: statistics.case_counts(city, year),
            lambda: statistics.linked_from_counts(counts),
            lambda: protect(linked),
            lambda: caching.fingerprint(linked),
            form_stat,
        ],
        repeats,
        before=cold,
    )
    (_, t_cold), (_, t_count), (_, t_link), (protected, t_protect), (_, t_key), (_, t_warm) = parts
    if protected.hidden != statistics.case_tables(city, year).hidden:
        errors.append("protect: other cells hidden than case_tables'")

    header = ("scenario", "Layak med", "p95", "q", "SQL med", "p95", "q", "ratio")
    print(
        f"  {header[0]:<34}{header[1]:>10}{header[2]:>10}{header[3]:>4}"
        f"{header[4]:>10}{header[5]:>10}{header[6]:>4}{header[7]:>8}"
    )
    for name, ours_t, theirs_t in rows:
        print(
            f"  {name:<34}{seconds_text(ours_t.median):>10}{seconds_text(ours_t.p95):>10}"
            f"{ours_t.queries:>4}{seconds_text(theirs_t.median):>10}"
            f"{seconds_text(theirs_t.p95):>10}{theirs_t.queries:>4}"
            f"{ours_t.median / theirs_t.median:>7.1f}x"
        )
    print(
        f"  median and 95th percentile of {repeats} runs each (after {WARM_UP} warm-up runs); "
        "ratio = Layak median / SQL median; q = queries per run"
    )
    [(rewritten, t_rewritten)] = alternate(
        [lambda: [case.pk for case in team_list_rewritten(person[0])[:PAGE]]],
        repeats,
        before=load_person,
    )
    if rewritten != theirs:
        errors.append("my_cases rewritten: other rows than the SQL's")
    print(f"  plan of the list: {plan_summary(LIST_SQL, list_params)}")
    print(
        f"  the list as owner OR pk IN (member case ids), ORM: median "
        f"{seconds_text(t_rewritten.median)}, p95 {seconds_text(t_rewritten.p95)}, "
        f"{t_rewritten.queries} queries"
    )
    print(
        f"  victims by form, Layak, every call protecting: median {seconds_text(t_cold.median)}"
        f" = counting (case_counts, {t_count.queries} queries) {seconds_text(t_count.median)}"
        f" + linking {seconds_text(t_link.median)} + protection (protect) "
        f"{seconds_text(t_protect.median)} + cache key {seconds_text(t_key.median)} + the rest "
        f"(labels); protection {t_protect.median / t_cold.median:.0%} of the call"
    )
    print(
        f"  the same with the protection memoised (a repeated call): median "
        f"{seconds_text(t_warm.median)}, p95 {seconds_text(t_warm.p95)}, {t_warm.queries} queries"
    )
    print(
        f"  the city-year's linked set: {len(linked.values):,} cells, {len(linked.published):,} "
        f"published, {len(protected.hidden)} hidden; victims by form {hidden['form']}, "
        f"by kecamatan {hidden['kecamatan']}"
    )
    for dimension, sql in (("form", FORM_SQL), ("kecamatan", KECAMATAN_SQL)):
        print(f"  plan of victims by {dimension}: {plan_summary(sql, stat_params)}")
    if errors:
        return report_mismatches(errors, "results differ from the SQL")
    print("  Layak's rows equal the SQL's in every scenario")
    return 0


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cases", description=__doc__.split("\n")[0]
    )
    add_arguments(parser)
    return parser.parse_args(argv)


def add_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--victims",
        type=int,
        default=VICTIMS,
        help=f"victims in all (cases: victims / 1.25); default {VICTIMS:,}",
    )
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help=f"runs per query; default {REPEATS}"
    )


def main(victims: int = VICTIMS, repeats: int = REPEATS) -> int:
    return throwaway_database(
        lambda: run(victims, repeats),
        holds_data=("regions.Region", "accounts.User", "cases.Case"),
        postgres_only="Case benchmark",
    )


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    sys.exit(main(arguments.victims, arguments.repeats))
