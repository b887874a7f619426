"""The registries through which modules above indicators feed them (issue #14): the roll-up
sources and the steps run after the nightly refresh of each kab/kota."""

from __future__ import annotations

from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.test import TestCase

from layak.cases.tests.factories import make_case, make_case_world
from layak.indicators import sources
from layak.indicators.models import Source
from layak.regions.models import Region


class SourceRegistryTests(TestCase):
    def test_the_case_module_registers_its_source_when_first_asked(self) -> None:
        source = sources.source_for(Source.CASES)
        assert source is not None
        world = make_case_world()
        self.assertFalse(source.has_data(world.city))
        case = make_case(world)
        self.assertTrue(source.has_data(world.city))
        self.assertEqual(source.value_years(world.city), [case.opened_on.year])
        cells = source.cells(world.city, case.opened_on.year, "cases")
        self.assertIn(world.city.code, cells)
        self.assertIn(world.kelurahan.code, cells)

    def test_an_unknown_source_is_none(self) -> None:
        self.assertIsNone(sources.source_for("no-such-module"))


class AfterRefreshTests(TestCase):
    def test_the_nightly_command_runs_each_registered_step_per_city(self) -> None:
        world = make_case_world()
        seen: list[str] = []

        def step(city: Region) -> None:
            seen.append(city.code)

        with mock.patch.dict(sources._AFTER_REFRESH, clear=False):
            sources.after_city_refresh(step)
            call_command("refresh_rollups", "--no-audit", city=world.city.code, stdout=StringIO())
        self.assertEqual(seen, [world.city.code])
        self.assertNotIn(f"{step.__module__}.{step.__qualname__}", sources._AFTER_REFRESH)
