"""Reads of Puspaga (issue #5): free slots, work lists, and the yearly service counts.

The counts leave the counselling room, so every published figure is suppressed: a cell below
``LAYAK_SMALL_CELL`` is shown as "<5", and because the tables publish row and column totals, the
next smallest cells of every row and column are hidden too until no hidden cell can be worked
out by subtraction (the line-wise form of :func:`layak.cases.selectors.suppress`).
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

from layak.cases.selectors import (
    KECAMATAN_CODE_LENGTH,
    hidden_text,
    small_cell,
    suppress,
    suppress_lines,
)
from layak.families.models import (
    HOLDS_SLOT,
    Booking,
    BookingStatus,
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
    return int(getattr(settings, "LAYAK_PUSPAGA_BOOKING_DAYS", 14))


def min_notice() -> datetime.timedelta:
    return datetime.timedelta(hours=int(getattr(settings, "LAYAK_PUSPAGA_MIN_NOTICE_HOURS", 2)))


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
TOPICS = [t.value for t in Topic]
UNKNOWN = "-"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[str]  # one per mode, "<5" when hidden
    total: str


@dataclass(frozen=True)
class CountTable:
    dimension: str  # "topic" or "kecamatan"
    rows: list[Row]
    mode_totals: list[str]
    total: str


@dataclass(frozen=True)
class ServiceCounts:
    year: int
    city: Region
    by_topic: CountTable
    by_kecamatan: CountTable
    families: int  # distinct families served (not published as a cell)

    @property
    def modes(self) -> list[tuple[str, str]]:
        return [(m.value, str(m.label)) for m in Mode]


def _tables(
    specs: list[tuple[str, dict[tuple[str, str], int], list[str], dict[str, str]]],
) -> list[CountTable]:
    """Count tables that share their mode totals and grand total, suppressed as ONE system:
    a total hidden in one table but shown in another would let a reader subtract a cell."""
    values: dict[Any, int] = {}
    lines: list[list[Any]] = []
    for dimension, raw, keys, _labels in specs:
        for key in keys:
            for mode in MODES:
                values[(dimension, key, mode)] = raw.get((key, mode), 0)
            values[(dimension, "row", key)] = sum(raw.get((key, m), 0) for m in MODES)
            lines.append([*[(dimension, key, m) for m in MODES], (dimension, "row", key)])
        for mode in MODES:
            lines.append([*[(dimension, k, mode) for k in keys], ("col", mode)])
        lines.append([*[(dimension, "row", k) for k in keys], ("total",)])
    _first, first_raw, first_keys, _first_labels = specs[0]
    for mode in MODES:
        values[("col", mode)] = sum(first_raw.get((k, mode), 0) for k in first_keys)
    values[("total",)] = sum(values[("col", m)] for m in MODES)
    lines.append([*[("col", m) for m in MODES], ("total",)])
    hidden = suppress_lines(values, lines)

    def show(key: Any) -> str:
        return hidden_text() if key in hidden else str(values[key])

    return [
        CountTable(
            dimension,
            [
                Row(
                    key,
                    labels.get(key, key),
                    [show((dimension, key, m)) for m in MODES],
                    show((dimension, "row", key)),
                )
                for key in keys
            ],
            [show(("col", m)) for m in MODES],
            show(("total",)),
        )
        for dimension, _raw, keys, labels in specs
    ]


def service_counts(city: Region, year: int) -> ServiceCounts:
    """Sessions held in ``city`` in ``year`` by mode (in person, online, outreach), by topic and
    by the kecamatan the family lives in ("-" when unknown), suppressed."""
    sessions = Session.objects.filter(region=city, held_on__year=year)
    by_topic = {
        (r["topic"], r["mode"]): r["n"]
        for r in sessions.values("topic", "mode").annotate(n=Count("pk"))
    }
    by_kec: dict[tuple[str, str], int] = {}
    for r in sessions.values("kecamatan_code", "mode").annotate(n=Count("pk")):
        code = (r["kecamatan_code"] or "")[:KECAMATAN_CODE_LENGTH] or UNKNOWN
        by_kec[(code, r["mode"])] = by_kec.get((code, r["mode"]), 0) + r["n"]
    kecamatan = dict(
        Region.objects.filter(
            code__startswith=f"{city.code}.", level=RegionLevel.KECAMATAN
        ).values_list("code", "name")
    )
    kec_keys = sorted(set(kecamatan) | {k for k, _m in by_kec})
    if UNKNOWN in kec_keys:
        kec_keys.remove(UNKNOWN)
        kec_keys.append(UNKNOWN)
    topic_labels = {str(t.value): str(t.label) for t in Topic}
    kec_labels = {**kecamatan, UNKNOWN: str(_unknown_label())}
    by_topic_table, by_kecamatan_table = _tables(
        [
            ("topic", by_topic, TOPICS, topic_labels),
            ("kecamatan", by_kec, kec_keys, kec_labels),
        ]
    )
    return ServiceCounts(
        year=year,
        city=city,
        by_topic=by_topic_table,
        by_kecamatan=by_kecamatan_table,
        families=sessions.values("family_id").distinct().count(),
    )


def _unknown_label() -> str:
    from django.utils.translation import gettext

    return gettext("Not known")


def mode_totals(city: Region, year: int) -> dict[str, int | None]:
    """Sessions per mode for the year, suppressed as one line with its total (``suppress``)."""
    rows = (
        Session.objects.filter(region=city, held_on__year=year)
        .values("mode")
        .annotate(n=Count("pk"))
    )
    counts = {m: 0 for m in MODES}
    counts.update({r["mode"]: r["n"] for r in rows})
    shown, _total = suppress(counts, sum(counts.values()))
    return shown


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


def certificate_check(number: str) -> CertificateCheck | None:
    from layak.families.models import Certificate

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
    sessions = Session.objects.filter(region=city, held_on__year=year)
    total = sessions.count()
    if not total:
        return None
    families = sessions.values("family_id").distinct().count()
    counsellors = counsellors_active(city, year)
    # The same suppressed figures the counts page publishes, never more exact ones.
    counts = service_counts(city, year)
    by_mode = dict(zip(MODES, counts.by_topic.mode_totals, strict=True))
    limit = small_cell()
    families_shown = str(families) if families >= limit else hidden_text()
    text = gettext(
        "In %(year)s Puspaga served %(families)s families in %(sessions)s counselling sessions "
        "(%(in_person)s in person, %(outreach)s outreach, %(online)s online), held by "
        "%(counsellors)s counsellors."
    ) % {
        "year": year,
        "families": families_shown,
        "sessions": counts.by_topic.total,
        "in_person": by_mode[Mode.IN_PERSON],
        "outreach": by_mode[Mode.OUTREACH],
        "online": by_mode[Mode.ONLINE],
        "counsellors": counsellors,
    }
    values = {"jumlah_konselor": str(counsellors)}
    if families >= limit:
        values["jumlah_keluarga_dilayani"] = str(families)
    return Suggestion(
        source=gettext("Puspaga, services %(year)s") % {"year": year},
        text=text,
        values=values,
    )


def puspaga_monthly_rows(city: Region, year: int) -> list[DerivedRow] | None:
    """The indicator ``puspaga-layanan``: families served by Puspaga each month of ``year``
    (city level). A month with fewer families than the small-cell limit gets no value, so
    the public figures cannot single out a family; None before any session."""
    sessions = Session.objects.filter(region=city, held_on__year=year)
    if not sessions.exists():
        return None
    limit = small_cell()
    return [
        DerivedRow(city, datetime.date(year, row["month"], 1), row["n"])
        for row in sessions.annotate(month=ExtractMonth("held_on"))
        .values("month")
        .annotate(n=Count("family_id", distinct=True))
        .order_by("month")
        if row["n"] >= limit
    ]
