"""Small typed factories for case management (issue #4): Kota Balikpapan with two kecamatan and
their kelurahan, the UPTD PPA and the police, case staff with roles, and cases built through the
services (so every test sees what the services really write)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.cases import services
from layak.cases.models import Attachment, Case, Lookup, LookupKind, Note, Report, Victim
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

#: Identifying values used across the tests; none of them may ever reach a raw database row,
#: a file on storage, an e-mail, an audit entry or an export.
VICTIM_NAME = "Siti Aminah Rahayu"
VICTIM_NIK = "6471014403120001"
VICTIM_BIRTH = datetime.date(2012, 3, 4)
VICTIM_ADDRESS = "Jalan Mawar Melati Nomor 17"
VICTIM_PHONE = "081298765432"
VICTIM_GUARDIAN = "Ibu Suryani Wahyuningsih"
REPORTER_NAME = "Budi Santoso Prakoso"
REPORTER_CONTACT = "081211112222"
REPORT_DESCRIPTION = "Tetangga mendengar teriakan anak setiap malam"
NOTE_TEXT = "Kunjungan rumah: ayah tiri mengancam keluarga"
SUMMARY_TEXT = "Ringkasan rahasia tentang kekerasan di rumah"
FILE_MARKER = b"RAHASIA-VISUM-SITI-AMINAH"
FILE_NAME = "visum-siti-aminah.pdf"

PLAINTEXTS = (
    VICTIM_NAME,
    VICTIM_NIK,
    VICTIM_BIRTH.isoformat(),
    VICTIM_ADDRESS,
    VICTIM_PHONE,
    VICTIM_GUARDIAN,
    REPORTER_NAME,
    REPORTER_CONTACT,
    REPORT_DESCRIPTION,
    NOTE_TEXT,
    SUMMARY_TEXT,
    FILE_MARKER.decode(),
    FILE_NAME,
)


@dataclass(frozen=True)
class CaseWorld:
    """Kota Balikpapan (64.71) with kecamatan 64.71.01 and 64.71.02 and one kelurahan each;
    its UPTD PPA (the intake agency, code ``uptd-ppa``) and police (``polresta``); the UPTD
    PPA of Kota Samarinda (64.72). ``manager`` supervises the whole city's UPTD PPA cases."""

    city: Region
    kecamatan: Region
    kelurahan: Region
    kecamatan2: Region
    kelurahan2: Region
    other_city: Region
    uptd: Agency
    police: Agency
    other_uptd: Agency
    manager: User
    worker: User
    colleague: User
    officer: User
    other_manager: User


def make_case_world() -> CaseWorld:
    services.lookups_load()  # browser tests flush the rows the data migration loaded
    city = make_region("64.71", "Kota Balikpapan")
    other_city = make_region("64.72", "Kota Samarinda")
    uptd = make_agency(
        region=city,
        code="uptd-ppa",
        name="UPTD PPA Kota Balikpapan",
        kind=AgencyKind.SERVICE_UNIT,
        phone="0542-111222",
    )
    police = make_agency(
        region=city, code="polresta", name="Polresta Balikpapan", kind=AgencyKind.VERTICAL
    )
    other_uptd = make_agency(
        region=other_city,
        code="uptd-ppa",
        name="UPTD PPA Kota Samarinda",
        kind=AgencyKind.SERVICE_UNIT,
    )
    return CaseWorld(
        city=city,
        kecamatan=make_region("64.71.01", "Balikpapan Timur"),
        kelurahan=make_region("64.71.01.1001", "Manggar"),
        kecamatan2=make_region("64.71.02", "Balikpapan Selatan"),
        kelurahan2=make_region("64.71.02.1001", "Sepinggan"),
        other_city=other_city,
        uptd=uptd,
        police=police,
        other_uptd=other_uptd,
        manager=make_person(Role.CASE_MANAGER, agency=uptd, username="manajer.kasus"),
        worker=make_person(Role.CASE_WORKER, agency=uptd, username="pekerja.kasus"),
        colleague=make_person(Role.CASE_WORKER, agency=uptd, username="rekan.kasus"),
        officer=make_person(Role.CASE_WORKER, agency=police, username="polisi.ppa"),
        other_manager=make_person(
            Role.CASE_MANAGER, agency=other_uptd, username="manajer.samarinda"
        ),
    )


