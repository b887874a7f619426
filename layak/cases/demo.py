"""Synthetic demo cases (issue #4): two years of Balikpapan's case load, recorded through the
case services, so that work lists, timelines, referrals, statistics and the SIMFONI export have
something realistic to show. No real people: names, NIKs and addresses are generated.

Volumes follow ``docs/domain.md`` 4.4: about 220 cases a year for the previous and the current
year (the current one up to yesterday), victims about 60 % girls, 22 % adult women and 18 %
boys; forms of violence about half sexual, a quarter physical; kecamatan weighted Utara 31,
Selatan 23, Tengah 21, Timur 13, Barat 12, Kota 11. Older cases are mostly closed.

The services stamp "now" (opening date, case number year, deadlines, timeline, audit entries).
Rather than rewrite those columns afterwards, the seeder moves the clock: each step runs with
``django.utils.timezone.now`` set to the moment it happens in the story, never later than the
real time. A city that already has cases is left alone, so seeding twice adds nothing.

``small`` and ``city`` seed Balikpapan; ``national`` also gives every synthetic kab/kota a few
cases a year through the same generator (its own UPTD PPA staff, referrals to its Puspaga).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from layak.accounts.demo import DemoLogin, add_people
from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.cases.models import (
    Case,
    Channel,
    ConsentGiver,
    Lookup,
    Purpose,
    Referral,
    ReferralScope,
    ReferralStatus,
    Report,
    Stage,
)
from layak.cases.services import (
    CaseData,
    ReportData,
    VictimData,
    case_open,
    consent_record,
    consent_withdraw,
    has_consent,
    incident_add,
    lookups_load,
    member_add,
    note_add,
    perpetrator_add,
    referral_accept,
    referral_create,
    referral_decline,
    referral_done,
    referral_revoke,
    report_dismiss,
    report_from_activist,
    report_merge,
    report_record,
    report_submit_public,
    service_add,
    stage_set,
    victim_add,
    working_days_after,
)
from layak.core.choices import Sex
from layak.core.demo import DEMO_PASSWORD, FIRST_NAMES, LAST_NAMES, DemoContext, person_name
from layak.regions.models import Region

#: Case logins added to the accounts seeder's (``manajer.kasus`` and ``pekerja.kasus`` exist):
#: a second case worker, a case manager supervising one kecamatan, and the receivers of
#: referrals at the police women-and-children unit and at Dinas Sosial.
CASE_LOGINS = [
    DemoLogin("pekerja.kasus2", Role.CASE_WORKER, "uptd-ppa"),
    DemoLogin("manajer.kasus.utara", Role.CASE_MANAGER, "uptd-ppa", "64.71.03"),
    DemoLogin("penyidik.uppa", Role.CASE_WORKER, "polresta-uppa"),
    DemoLogin("peksos.dinsos", Role.CASE_WORKER, "dinsos"),
]

CASES_PER_YEAR = 220
NATIONAL_CASES_PER_YEAR = 6
#: Balikpapan's cases by kecamatan, January-July 2025 (domain.md 4.4).
KECAMATAN_WEIGHTS = {
    "64.71.03": 31,  # Utara
    "64.71.05": 23,  # Selatan
    "64.71.04": 21,  # Tengah
    "64.71.01": 13,  # Timur
    "64.71.02": 12,  # Barat
    "64.71.06": 11,  # Kota
}
#: Forms of violence (lookup codes) of the main form, for children and for adult women; with
#: 78 % children this gives about 52 % sexual, 28 % physical, 11 % psychological, 8 % trafficking.
CHILD_FORMS = {
    "seksual": 60,
    "fisik": 24,
    "psikis": 7,
    "trafficking": 7,
    "eksploitasi": 1,
    "lainnya": 1,
}
ADULT_FORMS = {"fisik": 40, "psikis": 25, "seksual": 25, "trafficking": 10}
VICTIM_KINDS = {"girl": 60, "woman": 22, "boy": 18}
CHANNELS: dict[str, int] = {
    Channel.WALK_IN: 30,
    Channel.HOTLINE: 24,
    Channel.WHATSAPP: 18,
    Channel.PATBM: 8,
    Channel.POLICE: 5,
    Channel.SCHOOL: 4,
    Channel.WEB: 4,
    Channel.HEALTH: 3,
    Channel.SAPA129: 3,
    Channel.PUSPAGA: 1,
}
REPORTER_RELATIONS: dict[str, list[str]] = {
    Channel.SCHOOL: ["guru", "kepala sekolah"],
    Channel.HEALTH: ["petugas puskesmas", "perawat"],
    Channel.POLICE: ["penyidik UPPA"],
    Channel.PATBM: ["aktivis PATBM"],
    Channel.SAPA129: ["petugas SAPA 129"],
    Channel.PUSPAGA: ["konselor Puspaga"],
}
FAMILY_RELATIONS = ["ibu", "ayah", "nenek", "bibi", "kakak", "tetangga", "ketua RT", "korban"]
RELATIONSHIPS = {
    "seksual": {
        "pacar-teman": 35,
        "tetangga": 20,
        "keluarga": 15,
        "orang-tua": 10,
        "guru": 5,
        "lainnya": 15,
    },
    "fisik": {"orang-tua": 45, "keluarga": 15, "pacar-teman": 15, "tetangga": 10, "guru": 5},
    "psikis": {"orang-tua": 40, "keluarga": 20, "pacar-teman": 25, "lainnya": 15},
    "trafficking": {"lainnya": 60, "majikan": 25, "pacar-teman": 15},
    "eksploitasi": {"majikan": 50, "keluarga": 30, "lainnya": 20},
    "lainnya": {"keluarga": 50, "lainnya": 50},
    "adult": {"suami-istri": 70, "pacar-teman": 15, "keluarga": 5, "rekan-kerja": 5, "majikan": 5},
}
PLACES = {
    "seksual": {
        "rumah-tangga": 45,
        "fasilitas-umum": 20,
        "daring": 15,
        "sekolah": 10,
        "lainnya": 10,
    },
    "fisik": {"rumah-tangga": 65, "sekolah": 15, "fasilitas-umum": 15, "lainnya": 5},
    "psikis": {"rumah-tangga": 55, "sekolah": 20, "daring": 20, "lainnya": 5},
    "trafficking": {"lainnya": 40, "fasilitas-umum": 30, "daring": 30},
    "eksploitasi": {"fasilitas-umum": 60, "lainnya": 40},
    "lainnya": {"rumah-tangga": 70, "lainnya": 30},
}
FEMALE_NAMES = [
    n
    for n in FIRST_NAMES
    if n
    in {
        "Citra",
        "Dewi",
        "Fitri",
        "Gita",
        "Indah",
        "Kartika",
        "Lestari",
        "Nur",
        "Oktavia",
        "Putri",
        "Sari",
        "Utami",
        "Zahra",
        "Dian",
        "Hasanah",
        "Rina",
    }
]
MALE_NAMES = [n for n in FIRST_NAMES if n not in FEMALE_NAMES]
STREETS = [
    "Jl. Mawar",
    "Jl. Melati",
    "Jl. Anggrek",
    "Jl. Kenanga",
    "Jl. Cempaka",
    "Jl. Flamboyan",
    "Jl. Dahlia",
    "Jl. Teratai",
    "Gg. Damai",
    "Gg. Sejahtera",
]
DESCRIPTIONS = {
    "seksual": "Pelapor menyampaikan dugaan kekerasan seksual terhadap korban oleh orang yang "
    "dikenalnya. Korban tampak ketakutan dan enggan ke sekolah.",
    "fisik": "Korban mengalami luka memar setelah dipukul di rumah. Tetangga mendengar "
    "keributan berulang kali.",
    "psikis": "Korban sering dibentak, diancam dan dipermalukan; belakangan menarik diri dan "
    "sulit tidur.",
    "trafficking": "Korban dijanjikan pekerjaan di luar kota, lalu tidak boleh pulang dan "
    "identitasnya ditahan.",
    "eksploitasi": "Korban dipekerjakan berjualan hingga larut malam dan tidak bersekolah.",
    "lainnya": "Korban ditinggalkan tanpa pengasuhan yang layak selama beberapa hari.",
}
DISMISSED = [
    "Konsultasi hak asuh anak setelah perceraian; diarahkan ke Puspaga.",
    "Pertanyaan tentang pembuatan akta kelahiran; diarahkan ke Disdukcapil.",
    "Perselisihan antartetangga tanpa korban anak; bukan kasus kekerasan.",
    "Laporan ganda yang tidak dapat dihubungi kembali.",
]
NOTES = [
    "Kunjungan rumah: korban tinggal bersama ibu; kondisi rumah aman.",
    "Asesmen awal selesai; korban perlu pendampingan psikologis.",
    "Koordinasi dengan sekolah agar korban tetap bersekolah.",
    "Korban didampingi saat pemeriksaan visum di rumah sakit.",
]
CONSENT_SHARES = ((Purpose.SERVICES, 0.97), (Purpose.SHARING, 0.8), (Purpose.STATISTICS, 0.92))
CLOSURE_NOTES = [
    "Layanan selesai; korban dan keluarga dalam kondisi stabil.",
    "Proses hukum selesai; pendampingan dihentikan atas persetujuan keluarga.",
    "Korban telah kembali ke keluarga dan bersekolah lagi.",
]


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _phone(rng: random.Random) -> str:
    return f"08{rng.randint(11, 59)}{rng.randint(10_000_000, 99_999_999)}"


# -- the clock -----------------------------------------------------------------------------


@dataclass
class DemoClock:
    """What ``timezone.now`` answers while the seeder runs; never later than the real time."""

    real_now: datetime.datetime
    at: datetime.datetime

    def __call__(self) -> datetime.datetime:
        return self.at

    def set(self, when: datetime.datetime) -> None:
        self.at = min(when, self.real_now - datetime.timedelta(minutes=1))


@contextmanager
def demo_clock() -> Iterator[DemoClock]:
    now = timezone.now()
    clock = DemoClock(real_now=now, at=now)
    with mock.patch.object(timezone, "now", clock):
        yield clock


def _moment(day: datetime.date, rng: random.Random, first_hour: int = 8) -> datetime.datetime:
    """A time of working hours on ``day`` in the project's time zone."""
    time = datetime.time(rng.randint(first_hour, 15), rng.randrange(60))
    return datetime.datetime.combine(day, time, tzinfo=timezone.get_default_timezone())


