"""Indicators derived from other modules: PATBM and Forum Anak coverage per kecamatan."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.test import TestCase
from django.utils import timezone

from layak.community.tests.factories import make_activity, make_patbm_world
from layak.indicators import rollups, services
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Rollup, Value
from layak.participation import services as participation
from layak.participation.models import ForumLevel
from layak.participation.tests.factories import make_world


class PatbmCoverageTests(TestCase):
    def test_share_of_kelurahan_with_a_functioning_group_per_kecamatan(self) -> None:
        load_definitions()
        world = make_patbm_world()
        make_activity(world.group)  # Manggar acts; Lamaru and Sepinggan don't
        definition = Definition.objects.get(code="patbm")
        year = timezone.localdate().year
        diff = services.values_derive(definition=definition, city=world.city, year=year)
        self.assertIsNotNone(diff)
        values = {
            v.region.code: (v.numerator, v.denominator)
            for v in Value.objects.filter(definition=definition).select_related("region")
        }
        self.assertEqual(values["64.71.01"], (1, 2))  # Manggar of Manggar and Lamaru
        self.assertEqual(values["64.71.02"], (0, 1))
        rollups.refresh(definition, world.city)
        city = Rollup.objects.get(definition=definition, region=world.city)
        self.assertEqual(city.rate, Decimal("33.3"))
        # A year before any activity: nothing is derived, entries of that year stay.
        self.assertIsNone(
            services.values_derive(definition=definition, city=world.city, year=year - 5)
        )

    def test_a_locked_year_is_left_alone(self) -> None:
        load_definitions()
        world = make_patbm_world()
        make_activity(world.group)
        definition = Definition.objects.get(code="patbm")
        year = timezone.localdate().year
        services.period_approve(
            actor=world.secretariat,
            definition=definition,
            city=world.city,
            start=datetime.date(year, 1, 1),
            label=str(year),
        )
        services.values_derive(definition=definition, city=world.city, year=year)
        self.assertFalse(Value.objects.filter(definition=definition).exists())


class ForumCoverageTests(TestCase):
    def test_kelurahan_forums_count_towards_their_kecamatan(self) -> None:
        load_definitions()
        world = make_world()
        participation.forum_create(
            actor=world.people["secretariat"],
            city=world.city,
            data=participation.ForumData(
                level=ForumLevel.KELURAHAN, region=world.kelurahan, name="Forum Anak Manggar"
            ),
        )
        definition = Definition.objects.get(code="forum-anak")
        services.values_derive(
            definition=definition, city=world.city, year=timezone.localdate().year
        )
        values = {
            v.region.code: (v.numerator, v.denominator)
            for v in Value.objects.filter(definition=definition).select_related("region")
        }
        self.assertEqual(values, {"64.71.01": (1, 1), "64.71.02": (0, 1)})
