"""Reads of Puspaga (issue #5): free slots, work lists, and the yearly service counts.

The counts leave the counselling room, so every published figure goes through
:mod:`layak.core.disclosure`: :func:`puspaga_counts` declares every Puspaga count of a city-year
(topic x mode, kecamatan x mode, their shared mode totals and grand total, the families served
and the families of each month) as ONE set of linked tables and protects them together, and the
counts page, its CSV, the API, the indicator-8 suggestion, the monthly indicator and the
disclosure audit all read that one result. Hidden cells show :func:`hidden_mark`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from layak.core.disclosure import Linked, Protected
from layak.core.disclosure.caching import protect_cached
from layak.families.models import (
    HOLDS_SLOT,
    Booking,
    BookingStatus,
    Certificate,
    Mode,
    Schedule,
    ServicePoint,
    Session,
    Topic,
)
from layak.families.permissions import bookings_visible_to, sessions_visible_to
from layak.indicators.derived import DerivedRow
from layak.regions.models import Region, RegionLevel


def booking_days() -> int:
    return int(settings.LAYAK_PUSPAGA_BOOKING_DAYS)


def min_notice() -> datetime.timedelta:
    return datetime.timedelta(hours=int(settings.LAYAK_PUSPAGA_MIN_NOTICE_HOURS))


# -- slots -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A free time of one counsellor at one service point."""

    schedule_id: int
    service_point_id: int
    service_point: str
    counsellor_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime

    @property
    def key(self) -> str:
        """The form value: schedule and local start time, e.g. ``12:202606011000``."""
        return f"{self.schedule_id}:{timezone.localtime(self.starts_at):%Y%m%d%H%M}"


def _slots_of(schedule: Schedule, day: datetime.date) -> Iterable[tuple[Any, Any]]:
    if day.weekday() != schedule.weekday or day < schedule.valid_from:
        return
    if schedule.valid_until is not None and day > schedule.valid_until:
        return
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, schedule.start_time, tzinfo=zone)
    end = datetime.datetime.combine(day, schedule.end_time, tzinfo=zone)
    length = datetime.timedelta(minutes=schedule.slot_minutes)
    step = length + datetime.timedelta(minutes=schedule.break_minutes)
    while start + length <= end:
        yield start, start + length
        start += step


def free_slots(
    city: Region,
    *,
    days: int | None = None,
    start: datetime.date | None = None,
    service_point: ServicePoint | None = None,
    now: datetime.datetime | None = None,
) -> list[Slot]:
    """The free slots of ``city`` from ``start`` (today) for ``days`` days, earliest first.

    A slot is free when the counsellor has no booking holding any time that overlaps it, and
    it starts at least ``LAYAK_PUSPAGA_MIN_NOTICE_HOURS`` from now.
    """
    now = now or timezone.now()
    start = start or timezone.localdate(now)
    days = booking_days() if days is None else days
    last = start + datetime.timedelta(days=days)
    schedules = Schedule.objects.filter(
        service_point__region=city,
        service_point__is_active=True,
        is_active=True,
        counsellor__is_active=True,
        valid_from__lte=last,
    ).select_related("service_point")
    if service_point is not None:
        schedules = schedules.filter(service_point=service_point)
    schedules = schedules.exclude(valid_until__lt=start)
    schedule_list = list(schedules)
    taken: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    for counsellor_id, starts_at, ends_at in Booking.objects.filter(
        counsellor_id__in={s.counsellor_id for s in schedule_list},
        status__in=HOLDS_SLOT,
        starts_at__lt=datetime.datetime.combine(last, datetime.time.max, tzinfo=now.tzinfo),
        ends_at__gt=now,
    ).values_list("counsellor_id", "starts_at", "ends_at"):
        taken.setdefault(counsellor_id, []).append((starts_at, ends_at))
    earliest = now + min_notice()
    found: list[Slot] = []
    for offset in range(days + 1):
        day = start + datetime.timedelta(days=offset)
        for schedule in schedule_list:
            for begin, end in _slots_of(schedule, day):
                if begin < earliest:
                    continue
                busy = taken.get(schedule.counsellor_id, [])
                if any(b < end and e > begin for b, e in busy):
                    continue
                found.append(
                    Slot(
                        schedule.pk,
                        schedule.service_point_id,
                        schedule.service_point.name,
                        schedule.counsellor_id,
                        begin,
                        end,
                    )
                )
    found.sort(key=lambda s: (s.starts_at, s.service_point, s.counsellor_id))
    # One slot per place and time is enough for a family; the counsellor is assigned.
    unique: dict[tuple[int, datetime.datetime], Slot] = {}
    for slot in found:
        unique.setdefault((slot.service_point_id, slot.starts_at), slot)
    return list(unique.values())


