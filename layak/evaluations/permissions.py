"""Who may see and do what in the KLA evaluation (issue #3).

* The secretariat (and administrators) of a kab/kota see every answer of its cycles, open
  cycles, review answers and submit the cycle.
* An OPD focal point sees and edits only the answers assigned to their agency; a kecamatan or
  kelurahan office only its own area's answers.
* A verifier (province or ministry) reads every cycle in their scope and writes only the
  verification. Leadership reads.
* Instruments are national and shared by every city (issue #13):
  ``can_load_instruments`` — a superuser, a national administrator (an administrator of an
  agency without region), or, when the deployment serves exactly one kab/kota
  (``sole_city_id``), an administrator of that city: nobody else's instrument changes then.
  ``can_freeze_instruments`` — a superuser or a national administrator freezes an instrument
  as the national reference. ``can_change_bands`` — whoever may load instruments, while the
  instrument is not frozen (and, checked by ``bands_replace``, no submitted cycle uses it).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from layak.accounts.models import Agency
from layak.accounts.permissions import home_filter
from layak.accounts.roles import Role
from layak.accounts.scope import CITY_LEVELS, city_id_of, city_of, require_city, work_level
from layak.core.permissions import always, get_object_for, has_role, is_superuser, user_roles
from layak.evaluations.models import (
    Answer,
    AnswerStatus,
    Assignment,
    Cycle,
    CycleStatus,
    Evidence,
    Instrument,
)
from layak.regions.models import Region
from layak.regions.selectors import home_region

is_secretariat = is_superuser | has_role(Role.SECRETARIAT, Role.ADMIN)
reads_all_answers = is_secretariat | has_role(Role.LEADERSHIP, Role.VERIFIER)
is_focal = has_role(Role.OPD_FOCAL)
is_verifier = has_role(Role.VERIFIER)
is_admin = has_role(Role.ADMIN)
EVALUATION_ROLES = (Role.SECRETARIAT, Role.ADMIN, Role.OPD_FOCAL, Role.LEADERSHIP, Role.VERIFIER)


def can_use_evaluation(user: Any) -> bool:
    return bool(is_superuser(user) or user_roles(user) & set(EVALUATION_ROLES))


def cycles_visible_to(user: Any) -> QuerySet[Cycle]:
    home = home_filter(user, "region__code")
    if home is None or not can_use_evaluation(user):
        return Cycle.objects.none()
    return Cycle.objects.filter(home).select_related("region", "instrument")


def _may_change_cycle(user: Any, cycle: Cycle) -> bool:
    return bool(is_secretariat(user)) and cycle.status == CycleStatus.OPEN


def _may_plan(user: Any, cycle: Cycle) -> bool:
    return bool(is_secretariat(user))


def _may_read_all(user: Any, cycle: Cycle) -> bool:
    """Exports listing every agency's answers are for those who read all answers."""
    return bool(reads_all_answers(user))


def get_cycle_for(user: Any, pk: Any, *, action: str) -> Cycle:
    """Actions: "view"; "submit" (change the open cycle: submit, assignments, band
    conditions); "plan" (gap-analysis planning, PDF reports); "export" (the recap of every
    answer)."""
    return get_object_for(
        user,
        pk,
        action=action,
        visible=cycles_visible_to,
        checks={
            "view": always,
            "submit": _may_change_cycle,
            "plan": _may_plan,
            "export": _may_read_all,
        },
    )


def can_open_cycle(user: Any) -> bool:
    return bool(is_secretariat(user)) and home_filter(user, "code") is not None


def opening_city(user: Any) -> Region:
    """The kab/kota whose cycle ``user`` opens: the one they work in
    (``accounts.scope.require_city``: 403 for province and national staff); a superuser
    without an agency opens the deployment's home kab/kota."""
    if getattr(user, "agency", None) is None and is_superuser(user):
        home = home_region()
        if home is not None:
            return home
    return require_city(user)


def sole_city_id() -> int | None:
    """The kab/kota the *deployment* serves when it serves exactly one: the only kabupaten or
    kota any agency belongs to (provincial and national agencies do not count). Not a
    person's city: that is ``accounts.scope.city_of``."""
    cities = list(
        Agency.objects.filter(region__level__in=CITY_LEVELS)
        .order_by()
        .values_list("region_id", flat=True)
        .distinct()[:2]
    )
    return cities[0] if len(cities) == 1 else None


def _is_national_admin(user: Any) -> bool:
    return bool(is_admin(user)) and work_level(user) == "national"


def can_load_instruments(user: Any) -> bool:
    """Instruments are shared by every city, so a city's administrator loads them only when
    the deployment serves that city alone; else a superuser or a national administrator."""
    if is_superuser(user) or _is_national_admin(user):
        return True
    city_id = city_id_of(user)
    if not is_admin(user) or city_id is None:
        return False
    return city_id == sole_city_id()


