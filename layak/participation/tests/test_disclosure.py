"""Forum Anak counts of children through the disclosure-control module (issue #12).

A city forum with 8 members and a kecamatan forum with 3: the kecamatan forum's 3 is hidden,
and because the city's members are the sum of its forums (8 + 3 = 11), publishing the city
figure and the 8 would give the 3 away — so the pages, the API and the indicator-6 suggestion
hide enough together that the attacker cannot narrow it.
"""

from __future__ import annotations

from typing import Any

from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from layak.core.disclosure import Family, attack, hidden_mark, published_families, shortfalls
from layak.core.testing import login
from layak.participation import api, views
from layak.participation.selectors import area_key, child_counts, forum_key
from layak.participation.suggestions import compute
from layak.participation.tests.factories import World, make_member, make_world


def registered() -> list[Family]:
    """The families registered so far, without importing every app's disclosure module."""
    from layak.core.disclosure import registry

    return list(registry._FAMILIES.values())


class ForumChildCountsTests(TestCase):
    world: World

    @classmethod
    def setUpTestData(cls) -> None:
        w = make_world()
        cls.world = w
        for n in range(8):
            make_member(w, name=f"Anak Kota {n}", is_board=n < 6)
        for n in range(3):
            make_member(w, forum=w.kecamatan_forum, name=f"Anak Timur {n}", is_board=False)

    def _api(self, user: str) -> list[dict[str, Any]]:
        client = Client()
        login(client, self.world[user])
        response = client.get("/api/v1/participation/forums/")
        self.assertEqual(response.status_code, 200)
        body: list[dict[str, Any]] = response.json()
        return body

    def test_the_small_forum_is_hidden_everywhere_and_cannot_be_worked_out(self) -> None:
        w = self.world
        mark = hidden_mark()
        by_id = {row["id"]: row for row in self._api("leadership")}
        small = by_id[w.kecamatan_forum.pk]
        self.assertEqual((small["members"], small["hidden"]), (None, True))
        client = Client()
        login(client, w["leadership"])
        page = client.get(reverse("participation:forum", args=[w.kecamatan_forum.pk]))
        self.assertEqual(page.context["member_count"], mark)
        self.assertContains(page, 'data-testid="hidden-legend"')
        home = client.get(reverse("participation:home"))
        self.assertContains(
            home, f'data-testid="forum-members" class="hidden-cell" data-hidden>{mark}<'
        )
        # What the leader reads: both forums (API) and the city's figures (home, suggestion).
        counts = child_counts(w.city, timezone.localdate().year)
        city_members = home.context["figures"].members
        suggestion = compute(w.city, timezone.localdate().year, None)
        assert suggestion is not None
        big = by_id[w.city_forum.pk]
        # The published figures are the builder's, and hidden ones carry the one mark.
        self.assertEqual(city_members, counts.display(area_key(w.city.code, "members")))
        self.assertEqual(big["members"], counts.shown(forum_key(w.city_forum.pk, "members")))
        self.assertTrue(big["hidden"] or city_members == mark, "8 and 11 would give the 3 away")
        self.assertIn(city_members, {"11", mark})
        self.assertNotIn("<5", suggestion.text)
        # The attacker over everything the builder publishes narrows no hidden cell below 5.
        hidden = counts.protected.hidden
        self.assertIn(forum_key(w.kecamatan_forum.pk, "members"), hidden)
        self.assertEqual(shortfalls(counts.linked, hidden), [])
        for key, interval in attack(counts.linked, hidden).items():
            if 0 < counts.linked.values[key] < 5:
                self.assertGreaterEqual(interval.high - interval.low, 5 - 1e-6, key)

    def test_the_audit_collector_and_the_marks(self) -> None:
        # Importing the module registers its collector (families() imports every app's
        # disclosure.py; import ours directly so that another app's module cannot fail this).
        import layak.participation.disclosure  # noqa: F401

        found = {f.name: f for f in registered() if f.name == "participation"}
        published = list(found["participation"].collect(self.world.city, None))
        self.assertEqual(
            [p.name for p in published][-1], f"participation 64.71 {timezone.localdate().year}"
        )
        for one in published:
            self.assertEqual(shortfalls(one.linked, one.hidden), [])
        self.assertEqual(published_families(views.home), ("participation",))
        self.assertEqual(published_families(views.forum_detail), ("participation",))
        self.assertEqual(published_families(api.forum_list), ("participation",))
