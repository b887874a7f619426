"""Case statistics (issues #4 and #12): every count derived from cases that leaves the case team
is one cell of ONE set of linked tables per kab/kota and year, protected as a whole by
:mod:`layak.core.disclosure`.

The set (:func:`linked_from_counts`) holds cases, victims and reports by kelurahan, kecamatan and
city; online cases by area (the ``kekerasan-daring`` roll-up); victims and cases by form of
violence, sex, age group and month; reports by month and channel; PATBM early-detection reports
and those referred per kelurahan (the PATBM evaluation suggestions). The statistics page, its
CSV, the API, the indicator roll-ups (``kekerasan-anak``, ``kekerasan-daring``) and the PATBM
suggestions all read the one :class:`~layak.core.disclosure.Protected` of :func:`case_tables`,
so they hide the same cells. Keys are ``(unit, dimension, category)`` tuples of str: the same
number has the same key wherever it is published (``("cases", "area", "64.71.01")`` is both the
statistics page's cases of Kecamatan Balikpapan Timur and that kecamatan's roll-up of
``kekerasan-anak``).

Protecting a city-year takes up to a second, so the result is cached under a fingerprint of the
whole linked set (every value, which cells are published, every relation and the protection
settings): the same data gives the same key and the same hidden cells, changed data a new key.
The roll-up job (``refresh_cases``) computes it and so fills the cache for the pages.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from layak.accounts.scope import city_of
from layak.cases.models import (
    Case,
    Channel,
    Consent,
    Lookup,
    LookupKind,
    Purpose,
    Report,
    ReportStatus,
    Victim,
)
from layak.core.choices import Sex
from layak.core.disclosure import Linked, Protected, hidden_mark
from layak.core.disclosure.caching import protect_cached
from layak.regions.models import Region, RegionLevel
from layak.regions.selectors import home_region

#: The unpublished part of a breakdown: a case without a (known) kelurahan counts for the city
#: only; a victim without an age group or a form, a case without a victim, are "unknown".
UNPLACED = "-"
UNKNOWN = "-"

#: Units counted by area. ``online``: cases of online harm; ``patbm``: early-detection reports
#: from PATBM activists (kelurahan only); ``referred``: those that became or joined a case.
AREA_UNITS = ("cases", "online", "victims", "reports", "patbm", "referred")
#: Cells never shown but derivable by subtraction wherever both numbers are shown, so declared
#: as published cells (a small one is protected like any other): unit -> (whole, shown part).
DERIVED = {"offline": ("cases", "online"), "unreferred": ("patbm", "referred")}

UNITS = ("victims", "cases", "reports")
DIMENSIONS = ("form", "age_group", "sex", "kecamatan", "kelurahan", "month")
REPORT_DIMENSIONS = ("kecamatan", "kelurahan", "month", "channel")
#: Breakdowns in which one unit can fall into several parts (a victim suffers several forms;
#: a case has victims of both sexes): each part <= total <= sum of the parts.
MULTI_VALUED = {
    ("victims", "form"),
    ("cases", "form"),
    ("cases", "sex"),
    ("cases", "age_group"),
}

Key = tuple[str, str, str]


def area_key(unit: str, code: str) -> Key:
    """The cell of ``unit`` in the area ``code`` (kelurahan, kecamatan or the city itself)."""
    return (unit, "area", code)


def category_key(unit: str, dimension: str, category: str) -> Key:
    return (unit, dimension, category)


# -- the linked set, from plain counts (no database) -----------------------------------------


@dataclass
class CaseCounts:
    """The counts of one kab/kota and year, the input of :func:`linked_from_counts`.

    ``kelurahan_of``: kecamatan code -> the codes of ALL its kelurahan/desa (zeros too).
    ``areas``: unit (:data:`AREA_UNITS`) -> kelurahan code or :data:`UNPLACED` -> count; a
    missing code counts 0. ``referred`` has no UNPLACED part.
    ``categories``: (unit, dimension) -> category -> count, for ("victims"|"cases", "form" |
    "sex" | "age_group" | "month") and ("reports", "month" | "channel"); the category
    :data:`UNKNOWN` is an unpublished rest (include it only where the data can have one).
    Every category list adds up to (or, multi-valued, covers) the unit's city total.
    """

    city: str
    kelurahan_of: dict[str, list[str]]
    areas: dict[str, dict[str, int]] = field(default_factory=dict)
    categories: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


def linked_from_counts(counts: CaseCounts) -> Linked:
    """Every case-derived cell of a city-year with every relation a reader knows (pure)."""
    t = Linked()
    city = counts.city
    for unit in ("cases", "online", "victims", "reports"):
        _geography(t, counts, unit)
    for area in [city, UNPLACED, *_all_areas(counts)]:
        # Cases outside the online ones are never shown, but anyone can subtract them: they
        # are cells of their own (a small count is protected like any other).
        cases, online = area_key("cases", area), area_key("online", area)
        offline = t.cell(
            area_key("offline", area),
            t.values[cases] - t.values[online],
            published=area != UNPLACED,
        )
        t.add_sum(cases, [online, offline])
        cases, victims = area_key("cases", area), area_key("victims", area)
        if t.values[cases] <= t.values[victims]:
            # Every case has a victim once recorded; declared wherever it holds.
            t.add_below(cases, victims)
    for (unit, dimension), per_category in sorted(counts.categories.items()):
        parts = [
            t.cell(
                category_key(unit, dimension, category),
                value,
                published=category != UNKNOWN,
            )
            for category, value in sorted(per_category.items())
        ]
        total = area_key(unit, city)
        if (unit, dimension) in MULTI_VALUED:
            t.add_cover(total, parts)
        else:
            t.add_sum(total, parts)
    for dimension in ("form", "sex", "age_group", "month"):
        of_cases = counts.categories.get(("cases", dimension), {})
        of_victims = counts.categories.get(("victims", dimension), {})
        for category in sorted(set(of_cases) & set(of_victims)):
            if of_cases[category] <= of_victims[category]:
                t.add_below(
                    category_key("cases", dimension, category),
                    category_key("victims", dimension, category),
                )
    _patbm(t, counts)
    return t


def _all_areas(counts: CaseCounts) -> list[str]:
    return [
        code
        for kec, kelurahan in sorted(counts.kelurahan_of.items())
        for code in [kec, *sorted(kelurahan)]
    ]


def _geography(t: Linked, counts: CaseCounts, unit: str) -> None:
    """Kelurahan add up to their kecamatan; kecamatan and the unplaced rest to the city."""
    per = counts.areas.get(unit, {})
    kecamatan_keys = []
    for kec, kelurahan in sorted(counts.kelurahan_of.items()):
        parts = [t.cell(area_key(unit, kel), per.get(kel, 0)) for kel in sorted(kelurahan)]
        key = t.cell(area_key(unit, kec), sum(t.values[p] for p in parts))
        t.add_sum(key, parts)
        kecamatan_keys.append(key)
    rest = t.cell(area_key(unit, UNPLACED), per.get(UNPLACED, 0), published=False)
    parts = [*kecamatan_keys, rest]
    total = t.cell(area_key(unit, counts.city), sum(t.values[p] for p in parts))
    t.add_sum(total, parts)


def _patbm(t: Linked, counts: CaseCounts) -> None:
    """PATBM reports per kelurahan (<= all reports there) add up, with the unplaced ones, to
    the reports of the PATBM channel; those referred are some of them."""
    patbm = counts.areas.get("patbm", {})
    referred = counts.areas.get("referred", {})
    kelurahan = [code for kels in counts.kelurahan_of.values() for code in kels]
    parts = []
    for code in sorted(kelurahan):
        part = t.cell(area_key("patbm", code), patbm.get(code, 0))
        t.add_below(part, area_key("reports", code))
        sent = t.cell(area_key("referred", code), referred.get(code, 0))
        # Those not referred are never shown but derivable: a cell of their own.
        rest = t.cell(area_key("unreferred", code), t.values[part] - t.values[sent])
        t.add_sum(part, [sent, rest])
        parts.append(part)
    parts.append(t.cell(area_key("patbm", UNPLACED), patbm.get(UNPLACED, 0), published=False))
    channel = category_key("reports", "channel", Channel.PATBM.value)
    if channel in t.values:
        t.add_sum(channel, parts)


# -- counting (the database) -----------------------------------------------------------------


def _consenting(cases: QuerySet[Case], on: datetime.date) -> QuerySet[Case]:
    consent = Consent.objects.filter(
        case=OuterRef("pk"), purpose=Purpose.STATISTICS, given_on__lte=on
    ).exclude(withdrawn_on__lte=on)
    return cases.filter(Exists(consent))


def counted_in_statistics(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases any statistics may count: all of them, or with
    ``LAYAK_CASE_STATS_REQUIRE_CONSENT`` those consenting to statistics today."""
    if settings.LAYAK_CASE_STATS_REQUIRE_CONSENT:
        return _consenting(cases, timezone.localdate())
    return cases


