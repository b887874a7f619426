"""Reads of the Forum Anak module: querysets already scoped to what the person may see
(through ``permissions.py``) and annotated for display, so templates never query."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from layak.participation.models import (
    PUBLIC_STATUSES,
    Aspiration,
    Cluster,
    Consultation,
    Forum,
    Member,
    PlanningStatus,
    Status,
)
from layak.participation.permissions import (
    aspirations_visible_to,
    forums_visible_to,
    members_visible_to,
)
from layak.regions.models import Region


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
        queryset = queryset.filter(status=Status.RECEIVED, due_on__lt=timezone.localdate())
    return queryset


def aspirations_for(user: object) -> QuerySet[Aspiration]:
    return aspirations_visible_to(user).select_related("planning").order_by("-submitted_at", "-pk")


def open_aspirations_for(user: object) -> QuerySet[Aspiration]:
    """What still waits for an agency's answer, oldest due date first."""
    return aspirations_for(user).filter(status=Status.RECEIVED).order_by("due_on", "pk")


def waiting_for_routing(user: object) -> QuerySet[Aspiration]:
    return aspirations_for(user).filter(status=Status.NEW).order_by("submitted_at", "pk")


def forum_rows(user: object) -> QuerySet[Forum]:
    return forums_visible_to(user).annotate(
        member_count=Count("members", filter=Q(members__left_on__isnull=True), distinct=True),
        aspiration_count=Count("aspirations", distinct=True),
    )


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
    """Forum Anak figures of a city in a year (for indicator 6 and the home page)."""

    forums: int
    members: int
    board: int
    board_trained: int
    consultations: int
    consultation_participants: int
    aspirations: int
    answered: int
    acted: int
    proposed: int
    accommodated: int


def _end_of(year: int) -> datetime.date:
    today = timezone.localdate()
    return min(today, datetime.date(year, 12, 31))


def participation_figures(city: Region, year: int, area: Region | None = None) -> Figures:
    """Counts of one city's forums in ``year``; members as at the year's end (or today).
    ``area`` narrows to the forums and aspirations of a kecamatan or kelurahan."""
    end = _end_of(year)
    forums = Forum.objects.filter(city=city, is_active=True)
    aspirations = Aspiration.objects.filter(city=city, submitted_at__year=year).exclude(
        status=Status.DISMISSED
    )
    if area is not None and area.pk != city.pk:
        area_q = Q(region__code=area.code) | Q(region__code__startswith=f"{area.code}.")
        forums = forums.filter(area_q)
        aspirations = aspirations.filter(forum__in=forums.values("pk"))
    members = Member.objects.filter(forum__in=forums.values("pk"), joined_on__lte=end).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=end)
    )
    board = members.filter(is_board=True)
    consultations = Consultation.objects.filter(forum__in=forums.values("pk"), held_on__year=year)
    consultation_numbers = consultations.aggregate(n=Count("pk"), people=Sum("participants"))
    # Musrenbang outcomes count in the planning year, whenever the aspiration was voiced.
    planning = Aspiration.objects.filter(city=city, planning__year=year).exclude(
        status=Status.DISMISSED
    )
    if area is not None and area.pk != city.pk:
        planning = planning.filter(forum__in=forums.values("pk"))
    return Figures(
        forums=forums.count(),
        members=members.count(),
        board=board.count(),
        board_trained=board.filter(kha_trained_on__isnull=False, kha_trained_on__lte=end).count(),
        consultations=int(consultation_numbers["n"] or 0),
        consultation_participants=int(consultation_numbers["people"] or 0),
        aspirations=aspirations.count(),
        answered=aspirations.filter(status__in=[Status.ANSWERED, Status.ACTED]).count(),
        acted=aspirations.filter(status=Status.ACTED).count(),
        proposed=planning.count(),
        accommodated=planning.filter(
            planning__status__in=[PlanningStatus.ACCEPTED, PlanningStatus.FUNDED]
        ).count(),
    )


def status_counts(queryset: QuerySet[Aspiration]) -> dict[str, int]:
    rows = queryset.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}
