"""Small typed factories for the PATBM module (issue #5): the case world (Kota Balikpapan with
kelurahan Manggar in Balikpapan Timur and Sepinggan in another kecamatan, its UPTD PPA as the
intake agency) plus a PATBM group per kelurahan and one more in Balikpapan Timur (Lamaru), and
every kind of person the PATBM rules distinguish."""

from __future__ import annotations

import datetime
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.cases.tests.factories import CaseWorld, make_case_world
from layak.community import services
from layak.community.models import Activity, ActivityKind, GroupStatus, Member, PatbmGroup
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

MEMBER_NAME = "Rukmini Sulistyowati"
MEMBER_PHONE = "081355557777"


@dataclass(frozen=True)
class PatbmWorld:
    cases: CaseWorld
    city: Region
    manggar: Region  # 64.71.01.1001
    lamaru: Region  # 64.71.01.1002
    sepinggan: Region  # 64.71.02.1001, another kecamatan
    dp3akb: Agency
    group: PatbmGroup  # Manggar: the activist's own group
    other_group: PatbmGroup  # Lamaru
    far_group: PatbmGroup  # Sepinggan
    activist: User
    other_activist: User
    secretariat: User
    admin: User
    leader: User
    focal_kecamatan: User  # OPD focal point of the Sepinggan kecamatan office
    focal_city: User  # city-wide OPD focal point: no PATBM rights
    no_role: User
    other_city_secretariat: User


def make_group(area: Region, status: str = GroupStatus.ACTIVE, **agency: Any) -> PatbmGroup:
    suffix = area.code.replace(".", "-")
    values: dict[str, Any] = {
        "region": make_region(".".join(area.code.split(".")[:2])),
        "code": f"patbm-{suffix}",
        "name": f"PATBM Kelurahan {area.name}",
        "kind": AgencyKind.COMMUNITY,
        "area": area,
    }
    values.update(agency)
    return PatbmGroup.objects.create(agency=make_agency(**values), status=status)


def make_patbm_world() -> PatbmWorld:
    cases = make_case_world()
    city = cases.city
    lamaru = make_region("64.71.01.1002", "Lamaru")
    dp3akb = make_agency(region=city, code="dp3akb", name="DP3AKB Kota Balikpapan")
    group = make_group(cases.kelurahan)
    other_group = make_group(lamaru)
    far_group = make_group(cases.kelurahan2)
    kec_office = make_agency(
        region=city,
        code="kec-64-71-02",
        name="Kecamatan Balikpapan Selatan",
        kind=AgencyKind.KECAMATAN_OFFICE,
        area=cases.kecamatan2,
    )
    other_agency = make_agency(region=cases.other_city, code="dp3a", name="DP3A Samarinda")
    return PatbmWorld(
        cases=cases,
        city=city,
        manggar=cases.kelurahan,
        lamaru=lamaru,
        sepinggan=cases.kelurahan2,
        dp3akb=dp3akb,
        group=group,
        other_group=other_group,
        far_group=far_group,
        activist=make_person(
            Role.PATBM_ACTIVIST,
            agency=group.agency,
            scope=cases.kelurahan,
            username="aktivis.manggar",
            full_name="Aktivis Manggar",
        ),
        other_activist=make_person(
            Role.PATBM_ACTIVIST,
            agency=other_group.agency,
            scope=lamaru,
            username="aktivis.lamaru",
        ),
        secretariat=make_person(Role.SECRETARIAT, agency=dp3akb, username="sekretariat.uji"),
        admin=make_person(Role.ADMIN, agency=dp3akb, username="admin.uji"),
        leader=make_person(Role.LEADERSHIP, agency=dp3akb, username="pimpinan.uji"),
        focal_kecamatan=make_person(
            Role.OPD_FOCAL, agency=kec_office, scope=cases.kecamatan2, username="kec.selatan"
        ),
        focal_city=make_person(Role.OPD_FOCAL, agency=dp3akb, username="opd.kota"),
        no_role=make_person(agency=dp3akb, username="tanpa.peran.uji"),
        other_city_secretariat=make_person(
            Role.SECRETARIAT, agency=other_agency, username="sekretariat.smd"
        ),
    )


def make_member(group: PatbmGroup, actor: User, **overrides: Any) -> Member:
    values: dict[str, Any] = {"name": MEMBER_NAME, "phone": MEMBER_PHONE, "position": "chair"}
    values.update(overrides)
    return services.member_add(actor=actor, group=group, data=services.MemberData(**values))


def activity_data(**overrides: Any) -> services.ActivityData:
    values: dict[str, Any] = {
        "kind": ActivityKind.SOCIALISATION,
        "date": timezone.localdate() - datetime.timedelta(days=3),
        "place": "Balai kelurahan",
        "counts": {"girls_6_12": 4, "boys_6_12": 3, "women": 5},
        "notes": "",
    }
    values.update(overrides)
    return services.ActivityData(**values)


def make_activity(
    group: PatbmGroup, on: datetime.date | None = None, kind: str = ActivityKind.SOCIALISATION
) -> Activity:
    """An activity stored directly (for coverage tests, on any day)."""
    return Activity.objects.create(
        group=group,
        kind=kind,
        date=on or timezone.localdate(),
        place="Balai kelurahan",
        girls_6_12=2,
        women=1,
    )


def png_bytes() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def png_upload(name: str = "kegiatan-posyandu.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")
