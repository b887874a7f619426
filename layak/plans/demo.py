"""Synthetic demo data of this module: Balikpapan's RAD KLA 2025-2029 with 15 actions, and two
task-force meetings with attendance, decisions and follow-ups (issue #6)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from layak.accounts.models import Agency
from layak.core.demo import DemoContext
from layak.evaluations.models import Instrument, Question
from layak.plans import services
from layak.plans.models import AttendanceStatus, Meeting, Plan
from layak.regions.models import Region

PLAN_TITLE = "RAD KLA Kota Balikpapan"

#: (cluster, agency code, title, APBD programme)
ACTIONS = [
    ("KL", "bappeda", "Integrasi RAD KLA ke dalam RPJMD dan Renstra OPD", "Perencanaan"),
    ("KL", "dp3akb", "Pelatihan Konvensi Hak Anak bagi anggota Gugus Tugas", "Pemenuhan Hak Anak"),
    ("KL", "dp3akb", "Pemutakhiran data terpilah anak per kelurahan", "Data Gender dan Anak"),
    ("K1", "disdukcapil", "Jemput bola akta kelahiran di posyandu dan sekolah", "Pencatatan Sipil"),
    (
        "K1",
        "disdukcapil",
        "Kartu Identitas Anak untuk seluruh anak usia sekolah",
        "Pencatatan Sipil",
    ),
    ("K1", "dp3akb", "Penguatan Forum Anak kecamatan dan kelurahan", "Partisipasi Anak"),
    ("K2", "dp3akb", "Layanan konseling keluarga Puspaga di setiap kecamatan", "Kualitas Keluarga"),
    ("K2", "dinsos", "Pendataan dan pengasuhan alternatif anak terlantar", "Rehabilitasi Sosial"),
    ("K2", "dp3akb", "Kelas pencegahan perkawinan anak", "Kualitas Keluarga"),
    ("K3", "dinkes", "Perluasan imunisasi dasar lengkap", "Upaya Kesehatan"),
    ("K3", "dinkes", "Pojok laktasi di kantor pemerintah dan fasilitas umum", "Upaya Kesehatan"),
    ("K4", "disdikbud", "Sekolah Ramah Anak di seluruh SD dan SMP negeri", "Pendidikan Dasar"),
    ("K4", "disdikbud", "Pendidikan anak usia dini holistik integratif", "PAUD"),
    ("K5", "dinsos", "Rehabilitasi sosial anak berhadapan dengan hukum", "Rehabilitasi Sosial"),
    ("K5", "dp3akb", "Penguatan PPATBM di setiap kelurahan", "Perlindungan Khusus Anak"),
]

#: Action number -> (indicator code, target of the first year, change per year): the yearly
#: targets of these actions become the indicators' targets (``layak.indicators.targets``).
INDICATOR_TARGETS = {
    4: ("akta-lahir", Decimal("95"), Decimal("1")),
    5: ("kia", Decimal("70"), Decimal("5")),
    6: ("forum-anak", Decimal("60"), Decimal("10")),
    9: ("dispensasi-kawin", Decimal("40"), Decimal("-5")),
    10: ("imunisasi-dasar", Decimal("92"), Decimal("1")),
    12: ("sra", Decimal("50"), Decimal("10")),
    15: ("patbm", Decimal("80"), Decimal("5")),
}

FOLLOWUPS = [
    ("disdukcapil", "Laporkan capaian akta kelahiran per kecamatan", -40),
    ("dinkes", "Data pojok laktasi yang sudah terstandar", -10),
    ("disdikbud", "Daftar sekolah calon SRA tahun ini", 2),
    ("bappeda", "Tandai program RAD KLA dalam dokumen RKPD", 20),
    ("dinsos", "Rekap anak terlantar yang mendapat pengasuhan alternatif", 45),
]


def _question_codes(instrument: Instrument | None, agency_code: str) -> list[str]:
    if instrument is None:
        return []
    codes = [
        q.label
        for q in Question.objects.filter(instrument=instrument)
        .select_related("indicator")
        .order_by("order", "code")
        if agency_code in q.agency_codes
    ]
    return codes[:2]


def seed_plans(context: DemoContext) -> None:
    home: Region = context.shared["home"]
    if Plan.objects.filter(region=home, title=PLAN_TITLE).exists():
        return
    agencies = {a.code: a for a in Agency.objects.filter(region=home)}
    needed = {code for _c, code, _t, _b in ACTIONS} | {code for code, _t, _d in FOLLOWUPS}
    if not needed <= set(agencies):
        return
    rng = context.rng
    today = timezone.localdate()
    instrument = Instrument.objects.order_by("-year", "-created_at").first()
    plan = services.plan_create(
        actor=None, region=home, title=PLAN_TITLE, start_year=2025, end_year=2029
    )
    services.plan_adopt(actor=None, plan=plan)
    for number, (cluster, code, title, programme) in enumerate(ACTIONS, start=1):
        action = services.action_create(
            actor=None,
            plan=plan,
            code=f"{cluster}.{number:02d}",
            title=title,
            cluster=cluster,
            agency=agencies[code],
            question_codes=_question_codes(instrument, code),
            indicator_codes=[INDICATOR_TARGETS[number][0]] if number in INDICATOR_TARGETS else [],
            budget_line=f"Program {programme}",
            budget_amount=Decimal(rng.randrange(50, 2500) * 1_000_000),
        )
        for year in range(2025, 2030):
            if number in INDICATOR_TARGETS:
                indicator, first, change = INDICATOR_TARGETS[number]
                value = first + change * (year - 2025)
                target = f"{value} ({indicator})"
            else:
                value = Decimal(60 + 8 * (year - 2025))
                target = f"{value}% kegiatan terlaksana"
            services.target_set(actor=None, action=action, year=year, target=target, value=value)
        for step in range(1, 4):
            due = datetime.date(today.year, 1, 1) + datetime.timedelta(days=step * 100)
            milestone = services.milestone_create(
                actor=None, action=action, title=f"Tahap {step}: {title[:60]}", due_on=due
            )
            if due < today and rng.random() < 0.7:
                services.milestone_done(
                    actor=None, milestone=milestone, done_on=due - datetime.timedelta(days=3)
                )
        for months_ago in (4, 1):
            reported = today - datetime.timedelta(days=30 * months_ago)
            if reported.year != today.year:
                continue
            expected = (reported.timetuple().tm_yday * 100) // 366
            services.progress_report(
                actor=None,
                action=action,
                reported_on=reported,
                text=f"Kegiatan berjalan sesuai rencana di {rng.randint(2, 6)} kecamatan.",
                percent=max(0, min(100, expected + rng.randint(-35, 10))),
            )
    _seed_meetings(home, agencies, today)
    context.report.append(f"Plans: {PLAN_TITLE} 2025–2029, {len(ACTIONS)} actions, 2 meetings.")


def _seed_meetings(home: Region, agencies: dict[str, Agency], today: datetime.date) -> None:
    if Meeting.objects.filter(region=home).exists():
        return
    first = services.meeting_create(
        actor=None,
        region=home,
        held_on=today - datetime.timedelta(days=60),
        title="Rapat Koordinasi Gugus Tugas KLA triwulan I",
        agenda="1. Capaian RAD KLA\n2. Persiapan evaluasi KLA",
        minutes="Rapat dipimpin Kepala Bappedalitbang; seluruh klaster melaporkan capaian.",
    )
    second = services.meeting_create(
        actor=None,
        region=home,
        held_on=today - datetime.timedelta(days=7),
        title="Rapat Koordinasi Gugus Tugas KLA triwulan II",
        agenda="1. Tindak lanjut rapat sebelumnya\n2. Bukti dukung evaluasi",
        minutes="Beberapa tindak lanjut belum selesai; sekretariat mengingatkan tenggat.",
    )
    for meeting in (first, second):
        for index, code in enumerate(("dp3akb", "bappeda", "disdukcapil", "dinkes", "disdikbud")):
            status = AttendanceStatus.PRESENT if index % 3 else AttendanceStatus.REPRESENTED
            services.attendance_set(
                actor=None,
                meeting=meeting,
                agency=agencies[code],
                status=status,
                representative="Kepala Bidang" if status == AttendanceStatus.REPRESENTED else "",
            )
        services.attendance_set(
            actor=None, meeting=meeting, agency=agencies["dinsos"], status=AttendanceStatus.ABSENT
        )
        services.decision_add(
            actor=None, meeting=meeting, text="Setiap OPD melaporkan capaian RAD KLA tiap bulan."
        )
    for code, text, offset in FOLLOWUPS:
        meeting = first if offset < 0 else second
        due = max(today + datetime.timedelta(days=offset), meeting.held_on)
        services.followup_create(
            actor=None, meeting=meeting, text=text, agency=agencies[code], due_on=due
        )