def lookup(kind: str, code: str) -> Lookup:
    """A category row loaded by the data migration (``layak/cases/data/lookups.csv``)."""
    return Lookup.objects.get(kind=kind, code=code)


def violence(*codes: str) -> list[Lookup]:
    return [lookup(LookupKind.VIOLENCE_FORM, code) for code in codes]


def victim_data(**overrides: Any) -> services.VictimData:
    """A girl of 12 with every identifying field filled, physical violence."""
    values: dict[str, Any] = {
        "sex": "F",
        "age": 12,
        "forms": violence("fisik"),
        "name": VICTIM_NAME,
        "nik": VICTIM_NIK,
        "birth_date": VICTIM_BIRTH,
        "address": VICTIM_ADDRESS,
        "phone": VICTIM_PHONE,
        "guardian": VICTIM_GUARDIAN,
        "education": lookup(LookupKind.EDUCATION, "sd"),
        "occupation": lookup(LookupKind.OCCUPATION, "pelajar"),
        "disability": lookup(LookupKind.DISABILITY, "tidak"),
    }
    values.update(overrides)
    return services.VictimData(**values)


def anonymous_victim(sex: str = "F", age: int = 12, *forms: str) -> services.VictimData:
    """A victim with categories only (for statistics)."""
    return services.VictimData(sex=sex, age=age, forms=violence(*(forms or ("fisik",))))


def make_case(
    world: CaseWorld,
    *,
    actor: User | None = None,
    victims: list[services.VictimData] | None = None,
    kelurahan: Region | None = None,
    summary: str = "",
    report: Report | None = None,
) -> Case:
    """A case opened by ``actor`` (the world's worker) with ``victims`` (none by default)."""
    actor = actor or world.worker
    case = services.case_open(
        actor=actor,
        data=services.CaseData(kelurahan=kelurahan or world.kelurahan, summary=summary),
        report=report,
    )
    for data in victims or []:
        services.victim_add(actor=actor, case=case, data=data)
    case.refresh_from_db()
    return case


def report_data(**overrides: Any) -> services.ReportData:
    values: dict[str, Any] = {
        "channel": "hotline",
        "description": REPORT_DESCRIPTION,
        "reporter_name": REPORTER_NAME,
        "reporter_contact": REPORTER_CONTACT,
        "reporter_relation": "tetangga",
        "child_name": VICTIM_NAME,
        "child_age": 12,
        "child_sex": "F",
    }
    values.update(overrides)
    return services.ReportData(**values)


def make_pdf(marker: bytes = FILE_MARKER) -> bytes:
    """A small valid PDF carrying ``marker`` in a comment."""
    return (
        b"%PDF-1.4\n%" + marker + b"\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def make_attachment(case: Case, actor: User, name: str = FILE_NAME) -> Attachment:
    upload = SimpleUploadedFile(name, make_pdf(), content_type="application/pdf")
    return services.attachment_add(actor=actor, case=case, upload=upload, name=name)


@dataclass(frozen=True)
class FullCase:
    case: Case
    victim: Victim
    note: Note
    report: Report
    attachment: Attachment


def make_full_case(world: CaseWorld, actor: User | None = None) -> FullCase:
    """A case from a hotline report, with an identified victim, a note and a PDF attached."""
    actor = actor or world.worker
    report = services.report_record(actor=actor, data=report_data(kelurahan=world.kelurahan))
    case = make_case(world, actor=actor, report=report, summary=SUMMARY_TEXT)
    victim = services.victim_add(actor=actor, case=case, data=victim_data())
    note = services.note_add(actor=actor, case=case, text=NOTE_TEXT)
    attachment = make_attachment(case, actor)
    case.refresh_from_db()
    report.refresh_from_db()
    return FullCase(case=case, victim=victim, note=note, report=report, attachment=attachment)