def slot_from_key(key: str) -> tuple[int, datetime.datetime] | None:
    """Parse a slot key into (schedule id, aware start); None when malformed."""
    schedule_part, _sep, time_part = key.partition(":")
    if not (schedule_part.isdigit() and time_part.isdigit() and len(time_part) == 12):
        return None
    try:
        moment = datetime.datetime(
            int(time_part[0:4]),
            int(time_part[4:6]),
            int(time_part[6:8]),
            int(time_part[8:10]),
            int(time_part[10:12]),
            tzinfo=timezone.get_default_timezone(),
        )
    except ValueError:
        return None
    return int(schedule_part), moment


def slot_is_offered(schedule: Schedule, starts_at: datetime.datetime) -> bool:
    """Whether ``starts_at`` is one of the schedule's slot starts on that day."""
    day = timezone.localtime(starts_at).date()
    return any(begin == starts_at for begin, _end in _slots_of(schedule, day))


# -- work lists ------------------------------------------------------------------------------


def my_bookings(user: Any, *, since: datetime.date | None = None) -> QuerySet[Booking]:
    """The counsellor's bookings still to hold (from ``since``, today by default)."""
    since = since or timezone.localdate()
    zone = timezone.get_default_timezone()
    return (
        bookings_visible_to(user)
        .filter(
            status=BookingStatus.BOOKED,
            starts_at__gte=datetime.datetime.combine(since, datetime.time.min, tzinfo=zone),
        )
        .order_by("starts_at", "pk")
    )


def recent_sessions(user: Any) -> QuerySet[Session]:
    return sessions_visible_to(user).order_by("-held_on", "-pk")


# -- counts ----------------------------------------------------------------------------------


MODES = [m.value for m in Mode]
KECAMATAN_CODE_LENGTH = 8  # "64.71.01": the kecamatan part of a kelurahan code
TOPICS = [t.value for t in Topic]
UNKNOWN = "-"
MONTHS = [f"{m:02d}" for m in range(1, 13)]

#: The keys of the cells every Puspaga count of a city-year is published as (tuples of str).
TOTAL_KEY: tuple[str, ...] = ("total",)
FAMILIES_KEY: tuple[str, ...] = ("families",)


def cell_key(dimension: str, key: str, mode: str) -> tuple[str, ...]:
    """A cell of a table: sessions of one topic (or kecamatan) in one mode."""
    return (dimension, key, mode)


def row_key(dimension: str, key: str) -> tuple[str, ...]:
    """The row total of one topic (or kecamatan)."""
    return (dimension, "row", key)


def mode_key(mode: str) -> tuple[str, ...]:
    """The sessions of one mode: the column total both tables publish."""
    return ("col", mode)


def month_key(month: str) -> tuple[str, ...]:
    """Families served in one month (``"01"``..``"12"``): the indicator ``puspaga-layanan``."""
    return ("month", month)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[str]  # one per mode: the number, or hidden_mark() when hidden
    total: str


@dataclass(frozen=True)
class CountTable:
    dimension: str  # "topic" or "kecamatan"
    rows: list[Row]
    mode_totals: list[str]
    total: str


@dataclass(frozen=True)
class CountFacts:
    """The true Puspaga counts of one city-year, before suppression (never published as is)."""

    by_topic: dict[tuple[str, str], int]  # (topic, mode) -> sessions
    by_kecamatan: dict[tuple[str, str], int]  # (kecamatan code or "-", mode) -> sessions
    kecamatan_keys: list[str]
    families: int = 0  # distinct families served in the year
    months: dict[str, int] | None = None  # "01".."12" -> distinct families served that month


@dataclass(frozen=True)
class PuspagaCounts:
    """Every Puspaga count of one city-year that leaves the counsellors, declared as ONE set of
    linked tables and suppressed together: the counts page, its CSV, the API, the indicator-8
    suggestion and the monthly indicator all read their cells from here, so they hide the same
    cells."""

    facts: CountFacts
    linked: Linked
    protected: Protected

    def display(self, key: Any) -> str:
        return self.protected.display(key)

    def shown(self, key: Any) -> int | None:
        return self.protected.shown(key)


