"""Reads of the Forum Anak module: querysets already scoped to what the person may see
(through ``permissions.py``) and annotated for display, so templates never query."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from layak.core.disclosure import Key, Linked, Protected
from layak.core.disclosure.caching import protect_cached
from layak.participation.models import (
    PUBLIC_STATUSES,
    Aspiration,
    Cluster,
    Consultation,
    Forum,
    Member,
    PlanningStatus,
    Status,
    overdue_q,
)
from layak.participation.permissions import (
    aspirations_visible_to,
    forums_visible_to,
    members_visible_to,
)
from layak.regions.models import Region
from layak.regions.selectors import codes_up_to


def filter_aspirations(
    queryset: QuerySet[Aspiration],
    *,
    status: str = "",
    cluster: str = "",
    agency_id: int | None = None,
    overdue: bool = False,
) -> QuerySet[Aspiration]:
    """The one filter of aspiration lists, used by the page, the export and the API."""
    if status in Status.values:
        queryset = queryset.filter(status=status)
    if cluster in Cluster.values:
        queryset = queryset.filter(cluster=cluster)
    if agency_id:
        queryset = queryset.filter(agency_id=agency_id)
    if overdue:
        queryset = queryset.filter(overdue_q(timezone.localdate()))
    return queryset


def aspirations_for(user: object) -> QuerySet[Aspiration]:
    return aspirations_visible_to(user).select_related("planning").order_by("-submitted_at", "-pk")


def open_aspirations_for(user: object) -> QuerySet[Aspiration]:
    """What still waits for an agency's answer, oldest due date first."""
    return aspirations_for(user).filter(status=Status.RECEIVED).order_by("due_on", "pk")


def waiting_for_routing(user: object) -> QuerySet[Aspiration]:
    return aspirations_for(user).filter(status=Status.NEW).order_by("submitted_at", "pk")


@dataclass(frozen=True)
class ForumRow:
    """A forum in a list: ``member_count`` is its members now as :func:`child_counts`
    publishes them (the number, or ``hidden_mark()``)."""

    forum: Forum
    member_count: str
    aspiration_count: int
    members: int | None = None  # the number published, None when hidden


def forum_rows(user: object, built: dict[int, ChildCounts] | None = None) -> list[ForumRow]:
    """The forums ``user`` sees with their members and aspirations (``built``: this year's
    :func:`child_counts` already built, by city id)."""
    forums = forums_visible_to(user).annotate(n=Count("aspirations", distinct=True))
    by_city: dict[int, ChildCounts] = dict(built or {})
    rows = []
    for forum in forums:
        if forum.city_id not in by_city:
            by_city[forum.city_id] = child_counts(forum.city, timezone.localdate().year)
        key = forum_key(forum.pk, "members")
        counts = by_city[forum.city_id]
        rows.append(ForumRow(forum, counts.display(key), forum.n, counts.shown(key)))
    return rows


def forum_child_counts(forum: Forum, counts: ChildCounts | None = None) -> dict[str, str]:
    """The children of ``forum`` now (members, board, trained) as published."""
    counts = counts or child_counts(forum.city, timezone.localdate().year)
    return {what: counts.display(forum_key(forum.pk, what)) for what in CHILD_COUNTS}


def consultation_participants(
    forum: Forum, consultations: list[Consultation], built: ChildCounts | None = None
) -> None:
    """Set ``participants_shown`` on each consultation: its children as published (``built``:
    :func:`child_counts` of the forum's city for one year, already built)."""
    by_year: dict[int, ChildCounts] = {} if built is None else {built.year: built}
    for consultation in consultations:
        year = consultation.held_on.year
        if year not in by_year:
            by_year[year] = child_counts(forum.city, year)
        shown = by_year[year].display(consultation_key(consultation.pk))
        consultation.participants_shown = shown  # type: ignore[attr-defined]


def forum_members(user: object, forum: Forum) -> QuerySet[Member]:
    return (
        members_visible_to(user)
        .filter(forum=forum)
        .prefetch_related("consents")
        .order_by("left_on", "pk")
    )


def forum_consultations(forum: Forum) -> QuerySet[Consultation]:
    return forum.consultations.annotate(aspiration_count=Count("aspirations")).order_by(
        "-held_on", "-pk"
    )


