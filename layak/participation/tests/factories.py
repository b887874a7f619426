"""Small typed factories for the Forum Anak module (issue #5): Kota Balikpapan with two
kecamatan and a kelurahan each, the agencies an aspiration is routed to, one person for every
kind of visitor the rules distinguish, a city forum and a kecamatan forum."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.participation import services
from layak.participation.models import Aspiration, Cluster, Forum, ForumLevel, Member
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

#: Identifying values that must never reach a raw row, the public page or the public API.
CHILD_NAME = "Nadia Puspitasari Wulandari"
MEMBER_NAME = "Rizky Ananda Firmansyah"
MEMBER_SCHOOL = "SMP Negeri 17 Balikpapan"
PARENT_NAME = "Ibu Kartini Sulistyowati"
CHILD_TEXT = "Saya Nadia dari SMP Negeri 17, taman di Gang Mawar rusak dan gelap"
PUBLIC_TEXT = "Taman di dekat rumah rusak dan gelap. Anak-anak ingin taman yang aman."
RESPONSE = "Kami memperbaiki taman dan memasang lampu bulan ini."


@dataclass(frozen=True)
class World:
    city: Region
    kecamatan: Region
    kelurahan: Region
    kecamatan2: Region
    kelurahan2: Region
    other_city: Region
    dp3akb: Agency
    dinkes: Agency
    dishub: Agency
    forum_agency: Agency
    other_agency: Agency
    city_forum: Forum
    kecamatan_forum: Forum
    people: dict[str, User]

    def __getitem__(self, key: str) -> User:
        return self.people[key]


def make_world() -> World:
    city = make_region("64.71", "Kota Balikpapan")
    kecamatan = make_region("64.71.01", "Balikpapan Timur")
    kelurahan = make_region("64.71.01.1001", "Manggar")
    kecamatan2 = make_region("64.71.02", "Balikpapan Selatan")
    kelurahan2 = make_region("64.71.02.1001", "Sepinggan")
    other_city = make_region("64.72", "Kota Samarinda")
    dp3akb = make_agency(region=city, code="dp3akb", name="DP3AKB")
    dinkes = make_agency(region=city, code="dinkes", name="Dinas Kesehatan")
    dishub = make_agency(region=city, code="dishub", name="Dinas Perhubungan")
    forum_agency = make_agency(
        region=city, code="forum-anak", name="Forum Anak", kind=AgencyKind.COMMUNITY
    )
    other_agency = make_agency(region=other_city, code="dp3a", name="DP3A Samarinda")
    people = {
        "facilitator": make_person(
            Role.FORUM_FACILITATOR, agency=forum_agency, username="fasilitator.kota"
        ),
        "other_facilitator": make_person(
            Role.FORUM_FACILITATOR, agency=forum_agency, username="fasilitator.timur"
        ),
        "secretariat": make_person(Role.SECRETARIAT, agency=dp3akb, username="sekretariat.uji"),
        "opd": make_person(Role.OPD_FOCAL, agency=dinkes, username="opd.dinkes.uji"),
        "opd_other": make_person(Role.OPD_FOCAL, agency=dishub, username="opd.dishub.uji"),
        "leadership": make_person(Role.LEADERSHIP, agency=dp3akb, username="pimpinan.uji"),
        "nobody": make_person(Role.COUNSELLOR, agency=dp3akb, username="konselor.uji"),
        "other_city": make_person(
            Role.SECRETARIAT, agency=other_agency, username="sekretariat.samarinda"
        ),
    }
    city_forum = services.forum_create(
        actor=people["secretariat"],
        city=city,
        data=services.ForumData(
            level=ForumLevel.CITY, region=city, name="Forum Anak Kota Balikpapan"
        ),
    )
    city_forum.facilitators.set([people["facilitator"]])
    kecamatan_forum = services.forum_create(
        actor=people["secretariat"],
        city=city,
        data=services.ForumData(
            level=ForumLevel.KECAMATAN, region=kecamatan, name="Forum Anak Balikpapan Timur"
        ),
    )
    kecamatan_forum.facilitators.set([people["other_facilitator"]])
    return World(
        city=city,
        kecamatan=kecamatan,
        kelurahan=kelurahan,
        kecamatan2=kecamatan2,
        kelurahan2=kelurahan2,
        other_city=other_city,
        dp3akb=dp3akb,
        dinkes=dinkes,
        dishub=dishub,
        forum_agency=forum_agency,
        other_agency=other_agency,
        city_forum=city_forum,
        kecamatan_forum=kecamatan_forum,
        people=people,
    )


def make_member(world: World, forum: Forum | None = None, **overrides: Any) -> Member:
    forum = forum or world.city_forum
    values: dict[str, Any] = {
        "name": MEMBER_NAME,
        "birth_year": timezone.localdate().year - 14,
        "school": MEMBER_SCHOOL,
        "kelurahan": world.kelurahan,
        "is_board": True,
        "kha_trained_on": timezone.localdate() - datetime.timedelta(days=30),
        "joined_on": timezone.localdate() - datetime.timedelta(days=100),
    }
    values.update(overrides)
    return services.member_add(
        actor=world["facilitator"],
        forum=forum,
        data=services.MemberData(**values),
        consent=services.ConsentData(
            given_by=PARENT_NAME,
            relation="mother",
            given_on=timezone.localdate() - datetime.timedelta(days=100),
        ),
    )


def make_public_aspiration(world: World, **overrides: Any) -> Aspiration:
    values: dict[str, Any] = {
        "text": CHILD_TEXT,
        "child_name": CHILD_NAME,
        "child_age": 13,
        "kelurahan": world.kelurahan,
    }
    values.update(overrides)
    return services.aspiration_submit_public(
        city=world.city, data=services.AspirationData(**values)
    )


def routed(
    world: World,
    aspiration: Aspiration,
    agency: Agency | None = None,
    safe_text: str = PUBLIC_TEXT,
) -> Aspiration:
    return services.aspiration_route(
        actor=world["secretariat"],
        aspiration=aspiration,
        cluster=Cluster.EDUCATION,
        agency=agency or world.dinkes,
        safe_text=safe_text,
    )


def answered(world: World, aspiration: Aspiration, status: str = "answered") -> Aspiration:
    """Answer the aspiration; for "acted" answer it first, then report what was done."""
    if status == "acted" and aspiration.status != "answered":
        aspiration = services.aspiration_respond(
            actor=world["opd"], aspiration=aspiration, status="answered", response=RESPONSE
        )
    return services.aspiration_respond(
        actor=world["opd"], aspiration=aspiration, status=status, response=RESPONSE
    )