def counts_linked(facts: CountFacts) -> Linked:
    """The linked tables of one city-year: topic x mode and kecamatan x mode with their row
    totals, the mode totals and grand total both tables share, the families served (at most
    the sessions) and the families of each month (each month at most the year's families, the
    year's at most the sum of the months, as one family can come in several months)."""
    t = Linked()
    specs = [
        ("topic", facts.by_topic, TOPICS),
        ("kecamatan", facts.by_kecamatan, facts.kecamatan_keys),
    ]
    for mode in MODES:
        t.cell(mode_key(mode), sum(facts.by_topic.get((k, mode), 0) for k in TOPICS))
    t.cell(TOTAL_KEY, sum(t.values[mode_key(m)] for m in MODES))
    t.add_sum(TOTAL_KEY, [mode_key(m) for m in MODES])
    for dimension, raw, keys in specs:
        for key in keys:
            cells = [t.cell(cell_key(dimension, key, m), raw.get((key, m), 0)) for m in MODES]
            total = t.cell(row_key(dimension, key), sum(raw.get((key, m), 0) for m in MODES))
            t.add_sum(total, cells)
        for mode in MODES:
            t.add_sum(mode_key(mode), [cell_key(dimension, k, mode) for k in keys])
        t.add_sum(TOTAL_KEY, [row_key(dimension, k) for k in keys])
    t.cell(FAMILIES_KEY, facts.families)
    t.add_below(FAMILIES_KEY, TOTAL_KEY)
    if facts.months is not None:
        months = [t.cell(month_key(m), facts.months.get(m, 0)) for m in MONTHS]
        t.add_cover(FAMILIES_KEY, months)
    return t


def protect_counts(facts: CountFacts) -> PuspagaCounts:
    linked = counts_linked(facts)
    return PuspagaCounts(facts=facts, linked=linked, protected=protect_cached(linked, "families"))


def _tables(
    counts: PuspagaCounts, specs: list[tuple[str, list[str], dict[str, str]]]
) -> list[CountTable]:
    """The topic and kecamatan tables (``specs``: dimension, row keys, labels) as ``counts``
    shows them: the cells it hides show ``hidden_mark()``."""
    show = counts.display
    return [
        CountTable(
            dimension,
            [
                Row(
                    key,
                    labels.get(key, key),
                    [show(cell_key(dimension, key, m)) for m in MODES],
                    show(row_key(dimension, key)),
                )
                for key in keys
            ],
            [show(mode_key(m)) for m in MODES],
            show(TOTAL_KEY),
        )
        for dimension, keys, labels in specs
    ]


def _kecamatan_names(city: Region) -> dict[str, str]:
    return dict(
        Region.objects.filter(
            code__startswith=f"{city.code}.", level=RegionLevel.KECAMATAN
        ).values_list("code", "name")
    )


def count_facts(city: Region, year: int) -> CountFacts:
    sessions = Session.objects.filter(region=city, held_on__year=year)
    by_topic = {
        (r["topic"], r["mode"]): r["n"]
        for r in sessions.values("topic", "mode").annotate(n=Count("pk"))
    }
    by_kec: dict[tuple[str, str], int] = {}
    for r in sessions.values("kecamatan_code", "mode").annotate(n=Count("pk")):
        code = (r["kecamatan_code"] or "")[:KECAMATAN_CODE_LENGTH] or UNKNOWN
        by_kec[(code, r["mode"])] = by_kec.get((code, r["mode"]), 0) + r["n"]
    kec_keys = sorted(set(_kecamatan_names(city)) | {k for k, _m in by_kec})
    if UNKNOWN in kec_keys:
        kec_keys.remove(UNKNOWN)
        kec_keys.append(UNKNOWN)
    months = {
        f"{row['month']:02d}": row["n"]
        for row in sessions.annotate(month=ExtractMonth("held_on"))
        .values("month")
        .annotate(n=Count("family_id", distinct=True))
        .order_by("month")
    }
    return CountFacts(
        by_topic=by_topic,
        by_kecamatan=by_kec,
        kecamatan_keys=kec_keys,
        families=sessions.values("family_id").distinct().count(),
        months=months,
    )


def puspaga_counts(city: Region, year: int) -> PuspagaCounts:
    """THE builder of every Puspaga count of ``city`` in ``year`` that is published anywhere
    (page, CSV, API, indicator-8 suggestion, monthly indicator, the disclosure audit)."""
    return protect_counts(count_facts(city, year))


@dataclass(frozen=True)
class ServiceCounts:
    year: int
    city: Region
    by_topic: CountTable
    by_kecamatan: CountTable
    families: str  # distinct families served: the number or hidden_mark()

    @property
    def modes(self) -> list[tuple[str, str]]:
        return [(m.value, str(m.label)) for m in Mode]


def service_counts(city: Region, year: int) -> ServiceCounts:
    """Sessions held in ``city`` in ``year`` by mode (in person, online, outreach), by topic and
    by the kecamatan the family lives in ("-" when unknown), as :func:`puspaga_counts` shows
    them."""
    counts = puspaga_counts(city, year)
    facts = counts.facts
    topic_labels = {str(t.value): str(t.label) for t in Topic}
    kec_labels = {**_kecamatan_names(city), UNKNOWN: str(_unknown_label())}
    by_topic_table, by_kecamatan_table = _tables(
        counts,
        [("topic", TOPICS, topic_labels), ("kecamatan", facts.kecamatan_keys, kec_labels)],
    )
    return ServiceCounts(
        year=year,
        city=city,
        by_topic=by_topic_table,
        by_kecamatan=by_kecamatan_table,
        families=counts.display(FAMILIES_KEY),
    )