# -- who works on a city's cases -------------------------------------------------------------


@dataclass(frozen=True)
class CityStaff:
    city: Region
    workers: list[User]
    manager: User
    activist: User | None
    #: Agencies referred to, with the person who answers (None: nobody there answers).
    partners: dict[str, tuple[Agency, User | None]]
    providers: dict[str, Agency]


@dataclass(frozen=True)
class Lookups:
    by_kind: dict[str, dict[str, Lookup]]

    def get(self, kind: str, code: str) -> Lookup:
        return self.by_kind[kind][code]


def _lookups() -> Lookups:
    by_kind: dict[str, dict[str, Lookup]] = {}
    for lookup in Lookup.objects.filter(is_active=True):
        by_kind.setdefault(lookup.kind, {})[lookup.code] = lookup
    return Lookups(by_kind)


def _add_case_logins(home: Region, rng: random.Random) -> None:
    agencies = {a.code: a for a in Agency.objects.filter(region=home)}
    scopes = {r.code: r for r in Region.objects.filter(code__startswith=f"{home.code}.")}
    wanted = [login for login in CASE_LOGINS if login.agency_code in agencies]
    if User.objects.filter(username__in=[login.username for login in wanted]).count() == len(
        wanted
    ):
        return
    add_people(
        [
            (
                login.username,
                person_name(rng),
                agencies[login.agency_code],
                scopes[login.scope_code] if login.scope_code else home,
                str(login.role),
            )
            for login in wanted
        ],
        make_password(DEMO_PASSWORD),
    )


