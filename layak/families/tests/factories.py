"""Small typed factories for Puspaga (issue #5): Kota Balikpapan with two kecamatan, its
Puspaga with two counsellors and a service point with weekly hours, the UPTD PPA (the intake
agency), the secretariat, the administrator, leadership; sessions built through the services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.families import services
from layak.families.models import Booking, Family, Schedule, ServicePoint, Session, Topic
from layak.families.selectors import free_slots
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

#: Identifying values used across the tests: none may reach a raw database row.
FAMILY_NAME = "Siti Nurhaliza Pratiwi"
FAMILY_PHONE = "081355557777"
FAMILY_EMAIL = "siti.keluarga@example.invalid"
NOTES_TEXT = "Suami memukul istri di depan anak-anak setiap akhir pekan"
REQUEST_NOTE = "Anak remaja kami sering bolos sekolah"
PLAINTEXTS = (FAMILY_NAME, FAMILY_PHONE, FAMILY_EMAIL, NOTES_TEXT, REQUEST_NOTE)


@dataclass(frozen=True)
class FamilyWorld:
    city: Region
    kecamatan: Region
    kelurahan: Region
    kelurahan2: Region
    other_city: Region
    puspaga: Agency
    uptd: Agency
    dinas: Agency
    point: ServicePoint
    counsellor: User
    other_counsellor: User
    secretariat: User
    admin: User
    leader: User
    focal: User
    case_worker: User
    other_city_counsellor: User
    schedule: Schedule


def next_weekday(weekday: int, after: datetime.date | None = None) -> datetime.date:
    """The first date after ``after`` (today) that falls on ``weekday``."""
    day = (after or timezone.localdate()) + datetime.timedelta(days=1)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


def make_family_world() -> FamilyWorld:
    city = make_region("64.71", "Kota Balikpapan")
    other_city = make_region("64.72", "Kota Samarinda")
    kecamatan = make_region("64.71.01", "Balikpapan Timur")
    puspaga = make_agency(
        region=city, code="puspaga", name="Puspaga Harapan", kind=AgencyKind.SERVICE_UNIT
    )
    uptd = make_agency(
        region=city, code="uptd-ppa", name="UPTD PPA Balikpapan", kind=AgencyKind.SERVICE_UNIT
    )
    dinas = make_agency(region=city, code="dp3akb", name="DP3AKB Balikpapan")
    other_puspaga = make_agency(
        region=other_city, code="puspaga", name="Puspaga Samarinda", kind=AgencyKind.SERVICE_UNIT
    )
    point = ServicePoint.objects.create(
        region=city, kecamatan=kecamatan, name="Puspaga Harapan", kind="main", address="Jl. Uji 1"
    )
    counsellor = make_person(
        Role.COUNSELLOR, agency=puspaga, username="konselor.uji", full_name="Konselor Uji"
    )
    schedule = services.schedule_add(
        actor=None,
        data=services.ScheduleData(
            service_point=point,
            counsellor=counsellor,
            weekday=next_weekday(0).weekday(),
            start_time=datetime.time(8),
            end_time=datetime.time(12),
            valid_from=timezone.localdate(),
        ),
    )
    return FamilyWorld(
        city=city,
        kecamatan=kecamatan,
        kelurahan=make_region("64.71.01.1001", "Manggar"),
        kelurahan2=make_region("64.71.02.1001", "Sepinggan"),
        other_city=other_city,
        puspaga=puspaga,
        uptd=uptd,
        dinas=dinas,
        point=point,
        counsellor=counsellor,
        other_counsellor=make_person(Role.COUNSELLOR, agency=puspaga, username="konselor.lain"),
        secretariat=make_person(Role.SECRETARIAT, agency=dinas, username="sekretariat.uji"),
        admin=make_person(Role.ADMIN, agency=dinas, username="admin.uji"),
        leader=make_person(Role.LEADERSHIP, agency=dinas, username="pimpinan.uji"),
        focal=make_person(Role.OPD_FOCAL, agency=dinas, username="focal.uji"),
        case_worker=make_person(Role.CASE_WORKER, agency=uptd, username="pekerja.uji"),
        other_city_counsellor=make_person(Role.COUNSELLOR, agency=other_puspaga),
        schedule=schedule,
    )


def family_data(**overrides: Any) -> services.FamilyData:
    values: dict[str, Any] = {
        "name": FAMILY_NAME,
        "phone": FAMILY_PHONE,
        "email": FAMILY_EMAIL,
        "kelurahan": None,
    }
    values.update(overrides)
    return services.FamilyData(**values)


def first_slot_key(world: FamilyWorld, index: int = 0) -> str:
    return free_slots(world.city)[index].key


def make_booking(
    world: FamilyWorld, *, family: Family | None = None, index: int = 0, actor: User | None = None
) -> Booking:
    """A booking at the desk in the ``index``-th free slot."""
    return services.booking_register_desk(
        actor=actor or world.counsellor,
        family=family,
        data=services.RequestData(
            family=family_data(kelurahan=world.kelurahan),
            slot_key=first_slot_key(world, index),
            mode="in_person",
            topic=Topic.PARENTING,
            note=REQUEST_NOTE,
        ),
    )


def make_session(
    world: FamilyWorld,
    *,
    family: Family | None = None,
    actor: User | None = None,
    topic: str = Topic.VIOLENCE,
    mode: str = "in_person",
    held_on: datetime.date | None = None,
    notes: str = NOTES_TEXT,
) -> Session:
    """A session without booking (a walk-in) by ``actor`` (the world's counsellor)."""
    actor = actor or world.counsellor
    if family is None:
        family = services.family_create(
            actor=actor,
            city=world.city,
            data=family_data(kelurahan=world.kelurahan),
            source="desk",
        )
    return services.session_record(
        actor=actor,
        family=family,
        service_point=world.point,
        data=services.SessionData(
            held_on=held_on or timezone.localdate(),
            mode=mode,
            topic=topic,
            outcome="continuing",
            notes=notes,
        ),
    )
