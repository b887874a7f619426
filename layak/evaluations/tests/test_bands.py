"""An administrator defines another band set without code changes (issue #3)."""

from __future__ import annotations

from decimal import Decimal

from django.test import TestCase, override_settings

from layak.accounts.models import User
from layak.accounts.tests.factories import make_person
from layak.core.testing import FORBIDDEN, LOGIN_REDIRECT, OK, assert_access_matrix, login
from layak.evaluations.models import Band, Instrument
from layak.evaluations.scoring import BandInfo, band_for
from layak.evaluations.tests.factories import City, make_city, make_instrument


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

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_city()
        cls.instrument = make_instrument()
        cls.focal = make_person("opd_focal", agency=cls.world.disdukcapil)

    def test_access_matrix(self) -> None:
        assert_access_matrix(
            self,
            f"/evaluation/instruments/{self.instrument.pk}/bands/",
            allowed=self.world.secretariat,
            no_permission=self.focal,
            anonymous=LOGIN_REDIRECT,
            expect_no_permission=FORBIDDEN,
            expect_allowed=OK,
        )

    def test_secretariat_replaces_the_band_set_with_a_conditional_top_band(self) -> None:
        login(self.client, self.world.secretariat)
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
        login(self.client, self.world.secretariat)
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