def _balikpapan_staff(home: Region) -> CityStaff:
    people = {u.username: u for u in User.objects.filter(agency__region=home)}
    agencies = {a.code: a for a in Agency.objects.filter(region=home)}
    return CityStaff(
        city=home,
        workers=[people["pekerja.kasus"], people["pekerja.kasus2"]],
        manager=people["manajer.kasus"],
        activist=people.get("patbm.manggar"),
        partners={
            "polresta-uppa": (agencies["polresta-uppa"], people["penyidik.uppa"]),
            "puspaga": (agencies["puspaga"], people.get("konselor")),
            "dinsos": (agencies["dinsos"], people["peksos.dinsos"]),
        },
        providers={code: agencies[code] for code in ("uptd-ppa", "dinkes", "polresta-uppa")},
    )


def _national_staff(city: Region) -> CityStaff | None:
    """The staff the accounts seeder gives a synthetic kab/kota (``uptd-ppa.2.<code>``...)."""
    people = {u.username: u for u in User.objects.filter(agency__region=city)}
    agencies = {a.code: a for a in Agency.objects.filter(region=city)}
    manager = people.get(f"uptd-ppa.1.{city.code}")
    worker = people.get(f"uptd-ppa.2.{city.code}")
    if manager is None or worker is None or "puspaga" not in agencies:
        return None
    return CityStaff(
        city=city,
        workers=[worker],
        manager=manager,
        activist=None,
        partners={"puspaga": (agencies["puspaga"], people.get(f"puspaga.1.{city.code}"))},
        providers={"uptd-ppa": agencies["uptd-ppa"]},
    )


# -- one case --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VictimPlan:
    sex: str
    age: int
    forms: list[str]
    name: str


@dataclass
class Story:
    """The steps of one case, each at the moment it happens; run in time order."""

    real_now: datetime.datetime
    steps: list[tuple[datetime.datetime, int, Callable[[], object]]] = field(default_factory=list)
    #: Nothing happens to a case before it is opened (a service on its first day, say).
    not_before: datetime.datetime | None = None

    def add(self, when: datetime.datetime, step: Callable[[], object]) -> None:
        if self.not_before is not None:
            when = max(when, self.not_before)
        self.steps.append((when, len(self.steps), step))

    def happened(self, when: datetime.datetime) -> bool:
        """Whether a step planned for ``when`` lies in the past (else it is left out)."""
        if self.not_before is not None:
            when = max(when, self.not_before)
        return when < self.real_now - datetime.timedelta(minutes=1)

    def run(self, clock: DemoClock) -> None:
        for when, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            if when < self.real_now - datetime.timedelta(minutes=1):
                clock.set(when)
                step()


