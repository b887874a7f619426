"""Puspaga counts through the disclosure-control module (issue #12).

The leak of issue #12: ``/api/v1/families/counts/?year=2026`` showed domestic violence as in
person "<5", online 0, outreach "<5", total 16 — one "<5" was 13 (an untrue label), and the
line-wise rule left cells that the other table's totals could narrow. Here the same shape of
data goes through the API and an attacker who knows every published number, that counts are
whole and not negative, and what the mark means, runs the linear programmes of
:func:`layak.core.disclosure.attack`.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.test import Client, TestCase
from django.urls import reverse

from layak.core import disclosure
from layak.core.disclosure import (
    Linked,
    attack,
    hidden_mark,
    published_families,
    shortfalls,
    small_cell,
)
from layak.core.testing import login
from layak.families import api, selectors, services, views
from layak.families.models import Family, Mode, Topic
from layak.families.selectors import (
    MODES,
    TOPICS,
    CountFacts,
    cell_key,
    mode_key,
    protect_counts,
    row_key,
)
from layak.families.tests.factories import FamilyWorld, family_data, make_family_world, make_session

YEAR = 2026
IN_PERSON, ONLINE, OUTREACH = Mode.IN_PERSON.value, Mode.ONLINE.value, Mode.OUTREACH.value

#: Sessions of the year by topic and mode, demo-like; domestic violence is the row of the leak:
#: in person 3, online 0, outreach 13, total 16.
SESSIONS: dict[str, tuple[int, int, int]] = {
    Topic.PARENTING: (20, 6, 9),
    Topic.MARITAL: (11, 5, 0),
    Topic.VIOLENCE: (3, 0, 13),
    Topic.SPECIAL_NEEDS: (7, 0, 2),
    Topic.TEENAGERS: (9, 8, 12),
    Topic.CHILD_MARRIAGE: (0, 0, 6),
    Topic.DIGITAL: (2, 7, 0),
    Topic.OTHER: (5, 0, 1),
}


def registered() -> list[disclosure.Family]:
    """The families registered so far, without importing every app's disclosure module."""
    from layak.core.disclosure import registry

    return list(registry._FAMILIES.values())


class Truth:
    """The true counts, tallied by the test itself as it records the sessions."""

    def __init__(self) -> None:
        self.topic: dict[tuple[str, str], int] = {}
        self.kecamatan: dict[tuple[str, str], int] = {}

    def add(self, topic: str, kecamatan: str, mode: str) -> None:
        self.topic[(topic, mode)] = self.topic.get((topic, mode), 0) + 1
        self.kecamatan[(kecamatan, mode)] = self.kecamatan.get((kecamatan, mode), 0) + 1


def attacker_tables(truth: Truth, kecamatan: list[str]) -> Linked:
    """What a reader of the API knows, built independently of the code under test: both
    tables, their row totals, the mode totals they share and the grand total."""
    t = Linked()
    for dimension, raw, keys in (
        ("topic", truth.topic, TOPICS),
        ("kecamatan", truth.kecamatan, kecamatan),
    ):
        for key in keys:
            cells = [t.cell(cell_key(dimension, key, m), raw.get((key, m), 0)) for m in MODES]
            row = t.cell(row_key(dimension, key), sum(raw.get((key, m), 0) for m in MODES))
            t.add_sum(row, cells)
        for mode in MODES:
            column = t.cell(mode_key(mode), sum(raw.get((k, mode), 0) for k in keys))
            t.add_sum(column, [cell_key(dimension, k, mode) for k in keys])
        t.cell(("total",), sum(raw.values()))
        t.add_sum(("total",), [row_key(dimension, k) for k in keys])
        t.add_sum(("total",), [mode_key(m) for m in MODES])
    return t


def api_cells(body: dict[str, Any]) -> dict[Any, str]:
    """Every cell the API returns, under the keys of :func:`attacker_tables`."""
    cells: dict[Any, str] = {}
    for dimension in ("topic", "kecamatan"):
        table = body[f"by_{dimension}"]
        for row in table["rows"]:
            for mode, shown in row["cells"].items():
                cells[cell_key(dimension, row["key"], mode)] = shown
            cells[row_key(dimension, row["key"])] = row["total"]
        for mode, shown in table["mode_totals"].items():
            previous = cells.setdefault(mode_key(mode), shown)
            assert previous == shown, "the two tables publish different mode totals"
        previous = cells.setdefault(("total",), table["total"])
        assert previous == table["total"], "the two tables publish different grand totals"
    return cells


