"""Reads of the PATBM module (issue #5): coverage, group lists, an activist's report statuses.

"Functioning" is a rule kept as data: a group is functioning on a day when its status is
active and it recorded at least one activity in the ``LAYAK_PATBM_FUNCTIONING_MONTHS`` months
(default 6) up to that day. "Last acted" is the date of its latest activity up to that day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.scope import city_of
from layak.cases.models import Channel, Report
from layak.cases.services import public_status
from layak.community.models import Activity, GroupStatus, PatbmGroup
from layak.community.permissions import coverage_scope, groups_visible_to
from layak.core.permissions import within_scope
from layak.regions.models import Region, RegionLevel

KELURAHAN_LEVELS = (RegionLevel.KELURAHAN, RegionLevel.DESA)
#: Agencies that are PATBM groups: of kind ``community``, code ``patbm-<kelurahan>``.
PATBM_CODE_PREFIX = "patbm-"


def patbm_agencies(city: Region) -> QuerySet[Agency]:
    """The PATBM agencies of ``city`` (``layak load_agencies`` makes one per kelurahan)."""
    return Agency.objects.filter(
        region=city,
        kind=AgencyKind.COMMUNITY,
        code__startswith=PATBM_CODE_PREFIX,
        area__isnull=False,
    )


def agencies_without_profile(city: Region) -> QuerySet[Agency]:
    """The PATBM agencies of ``city`` that have no group profile yet."""
    return patbm_agencies(city).filter(patbm_group__isnull=True)


def missing_profile_count(user: Any) -> int:
    """How many PATBM agencies of the person's kab/kota (``accounts.scope.city_of``) have no
    group profile yet; 0 for whoever works in no kab/kota."""
    city = city_of(user)
    return agencies_without_profile(city).count() if city is not None else 0


def functioning_months() -> int:
    return max(1, int(settings.LAYAK_PATBM_FUNCTIONING_MONTHS))


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


def is_functioning(
    status: str, last_acted: datetime.date | None, on: datetime.date, months: int
) -> bool:
    return (
        status == GroupStatus.ACTIVE
        and last_acted is not None
        and months_before(on, months) <= last_acted <= on
    )


@dataclass
class CoverageRow:
    kelurahan: Region
    group: PatbmGroup | None
    status: str  # "" when the kelurahan has no group profile
    last_acted: datetime.date | None
    recent_activities: int
    functioning: bool

    @property
    def active(self) -> bool:
        return self.status == GroupStatus.ACTIVE


@dataclass
class CoverageTotal:
    region: Region
    kelurahan: int = 0
    active: int = 0
    functioning: int = 0
    last_acted: datetime.date | None = None

    @property
    def share(self) -> float:
        """The share of kelurahan with a functioning group, in per cent."""
        return round(100 * self.functioning / self.kelurahan, 1) if self.kelurahan else 0.0

    def add(self, row: CoverageRow) -> None:
        self.kelurahan += 1
        self.active += int(row.active)
        self.functioning += int(row.functioning)
        if row.last_acted and (self.last_acted is None or row.last_acted > self.last_acted):
            self.last_acted = row.last_acted


@dataclass
class Coverage:
    scope: Region
    on: datetime.date
    months: int
    rows: list[CoverageRow]
    kecamatan: list[tuple[CoverageTotal, list[CoverageRow]]] = field(default_factory=list)
    total: CoverageTotal | None = None

    @property
    def since(self) -> datetime.date:
        return months_before(self.on, self.months)


def coverage_of(scope: Region, *, on: datetime.date | None = None) -> Coverage:
    """Which kelurahan within ``scope`` have an active group, when each last acted, and the
    totals per kecamatan and for the whole scope. Three queries whatever the size."""
    on = on or timezone.localdate()
    months = functioning_months()
    since = months_before(on, months)
    kelurahan = list(
        Region.objects.filter(within_scope(scope.code), level__in=KELURAHAN_LEVELS)
        .select_related("parent")
        .order_by("code")
    )
    groups = (
        PatbmGroup.objects.filter(agency__area__in=[k.pk for k in kelurahan])
        .select_related("agency", "agency__area")
        .annotate(
            last_acted=Max("activities__date", filter=Q(activities__date__lte=on)),
            recent=Count(
                "activities", filter=Q(activities__date__gte=since, activities__date__lte=on)
            ),
        )
    )
    by_area: dict[int, CoverageRow] = {}
    for group in groups:
        area_id = group.agency.area_id or 0
        last: datetime.date | None = group.last_acted
        row = CoverageRow(
            kelurahan=group.agency.area,  # type: ignore[arg-type]  # filtered on the area
            group=group,
            status=group.status,
            last_acted=last,
            recent_activities=int(group.recent),
            functioning=is_functioning(group.status, last, on, months),
        )
        # Two profiles in one kelurahan: the functioning (or most recently active) one counts.
        current = by_area.get(area_id)
        if current is None or (row.functioning, row.last_acted or datetime.date.min) > (
            current.functioning,
            current.last_acted or datetime.date.min,
        ):
            by_area[area_id] = row
    rows: list[CoverageRow] = []
    for area in kelurahan:
        row = by_area.get(area.pk) or CoverageRow(
            kelurahan=area,
            group=None,
            status="",
            last_acted=None,
            recent_activities=0,
            functioning=False,
        )
        row.kelurahan = area  # the instance with its kecamatan loaded
        rows.append(row)
    total = CoverageTotal(region=scope)
    per_kecamatan: dict[int, tuple[CoverageTotal, list[CoverageRow]]] = {}
    for row in rows:
        total.add(row)
        parent = row.kelurahan.parent
        if parent is None:
            continue
        entry = per_kecamatan.setdefault(parent.pk, (CoverageTotal(region=parent), []))
        entry[0].add(row)
        entry[1].append(row)
    return Coverage(
        scope=scope,
        on=on,
        months=months,
        rows=rows,
        kecamatan=sorted(per_kecamatan.values(), key=lambda e: e[0].region.code),
        total=total,
    )


def coverage(user: Any, *, on: datetime.date | None = None) -> Coverage | None:
    """The coverage ``user`` may read (their scope within their kab/kota); None: none."""
    code = coverage_scope(user)
    if code is None:
        return None
    scope = Region.objects.filter(code=code).first()
    if scope is None:
        return None
    return coverage_of(scope, on=on)


def group_rows(user: Any) -> QuerySet[PatbmGroup]:
    """The groups ``user`` sees, with their latest activity and active member count."""
    today = timezone.localdate()
    return (
        groups_visible_to(user)
        .annotate(
            last_acted=Max("activities__date", filter=Q(activities__date__lte=today)),
            member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        )
        .order_by("agency__area__code", "pk")
    )


def group_logins(group: PatbmGroup) -> QuerySet[User]:
    """The logins a member record of ``group`` may be linked to: only the active PATBM activists
    of the group's own agency, so a group cannot pull in (and hand its members' phone numbers
    to) activists of other kelurahan."""
    return User.objects.filter(
        agency=group.agency,
        role_assignments__role=Role.PATBM_ACTIVIST,
        is_active=True,
    ).order_by("full_name", "username")


def group_activities(group: PatbmGroup) -> QuerySet[Activity]:
    return group.activities.annotate(photo_count=Count("photos")).order_by("-date", "-pk")


@dataclass(frozen=True)
class ReportStatusRow:
    """What an activist may know of a report they sent: when, where, and its status."""

    received_at: datetime.datetime
    kelurahan: str
    status: str  # "received", "handling" or "closed"


def my_report_statuses(user: Any, *, limit: int = 50) -> list[ReportStatusRow]:
    """The statuses of the early-detection reports ``user`` sent, newest first. Only what
    ``cases.services.public_status`` reveals: never the case, the child or the description."""
    if not getattr(user, "is_authenticated", False):
        return []
    reports = (
        Report.objects.filter(reporter_user=user, channel=Channel.PATBM)
        .select_related("kelurahan")
        .only("pk", "received_at", "status", "case_id", "kelurahan__name")
        .order_by("-received_at", "-pk")[:limit]
    )
    return [
        ReportStatusRow(
            received_at=report.received_at,
            kelurahan=report.kelurahan.name if report.kelurahan else "",
            status=public_status(report),
        )
        for report in reports
    ]