def _unknown_label() -> str:
    from django.utils.translation import gettext

    return gettext("Not known")


def mode_totals(city: Region, year: int) -> dict[str, int | None]:
    """Sessions per mode for the year as every Puspaga output shows them (None: hidden)."""
    counts = puspaga_counts(city, year)
    return {m: counts.shown(mode_key(m)) for m in MODES}


def session_years(city: Region) -> list[int]:
    """The years in which ``city`` held Puspaga sessions, oldest first."""
    return sorted({d.year for d in Session.objects.filter(region=city).dates("held_on", "year")})


def count_years(city: Region) -> list[int]:
    years = {d.year for d in Session.objects.filter(region=city).dates("held_on", "year")}
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def counsellors_active(city: Region, year: int) -> int:
    return (
        Session.objects.filter(region=city, held_on__year=year)
        .values("counsellor_id")
        .distinct()
        .count()
    )


# -- the public certificate check ------------------------------------------------------------


@dataclass(frozen=True)
class CertificateCheck:
    """All the public check reveals: no name, no topic detail beyond the certificate's kind."""

    number: str
    issued_on: datetime.date
    centre: str
    initials: str
    valid: bool


def session_certificate(session: Session) -> Certificate | None:
    """The certificate issued for ``session``, if any."""
    return Certificate.objects.filter(session=session).first()


def certificate_check(number: str) -> CertificateCheck | None:
    certificate = (
        Certificate.objects.filter(number=number.strip().upper())
        .select_related("service_point")
        .first()
    )
    if certificate is None:
        return None
    return CertificateCheck(
        number=certificate.number,
        issued_on=certificate.issued_on,
        centre=certificate.service_point.name,
        initials=certificate.initials,
        valid=certificate.revoked_on is None,
    )


# -- KLA indicator 8 -------------------------------------------------------------------------


def indicator_8_suggestion(city: Region, year: int, area: Region | None) -> Any:
    """The figures Puspaga holds for indicator 8 (consultation services for families): the
    families served, the sessions by mode and the counsellors who held them in ``year``.

    Returns a :class:`layak.evaluations.suggestions.Suggestion`, or None when Puspaga recorded
    nothing that year (then there is nothing to suggest) or for a kecamatan-level answer.
    """
    from django.utils.translation import gettext

    from layak.evaluations.suggestions import Suggestion

    if area is not None:
        return None
    if not Session.objects.filter(region=city, held_on__year=year).exists():
        return None
    counsellors = counsellors_active(city, year)
    # The same protected figures the counts page publishes, never more exact ones.
    counts = puspaga_counts(city, year)
    text = gettext(
        "In %(year)s Puspaga served %(families)s families in %(sessions)s counselling sessions "
        "(%(in_person)s in person, %(outreach)s outreach, %(online)s online), held by "
        "%(counsellors)s counsellors."
    ) % {
        "year": year,
        "families": counts.display(FAMILIES_KEY),
        "sessions": counts.display(TOTAL_KEY),
        "in_person": counts.display(mode_key(Mode.IN_PERSON)),
        "outreach": counts.display(mode_key(Mode.OUTREACH)),
        "online": counts.display(mode_key(Mode.ONLINE)),
        "counsellors": counsellors,
    }
    values = {"jumlah_konselor": str(counsellors)}
    families = counts.shown(FAMILIES_KEY)
    if families is not None:
        values["jumlah_keluarga_dilayani"] = str(families)
    return Suggestion(
        source=gettext("Puspaga, services %(year)s") % {"year": year},
        text=text,
        values=values,
    )


def puspaga_monthly_rows(city: Region, year: int) -> list[DerivedRow] | None:
    """The indicator ``puspaga-layanan``: families served by Puspaga each month of ``year``
    (city level), as :func:`puspaga_counts` protects them. A hidden month gets no value (a
    derived row cannot carry the hidden mark), so no month can single out a family and none
    can be worked out from the year's families; None before any session."""
    if not Session.objects.filter(region=city, held_on__year=year).exists():
        return None
    counts = puspaga_counts(city, year)
    months = counts.facts.months or {}
    rows = []
    for month in MONTHS:
        shown = counts.shown(month_key(month))
        if month in months and shown is not None:
            rows.append(DerivedRow(city, datetime.date(year, int(month), 1), shown))
    return rows