class LeakOfIssue12Tests(TestCase):
    world: FamilyWorld
    truth: Truth

    @classmethod
    def setUpTestData(cls) -> None:
        w = make_family_world()
        cls.world = w
        cls.truth = Truth()
        homes = [w.kelurahan] * 4 + [w.kelurahan2] * 3 + [None]
        people: list[Family] = [
            services.family_create(
                actor=w.counsellor, city=w.city, data=family_data(kelurahan=home), source="desk"
            )
            for home in homes
        ]
        n = 0
        for topic, by_mode in SESSIONS.items():
            for mode, count in zip(MODES, by_mode, strict=True):
                for _ in range(count):
                    family = people[n % len(people)]
                    home = family.kelurahan
                    kecamatan = home.code[:8] if home is not None else selectors.UNKNOWN
                    make_session(
                        w,
                        family=family,
                        topic=topic,
                        mode=mode,
                        held_on=datetime.date(YEAR, 1 + n % 11, 10),
                    )
                    cls.truth.add(topic, kecamatan, mode)
                    n += 1

    def _api(self) -> dict[str, Any]:
        client = Client()
        login(client, self.world.secretariat)
        response = client.get("/api/v1/families/counts/", {"year": YEAR})
        self.assertEqual(response.status_code, 200)
        body: dict[str, Any] = response.json()
        return body

    def test_the_attacker_cannot_narrow_any_hidden_cell_and_no_label_is_untrue(self) -> None:
        body = self._api()
        mark = hidden_mark()
        kecamatan = [row["key"] for row in body["by_kecamatan"]["rows"]]
        self.assertEqual(kecamatan, ["64.71.01", "64.71.02", selectors.UNKNOWN])
        linked = attacker_tables(self.truth, kecamatan)
        cells = api_cells(body)
        self.assertEqual(set(cells), set(linked.values))
        hidden = frozenset(key for key, shown in cells.items() if not shown.isdigit())
        # One mark for every hidden cell; no "<5" (or any other label) anywhere.
        self.assertEqual({cells[key] for key in hidden}, {mark})
        self.assertNotIn("<", str(body))
        # Every shown number is the true number.
        for key, shown in cells.items():
            if key not in hidden:
                self.assertEqual(int(shown), linked.values[key], key)
        # The row of the leak: the 3 in person is hidden, and so is enough to protect it.
        violence = next(r for r in body["by_topic"]["rows"] if r["key"] == Topic.VIOLENCE)
        self.assertEqual(violence["cells"][IN_PERSON], mark)
        self.assertEqual(violence["cells"][ONLINE], "0")
        # Every small count is hidden, and the attacker cannot narrow any hidden cell.
        small = {k for k, v in linked.values.items() if 0 < v < small_cell()}
        self.assertTrue(small)
        self.assertLessEqual(small, hidden)
        self.assertEqual(shortfalls(linked, hidden), [])
        for key, interval in attack(linked, hidden).items():
            value = linked.values[key]
            self.assertLessEqual(interval.low, value + 1e-6, key)
            self.assertGreaterEqual(interval.high, value - 1e-6, key)
            self.assertGreaterEqual(interval.high - interval.low, small_cell() - 1e-6, key)

    def test_page_csv_and_api_hide_the_same_cells(self) -> None:
        cells = api_cells(self._api())
        client = Client()
        login(client, self.world.secretariat)
        response = client.get(reverse("families:counts"), {"year": str(YEAR), "format": "csv"})
        lines = response.content.decode().splitlines()
        self.assertEqual(lines[0], "dimension,key,label,in_person,online,outreach,total")
        from_csv: dict[Any, str] = {}
        for line in lines[1:]:
            dimension, key, *rest = line.split(",")
            key = key.removeprefix("'")  # the CSV formula guard writes the key "-" as "'-"
            values = rest[-4:]
            if key == "total":
                from_csv.update({mode_key(m): v for m, v in zip(MODES, values, strict=False)})
                from_csv[("total",)] = values[-1]
            else:
                for mode, value in zip(MODES, values, strict=False):
                    from_csv[cell_key(dimension, key, mode)] = value
                from_csv[row_key(dimension, key)] = values[-1]
        self.assertEqual(from_csv, cells)
        page = client.get(reverse("families:counts"), {"year": YEAR})
        hidden_count = sum(1 for shown in cells.values() if shown == hidden_mark())
        # The mode totals and grand total appear in both tables of the page.
        doubled = sum(
            1 for k, v in cells.items() if v == hidden_mark() and k[0] in ("col", "total")
        )
        self.assertContains(
            page, f'class="hidden-cell" data-hidden>{hidden_mark()}<', count=hidden_count + doubled
        )
        self.assertNotContains(page, "&lt;5")

    def test_the_audit_collector_publishes_what_the_api_hides(self) -> None:
        # Importing the module registers its collector (families() imports every app's
        # disclosure.py; import ours directly so that another app's module cannot fail this).
        import layak.families.disclosure  # noqa: F401

        found = {f.name: f for f in registered() if f.name == "families"}
        self.assertIn("families", found)
        published = list(found["families"].collect(self.world.city, None))
        self.assertEqual([p.name for p in published], [f"families 64.71 {YEAR}"])
        (only,) = published
        self.assertEqual(shortfalls(only.linked, only.hidden), [])
        cells = api_cells(self._api())
        api_hidden = {k for k, v in cells.items() if v == hidden_mark()}
        self.assertEqual(api_hidden, {k for k in only.hidden if k in cells})
        # Every count the API shows is declared in the audited tables with its true value.
        for key, shown in cells.items():
            if shown != hidden_mark():
                self.assertEqual(only.linked.values[key], int(shown))
                self.assertIn(key, only.linked.published)
        # A year without sessions is still published (all zeros): nothing to hide.
        (empty,) = found["families"].collect(self.world.city, YEAR - 1)
        self.assertEqual(empty.hidden, frozenset())

    def test_views_are_marked_as_publishing(self) -> None:
        self.assertEqual(published_families(views.counts), ("families",))
        self.assertEqual(published_families(api.counts), ("families",))

    def test_the_year_figures_and_months_agree_with_the_tables(self) -> None:
        counts = selectors.puspaga_counts(self.world.city, YEAR)
        # Eight families, each in several months: the year's families are no sum of months.
        self.assertEqual(counts.facts.families, 8)
        rows = selectors.puspaga_monthly_rows(self.world.city, YEAR)
        assert rows is not None
        for row in rows:
            month = f"{row.period_start.month:02d}"
            self.assertFalse(counts.protected.is_hidden(("month", month)))
            self.assertEqual(row.numerator, counts.facts.months and counts.facts.months[month])
        hidden_months = {
            k for k in counts.protected.hidden if isinstance(k, tuple) and k[0] == "month"
        }
        self.assertEqual(len(rows) + len(hidden_months), 11)
        suggestion = selectors.indicator_8_suggestion(self.world.city, YEAR, None)
        assert suggestion is not None
        self.assertIn(counts.display(("total",)), suggestion.text)
        self.assertEqual(suggestion.values.get("jumlah_keluarga_dilayani"), "8")


class RandomTablesTests(TestCase):
    """Random Puspaga years: whatever the data, the joint tables leave no shortfall."""

    def test_no_hidden_cell_can_be_narrowed(self) -> None:
        rng = random.Random(12)
        kecamatan = ["64.71.01", "64.71.02", selectors.UNKNOWN]
        for _round in range(25):
            truth = Truth()
            months: dict[str, int] = {}
            for _session in range(rng.randint(1, 40)):
                truth.add(rng.choice(TOPICS[:4]), rng.choice(kecamatan), rng.choice(MODES))
                month = f"{rng.randint(1, 12):02d}"
                months[month] = months.get(month, 0) + 1
            families = max(months.values()) if months else 0
            facts = CountFacts(truth.topic, truth.kecamatan, kecamatan, families, months)
            counts = protect_counts(facts)
            self.assertEqual(shortfalls(counts.linked, counts.protected.hidden), [])
            # The same data gives the same hidden cells.
            self.assertEqual(protect_counts(facts).protected.hidden, counts.protected.hidden)
