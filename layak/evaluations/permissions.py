"""Who may see and do what in the KLA evaluation (issue #3).

* The secretariat (and administrators) of a kab/kota see every answer of its cycles, open
  cycles, review answers and submit the cycle.
* An OPD focal point sees and edits only the answers assigned to their agency; a kecamatan or
  kelurahan office only its own area's answers.
* A verifier (province or ministry) reads every cycle in their scope and writes only the
  verification. Leadership reads.
* Instruments and their bands are national and shared by every city: only a superuser or a
  national administrator (an administrator of an agency without region) changes them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from layak.accounts.permissions import home_filter
from layak.accounts.roles import Role
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


def can_manage_instruments(user: Any) -> bool:
    """Instruments and bands are shared by every city, so a city's secretariat or
    administrator must not change them: only a superuser or a national administrator."""
    if is_superuser(user):
        return True
    agency = getattr(user, "agency", None)
    return bool(is_admin(user)) and agency is not None and agency.region_id is None


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
