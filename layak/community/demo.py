"""Synthetic demo data of the PATBM module (issue #5): a profile for each of Balikpapan's 34
kelurahan groups (most active, a few inactive, one being formed, two active but quiet for
months), members with trainings, activities over the last 18 months, and a few early-detection
reports by the demo activist ``patbm.manggar``. Groups that already have members are left as
they are, so running it again changes nothing."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from layak.accounts.models import User
from layak.cases.services import ReportData, report_from_activist
from layak.community.models import (
    PARTICIPANT_FIELDS,
    Activity,
    ActivityKind,
    GroupStatus,
    Member,
    MemberPosition,
    PatbmGroup,
    Training,
)
from layak.community.services import groups_ensure_profiles
from layak.core.demo import DemoContext, person_name
from layak.regions.models import Region

DEMO_ACTIVIST = "patbm.manggar"
HOME_GROUP = "patbm-64-71-01-1001"
MONTHS = 18
TRAINING_TOPICS = [
    ("Pelatihan aktivis PPATBM: deteksi dini kekerasan", "DP3AKB Kota Balikpapan"),
    ("Konvensi Hak Anak dan pengasuhan berbasis hak anak", "DP3AKB Kota Balikpapan"),
    ("Perlindungan saksi dan korban", "LPSK bersama DP3AKB"),
    ("Pencegahan radikalisme dan perundungan daring", "Densus 88 bersama DP3AKB"),
    ("Pertolongan pertama psikologis", "UPTD PPA Kota Balikpapan"),
]
PLACES = [
    "Balai kelurahan",
    "Posyandu RT 05",
    "Masjid RT 12",
    "SD Negeri di kelurahan",
    "Rumah ketua RT 08",
    "Taman bermain RT 03",
    "Aula kecamatan",
]
REPORTS = [
    ("Anak usia sekolah terlihat bekerja di warung sampai larut malam setiap hari.", 13, "M"),
    ("Tetangga mendengar anak menangis dan dipukul hampir setiap malam.", 8, "F"),
    ("Remaja putri dikabarkan akan dinikahkan bulan depan dan berhenti sekolah.", 15, "F"),
]


def _phone(rng: random.Random) -> str:
    return "08" + "".join(str(rng.randrange(10)) for _ in range(10))


def _day_within(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def _activities(
    rng: random.Random, group: PatbmGroup, today: datetime.date, quiet_after: datetime.date
) -> list[Activity]:
    """About one or two activities a month until ``quiet_after`` (today for active groups)."""
    start = today - datetime.timedelta(days=MONTHS * 30)
    items: list[Activity] = []
    day = start
    while day <= quiet_after:
        day += datetime.timedelta(days=rng.randint(12, 35))
        if day > quiet_after:
            break
        kind = rng.choice(list(ActivityKind))
        children = kind != ActivityKind.PARENTING
        counts = {
            name: (rng.randint(0, 12) if children or band == "18+" else 0)
            for name, band, _sex in PARTICIPANT_FIELDS
        }
        counts["women"] = max(counts["women"], 1)
        items.append(
            Activity(
                group=group,
                kind=kind,
                date=day,
                place=rng.choice(PLACES),
                notes="",
                **counts,
            )
        )
    return items


def seed_community(context: DemoContext) -> None:
    rng = context.rng
    home: Region = context.shared["home"]
    groups_ensure_profiles(actor=None, city=home)
    today = timezone.localdate()
    groups = list(
        PatbmGroup.objects.filter(agency__region=home)
        .select_related("agency", "agency__area")
        .order_by("agency__code")
    )
    others = [g for g in groups if g.agency.code != HOME_GROUP]
    special = rng.sample(others, k=min(6, len(others)))
    inactive = {g.pk for g in special[:3]}
    forming = {g.pk for g in special[3:4]}
    quiet = {g.pk for g in special[4:6]}
    activist = User.objects.filter(username=DEMO_ACTIVIST).first()
    seeded = set(Member.objects.filter(group__in=groups).values_list("group_id", flat=True))
    members: list[Member] = []
    activities: list[Activity] = []
    for group in groups:
        if group.pk in seeded:
            continue
        if group.pk in forming:
            group.status = GroupStatus.FORMING
        else:
            group.status = GroupStatus.INACTIVE if group.pk in inactive else GroupStatus.ACTIVE
            founded = datetime.date(rng.randint(2017, 2023), rng.randint(1, 12), rng.randint(1, 28))
            group.decree_number = f"400.2.2/{rng.randint(10, 250)}/KEL/{founded.year}"
            group.decree_date = founded
        group.save(update_fields=["status", "decree_number", "decree_date", "updated_at"])
        positions = [MemberPosition.CHAIR, MemberPosition.SECRETARY, MemberPosition.TREASURER]
        size = rng.randint(4, 8) if group.pk not in forming else 3
        for i in range(size):
            members.append(
                Member(
                    group=group,
                    name=person_name(rng),
                    phone=_phone(rng),
                    position=positions[i] if i < len(positions) else MemberPosition.MEMBER,
                    joined_on=group.decree_date,
                    is_active=rng.random() > 0.1 or i < len(positions),
                    user=activist if group.agency.code == HOME_GROUP and i == 0 else None,
                )
            )
        if group.pk in forming:
            continue
        if group.pk in inactive:
            quiet_after = today - datetime.timedelta(days=rng.randint(270, 420))
        elif group.pk in quiet:
            quiet_after = today - datetime.timedelta(days=rng.randint(200, 260))
        else:
            quiet_after = today
        activities.extend(_activities(rng, group, today, quiet_after))
    Member.objects.bulk_create(members)
    Activity.objects.bulk_create(activities)
    new_members = Member.objects.filter(group__in=[m.group_id for m in members]).order_by("pk")
    trainings: list[Training] = []
    for member in new_members:
        for topic, organiser in rng.sample(TRAINING_TOPICS, k=rng.randint(0, 2)):
            trainings.append(
                Training(
                    member=member,
                    topic=topic,
                    organiser=organiser,
                    date=_day_within(rng, today - datetime.timedelta(days=900), today),
                )
            )
    Training.objects.bulk_create(trainings)
    sent = _activist_reports(home)
    context.report.append(
        f"PATBM: {len(groups)} group profiles, {len(activities)} new activities, "
        f"{sent} new early-detection reports by {DEMO_ACTIVIST}."
    )


def _activist_reports(home: Region) -> int:
    from layak.cases.models import Channel, Report

    activist = User.objects.filter(username=DEMO_ACTIVIST).select_related("agency").first()
    if activist is None or activist.agency is None:
        return 0
    existing = Report.objects.filter(reporter_user=activist, channel=Channel.PATBM).count()
    if existing >= len(REPORTS):
        return 0
    kelurahan = Region.objects.filter(code="64.71.01.1001").first()
    sent = 0
    for description, age, sex in REPORTS[existing:]:
        report_from_activist(
            actor=activist,
            data=ReportData(
                channel="patbm",
                description=description,
                kelurahan=kelurahan,
                child_age=age,
                child_sex=sex,
            ),
        )
        sent += 1
    return sent