def published_aspirations(city: Region | None, cluster: str = "") -> QuerySet[Aspiration]:
    """What "Kalian bilang, kami lakukan" shows: approved public texts of routed aspirations
    and the agencies' answers. Never the original text or anything about the child."""
    if city is None:
        return Aspiration.objects.none()
    queryset = (
        Aspiration.objects.filter(city=city, published_at__isnull=False, status__in=PUBLIC_STATUSES)
        .exclude(public_text="")
        .select_related("agency", "planning")
        .only(
            "pk",
            "cluster",
            "status",
            "public_text",
            "response",
            "answered_at",
            "acted_at",
            "published_at",
            "agency__name",
            "agency__short_name",
            "planning__status",
            "planning__funded_year",
            "planning__level",
            "planning__year",
            "planning__aspiration_id",
        )
        .order_by("-published_at", "-pk")
    )
    if cluster in Cluster.values:
        queryset = queryset.filter(cluster=cluster)
    return queryset


@dataclass(frozen=True)
class Figures:
    """Forum Anak figures of a city in a year (for indicator 6 and the home page). The counts
    of children are text: the number, or ``hidden_mark()`` where :func:`child_counts` hides
    it."""

    forums: int
    members: str
    board: str
    board_trained: str
    consultations: int
    consultation_participants: str
    aspirations: int
    answered: int
    acted: int
    proposed: int
    accommodated: int
    #: The counts of children as numbers (None when hidden): members, board, trained.
    children: dict[str, int | None] = field(default_factory=dict)


def _end_of(year: int) -> datetime.date:
    today = timezone.localdate()
    return min(today, datetime.date(year, 12, 31))


def participation_figures(
    city: Region, year: int, area: Region | None = None, counts: ChildCounts | None = None
) -> Figures:
    """Counts of one city's forums in ``year``; members as at the year's end (or today).
    ``area`` narrows to the forums and aspirations of a kecamatan or kelurahan; ``counts``:
    :func:`child_counts` of the city-year, already built."""
    forums = Forum.objects.filter(city=city, is_active=True)
    aspirations = Aspiration.objects.filter(city=city, submitted_at__year=year).exclude(
        status=Status.DISMISSED
    )
    if area is not None and area.pk != city.pk:
        area_q = Q(region__code=area.code) | Q(region__code__startswith=f"{area.code}.")
        forums = forums.filter(area_q)
        aspirations = aspirations.filter(forum__in=forums.values("pk"))
    consultations = Consultation.objects.filter(forum__in=forums.values("pk"), held_on__year=year)
    counts = counts or child_counts(city, year)
    code = city.code if area is None or area.pk == city.pk else area.code
    # Musrenbang outcomes count in the planning year, whenever the aspiration was voiced.
    planning = Aspiration.objects.filter(city=city, planning__year=year).exclude(
        status=Status.DISMISSED
    )
    if area is not None and area.pk != city.pk:
        planning = planning.filter(forum__in=forums.values("pk"))
    return Figures(
        forums=forums.count(),
        members=counts.display(area_key(code, "members")),
        board=counts.display(area_key(code, "board")),
        board_trained=counts.display(area_key(code, "trained")),
        consultations=consultations.count(),
        consultation_participants=counts.display(area_key(code, "participants")),
        aspirations=aspirations.count(),
        answered=aspirations.filter(status__in=[Status.ANSWERED, Status.ACTED]).count(),
        acted=aspirations.filter(status=Status.ACTED).count(),
        proposed=planning.count(),
        accommodated=planning.filter(
            planning__status__in=[PlanningStatus.ACCEPTED, PlanningStatus.FUNDED]
        ).count(),
        children={what: counts.shown(area_key(code, what)) for what in CHILD_COUNTS},
    )


def status_counts(queryset: QuerySet[Aspiration]) -> dict[str, int]:
    rows = queryset.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


# -- counts of children, through layak.core.disclosure (issue #12) ----------------------------

#: The counts of children a forum publishes: members, board members, board members trained in
#: the Convention on the Rights of the Child (each at most the one before).
CHILD_COUNTS = ("members", "board", "trained")


def forum_key(forum_id: int, what: str) -> tuple[str, ...]:
    """Children of one forum (``what`` in :data:`CHILD_COUNTS`), as at the year's end."""
    return ("forum", str(forum_id), what)


