"""Roll-ups: sums of raw counts per kelurahan, kecamatan and city; refreshed after every change;
case-derived cells suppressed as one table; the nightly command."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from layak.accounts.tests.factories import CityWorld, make_city_world
from layak.cases.models import Case, Consent, ConsentGiver, Purpose
from layak.cases.tests.factories import CaseWorld, make_case, make_case_world
from layak.core.errors import ImportRejected
from layak.evaluations.models import Award
from layak.indicators import rollups, services
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Rollup, Value
from layak.regions.models import Region, RegionLevel
from layak.regions.services import regions_load_bundled
from layak.regions.tests.factories import make_region

START = datetime.date(2025, 1, 1)


def _rollups(code: str, start: datetime.date = START) -> dict[str, Rollup]:
    return {
        r.region.code: r
        for r in Rollup.objects.filter(definition__code=code, period_start=start).select_related(
            "region"
        )
    }


class SumTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        regions_load_bundled(actor=None)
        load_definitions()
        cls.world = make_city_world()
        cls.city = Region.objects.get(code="64.71")
        cls.definition = Definition.objects.get(code="akta-lahir")

    world: CityWorld
    city: Region
    definition: Definition

    def _value(
        self, code: str, numerator: int, denominator: int, start: datetime.date = START
    ) -> None:
        Value.objects.create(
            definition=self.definition,
            region=Region.objects.get(code=code),
            period_start=start,
            period_label=str(start.year),
            numerator=numerator,
            denominator=denominator,
        )

    def test_rates_come_from_summed_counts_at_every_level(self) -> None:
        self._value("64.71.01.1001", 90, 100)
        self._value("64.71.01.1002", 10, 900)
        self._value("64.71.02.1001", 50, 50)
        rollups.refresh(self.definition, self.city)
        rows = _rollups("akta-lahir")
        self.assertEqual(rows["64.71.01.1001"].rate, Decimal("90.0"))
        self.assertEqual(rows["64.71.01.1001"].level, "kelurahan")
        timur = rows["64.71.01"]
        self.assertEqual((timur.numerator, timur.denominator), (100, 1000))
        self.assertEqual(timur.rate, Decimal("10.0"))  # not the mean of 90 % and 1.1 %
        self.assertEqual(timur.level, "kecamatan")
        kelurahan_in_timur = Region.objects.filter(
            code__startswith="64.71.01.", level=RegionLevel.KELURAHAN
        ).count()
        self.assertEqual((timur.reporting, timur.expected), (2, kelurahan_in_timur))
        city = rows["64.71"]
        self.assertEqual((city.numerator, city.denominator, city.level), (150, 1050, "city"))
        self.assertEqual(city.expected, 34)
        self.assertNotIn("64.71.03", rows)  # no value, no roll-up

    def test_refresh_of_some_periods_keeps_the_others(self) -> None:
        earlier = datetime.date(2024, 1, 1)
        self._value("64.71.01.1001", 1, 2, earlier)
        self._value("64.71.01.1001", 3, 4)
        rollups.refresh(self.definition, self.city)
        Value.objects.filter(period_start=START).update(numerator=4)
        rollups.refresh(self.definition, self.city, [START])
        self.assertEqual(_rollups("akta-lahir")["64.71"].numerator, 4)
        self.assertEqual(_rollups("akta-lahir", earlier)["64.71"].numerator, 1)

    def test_entry_refreshes_the_rollups_once_committed(self) -> None:
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            services.values_enter(
                actor=self.world.secretariat,
                definition=self.definition,
                city=self.city,
                period="2025",
                entries=[("64.71.01.1001", "8", "10"), ("64.71.01.1002", "2", "10")],
            )
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(_rollups("akta-lahir")["64.71.01"].rate, Decimal("50.0"))
        with self.captureOnCommitCallbacks(execute=True):
            services.values_enter(
                actor=self.world.secretariat,
                definition=self.definition,
                city=self.city,
                period="2025",
                # Both regions given blank (values upsert, issue 11): the period has no value.
                entries=[("64.71.01.1001", "", ""), ("64.71.01.1002", "", "")],
            )
        self.assertEqual(_rollups("akta-lahir"), {})

    def test_a_rejected_entry_schedules_nothing(self) -> None:
        with (
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            self.assertRaises(ImportRejected),
        ):
            services.values_enter(
                actor=self.world.secretariat,
                definition=self.definition,
                city=self.city,
                period="2025",
                entries=[("64.71.01.1001", "11", "10")],
            )
        self.assertEqual(callbacks, [])
        self.assertFalse(Rollup.objects.exists())


class CaseRollupTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        load_definitions()
        cls.world = make_case_world()
        cls.definition = Definition.objects.get(code="kekerasan-anak")

    world: CaseWorld
    definition: Definition

    def test_no_published_cell_is_small_or_can_be_worked_out(self) -> None:
        world = self.world
        timur_2 = make_region("64.71.01.1002", "Lamaru")
        timur_3 = make_region("64.71.01.1003", "Teritip")
        selatan_2 = make_region("64.71.02.1002", "Gunung Bahagia")
        counts = {world.kelurahan: 9, timur_2: 2, timur_3: 7, world.kelurahan2: 3, selatan_2: 8}
        for kelurahan, n in counts.items():
            for _i in range(n):
                make_case(world, kelurahan=kelurahan)
        year = timezone.localdate().year
        rollups.refresh_cases(self.definition, world.city)
        rows = _rollups("kekerasan-anak", datetime.date(year, 1, 1))
        for row in rows.values():
            self.assertFalse(row.numerator is not None and 0 < row.numerator < 5, row)
            self.assertEqual(row.suppressed, row.numerator is None)
        # Lamaru (2) is hidden, and so is a second kelurahan of Balikpapan Timur, so that
        # Timur's total (18) minus the shown cells does not give it away.
        self.assertTrue(rows[timur_2.code].suppressed)
        hidden_timur = [
            c for c in (world.kelurahan.code, timur_2.code, timur_3.code) if rows[c].suppressed
        ]
        self.assertGreaterEqual(len(hidden_timur), 2)
        self.assertEqual(rows[world.kecamatan.code].numerator, 18)
        self.assertEqual(rows[world.city.code].numerator, 29)
        self.assertTrue(rows[world.kelurahan2.code].suppressed)
        self.assertTrue(rows[selatan_2.code].suppressed)
        self.assertEqual(rows[world.kecamatan2.code].numerator, 11)

    def test_a_city_with_fewer_than_five_cases_shows_no_count_anywhere(self) -> None:
        for _i in range(3):
            make_case(self.world)
        rollups.refresh_cases(self.definition, self.world.city)
        self.assertTrue(Rollup.objects.exists())
        self.assertFalse(
            Rollup.objects.filter(numerator__gt=0).exists(),
            list(Rollup.objects.values_list("region__code", "numerator")),
        )

    def test_online_harm_counts_only_its_cases(self) -> None:
        online = [make_case(self.world) for _i in range(6)]
        for _i in range(5):
            make_case(self.world)
        Case.objects.filter(pk__in=[c.pk for c in online]).update(online_harm=True)
        definition = Definition.objects.get(code="kekerasan-daring")
        rollups.refresh_cases(definition, self.world.city)
        rollups.refresh_cases(self.definition, self.world.city)
        year = datetime.date(timezone.localdate().year, 1, 1)
        self.assertEqual(_rollups("kekerasan-daring", year)[self.world.city.code].numerator, 6)
        self.assertEqual(_rollups("kekerasan-anak", year)[self.world.city.code].numerator, 11)

    def test_all_cases_minus_online_cases_never_gives_a_small_count(self) -> None:
        # 10 cases, 6 online: publishing both 10 and 6 would tell that 4 were offline.
        online = [make_case(self.world) for _i in range(6)]
        for _i in range(4):
            make_case(self.world)
        Case.objects.filter(pk__in=[c.pk for c in online]).update(online_harm=True)
        for code in ("kekerasan-daring", "kekerasan-anak"):
            rollups.refresh_cases(Definition.objects.get(code=code), self.world.city)
        year = datetime.date(timezone.localdate().year, 1, 1)
        every = _rollups("kekerasan-anak", year)
        daring = _rollups("kekerasan-daring", year)
        for code, row in every.items():
            online_count = daring[code].numerator
            if row.numerator is not None and online_count is not None:
                self.assertFalse(0 < row.numerator - online_count < 5, code)
        self.assertEqual(every[self.world.city.code].numerator, 10)

    @override_settings(LAYAK_CASE_STATS_REQUIRE_CONSENT=True)
    def test_only_consenting_cases_count_when_consent_is_required(self) -> None:
        cases = [make_case(self.world) for _i in range(7)]
        for case in cases[:5]:
            Consent.objects.create(
                case=case,
                purpose=Purpose.STATISTICS,
                given_by=ConsentGiver.GUARDIAN,
                given_on=datetime.date(2020, 1, 1),
                recorded_by=self.world.worker,
            )
        rollups.refresh_cases(self.definition, self.world.city)
        year = datetime.date(timezone.localdate().year, 1, 1)
        self.assertEqual(_rollups("kekerasan-anak", year)[self.world.city.code].numerator, 5)

    def test_an_approved_year_keeps_its_rollups(self) -> None:
        for _i in range(6):
            make_case(self.world)
        year = timezone.localdate().year
        services.rollup_case_violence(city=self.world.city, year=year)
        services.period_approve(
            actor=None,
            definition=self.definition,
            city=self.world.city,
            start=datetime.date(year, 1, 1),
            label=str(year),
        )
        for _i in range(3):
            make_case(self.world)
        rollups.refresh_cases(self.definition, self.world.city)
        city = _rollups("kekerasan-anak", datetime.date(year, 1, 1))[self.world.city.code]
        self.assertEqual(city.numerator, 6)  # as approved, like the values


class CommandTests(TestCase):
    def test_nightly_command_rolls_up_cases_values_and_award_scores(self) -> None:
        load_definitions()
        world = make_case_world()
        for _i in range(6):
            make_case(world)
        akta = Definition.objects.get(code="akta-lahir")
        Value.objects.create(
            definition=akta,
            region=world.kelurahan,
            period_start=START,
            period_label="2025",
            numerator=3,
            denominator=4,
        )
        Award.objects.create(
            region=world.city, year=2025, category="Utama", self_score=Decimal(900)
        )
        out = StringIO()
        call_command("refresh_rollups", stdout=out)
        self.assertIn("2 kab/kota", out.getvalue())  # Balikpapan and Samarinda have agencies
        # The nightly job ends with the disclosure audit of every kab/kota it refreshed.
        self.assertIn(f"{world.city.code}: ", out.getvalue())
        self.assertIn("short: OK", out.getvalue())
        self.assertEqual(_rollups("akta-lahir")[world.city.code].rate, Decimal("75.0"))
        year = timezone.localdate().year
        cases = _rollups("kekerasan-anak", datetime.date(year, 1, 1))
        self.assertEqual(cases[world.city.code].numerator, 6)
        self.assertTrue(
            Value.objects.filter(definition__code="kekerasan-anak", numerator=6).exists()
        )
        self.assertEqual(Award.objects.get().self_score, 900)  # typed by hand: kept
