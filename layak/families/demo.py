"""Synthetic demo data of Puspaga for Kota Balikpapan (issue #5): Puspaga Harapan's main site,
the city library and the Puskesmas Baru Tengah branch, three counsellors with weekly hours
(the demo login ``konselor`` among them), some three hundred sessions over the previous and the
current year with a realistic mix of topics, certificates of child-marriage prevention
counselling, upcoming appointments and one consented hand-off to the UPTD PPA.

Idempotent: nothing is added when Balikpapan already has service points. Deterministic: every
choice comes from ``context.rng``.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from layak.accounts.models import Agency, RoleAssignment, User
from layak.accounts.roles import Role
from layak.core.demo import DEMO_PASSWORD, DemoContext, person_name
from layak.families import services
from layak.families.models import (
    Booking,
    BookingStatus,
    Certificate,
    Family,
    FollowUp,
    Mode,
    Outcome,
    PointKind,
    Schedule,
    ServicePoint,
    Session,
    Source,
    Topic,
)
from layak.regions.models import Region, RegionLevel

#: Topic mix of Puspaga Harapan (parenting and marital conflict lead, §4.6).
TOPIC_WEIGHTS = {
    Topic.PARENTING: 30,
    Topic.MARITAL: 20,
    Topic.TEENAGERS: 14,
    Topic.SPECIAL_NEEDS: 10,
    Topic.VIOLENCE: 8,
    Topic.CHILD_MARRIAGE: 7,
    Topic.DIGITAL: 7,
    Topic.OTHER: 4,
}
MODE_WEIGHTS = {Mode.IN_PERSON: 70, Mode.ONLINE: 18, Mode.OUTREACH: 12}
SESSIONS_PER_YEAR = 170
NOTES = {
    Topic.PARENTING: "Orang tua kesulitan menerapkan aturan layar; disepakati jadwal keluarga.",
    Topic.MARITAL: "Konflik pasangan soal keuangan; latihan komunikasi, sesi lanjutan.",
    Topic.TEENAGERS: "Remaja menarik diri dari keluarga; orang tua diajak mendengar aktif.",
    Topic.SPECIAL_NEEDS: "Anak dengan spektrum autisme; informasi terapi di Puskesmas.",
    Topic.VIOLENCE: "Ibu bercerita tentang kekerasan oleh suami; rencana keselamatan dibahas.",
    Topic.CHILD_MARRIAGE: "Calon pengantin usia 17 tahun; risiko perkawinan anak dijelaskan.",
    Topic.DIGITAL: "Anak menerima pesan tak pantas di game daring; pengaturan privasi.",
    Topic.OTHER: "Konsultasi pengasuhan oleh kakek-nenek.",
}


def _pick(rng: random.Random, weights: dict[Topic, int] | dict[Mode, int]) -> str:
    keys = list(weights)
    return str(rng.choices(keys, weights=[weights[k] for k in keys])[0])  # type: ignore[index]


def _counsellors(context: DemoContext, agency: Agency) -> list[User]:
    """``konselor`` (the demo login) and two more counsellors of the Puspaga."""
    wanted = ["konselor", "konselor.2", "konselor.3"]
    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}
    password = ""
    for username in wanted:
        if username in existing:
            continue
        password = password or make_password(DEMO_PASSWORD)
        user = User.objects.create(
            username=username,
            full_name=person_name(context.rng),
            email=f"{username}@demo.layak.invalid",
            agency=agency,
            scope_region=agency.region,
            password=password,
            position="Psikolog",
        )
        RoleAssignment.objects.create(user=user, role=Role.COUNSELLOR)
        existing[username] = user
    return [existing[u] for u in wanted]


def _points(home: Region) -> list[ServicePoint]:
    kecamatan = {r.code: r for r in Region.objects.filter(code__startswith=f"{home.code}.")}
    specs = [
        (
            "Puspaga Harapan",
            PointKind.MAIN,
            "64.71.06",
            "Di belakang gedung Disdukcapil Kota Balikpapan",
        ),
        ("Puspaga di Perpustakaan Kota", PointKind.LIBRARY, "64.71.05", "Perpustakaan Kota"),
        ("Puspaga Harapan V", PointKind.PUSKESMAS, "64.71.02", "Puskesmas Baru Tengah"),
    ]
    return [
        ServicePoint.objects.create(
            region=home, name=name, kind=kind, kecamatan=kecamatan.get(code), address=address
        )
        for name, kind, code, address in specs
    ]


def _schedules(points: list[ServicePoint], people: list[User], start: datetime.date) -> None:
    main, library, puskesmas = points
    first, second, third = people
    rows = (
        [(main, first, day, datetime.time(8), datetime.time(15)) for day in (0, 1, 2, 3, 4)]
        + [(main, second, day, datetime.time(8), datetime.time(12)) for day in (0, 2, 4)]
        + [
            (library, third, 2, datetime.time(9), datetime.time(12)),
            (puskesmas, third, 3, datetime.time(9), datetime.time(12)),
            (main, third, 1, datetime.time(13), datetime.time(16)),
        ]
    )
    Schedule.objects.bulk_create(
        Schedule(
            service_point=point,
            counsellor=person,
            weekday=day,
            start_time=begin,
            end_time=end,
            valid_from=start,
        )
        for point, person, day, begin, end in rows
    )


def _working_day(rng: random.Random, year: int, today: datetime.date) -> datetime.date:
    last = min(datetime.date(year, 12, 31), today - datetime.timedelta(days=1))
    first = datetime.date(year, 1, 2)
    span = max((last - first).days, 1)
    day = first + datetime.timedelta(days=rng.randrange(span))
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return max(day, first)


def seed_families(context: DemoContext) -> None:
    home: Region = context.shared["home"]
    agency = Agency.objects.filter(region=home, code="puspaga").first()
    if agency is None or ServicePoint.objects.filter(region=home).exists():
        return
    rng = context.rng
    today = timezone.localdate()
    people = _counsellors(context, agency)
    points = _points(home)
    _schedules(points, people, datetime.date(today.year - 1, 1, 1))
    kelurahan = list(
        Region.objects.filter(
            code__startswith=f"{home.code}.", level=RegionLevel.KELURAHAN
        ).order_by("code")
    )
    # Families: some come more than once.
    plans: list[tuple[int, datetime.date]] = []
    for year in (today.year - 1, today.year):
        share = 1.0 if year < today.year else max(today.timetuple().tm_yday / 365, 0.05)
        plans += [
            (year, _working_day(rng, year, today)) for _ in range(int(SESSIONS_PER_YEAR * share))
        ]
    plans.sort(key=lambda p: p[1])
    families = Family.objects.bulk_create(
        Family(
            region=home,
            code=f"DEMO{i:04d}",
            name=person_name(rng),
            phone=f"08{rng.randrange(10**9, 10**10)}",
            email="",
            kelurahan=rng.choice(kelurahan) if kelurahan and rng.random() < 0.85 else None,
            assigned_counsellor=rng.choice(people),
            source=Source.ONLINE if rng.random() < 0.55 else Source.DESK,
        )
        for i in range(1, int(len(plans) * 0.75) + 1)
    )
    sessions: list[Session] = []
    for _year, day in plans:
        family = rng.choice(families)
        topic = _pick(rng, TOPIC_WEIGHTS)
        mode = _pick(rng, MODE_WEIGHTS)
        point = points[0] if rng.random() < 0.7 else rng.choice(points[1:])
        sessions.append(
            Session(
                region=home,
                family=family,
                service_point=point,
                counsellor=family.assigned_counsellor or people[0],
                held_on=day,
                mode=mode,
                topic=topic,
                outcome=rng.choice(list(Outcome)),
                follow_up=FollowUp.UPTD_PPA
                if topic == Topic.VIOLENCE and rng.random() < 0.3
                else rng.choice([FollowUp.NONE, FollowUp.NONE, FollowUp.SESSION]),
                notes=NOTES[Topic(topic)],
                kecamatan_code=family.kelurahan.code[:8] if family.kelurahan else "",
            )
        )
    sessions = Session.objects.bulk_create(sessions)
    _certificates(rng, sessions, people)
    _appointments(rng, families, points, people, today)
    _handoff(sessions, people[0])
    context.report.append(
        f"Demo Puspaga: {len(points)} service points, {len(sessions)} sessions; "
        "counsellor logins: konselor, konselor.2, konselor.3 (public request form at /puspaga/)."
    )


def _certificates(rng: random.Random, sessions: list[Session], people: list[User]) -> None:
    serial: dict[int, int] = {}
    rows = []
    for session in sessions:
        if session.topic != Topic.CHILD_MARRIAGE or rng.random() < 0.3:
            continue
        year = session.held_on.year
        serial[year] = serial.get(year, 0) + 1
        rows.append(
            Certificate(
                number=f"PSPG-6471-{year}-{serial[year]:04d}-"
                + "".join(rng.choice(services.CODE_ALPHABET) for _ in range(4)),
                session=session,
                region=session.region,
                service_point=session.service_point,
                issued_on=session.held_on,
                issued_by=session.counsellor,
                initials=services.initials_of(session.family.name or ""),
            )
        )
    Certificate.objects.bulk_create(rows)


def _appointments(
    rng: random.Random,
    families: list[Family],
    points: list[ServicePoint],
    people: list[User],
    today: datetime.date,
) -> None:
    """Upcoming appointments of ``konselor`` at the main site, and a few past no-shows."""
    zone = timezone.get_default_timezone()
    rows = []
    day = today
    booked = 0
    while booked < 6:
        day += datetime.timedelta(days=1)
        if day.weekday() >= 5:
            continue
        for start in (datetime.time(8), datetime.time(9, 15)):
            begin = datetime.datetime.combine(day, start, tzinfo=zone)
            rows.append((rng.choice(families), begin, BookingStatus.BOOKED))
            booked += 1
    for days_back in (3, 10):
        past = today - datetime.timedelta(days=days_back)
        while past.weekday() >= 5:
            past -= datetime.timedelta(days=1)
        begin = datetime.datetime.combine(past, datetime.time(11, 45), tzinfo=zone)
        rows.append((rng.choice(families), begin, BookingStatus.NO_SHOW))
    Booking.objects.bulk_create(
        Booking(
            region=points[0].region,
            family=family,
            service_point=points[0],
            counsellor=people[0],
            starts_at=begin,
            ends_at=begin + datetime.timedelta(minutes=60),
            mode=Mode.IN_PERSON,
            topic=_pick(rng, TOPIC_WEIGHTS),
            status=status,
            source=Source.ONLINE,
        )
        for family, begin, status in rows
    )


def _handoff(sessions: list[Session], counsellor: User) -> None:
    """One consented hand-off of a violence session of ``konselor`` to the UPTD PPA."""
    session = next(
        (
            s
            for s in reversed(sessions)
            if s.topic == Topic.VIOLENCE and s.counsellor_id == counsellor.pk
        ),
        None,
    )
    if session is None:
        return
    try:
        services.handoff_create(
            actor=counsellor,
            session=session,
            data=services.HandOffData(
                consent=True,
                consent_given_by="Ibu (klien)",
                consent_on=session.held_on,
                covers_contact=True,
                covers_narrative=True,
                narrative="Ibu melaporkan kekerasan fisik oleh suami; anak menyaksikan.",
            ),
        )
    except ValidationError:  # no intake agency in this city: nothing to hand to
        return
