"""Portal pages are served from cache, with headers that never let a shared cache keep a
visitor's cookie or a logged-in person's page (issue #6)."""

from __future__ import annotations

from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import translation

from layak.core.testing import login
from layak.portal import caching, services
from layak.portal.models import Service
from layak.portal.tests.factories import PortalWorld, make_portal_world, make_service

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@override_settings(CACHES=LOCMEM, LAYAK_PORTAL_CACHE_SECONDS=120)
class CachingTest(TestCase):
    world: PortalWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_portal_world()

    def setUp(self) -> None:
        from django.core.cache import cache

        cache.clear()

    def test_anonymous_page_may_be_kept_by_the_browser(self) -> None:
        response = self.client.get(reverse("portal:home"))
        control = {p.strip() for p in response["Cache-Control"].split(",")}
        self.assertEqual(control, {"private", "max-age=120"})
        vary = {v.strip() for v in response["Vary"].split(",")}
        self.assertTrue({"Accept-Language", "Cookie"} <= vary)

    def test_csv_may_be_kept_by_shared_caches(self) -> None:
        response = self.client.get(reverse("portal:statistics_csv"))
        control = {p.strip() for p in response["Cache-Control"].split(",")}
        self.assertEqual(control, {"public", "max-age=120"})
        self.assertFalse(response.cookies)  # nothing of one visitor for a shared cache to keep

    def test_logged_in_page_is_never_kept(self) -> None:
        login(self.client, self.world.secretariat)
        response = self.client.get(reverse("portal:home"))
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("private", response["Cache-Control"])
        self.assertNotIn("max-age=120", response["Cache-Control"])

    def test_second_visit_is_served_from_cache(self) -> None:
        url = reverse("portal:directory")
        self.client.get(url)
        with self.assertNumQueries(1):  # the home region only; no directory, slot or map query
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)

    def test_directory_change_shows_at_once(self) -> None:
        url = reverse("portal:directory")
        service = make_service(self.world.city)
        self.assertContains(self.client.get(url), "SAPA 129")
        with self.captureOnCommitCallbacks(execute=True):
            services.service_deactivate(actor=self.world.secretariat, service=service)
        self.assertNotContains(self.client.get(url), "SAPA 129")
        self.assertFalse(Service.objects.get(pk=service.pk).active)

    def test_languages_are_cached_apart(self) -> None:
        with translation.override("id"):
            first = caching.fragment("x", lambda: "indonesia")
        with translation.override("en"):
            second = caching.fragment("x", lambda: "english")
            again = caching.fragment("x", lambda: "rebuilt")
        self.assertEqual((first, second, again), ("indonesia", "english", "english"))
