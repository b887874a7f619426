"""Demo agencies and people. Balikpapan gets one login per role (printed by ``make run``);
``city`` adds staff to every agency; ``national`` gives each synthetic kab/kota its own
agencies and people. Every demo person has the password ``DEMO_PASSWORD``."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from layak.accounts.models import Agency, AgencyKind, RoleAssignment, User
from layak.accounts.roles import Role
from layak.accounts.services import agencies_load_bundled
from layak.core.demo import DEMO_PASSWORD, DemoContext, person_name
from layak.regions.models import Region


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency_code: str
    scope_code: str | None = None  # None: the agency's region


BALIKPAPAN_LOGINS = [
    DemoLogin("admin", Role.ADMIN, "dp3akb"),
    DemoLogin("sekretariat", Role.SECRETARIAT, "dp3akb"),
    DemoLogin("opd.disdukcapil", Role.OPD_FOCAL, "disdukcapil"),
    DemoLogin("opd.dinkes", Role.OPD_FOCAL, "dinkes"),
    DemoLogin("kecamatan.timur", Role.OPD_FOCAL, "kec-64-71-01", "64.71.01"),
    DemoLogin("manajer.kasus", Role.CASE_MANAGER, "uptd-ppa"),
    DemoLogin("pekerja.kasus", Role.CASE_WORKER, "uptd-ppa"),
    DemoLogin("konselor", Role.COUNSELLOR, "puspaga"),
    DemoLogin("patbm.manggar", Role.PATBM_ACTIVIST, "patbm-64-71-01-1001", "64.71.01.1001"),
    DemoLogin("fasilitator.fa", Role.FORUM_FACILITATOR, "forum-anak"),
    DemoLogin("pimpinan", Role.LEADERSHIP, "setda"),
    DemoLogin("verifikator", Role.VERIFIER, "dkp3a-kaltim", "64"),
]

#: Agencies every synthetic kab/kota gets at national size, and the roles of their people.
NATIONAL_AGENCIES = [
    ("dp3a", "Dinas PPPA", AgencyKind.OPD, [Role.ADMIN, Role.SECRETARIAT]),
    ("uptd-ppa", "UPTD PPA", AgencyKind.SERVICE_UNIT, [Role.CASE_MANAGER, Role.CASE_WORKER]),
    ("puspaga", "Puspaga", AgencyKind.SERVICE_UNIT, [Role.COUNSELLOR]),
    ("disdukcapil", "Disdukcapil", AgencyKind.OPD, [Role.OPD_FOCAL]),
    ("dinkes", "Dinas Kesehatan", AgencyKind.OPD, [Role.OPD_FOCAL]),
    ("disdik", "Dinas Pendidikan", AgencyKind.OPD, [Role.OPD_FOCAL]),
    ("dinsos", "Dinas Sosial", AgencyKind.OPD, [Role.OPD_FOCAL]),
    ("bappeda", "Bappeda", AgencyKind.OPD, [Role.LEADERSHIP]),
]


def _province_and_ministry() -> None:
    kaltim = Region.objects.get(code="64")
    Agency.objects.get_or_create(
        region=kaltim,
        code="dkp3a-kaltim",
        defaults={
            "name": "Dinas Kependudukan, Pemberdayaan Perempuan dan Perlindungan Anak "
            "Provinsi Kalimantan Timur",
            "short_name": "DKP3A Kaltim",
            "kind": AgencyKind.PROVINCE,
        },
    )
    Agency.objects.get_or_create(
        region=None,
        code="kemenpppa",
        defaults={
            "name": "Kementerian Pemberdayaan Perempuan dan Perlindungan Anak",
            "short_name": "KemenPPPA",
            "kind": AgencyKind.MINISTRY,
        },
    )


def add_people(specs: list[tuple[str, str, Agency, Region | None, str]], password: str) -> None:
    """Create the people in ``specs`` (username, full name, agency, scope, role) not yet there."""
    existing = set(
        User.objects.filter(username__in=[s[0] for s in specs]).values_list("username", flat=True)
    )
    new = [s for s in specs if s[0] not in existing]
    User.objects.bulk_create(
        [
            User(
                username=username,
                full_name=full_name,
                email=f"{username}@demo.layak.invalid",
                agency=agency,
                scope_region=scope,
                password=password,
            )
            for username, full_name, agency, scope, _role in new
        ]
    )
    ids = dict(User.objects.filter(username__in=[s[0] for s in new]).values_list("username", "pk"))
    RoleAssignment.objects.bulk_create([RoleAssignment(user_id=ids[s[0]], role=s[4]) for s in new])


def seed_accounts(context: DemoContext) -> None:
    agencies_load_bundled(actor=None)
    _province_and_ministry()
    password = make_password(DEMO_PASSWORD)
    home: Region = context.shared["home"]
    agencies = {a.code: a for a in Agency.objects.filter(region__code__in=[home.code, "64"])}
    scopes = {r.code: r for r in Region.objects.filter(code__startswith="64")}
    specs = [
        (
            login.username,
            person_name(context.rng),
            agencies[login.agency_code],
            scopes[login.scope_code] if login.scope_code else agencies[login.agency_code].region,
            str(login.role),
        )
        for login in BALIKPAPAN_LOGINS
    ]
    if context.size in ("city", "national"):
        for agency in sorted(agencies.values(), key=lambda a: a.code):
            if agency.region_id != home.pk:
                continue
            role = {
                AgencyKind.SERVICE_UNIT: Role.CASE_WORKER
                if agency.code == "uptd-ppa"
                else Role.COUNSELLOR,
                AgencyKind.COMMUNITY: Role.PATBM_ACTIVIST
                if agency.code.startswith("patbm")
                else Role.FORUM_FACILITATOR,
            }.get(AgencyKind(agency.kind), Role.OPD_FOCAL)
            for i in range(1, 4):
                specs.append(
                    (
                        f"{agency.code}.{i}",
                        person_name(context.rng),
                        agency,
                        agency.area or home,
                        str(role),
                    )
                )
    add_people(specs, password)
    if context.size == "national":
        _seed_national(context, password)
    context.report.append(f"Demo logins (password: {DEMO_PASSWORD}):")
    for login in BALIKPAPAN_LOGINS:
        context.report.append(f"  {login.username:<18} {Role(login.role).label}")


def _seed_national(context: DemoContext, password: str) -> None:
    kabkota = [r for r in context.shared["kabkota"] if r.code != "64.71"]
    existing = set(Agency.objects.filter(region__in=kabkota).values_list("region_id", "code"))
    Agency.objects.bulk_create(
        [
            Agency(region=kk, code=code, name=f"{name} {kk.name}", short_name=name, kind=kind)
            for kk in kabkota
            for code, name, kind, _roles in NATIONAL_AGENCIES
            if (kk.pk, code) not in existing
        ]
    )
    by_key = {(a.region_id, a.code): a for a in Agency.objects.filter(region__in=kabkota)}
    specs = [
        (
            f"{code}.{i}.{kk.code}",
            person_name(context.rng),
            by_key[(kk.pk, code)],
            kk,
            str(role),
        )
        for kk in kabkota
        for code, _name, _kind, roles in NATIONAL_AGENCIES
        for i, role in enumerate(roles, start=1)
    ]
    add_people(specs, password)
