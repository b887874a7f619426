"""A small named world for the plans module: Balikpapan (dp3akb secretariat, dinkes and
disdukcapil focal points, leadership) and Samarinda, one plan with one action of dinkes, one
meeting with one follow-up of dinkes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.plans import services
from layak.plans.models import Action, FollowUp, Meeting, Plan
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

TODAY = datetime.date(2026, 7, 1)


@dataclass(frozen=True)
class PlansWorld:
    city: Region
    other_city: Region
    dp3akb: Agency
    dinkes: Agency
    disdukcapil: Agency
    secretariat: User
    leader: User
    focal: User
    other_focal: User
    no_role: User
    other_secretariat: User
    plan: Plan
    action: Action
    meeting: Meeting
    followup: FollowUp


def make_plans_world() -> PlansWorld:
    city = make_region("64.71", "Kota Balikpapan")
    other_city = make_region("64.72", "Kota Samarinda")
    dp3akb = make_agency(region=city, code="dp3akb", name="DP3AKB")
    dinkes = make_agency(region=city, code="dinkes", name="Dinkes")
    disdukcapil = make_agency(region=city, code="disdukcapil", name="Disdukcapil")
    other = make_agency(region=other_city, code="dp3a", name="DP3A Samarinda")
    secretariat = make_person(Role.SECRETARIAT, agency=dp3akb, username="sekretariat")
    plan = services.plan_create(
        actor=secretariat, region=city, title="RAD KLA", start_year=2025, end_year=2029
    )
    action = services.action_create(
        actor=secretariat,
        plan=plan,
        code="K3.01",
        title="Imunisasi",
        cluster="K3",
        agency=dinkes,
        budget_line="Upaya Kesehatan",
        budget_amount=Decimal("1000000"),
    )
    meeting = services.meeting_create(
        actor=secretariat, region=city, held_on=datetime.date(2026, 6, 1), title="Rapat GT"
    )
    followup = services.followup_create(
        actor=secretariat,
        meeting=meeting,
        text="Kirim data imunisasi",
        agency=dinkes,
        due_on=datetime.date(2026, 7, 10),
    )
    return PlansWorld(
        city=city,
        other_city=other_city,
        dp3akb=dp3akb,
        dinkes=dinkes,
        disdukcapil=disdukcapil,
        secretariat=secretariat,
        leader=make_person(Role.LEADERSHIP, agency=dp3akb, username="pimpinan"),
        focal=make_person(Role.OPD_FOCAL, agency=dinkes, username="opd.dinkes"),
        other_focal=make_person(Role.OPD_FOCAL, agency=disdukcapil, username="opd.capil"),
        no_role=make_person(agency=dinkes, username="tanpa.peran"),
        other_secretariat=make_person(Role.SECRETARIAT, agency=other, username="sekr.smd"),
        plan=plan,
        action=action,
        meeting=meeting,
        followup=followup,
    )
