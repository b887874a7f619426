"""Forum Anak figures as suggested answers for evaluation indicator 6 (issue #5)."""

from __future__ import annotations

import datetime

from django.test import TestCase
from django.utils import timezone

from layak.core.disclosure import hidden_mark
from layak.evaluations import suggestions
from layak.participation import services
from layak.participation.models import Aspiration, PlanningLevel, PlanningStatus, Status
from layak.participation.selectors import area_key, child_counts
from layak.participation.suggestions import compute
from layak.participation.tests.factories import (
    World,
    answered,
    make_member,
    make_public_aspiration,
    make_world,
    routed,
)


class SuggestionProviderTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        w = make_world()
        cls.world = w
        make_member(w)  # board member, trained
        make_member(w, name="Anak Dua", is_board=True, kha_trained_on=None)
        make_member(w, name="Anak Tiga", is_board=False, kha_trained_on=None)
        leaver = make_member(w, name="Anak Empat")
        services.consent_withdraw(
            actor=w["facilitator"], consent=leaver.consents.get(), on=timezone.localdate()
        )
        services.consultation_record(
            actor=w["facilitator"],
            forum=w.city_forum,
            data=services.ConsultationData(
                held_on=timezone.localdate(), topic="Taman", participants=40, girls=22, boys=18
            ),
        )
        first = answered(w, routed(w, make_public_aspiration(w)))
        answered(w, routed(w, make_public_aspiration(w)), status=Status.ACTED)
        routed(w, make_public_aspiration(w))
        services.aspiration_dismiss(actor=w["secretariat"], aspiration=make_public_aspiration(w))
        for aspiration, outcome in ((first, PlanningStatus.ACCEPTED),):
            services.planning_record(
                actor=w["facilitator"],
                aspiration=aspiration,
                data=services.PlanningData(
                    level=PlanningLevel.KELURAHAN, year=timezone.localdate().year, status=outcome
                ),
            )
        second = Aspiration.objects.filter(status=Status.ACTED).get()
        services.planning_record(
            actor=w["facilitator"],
            aspiration=second,
            data=services.PlanningData(
                level=PlanningLevel.CITY,
                year=timezone.localdate().year,
                status=PlanningStatus.REJECTED,
            ),
        )

    def test_registered_for_indicator_6(self) -> None:
        keys = [p.key for p in suggestions.providers_for("6")]
        self.assertIn("participation.forum", keys)
        provider = suggestions.provider("participation.forum")
        assert provider is not None
        self.assertIs(provider.compute, compute)

    def test_values_for_the_indicator_6_data_fields(self) -> None:
        year = timezone.localdate().year
        suggestion = compute(self.world.city, year, None)
        assert suggestion is not None
        # 2 board members, 1 trained: small counts of children, hidden (no value to take over).
        self.assertEqual(
            suggestion.values,
            {
                "jumlah_usulan_anak": "2",
                "jumlah_usulan_diakomodasi": "1",
                "jumlah_kegiatan_pelopor": "1",
                "jumlah_laporan_pelapor": "3",
            },
        )
        # 3 members, 2 board members, 1 trained: hidden, the same mark each; 40 children
        # taking part in the consultation are shown.
        self.assertEqual(suggestion.text.count(f"{hidden_mark()} "), 3)
        self.assertIn("40 ", suggestion.text)
        self.assertNotIn("<5", suggestion.text)
        self.assertIn(str(year), suggestion.source)

    def test_another_year_or_a_city_without_forum_has_other_figures(self) -> None:
        last_year = compute(self.world.city, timezone.localdate().year - 1, None)
        assert last_year is not None
        self.assertEqual(last_year.values["jumlah_laporan_pelapor"], "0")
        self.assertEqual(last_year.values["jumlah_kegiatan_pelopor"], "0")
        self.assertIsNone(compute(self.world.other_city, timezone.localdate().year, None))

    def test_area_narrows_to_the_forums_of_a_kecamatan(self) -> None:
        suggestion = compute(self.world.city, timezone.localdate().year, self.world.kecamatan)
        assert suggestion is not None
        self.assertEqual(suggestion.values["jumlah_pengurus"], "0")
        self.assertEqual(suggestion.values["jumlah_laporan_pelapor"], "0")

    def test_members_who_left_before_the_years_end_are_not_counted(self) -> None:
        future = timezone.localdate() + datetime.timedelta(days=400)
        suggestion = compute(self.world.city, future.year, None)
        assert suggestion is not None
        counts = child_counts(self.world.city, future.year)
        self.assertEqual(counts.linked.values[area_key(self.world.city.code, "members")], 3)
        self.assertEqual(counts.linked.values[area_key(self.world.city.code, "board")], 2)
        self.assertNotIn("jumlah_pengurus", suggestion.values)
