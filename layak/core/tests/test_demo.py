"""Demo seeding is a registry the apps fill from their AppConfig.ready() (issue #14)."""

from __future__ import annotations

from unittest import mock

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from layak.core import demo
from layak.core.demo import DemoContext, DemoSeeder, register_seeder

#: docs/architecture.md: each seeder builds on what the ones before it put in ``shared``.
ORDER = [
    "regions",
    "accounts",
    "evaluations",
    "cases",
    "families",
    "community",
    "participation",
    "indicators",
    "plans",
    "dashboards",
    "portal",
]


def _seed_nothing(context: DemoContext) -> None:
    return None


class SeederRegistryTests(SimpleTestCase):
    def test_the_apps_register_their_seeders_in_the_documented_order(self) -> None:
        self.assertEqual([seeder.name for seeder in demo.registered_seeders()], ORDER)
        self.assertEqual(demo.seeders(), [seeder.seed for seeder in demo.registered_seeders()])

    def test_each_seeder_is_its_apps_seed_function(self) -> None:
        for seeder in demo.registered_seeders():
            with self.subTest(seeder.name):
                self.assertEqual(seeder.seed.__module__, f"layak.{seeder.name}.demo")
                self.assertEqual(seeder.seed.__name__, f"seed_{seeder.name}")

    def test_a_second_seeder_with_a_taken_name_fails(self) -> None:
        taken = DemoSeeder("cases", _seed_nothing, order=999)
        with (
            mock.patch.dict(demo._seeders._items, clear=False),
            self.assertRaisesMessage(ImproperlyConfigured, "'cases' is registered twice"),
        ):
            register_seeder(taken)

    def test_a_second_seeder_with_a_taken_order_fails(self) -> None:
        with (
            mock.patch.dict(demo._seeders._items, clear=False),
            self.assertRaisesMessage(ImproperlyConfigured, "share order 10"),
        ):
            register_seeder(DemoSeeder("new", _seed_nothing, order=10))

    def test_a_new_seeder_runs_at_its_place(self) -> None:
        with mock.patch.dict(demo._seeders._items, clear=False):
            register_seeder(DemoSeeder("new", _seed_nothing, order=15))
            names = [seeder.name for seeder in demo.registered_seeders()]
        self.assertEqual(names[:3], ["regions", "new", "accounts"])