def area_key(code: str, what: str) -> tuple[str, ...]:
    """Children in the active forums of an area (the city, a kecamatan or a kelurahan):
    ``what`` in :data:`CHILD_COUNTS` or ``"participants"`` (children taking part in the year's
    consultations)."""
    return ("area", code, what)


def consultation_key(consultation_id: int) -> tuple[str, ...]:
    """Children taking part in one consultation."""
    return ("consultation", str(consultation_id))


@dataclass(frozen=True)
class ChildCounts:
    """Every Forum Anak count of children of one city-year that leaves the people who run the
    forums — the figures of the home page and of the indicator-6 suggestion (city and each
    area), the members of each forum (list, forum page, API; published for the current year)
    and the children taking part in each consultation — as ONE set of linked tables,
    protected together."""

    year: int
    linked: Linked
    protected: Protected

    def display(self, key: Key) -> str:
        return self.protected.display(key) if key in self.linked.values else "0"

    def shown(self, key: Key) -> int | None:
        return self.protected.shown(key) if key in self.linked.values else 0


def child_counts(city: Region, year: int) -> ChildCounts:
    """THE builder of the Forum Anak counts of children of ``city`` in ``year``."""
    end = _end_of(year)
    current = year == timezone.localdate().year
    t = Linked()
    members: dict[int, dict[str, int]] = {}
    for forum_id, is_board, trained_on in (
        Member.objects.filter(forum__city=city, joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
        .values_list("forum_id", "is_board", "kha_trained_on")
    ):
        row = members.setdefault(forum_id, dict.fromkeys(CHILD_COUNTS, 0))
        row["members"] += 1
        row["board"] += int(is_board)
        row["trained"] += int(is_board and trained_on is not None and trained_on <= end)
    forums = list(
        Forum.objects.filter(city=city)
        .order_by("pk")
        .values_list("pk", "region__code", "is_active")
    )
    consultations = list(
        Consultation.objects.filter(forum__city=city, held_on__year=year)
        .order_by("pk")
        .values_list("pk", "forum_id", "participants")
    )
    areas: dict[str, dict[str, list[Key]]] = {}
    for forum_id, region_code, is_active in forums:
        row = members.get(forum_id, dict.fromkeys(CHILD_COUNTS, 0))
        # The lists and the API show each forum's members now: published for the current year.
        keys = [t.cell(forum_key(forum_id, w), row[w], published=current) for w in CHILD_COUNTS]
        t.add_below(keys[1], keys[0])
        t.add_below(keys[2], keys[1])
        if is_active:
            for code in codes_up_to(city.code, region_code):
                parts = areas.setdefault(code, {w: [] for w in (*CHILD_COUNTS, "participants")})
                for what, key in zip(CHILD_COUNTS, keys, strict=True):
                    parts[what].append(key)
    active = {forum_id for forum_id, _code, is_active in forums if is_active}
    region_of = {forum_id: code for forum_id, code, _active in forums}
    for consultation_id, forum_id, participants in consultations:
        key = t.cell(consultation_key(consultation_id), participants)
        if forum_id in active:
            for code in codes_up_to(city.code, region_of[forum_id]):
                areas[code]["participants"].append(key)
    areas.setdefault(city.code, {w: [] for w in (*CHILD_COUNTS, "participants")})
    for code in sorted(areas):
        parts = areas[code]
        for what, keys in parts.items():
            total = t.cell(area_key(code, what), sum(t.values[k] for k in keys))
            t.add_sum(total, keys)
        t.add_below(area_key(code, "board"), area_key(code, "members"))
        t.add_below(area_key(code, "trained"), area_key(code, "board"))
    protected = protect_cached(t, f"participation:{city.code}:{year}")
    return ChildCounts(year=year, linked=t, protected=protected)


def child_count_years(city: Region) -> list[int]:
    """The years whose Forum Anak counts of children are published now: from the first forum
    (or the first consultation or member recorded with an earlier date) to this year."""
    first = Forum.objects.filter(city=city).order_by("created_at").first()
    if first is None:
        return []
    starts = [first.created_at.year]
    consultation = Consultation.objects.filter(forum__city=city).order_by("held_on").first()
    if consultation is not None:
        starts.append(consultation.held_on.year)
    member = Member.objects.filter(forum__city=city).order_by("joined_on").first()
    if member is not None:
        starts.append(member.joined_on.year)
    return list(range(min(starts), timezone.localdate().year + 1))