@dataclass
class _ReferralStory:
    """One referral: sent (with consent, or overridden by the manager), answered, finished."""

    case: Callable[[], Case]
    owner: User
    manager: User
    agency: Agency
    receiver: User | None
    addressed: User | None
    scope: str
    kind: Lookup
    message: str
    override: bool
    referral: Referral | None = None

    def send(self) -> None:
        case = self.case()
        needed = [Purpose.SERVICES]
        if self.scope == ReferralScope.CASE:
            needed.append(Purpose.SHARING)
        missing = [p for p in needed if not has_consent(case, p)]
        if missing and not self.override:
            return  # the family did not agree: no referral
        self.referral = referral_create(
            actor=self.manager if missing else self.owner,
            case=case,
            scope=self.scope,
            to_agency=self.agency,
            to_user=self.addressed,
            service_kind=self.kind,
            message=self.message,
            override_reason="Anak dalam bahaya; pelaku masih tinggal serumah dengan korban."
            if missing
            else "",
            may_override=bool(missing),
        )

    def answer(self, outcome: str) -> None:
        if self.referral is None or self.receiver is None:
            return
        if outcome == "decline":
            self.referral = referral_decline(
                actor=self.receiver,
                referral=self.referral,
                reason="Belum ada petugas yang dapat menangani; mohon dirujuk ulang.",
            )
        elif outcome == "revoke":
            self.referral = referral_revoke(
                actor=self.owner, referral=self.referral, reason="Keluarga menolak."
            )
        else:
            self.referral = referral_accept(actor=self.receiver, referral=self.referral)

    def finish(self) -> None:
        if (
            self.referral is not None
            and self.receiver is not None
            and self.referral.status == ReferralStatus.ACCEPTED
        ):
            self.referral = referral_done(
                actor=self.receiver, referral=self.referral, note="Layanan selesai."
            )


def _add_service(
    owner: User,
    case: Callable[[], Case],
    kind: Lookup,
    provider: Agency,
    start: datetime.date,
    end: datetime.date | None,
) -> None:
    service_add(
        actor=owner, case=case(), kind=kind, provider=provider, started_on=start, ended_on=end
    )


def _set_stage(owner: User, case: Callable[[], Case], stage: str, note: str) -> None:
    stage_set(actor=owner, case=case(), stage=stage, note=note)