def city_areas(city: Region) -> dict[str, list[str]]:
    """kecamatan code -> its kelurahan/desa codes (every area of the city, one query)."""
    rows = Region.objects.filter(
        code__startswith=f"{city.code}.",
        level__in=[RegionLevel.KECAMATAN, RegionLevel.KELURAHAN, RegionLevel.DESA],
    ).values_list("code", flat=True)
    depth = city.code.count(".")
    codes = sorted(rows)
    kelurahan_of: dict[str, list[str]] = {c: [] for c in codes if c.count(".") == depth + 1}
    for code in codes:
        if code.count(".") == depth + 2 and code.rsplit(".", 1)[0] in kelurahan_of:
            kelurahan_of[code.rsplit(".", 1)[0]].append(code)
    return kelurahan_of


def _months(year: int, found: Iterable[int]) -> list[int]:
    """The months of ``year`` published: all of a past year, up to now for this one."""
    today = timezone.localdate()
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return list(range(1, max([last, *found]) + 1))


def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def case_counts(city: Region, year: int) -> CaseCounts:
    """Count the cases, victims and reports of ``city`` in ``year`` (a dozen queries)."""
    kelurahan_of = city_areas(city)
    known = {code for kels in kelurahan_of.values() for code in kels}

    def place(code: str | None) -> str:
        return code if code in known else UNPLACED

    def add(into: dict[str, int], key: str, n: int) -> None:
        into[key] = into.get(key, 0) + n

    counts = CaseCounts(city=city.code, kelurahan_of=kelurahan_of)
    areas = {unit: {} for unit in AREA_UNITS}  # type: dict[str, dict[str, int]]
    counts.areas = areas
    cases = counted_in_statistics(Case.objects.filter(region=city, opened_on__year=year))
    for row in cases.values("kelurahan__code").annotate(
        n=Count("pk"), online=Count("pk", filter=Q(online_harm=True))
    ):
        add(areas["cases"], place(row["kelurahan__code"]), row["n"])
        add(areas["online"], place(row["kelurahan__code"]), row["online"])
    total_cases = sum(areas["cases"].values())
    victims = Victim.objects.filter(case__in=cases.values("pk"))
    for row in victims.values("case__kelurahan__code").annotate(n=Count("pk")):
        add(areas["victims"], place(row["case__kelurahan__code"]), row["n"])
    cats = counts.categories

    # Forms of violence: several per victim; the rest without a form is unknown.
    forms = _lookup_codes(LookupKind.VIOLENCE_FORM)
    v_form = dict.fromkeys(forms, 0)
    c_form = dict.fromkeys(forms, 0)
    for row in (
        victims.filter(forms__isnull=False)
        .values("forms__code")
        .annotate(n=Count("pk", distinct=True), c=Count("case", distinct=True))
    ):
        v_form[row["forms__code"]] = row["n"]
        c_form[row["forms__code"]] = row["c"]
    v_form[UNKNOWN] = victims.filter(forms__isnull=True).count()
    c_form[UNKNOWN] = total_cases - _cases_among(victims.filter(forms__isnull=False))
    cats[("victims", "form")] = v_form
    cats[("cases", "form")] = c_form

    # Sex: one per victim (required), so the victims add up; cases without a victim are unknown.
    v_sex = dict.fromkeys((str(s) for s in Sex.values), 0)
    c_sex = dict.fromkeys((str(s) for s in Sex.values), 0)
    for row in victims.values("sex").annotate(n=Count("pk"), c=Count("case", distinct=True)):
        key = row["sex"] if row["sex"] in v_sex else UNKNOWN
        add(v_sex, key, row["n"])
        add(c_sex, key, row["c"])
    c_sex[UNKNOWN] = c_sex.get(UNKNOWN, 0) + total_cases - _cases_among(victims)
    cats[("victims", "sex")] = v_sex
    cats[("cases", "sex")] = c_sex

    ages = _lookup_codes(LookupKind.AGE_GROUP)
    v_age = {**dict.fromkeys(ages, 0), UNKNOWN: 0}
    c_age = dict.fromkeys(ages, 0)
    for row in victims.values("age_group__code").annotate(
        n=Count("pk"), c=Count("case", distinct=True)
    ):
        code = row["age_group__code"] or UNKNOWN
        add(v_age, code, row["n"])
        if code != UNKNOWN:
            c_age[code] = row["c"]
    c_age[UNKNOWN] = total_cases - _cases_among(victims.filter(age_group__isnull=False))
    cats[("victims", "age_group")] = v_age
    cats[("cases", "age_group")] = c_age

    c_month = {
        r["opened_on__month"]: r["n"]
        for r in cases.values("opened_on__month").annotate(n=Count("pk"))
    }
    v_month = {
        r["case__opened_on__month"]: r["n"]
        for r in victims.values("case__opened_on__month").annotate(n=Count("pk"))
    }

    reports = Report.objects.filter(region=city, received_at__year=year)
    r_channel = dict.fromkeys((str(c) for c in Channel.values), 0)
    r_month: dict[int, int] = {}
    for row in reports.values("kelurahan__code", "channel").annotate(
        n=Count("pk"),
        referred=Count("pk", filter=Q(status__in=[ReportStatus.CASE, ReportStatus.MERGED])),
    ):
        where = place(row["kelurahan__code"])
        add(areas["reports"], where, row["n"])
        add(r_channel, row["channel"], row["n"])
        if row["channel"] == Channel.PATBM:
            add(areas["patbm"], where, row["n"])
            if where != UNPLACED:
                add(areas["referred"], where, row["referred"])
    for row in reports.values("received_at__month").annotate(n=Count("pk")):
        r_month[row["received_at__month"]] = row["n"]
    cats[("reports", "channel")] = r_channel

    months = _months(year, [*c_month, *v_month, *r_month])
    cats[("cases", "month")] = {_month(year, m): c_month.get(m, 0) for m in months}
    cats[("victims", "month")] = {_month(year, m): v_month.get(m, 0) for m in months}
    cats[("reports", "month")] = {_month(year, m): r_month.get(m, 0) for m in months}
    return counts


