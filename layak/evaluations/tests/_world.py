"""The small named world of the evaluation page, permission and API tests (issue #3).

Kota Balikpapan (64.71) with its bundled regions and agencies, the demo instrument and an
open cycle, and one person per kind of visitor; Kota Samarinda (64.72) with a secretariat of
its own, who must learn nothing about Balikpapan's evaluation; and a national administrator
(of the ministry, an agency without region), who alone changes the shared instruments.
"""

from __future__ import annotations

import datetime
import io
import tempfile
from dataclasses import dataclass

from django.core.management import call_command
from django.test import TestCase, override_settings

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.evaluations import services
from layak.evaluations.demo import DEMO_PDF, demo_instrument
from layak.evaluations.models import Answer, AnswerOption, Cycle, Instrument
from layak.evaluations.shares import read_share
from layak.regions.models import Region
from layak.regions.tests.factories import make_region

#: A question assigned to Disdukcapil only (city scope).
DUKCAPIL_QUESTION = "4.01"
#: A question assigned to DP3AKB and Bagian Hukum, not to Disdukcapil.
OTHER_AGENCY_QUESTION = "2.01"
#: A question answered by each kelurahan office for its own kelurahan.
KELURAHAN_QUESTION = "26.03"
KELURAHAN = "64.71.01.1001"
OTHER_KELURAHAN = "64.71.01.1002"

#: A minimal valid PDF, as the demo attaches.
PDF = DEMO_PDF
#: A Windows program renamed to look like a PDF.
RENAMED_EXE = b"MZ" + b"\x90\x00" * 64


@dataclass(frozen=True)
class EvaluationWorld:
    city: Region
    kelurahan: Region
    other_kelurahan: Region
    other_city: Region
    disdukcapil: Agency
    instrument: Instrument
    cycle: Cycle
    secretariat: User
    focal: User
    focal_colleague: User
    kelurahan_focal: User
    leader: User
    verifier: User
    worker: User
    other_secretariat: User
    national_admin: User


def make_world(year: int = 2026) -> EvaluationWorld:
    """Everything loaded from the bundled data, then one person per role under test."""
    call_command("load_regions", stdout=io.StringIO())
    call_command("load_agencies", stdout=io.StringIO())
    city = Region.objects.get(code="64.71")
    province = Region.objects.get(code="64")
    other_city = make_region("64.72", "Kota Samarinda")
    dp3akb = Agency.objects.get(region=city, code="dp3akb")
    disdukcapil = Agency.objects.get(region=city, code="disdukcapil")
    setda = Agency.objects.get(region=city, code="setda")
    uptd = Agency.objects.get(region=city, code="uptd-ppa")
    kelurahan_office = Agency.objects.get(region=city, code="kel-64-71-01-1001")
    kelurahan = Region.objects.get(code=KELURAHAN)
    secretariat = make_person(Role.SECRETARIAT, agency=dp3akb, full_name="Sekar Sekretariat")
    instrument = demo_instrument()
    cycle = services.cycle_open(
        actor=secretariat,
        city=city,
        instrument=instrument,
        year=year,
        answer_deadline=datetime.date(year, 3, 31),
        review_deadline=datetime.date(year, 4, 15),
        submission_deadline=datetime.date(year, 4, 30),
    )
    verifier_agency = make_agency(
        region=province, code="dp3a-kaltim", name="DP3A Kaltim", kind=AgencyKind.PROVINCE
    )
    other_agency = make_agency(region=other_city, code="dp3a-smd", name="DP3A Samarinda")
    ministry = Agency.objects.create(
        region=None, code="kemenpppa", name="Kementerian PPPA", kind=AgencyKind.MINISTRY
    )
    return EvaluationWorld(
        city=city,
        kelurahan=kelurahan,
        other_kelurahan=Region.objects.get(code=OTHER_KELURAHAN),
        other_city=other_city,
        disdukcapil=disdukcapil,
        instrument=instrument,
        cycle=cycle,
        secretariat=secretariat,
        focal=make_person(Role.OPD_FOCAL, agency=disdukcapil, full_name="Fika Focal"),
        focal_colleague=make_person(Role.OPD_FOCAL, agency=disdukcapil, full_name="Dodi Focal"),
        kelurahan_focal=make_person(
            Role.OPD_FOCAL, agency=kelurahan_office, scope=kelurahan, full_name="Lurah Focal"
        ),
        leader=make_person(Role.LEADERSHIP, agency=setda, full_name="Pak Pimpinan"),
        verifier=make_person(Role.VERIFIER, agency=verifier_agency, full_name="Vera Verifikator"),
        worker=make_person(Role.CASE_WORKER, agency=uptd, full_name="Wati Pekerja", totp=True),
        other_secretariat=make_person(
            Role.SECRETARIAT, agency=other_agency, full_name="Sam Sekretariat Samarinda"
        ),
        national_admin=make_person(Role.ADMIN, agency=ministry, full_name="Nadia Admin Nasional"),
    )


def answer_of(cycle: Cycle, code: str, area: str | None = None) -> Answer:
    """The answer of question ``code`` (for area questions, of the region coded ``area``)."""
    answers = Answer.objects.filter(cycle=cycle, question__code=code)
    if area is None:
        return answers.get(area__isnull=True)
    return answers.get(area__code=area)


def option_of(answer: Answer, fraction: str) -> AnswerOption:
    """The option of ``answer``'s question worth ``fraction`` (``"0.25"``, ``"1/3"``) of its
    maximum."""
    share = read_share(fraction)
    if share is None:
        raise ValueError(f"not a share: {fraction}")
    return AnswerOption.objects.get(
        question_id=answer.question_id,
        numerator=share.value.numerator,
        denominator=share.value.denominator,
    )


def answer_post(answer: Answer, option: AnswerOption | None, **extra: str) -> dict[str, str]:
    """The answer form as a browser posts it, with the answer's current version."""
    data = {
        "version": str(answer.version),
        "option": str(option.pk) if option is not None else "",
        "explanation": "",
        "save": "",
    }
    data.update(extra)
    return data


class WorldTestCase(TestCase):
    """A test case with the world above, built once per class, and uploads in a temporary
    folder. Imported as ``_world.WorldTestCase`` so that pytest does not collect it."""

    world: EvaluationWorld

    @classmethod
    def setUpClass(cls) -> None:
        media = tempfile.TemporaryDirectory()
        cls.addClassCleanup(media.cleanup)
        cls.enterClassContext(override_settings(MEDIA_ROOT=media.name))
        super().setUpClass()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_world()