class CaseWriter:
    """Writes the synthetic cases of one city through the case services."""

    def __init__(
        self, rng: random.Random, staff: CityStaff, lookups: Lookups, clock: DemoClock
    ) -> None:
        self.rng = rng
        self.staff = staff
        self.lookups = lookups
        self.clock = clock
        self.today = timezone.localtime(clock.real_now).date()
        kecamatan = list(Region.objects.filter(parent=staff.city).order_by("code"))
        self.kelurahan = {
            kec.code: list(Region.objects.filter(parent=kec).order_by("code")) for kec in kecamatan
        }
        self.kelurahan = {code: rows for code, rows in self.kelurahan.items() if rows}
        self.kecamatan_weights = {
            code: KECAMATAN_WEIGHTS.get(code, 10) for code in sorted(self.kelurahan)
        }

    # choices -------------------------------------------------------------------------------

    def _victim(self, kind: str) -> VictimPlan:
        rng = self.rng
        if kind == "woman":
            age = rng.choice([rng.randint(18, 24), rng.randint(25, 44), rng.randint(25, 44)])
            if rng.random() < 0.1:
                age = rng.randint(45, 59)
            main = _weighted(rng, ADULT_FORMS)
            sex = Sex.FEMALE
        else:
            roll = rng.random()
            older = (0.5, 0.85) if kind == "girl" else (0.35, 0.85)
            if roll < older[0]:
                age = rng.randint(13, 17)
            elif roll < older[1]:
                age = rng.randint(6, 12)
            else:
                age = rng.randint(1, 5)
            main = _weighted(rng, CHILD_FORMS)
            sex = Sex.FEMALE if kind == "girl" else Sex.MALE
        forms = [main]
        if main in ("fisik", "seksual") and rng.random() < 0.06:
            forms.append("psikis")
        first = rng.choice(FEMALE_NAMES if sex == Sex.FEMALE else MALE_NAMES)
        return VictimPlan(str(sex), age, forms, f"{first} {rng.choice(LAST_NAMES)}")

    def _victim_data(
        self, plan: VictimPlan, opened: datetime.date, kelurahan: Region
    ) -> VictimData:
        rng, get = self.rng, self.lookups.get
        born = opened - datetime.timedelta(days=plan.age * 365 + rng.randrange(365))
        nik = ""
        if rng.random() < 0.7:
            day = born.day + (40 if plan.sex == Sex.FEMALE else 0)
            nik = (
                f"{kelurahan.code[:8].replace('.', '')}{day:02d}{born.month:02d}"
                f"{born.year % 100:02d}{rng.randint(1, 9999):04d}"
            )
        age = plan.age
        if age < 5:
            education = "belum-sekolah"
        elif age < 6:
            education = "tk-paud"
        elif age < 13:
            education = "sd"
        elif age < 16:
            education = "sltp"
        elif age < 18:
            education = "slta"
        else:
            education = _weighted(rng, {"slta": 50, "sltp": 20, "sd": 15, "pt": 15})
        occupation: str | None = None
        if 6 <= age < 18:
            occupation = "pelajar" if rng.random() < 0.9 else "tidak-bekerja"
        elif age >= 18:
            occupation = _weighted(
                rng,
                {
                    "irt": 40,
                    "swasta-buruh": 30,
                    "tidak-bekerja": 20,
                    "lainnya": 7,
                    "pns-tni-polri": 3,
                },
            )
        disability = "tidak"
        if rng.random() < 0.05:
            disability = rng.choice(["fisik", "intelektual", "mental", "sensorik"])
        return VictimData(
            sex=plan.sex,
            age=age,
            forms=[get("violence_form", code) for code in plan.forms],
            name=plan.name,
            nik=nik,
            birth_date=born if rng.random() < 0.9 else None,
            address=f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}, "
            f"RT {rng.randint(1, 60):02d}, Kel. {kelurahan.name}",
            phone=_phone(rng),
            guardian=person_name(rng) if age < 18 else "",
            education=get("education", education),
            occupation=get("occupation", occupation) if occupation else None,
            disability=get("disability", disability),
        )

    def _report_data(
        self, channel: str, plan: VictimPlan, kelurahan: Region, description: str
    ) -> ReportData:
        rng = self.rng
        anonymous = channel in (Channel.HOTLINE, Channel.WEB) and rng.random() < 0.15
        relations = REPORTER_RELATIONS.get(channel, FAMILY_RELATIONS)
        return ReportData(
            channel=channel,
            description=description,
            kelurahan=kelurahan,
            child_name=plan.name if plan.age < 18 else "",
            child_age=plan.age if plan.age < 18 else None,
            child_sex=plan.sex if plan.age < 18 else "",
            anonymous=anonymous,
            reporter_name="" if anonymous else person_name(rng),
            reporter_contact="" if anonymous else _phone(rng),
            reporter_relation=rng.choice(relations),
        )

    def _receive(self, data: ReportData, receiver: User) -> Report:
        """A report by its channel: the public form, a PATBM activist, or case staff."""
        activist = self.staff.activist
        if data.channel == Channel.WEB:
            return report_submit_public(city=self.staff.city, data=data)
        if (
            data.channel == Channel.PATBM
            and activist is not None
            and data.kelurahan is not None
            and activist.scope_code
            and data.kelurahan.code.startswith(activist.scope_code[:8])
        ):
            return report_from_activist(actor=activist, data=data)
        return report_record(actor=receiver, data=data)

    # the story -----------------------------------------------------------------------------

    def write_case(self, opened: datetime.date) -> None:
        rng, staff, get = self.rng, self.staff, self.lookups.get
        kelurahan = rng.choice(self.kelurahan[_weighted(rng, self.kecamatan_weights)])
        plans = [self._victim(_weighted(rng, VICTIM_KINDS))]
        if rng.random() < 0.1:
            sibling = self._victim("girl" if rng.random() < 0.6 else "boy")
            plans.append(VictimPlan(sibling.sex, sibling.age, plans[0].forms, sibling.name))
        main = plans[0].forms[0]
        adult = all(p.age >= 18 for p in plans)
        owner = rng.choice(staff.workers)
        channel = _weighted(rng, CHANNELS)
        t_open = _moment(opened, rng, first_hour=10)
        t_report = t_open - datetime.timedelta(minutes=rng.randint(20, 600))
        place = _weighted(rng, PLACES[main])
        risk = (
            "tinggi"
            if main == "trafficking" or rng.random() < 0.15
            else rng.choice(["rendah", "sedang", "sedang"])
        )
        child_marriage = rng.random() < 0.05 and any(
            p.sex == Sex.FEMALE and 15 <= p.age < 18 for p in plans
        )
        reports: list[Report] = []
        cases: list[Case] = []

        def case() -> Case:
            return cases[0]

        def receive() -> None:
            data = self._report_data(channel, plans[0], kelurahan, DESCRIPTIONS[main])
            reports.append(self._receive(data, owner))

        def open_case() -> None:
            opener = staff.manager if rng.random() < 0.2 else owner
            data = CaseData(
                kelurahan=kelurahan,
                risk=get("risk", risk),
                child_marriage=child_marriage,
                online_harm=place == "daring",
            )
            cases.append(case_open(actor=opener, report=reports[0], owner=owner, data=data))
            for plan in plans:
                victim_add(
                    actor=owner, case=case(), data=self._victim_data(plan, opened, kelurahan)
                )
            for number in range(2 if rng.random() < 0.1 else 1):
                relationship = _weighted(rng, RELATIONSHIPS["adult" if adult else main])
                male = rng.random() < (0.6 if relationship == "orang-tua" else 0.92)
                perpetrator_add(
                    actor=owner,
                    case=case(),
                    name="" if main == "trafficking" and number else person_name(rng),
                    sex=str(Sex.MALE if male else Sex.FEMALE),
                    age=rng.randint(16, 55) if rng.random() < 0.85 else None,
                    relationship=get("relationship", relationship),
                )
            lag = rng.choice([0, 1, 2, 3, 7, 14, 30, 60]) + rng.randrange(3)
            incident_add(
                actor=owner,
                case=case(),
                occurred_on=opened - datetime.timedelta(days=lag),
                place=get("place", place),
                kelurahan=kelurahan,
                description=DESCRIPTIONS[main],
            )
            giver = ConsentGiver.SELF if adult else ConsentGiver.GUARDIAN
            for purpose, share in CONSENT_SHARES:
                if rng.random() < share:
                    consent_record(
                        actor=owner, case=case(), purpose=purpose, given_by=giver, given_on=opened
                    )

        story = Story(self.clock.real_now)
        story.add(t_report, receive)
        story.add(t_open, open_case)
        story.not_before = t_open + datetime.timedelta(minutes=30)

        # How long the case runs, and when each stage begins.
        roll = rng.random()
        if roll < 0.7:
            length = rng.randint(20, 90)
        elif roll < 0.92:
            length = rng.randint(90, 200)
        else:
            length = rng.randint(200, 400)  # a court case
        closes = opened + datetime.timedelta(days=length)
        late = rng.random() < 0.15
        followup = working_days_after(opened, rng.randint(4, 7) if late else rng.randint(0, 3))
        if (self.today - opened).days <= 14 and rng.random() < 0.15:
            story.run(self.clock)  # nobody has followed it up yet: overdue
            return
        planned = followup + datetime.timedelta(days=rng.randint(3, 10))
        serving = planned + datetime.timedelta(days=rng.randint(1, 5))
        monitoring = max(
            serving + datetime.timedelta(days=7),
            closes - datetime.timedelta(days=rng.randint(10, 30)),
        )
        closes = max(closes, monitoring + datetime.timedelta(days=3))
        stages = [
            (_moment(day, rng, first_hour=13), str(stage))
            for day, stage in (
                (followup, Stage.ASSESSMENT),
                (planned, Stage.PLAN),
                (serving, Stage.SERVICES),
                (monitoring, Stage.MONITORING),
                (closes, Stage.CLOSED),
            )
        ]
        # Record only the steps that show on the timeline (each stage change is a service
        # call with its audit entry): the follow-up, the services, and where the case is now.
        reached = [stage for when, stage in stages if story.happened(when)]
        shown = {Stage.ASSESSMENT, reached[-1] if reached else Stage.ASSESSMENT}
        if set(reached) & {Stage.MONITORING, Stage.CLOSED}:
            shown.add(Stage.SERVICES)
        for when, stage in stages:
            if stage in shown:
                note = rng.choice(CLOSURE_NOTES) if stage == Stage.CLOSED else ""
                story.add(when, partial(_set_stage, owner, case, stage, note))
        if rng.random() < 0.5:
            text = rng.choice(NOTES)
            story.add(
                _moment(followup, rng, first_hour=14) + datetime.timedelta(minutes=90),
                lambda: note_add(actor=owner, case=case(), text=text),
            )
        if len(staff.workers) > 1 and rng.random() < 0.15:
            other = next(w for w in staff.workers if w.pk != owner.pk)
            story.add(
                _moment(followup, rng, first_hour=14),
                lambda: member_add(actor=staff.manager, case=case(), user=other),
            )
        self._services(story, case, owner, main, opened, followup, serving, closes)
        self._referrals(story, case, owner, main, adult, planned, closes)
        if rng.random() < 0.08:
            again = min(
                opened + datetime.timedelta(days=rng.randint(1, 10)),
                closes - datetime.timedelta(days=1),
            )
            second = _weighted(rng, CHANNELS)
            data = self._report_data(second, plans[0], kelurahan, DESCRIPTIONS[main])

            def merge() -> None:
                report = self._receive(data, owner)
                report_merge(actor=owner, report=report, case=case())

            story.add(_moment(again, rng), merge)
        if rng.random() < 0.015:

            def withdraw() -> None:
                consent = case().consents.filter(purpose=Purpose.STATISTICS).first()
                if consent is not None:
                    consent_withdraw(actor=owner, consent=consent, on=timezone.localdate())

            story.add(_moment(serving, rng), withdraw)
        story.run(self.clock)

    def _services(
        self,
        story: Story,
        case: Callable[[], Case],
        owner: User,
        main: str,
        opened: datetime.date,
        followup: datetime.date,
        serving: datetime.date,
        closes: datetime.date,
    ) -> None:
        rng, get = self.rng, self.lookups.get
        wanted: list[tuple[str, str, bool]] = []  # (service type, provider code, urgent)
        if rng.random() < 0.7:
            wanted.append(("psikologis", "uptd-ppa", False))
        if main in ("seksual", "fisik") and rng.random() < 0.5:
            wanted.append(("kesehatan", "dinkes", True))
        if rng.random() < 0.35:
            wanted.append(("bantuan-hukum", "uptd-ppa", False))
        if main in ("seksual", "trafficking") and rng.random() < 0.5:
            wanted.append(("penegakan-hukum", "polresta-uppa", False))
        if rng.random() < 0.17:
            wanted.append(("penjangkauan", "uptd-ppa", True))
        if main == "trafficking" or rng.random() < 0.08:
            wanted.append(("rumah-aman", "uptd-ppa", True))
        if main == "trafficking":
            wanted.append(("pemulangan-reintegrasi", "uptd-ppa", False))
        if main in ("psikis", "fisik") and rng.random() < 0.1:
            wanted.append(("mediasi", "uptd-ppa", False))
        if not wanted:
            wanted.append(("psikologis", "uptd-ppa", False))
        for code, provider_code, urgent in wanted:
            start = (
                opened + datetime.timedelta(days=rng.randint(0, 2))
                if urgent
                else max(followup, serving + datetime.timedelta(days=rng.randint(-3, 10)))
            )
            start = min(start, closes - datetime.timedelta(days=1))
            if start < opened:
                start = opened
            end: datetime.date | None = min(
                start + datetime.timedelta(days=rng.randint(1, 60)), closes
            )
            if end is not None and end >= self.today:
                end = None  # still going on
            provider = self.staff.providers.get(provider_code, self.staff.providers["uptd-ppa"])
            story.add(
                _moment(start, rng),
                partial(
                    _add_service,
                    owner,
                    case,
                    get("service_type", code),
                    provider,
                    start,
                    end,
                ),
            )

    def _referrals(
        self,
        story: Story,
        case: Callable[[], Case],
        owner: User,
        main: str,
        adult: bool,
        planned: datetime.date,
        closes: datetime.date,
    ) -> None:
        rng, staff = self.rng, self.staff
        wanted: list[tuple[str, str, str, str]] = []  # agency, scope, service type, message
        police = {"seksual": 0.55, "trafficking": 0.6, "fisik": 0.3}.get(main, 0.0)
        if "polresta-uppa" in staff.partners and rng.random() < police:
            wanted.append(
                (
                    "polresta-uppa",
                    ReferralScope.CASE,
                    "penegakan-hukum",
                    "Mohon proses hukum; korban dan pendamping siap memberi keterangan.",
                )
            )
        if rng.random() < (0.1 if adult else 0.15):
            wanted.append(
                (
                    "puspaga",
                    ReferralScope.SERVICE,
                    "psikologis",
                    "Mohon konseling keluarga untuk orang tua korban.",
                )
            )
        if "dinsos" in staff.partners and (main == "trafficking" or rng.random() < 0.08):
            kind = "pemulangan-reintegrasi" if main == "trafficking" else "rehabilitasi-sosial"
            wanted.append(
                ("dinsos", ReferralScope.SERVICE, kind, "Mohon layanan rehabilitasi sosial.")
            )
        for agency_code, scope, kind, message in wanted:
            agency, receiver = staff.partners[agency_code]
            sent = _moment(planned + datetime.timedelta(days=rng.randint(0, 3)), rng)
            if sent.date() >= closes:
                continue
            referral = _ReferralStory(
                case=case,
                owner=owner,
                manager=staff.manager,
                agency=agency,
                receiver=receiver,
                addressed=receiver if receiver is not None and rng.random() < 0.5 else None,
                scope=scope,
                kind=self.lookups.get("service_type", kind),
                message=message,
                override=rng.random() < 0.3,
            )
            story.add(sent, referral.send)
            outcome = _weighted(rng, {"accept": 80, "decline": 10, "revoke": 5, "silent": 5})
            if receiver is None or outcome == "silent":
                continue
            answered = sent + datetime.timedelta(hours=rng.randint(2, 40))
            story.add(answered, partial(referral.answer, outcome))
            finished = _moment(
                min(closes - datetime.timedelta(days=1), sent.date() + datetime.timedelta(days=60)),
                rng,
            )
            if outcome == "accept" and finished > answered:
                story.add(finished, referral.finish)

    def write_dismissed(self, day: datetime.date) -> None:
        rng = self.rng
        kelurahan = rng.choice(self.kelurahan[_weighted(rng, self.kecamatan_weights)])
        channel = rng.choice([Channel.HOTLINE, Channel.WHATSAPP, Channel.WALK_IN, Channel.WEB])
        data = ReportData(
            channel=channel,
            description=rng.choice(DISMISSED),
            kelurahan=kelurahan,
            reporter_name=person_name(rng),
            reporter_relation=rng.choice(FAMILY_RELATIONS),
        )
        worker = rng.choice(self.staff.workers)
        received = _moment(day, rng)
        reports: list[Report] = []
        story = Story(self.clock.real_now)
        story.add(received, lambda: reports.append(self._receive(data, worker)))
        story.not_before = received + datetime.timedelta(minutes=30)
        story.add(
            _moment(day + datetime.timedelta(days=rng.randint(0, 2)), rng, first_hour=14),
            lambda: report_dismiss(actor=worker, report=reports[0]),
        )
        story.run(self.clock)

    def write_waiting(self, at: datetime.datetime, channel: str) -> None:
        """A report received in the last days that nobody has handled yet."""
        rng = self.rng
        kelurahan = rng.choice(self.kelurahan[_weighted(rng, self.kecamatan_weights)])
        plan = self._victim("girl" if rng.random() < 0.6 else "boy")
        data = self._report_data(channel, plan, kelurahan, DESCRIPTIONS[plan.forms[0]])
        story = Story(self.clock.real_now)
        story.add(at, lambda: self._receive(data, rng.choice(self.staff.workers)))
        story.run(self.clock)