def _cases_among(victims: QuerySet[Victim]) -> int:
    return victims.values("case").distinct().count()


def _lookup_codes(kind: str) -> list[str]:
    return list(Lookup.objects.filter(kind=kind).values_list("code", flat=True))


def case_tables(city: Region, year: int) -> Protected:
    """The one protected set of case-derived cells of ``city`` in ``year``: every page, export,
    API and roll-up publishing a case count reads it."""
    return protect_cached(linked_from_counts(case_counts(city, year)), f"cases:{city.code}:{year}")


def case_years(city: Region) -> list[int]:
    """The years in which ``city`` opened cases or received reports."""
    years = {d.year for d in Case.objects.filter(region=city).dates("opened_on", "year")}
    years |= {d.year for d in Report.objects.filter(region=city).datetimes("received_at", "year")}
    return sorted(years)


def statistics_years(city: Region) -> list[int]:
    """Years offered on the statistics page, latest first (this year always)."""
    return sorted({*case_years(city), timezone.localdate().year}, reverse=True)


# -- one-dimensional views of the set (the page, its CSV and the API) -------------------------


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    value: int | None  # None: hidden

    @property
    def display(self) -> str:
        return hidden_mark() if self.value is None else str(self.value)

    @property
    def hidden(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Statistic:
    unit: str
    dimension: str
    cells: list[Cell]
    total: int | None

    @property
    def total_display(self) -> str:
        return hidden_mark() if self.total is None else str(self.total)

    @property
    def total_hidden(self) -> bool:
        return self.total is None


def _check(unit: str, dimension: str) -> None:
    """Refuse a unit or dimension the statistics do not publish (before any counting)."""
    allowed = REPORT_DIMENSIONS if unit == "reports" else DIMENSIONS
    if unit not in UNITS or dimension not in allowed:
        raise ValueError(f"{unit} by {dimension}")


def _labels(dimension: str, keys: list[str]) -> dict[str, str]:
    if dimension in ("kecamatan", "kelurahan"):
        return dict(Region.objects.filter(code__in=keys).values_list("code", "name"))
    if dimension == "sex":
        return {str(k): str(v) for k, v in Sex.choices}
    if dimension == "channel":
        return {str(k): str(v) for k, v in Channel.choices}
    if dimension in ("form", "age_group"):
        kind = LookupKind.VIOLENCE_FORM if dimension == "form" else LookupKind.AGE_GROUP
        return {x.code: str(x) for x in Lookup.objects.filter(kind=kind)}
    return {k: k for k in keys}


def case_keys(keys: Iterable[object]) -> list[Key]:
    """The keys of case-derived cells among ``keys`` (typed)."""
    return [
        (k[0], k[1], k[2])
        for k in keys
        if isinstance(k, tuple) and len(k) == 3 and all(isinstance(p, str) for p in k)
    ]


def _keys(protected: Protected, unit: str, dimension: str, city: Region) -> list[str]:
    published = case_keys(protected.linked.published)
    if dimension in ("kecamatan", "kelurahan"):
        depth = city.code.count(".") + (1 if dimension == "kecamatan" else 2)
        return sorted(
            k[2] for k in published if k[:2] == (unit, "area") and k[2].count(".") == depth
        )
    found = {k[2] for k in published if k[:2] == (unit, dimension)}
    if dimension in ("form", "age_group"):
        kind = LookupKind.VIOLENCE_FORM if dimension == "form" else LookupKind.AGE_GROUP
        order = list(Lookup.objects.filter(kind=kind).values_list("code", flat=True))
        return [code for code in order if code in found]
    return sorted(found)


def statistic_of(protected: Protected, city: Region, unit: str, dimension: str) -> Statistic:
    """Counts of ``unit`` by ``dimension`` as published from ``protected``."""
    _check(unit, dimension)
    lookup = "area" if dimension in ("kecamatan", "kelurahan") else dimension
    keys = _keys(protected, unit, dimension, city)
    labels = _labels(dimension, keys)
    cells = [
        Cell(k, labels.get(k, k), protected.shown(category_key(unit, lookup, k))) for k in keys
    ]
    if dimension in ("kecamatan", "kelurahan"):
        cells.sort(key=lambda c: (c.label, c.key))
    return Statistic(unit, dimension, cells, protected.shown(area_key(unit, city.code)))


def case_statistic(*, city: Region, year: int, unit: str, dimension: str) -> Statistic:
    """Counts of ``unit`` (victims, cases or reports) by ``dimension`` in ``city`` and
    ``year``, hidden as everywhere else (:func:`case_tables`)."""
    _check(unit, dimension)
    return statistic_of(case_tables(city, year), city, unit, dimension)


def statistics_city(cities: list[Region], code: str | None) -> Region | None:
    """The kab/kota whose statistics the reader asked for among ``cities`` (those they may
    read). Statistics are per kab/kota, so a reader whose scope covers several (national or
    provincial staff) picks one by ``code``; the deployment's home kab/kota, or else the first,
    is the default. None when ``code`` names none of them (or there are none)."""
    if code:
        return next((c for c in cities if c.code == code), None)
    home = home_region()
    return next((c for c in cities if home is not None and c.pk == home.pk), None) or (
        cities[0] if cities else None
    )


def statistics_home(user: Any) -> Region | None:
    """Where the reader's agency sits, at any level: the kab/kota it works in
    (:func:`layak.accounts.scope.city_of`), or the province or kecamatan of an agency placed
    there — a reader scoped below a kab/kota reads the statistics of the kab/kota it lies in
    (:func:`cities_for_statistics`). The page and the API read it here."""
    agency = getattr(user, "agency", None)
    return city_of(user) or (agency.region if agency is not None else None)


def cities_for_statistics(region_filter: Q, home: Region | None = None) -> list[Region]:
    """The kab/kota whose statistics a reader with ``region_filter`` (path ``code``) may read:
    those within the reader's scope, or, for a reader scoped below a kab/kota (a kecamatan
    agency), the kab/kota ``home`` lies in (statistics are published per kab/kota)."""
    levels = [RegionLevel.KOTA, RegionLevel.KABUPATEN]
    cities = list(
        Region.objects.filter(region_filter, level__in=levels).defer("boundary").order_by("code")
    )
    if cities or home is None:
        return cities
    codes = [home.code.rsplit(".", n)[0] for n in range(home.code.count(".") + 1)]
    return list(Region.objects.filter(code__in=codes, level__in=levels).defer("boundary")[:1])
