"""A national administrator defines another band set without code changes (issue #3); the
bands are shared by every city, so no city's secretariat changes them, and a band set that a
submitted cycle was scored against stays as it was."""

from __future__ import annotations

from decimal import Decimal

from django.test import TestCase, override_settings

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role
from layak.accounts.tests.factories import make_agency, make_person
from layak.core.testing import FORBIDDEN, LOGIN_REDIRECT, OK, assert_access_matrix, login
from layak.evaluations import services
from layak.evaluations.models import Band, Cycle, CycleStatus, Instrument
from layak.evaluations.scoring import BandInfo, band_for
from layak.evaluations.tests.factories import City, make_city, make_cycle, make_instrument
from layak.regions.tests.factories import make_region


def _post(rows: list[tuple[str, str, str, str, str, str]]) -> dict[str, str]:
    data: dict[str, str] = {}
    for index, (code, name, low, high, order, conditions) in enumerate(rows):
        data.update(
            {
                f"code_{index}": code,
                f"name_{index}": name,
                f"min_points_{index}": low,
                f"max_points_{index}": high,
                f"order_{index}": order,
                f"conditions_{index}": conditions,
            }
        )
    return data


PARIPURNA = [
    ("pratama", "Pratama", "500", "600", "1", ""),
    ("madya", "Madya", "601", "700", "2", ""),
    ("nindya", "Nindya", "701", "800", "3", ""),
    ("utama", "Utama", "801", "930", "4", ""),
    ("paripurna", "Utama Paripurna", "931", "1000", "5", "Penanganan kasus tuntas"),
]


@override_settings(LANGUAGE_CODE="en")
class BandSetTests(TestCase):
    world: City
    instrument: Instrument
    focal: User
    national_admin: User
    city_admin: User
    other_secretariat: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        cls.instrument = make_instrument()
        cls.focal = make_person(Role.OPD_FOCAL, agency=cls.world.disdukcapil)
        ministry = Agency.objects.create(
            region=None, code="kemenpppa", name="Kementerian PPPA", kind=AgencyKind.MINISTRY
        )
        cls.national_admin = make_person(Role.ADMIN, agency=ministry)
        cls.city_admin = make_person(Role.ADMIN, agency=cls.world.dp3akb)
        cls.other_secretariat = make_person(
            Role.SECRETARIAT, agency=make_agency(region=make_region("64.72", "Kota Samarinda"))
        )

    def _bands(self) -> list[tuple[str, Decimal, Decimal]]:
        return list(
            Band.objects.filter(instrument=self.instrument)
            .order_by("min_points")
            .values_list("code", "min_points", "max_points")
        )

    def test_access_matrix(self) -> None:
        assert_access_matrix(
            self,
            f"/evaluation/instruments/{self.instrument.pk}/bands/",
            allowed=self.national_admin,
            no_permission=self.focal,
            read_only=self.world.secretariat,
            anonymous=LOGIN_REDIRECT,
            expect_no_permission=FORBIDDEN,
            expect_allowed=OK,
        )

    def test_no_citys_secretariat_or_administrator_rewrites_the_shared_bands(self) -> None:
        before = self._bands()
        url = f"/evaluation/instruments/{self.instrument.pk}/bands/"
        for person in (self.world.secretariat, self.city_admin, self.other_secretariat):
            with self.subTest(person=person.username):
                login(self.client, person)

                response = self.client.post(url, _post(PARIPURNA))

                self.assertEqual(response.status_code, 403)
        self.assertEqual(self._bands(), before)

    def test_bands_of_an_instrument_used_by_a_submitted_cycle_do_not_change(self) -> None:
        cycle = make_cycle(
            city=self.world.city, instrument=self.instrument, actor=self.world.secretariat
        )
        services.cycle_submit(actor=self.world.secretariat, cycle=cycle)
        before = self._bands()
        login(self.client, self.national_admin)

        response = self.client.post(
            f"/evaluation/instruments/{self.instrument.pk}/bands/", _post(PARIPURNA)
        )

        self.assertEqual(response.status_code, 400)
        self.assertContains(
            response,
            "A submitted or closed (history) evaluation cycle uses this instrument",
            status_code=400,
        )
        self.assertEqual(self._bands(), before)

    def test_bands_of_an_instrument_used_by_a_closed_history_cycle_do_not_change(self) -> None:
        cycle = make_cycle(
            city=self.world.city, instrument=self.instrument, actor=self.world.secretariat
        )
        Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.CLOSED)
        before = self._bands()
        login(self.client, self.national_admin)

        response = self.client.post(
            f"/evaluation/instruments/{self.instrument.pk}/bands/",
            _post(PARIPURNA),
            HTTP_ACCEPT_LANGUAGE="id",
        )

        self.assertContains(
            response,
            "Siklus evaluasi yang sudah dikirim atau ditutup (riwayat) memakai instrumen ini",
            status_code=400,
        )
        self.assertEqual(self._bands(), before)

    def test_bands_of_an_instrument_with_only_open_cycles_can_change(self) -> None:
        make_cycle(city=self.world.city, instrument=self.instrument, actor=self.world.secretariat)
        login(self.client, self.national_admin)

        response = self.client.post(
            f"/evaluation/instruments/{self.instrument.pk}/bands/", _post(PARIPURNA)
        )

        self.assertEqual(response.status_code, 302)
        self.assertIn("paripurna", [code for code, _low, _high in self._bands()])

    def test_national_admin_replaces_the_band_set_with_a_conditional_top_band(self) -> None:
        login(self.client, self.national_admin)
        url = f"/evaluation/instruments/{self.instrument.pk}/bands/"
        response = self.client.post(url, _post(PARIPURNA))
        self.assertEqual(response.status_code, 302)
        bands = [
            BandInfo(b.code, b.name, b.min_points, b.max_points, b.conditions)
            for b in Band.objects.filter(instrument=self.instrument)
        ]
        self.assertEqual(sorted(b.code for b in bands), sorted(r[0] for r in PARIPURNA))
        top = band_for(Decimal("935"), bands)
        self.assertEqual(top.code if top else None, "utama")
        top = band_for(Decimal("935"), bands, ["paripurna"])
        self.assertEqual(top.code if top else None, "paripurna")

    def test_overlapping_bands_change_nothing(self) -> None:
        before = list(
            Band.objects.filter(instrument=self.instrument).values_list("code", "min_points")
        )
        login(self.client, self.national_admin)
        rows = [*PARIPURNA[:3], ("utama", "Utama", "790", "900", "4", "")]
        response = self.client.post(
            f"/evaluation/instruments/{self.instrument.pk}/bands/", _post(rows)
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "overlaps band nindya", status_code=400)
        after = list(
            Band.objects.filter(instrument=self.instrument).values_list("code", "min_points")
        )
        self.assertEqual(after, before)

    def test_focal_point_cannot_change_bands(self) -> None:
        login(self.client, self.focal)
        response = self.client.post(
            f"/evaluation/instruments/{self.instrument.pk}/bands/", _post(PARIPURNA)
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Band.objects.filter(code="paripurna").exists())