def _opening_days(rng: random.Random, per_year: int, today: datetime.date) -> list[datetime.date]:
    """Opening dates for the previous and the current year (up to yesterday), mostly weekdays."""
    days: list[datetime.date] = []
    for year in (today.year - 1, today.year):
        first = datetime.date(year, 1, 1)
        last = min(datetime.date(year, 12, 31), today - datetime.timedelta(days=1))
        span = (last - first).days + 1
        if span <= 0:
            continue
        wanted = round(per_year * span / 365 * rng.uniform(0.92, 1.08))
        for _ in range(wanted):
            day = first + datetime.timedelta(days=rng.randrange(span))
            if day.weekday() >= 5 and rng.random() < 0.7:
                day = first + datetime.timedelta(days=rng.randrange(span))
            days.append(day)
    return sorted(days)


def seed_city_cases(
    rng: random.Random, staff: CityStaff, lookups: Lookups, per_year: int, clock: DemoClock
) -> int:
    """Two years of synthetic cases for one city, with dismissed and waiting reports."""
    writer = CaseWriter(rng, staff, lookups, clock)
    days = _opening_days(rng, per_year, writer.today)
    for day in days:
        writer.write_case(day)
    for day in _opening_days(rng, max(1, per_year // 6), writer.today):
        writer.write_dismissed(day)
    for hours in sorted(rng.sample(range(2, 72), 3 if per_year >= 50 else 1), reverse=True):
        channel = rng.choice([Channel.WEB, Channel.WHATSAPP, Channel.PATBM, Channel.HOTLINE])
        writer.write_waiting(clock.real_now - datetime.timedelta(hours=hours), channel)
    return len(days)


def seed_cases(context: DemoContext) -> None:
    """The case logins, then two years of cases for Balikpapan (and, at national size, for
    every synthetic kab/kota) unless the city already has cases."""
    home: Region = context.shared["home"]
    _add_case_logins(home, context.rng)
    lookups_load()  # the data migration's rows are gone after a test database flush
    lookups = _lookups()
    created = 0
    with demo_clock() as clock:
        if not Case.objects.filter(region=home).exists():
            created = seed_city_cases(
                context.rng, _balikpapan_staff(home), lookups, CASES_PER_YEAR, clock
            )
        if context.size == "national":
            have = set(Case.objects.values_list("region_id", flat=True).distinct())
            for city in context.shared["kabkota"]:
                if city.pk == home.pk or city.pk in have:
                    continue
                staff = _national_staff(city)
                if staff is not None:
                    seed_city_cases(context.rng, staff, lookups, NATIONAL_CASES_PER_YEAR, clock)
    if created:
        context.report.append(
            f"Demo cases: {created} synthetic Balikpapan cases over two years; case logins:"
        )
    else:
        context.report.append("Demo case logins:")
    for login in CASE_LOGINS:
        context.report.append(f"  {login.username:<20} {Role(login.role).label}")