def can_freeze_instruments(user: Any) -> bool:
    """Freezing makes an instrument the national reference: a superuser or a national
    administrator only."""
    return bool(is_superuser(user)) or _is_national_admin(user)


def can_change_bands(user: Any, instrument: Instrument) -> bool:
    """Whoever may load instruments changes an instrument's bands until it is frozen (and
    ``bands_replace`` refuses once a submitted or closed cycle was scored against them)."""
    return instrument.frozen_at is None and can_load_instruments(user)


def instruments_visible_to(user: Any) -> QuerySet[Instrument]:
    if not can_use_evaluation(user):
        return Instrument.objects.none()
    return Instrument.objects.all()


def _own_answers(user: Any) -> Q:
    """Answers assigned to the person's agency; area offices only for their own area.

    The question and the cycle must come from the same assignment: an agency assigned a
    question in one cycle keeps no access to that question in another cycle."""
    agency = user.agency
    if agency is None:
        return Q(pk__in=[])
    assigned = Q(
        Exists(
            Assignment.objects.filter(
                agency=agency, cycle=OuterRef("cycle"), question=OuterRef("question")
            )
        )
    )
    if agency.area_id is not None:
        return assigned & Q(area_id=agency.area_id)
    return assigned & Q(area__isnull=True)


def answers_visible_to(user: Any) -> QuerySet[Answer]:
    cycles = cycles_visible_to(user)
    base = Answer.objects.filter(cycle__in=cycles)
    if reads_all_answers(user):
        return base
    if is_focal(user):
        return base.filter(_own_answers(user))
    return Answer.objects.none()


def _may_edit(user: Any, answer: Answer) -> bool:
    """Only the assigned agency (its own area, for area offices) edits, while the cycle is
    open and the answer is a draft or was returned; whatever else the person may read."""
    return (
        bool(is_focal(user))
        and answer.cycle.status == CycleStatus.OPEN
        and answer.status in (AnswerStatus.DRAFT, AnswerStatus.RETURNED)
        and Answer.objects.filter(_own_answers(user), pk=answer.pk).exists()
    )


def _may_review(user: Any, answer: Answer) -> bool:
    return (
        bool(is_secretariat(user))
        and answer.cycle.status == CycleStatus.OPEN
        and answer.status in (AnswerStatus.SUBMITTED, AnswerStatus.ACCEPTED)
    )


def _may_verify(user: Any, answer: Answer) -> bool:
    return bool(is_verifier(user)) and answer.cycle.status == CycleStatus.SUBMITTED


def get_answer_for(user: Any, pk: Any, *, action: str) -> Answer:
    return get_object_for(
        user,
        pk,
        action=action,
        visible=lambda u: answers_visible_to(u).select_related(
            "cycle",
            "cycle__region",
            "question",
            "question__indicator",
            "area",
            "option",
            "verified_option",
        ),
        checks={
            "view": always,
            "edit": _may_edit,
            "review": _may_review,
            "verify": _may_verify,
        },
    )


def _evidence_visible_to(user: Any) -> QuerySet[Evidence]:
    return Evidence.objects.filter(answer__in=answers_visible_to(user)).select_related(
        "answer", "answer__cycle", "answer__cycle__region"
    )


def _may_remove_evidence(user: Any, evidence: Evidence) -> bool:
    return _may_edit(user, evidence.answer)


def get_evidence_for(user: Any, pk: Any, *, action: str) -> Evidence:
    """Evidence is visible exactly to those who see its answer."""
    return get_object_for(
        user,
        pk,
        action=action,
        visible=_evidence_visible_to,
        checks={"download": always, "remove": _may_remove_evidence},
    )


def can_import_history(user: Any, region: Any = None) -> bool:
    """The secretariat (or administrator) of a kab/kota brings in its own previous cycles
    (issue #13); with ``region``, only for that kab/kota."""
    city = city_of(user)
    if not is_secretariat(user) or city is None:
        return False
    return region is None or city.pk == region.pk


def can_record_official(user: Any, cycle: Cycle) -> bool:
    """The secretariat (or administrator) of the cycle's own kab/kota records what the
    ministry declared for it."""
    city = city_of(user)
    return bool(is_secretariat(user)) and city is not None and city.pk == cycle.region_id


def can_remove_history(user: Any, cycle: Cycle) -> bool:
    """A closed (history) cycle imported by mistake is removed by whoever imports its city's
    history; an open or submitted cycle never is."""
    return cycle.status == CycleStatus.CLOSED and can_import_history(user, cycle.region)
