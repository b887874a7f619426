"""The directory kept by the secretariat (issue #6): who may change it, and what is refused."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.test import TestCase, override_settings
from django.urls import reverse

from layak.core.models import AuditEntry
from layak.core.testing import FORBIDDEN, NOT_FOUND, OK, Expect, assert_access_matrix, login
from layak.indicators.models import Definition
from layak.portal import caching
from layak.portal.models import PlaySpace, PublicIndicator, Service
from layak.portal.tests.factories import (
    PortalWorld,
    make_play_space,
    make_portal_world,
    make_service,
)
from layak.regions.tests.factories import square

REDIRECT = Expect(302)


def service_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "hotline",
        "name": "Hotline 24 jam",
        "phone": "0800-0000-0000",
        "whatsapp": "",
        "open_24h": "on",
        "hours": "",
        "description": "",
        "url": "",
        "kelurahan": "",
        "address": "",
        "latitude": "",
        "longitude": "",
        "order": "0",
        "active": "on",
    }
    data.update(overrides)
    return data


class DirectoryPermissionTest(TestCase):
    world: PortalWorld
    service: Service
    space: PlaySpace

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_portal_world()
        cls.service = make_service(cls.world.city)
        cls.space = make_play_space(cls.world.city)

    def test_pages_matrix(self) -> None:
        for url in (
            reverse("portal:manage"),
            reverse("portal:service_new"),
            reverse("portal:service_edit", args=[self.service.pk]),
            reverse("portal:play_space_new"),
            reverse("portal:play_space_edit", args=[self.space.pk]),
        ):
            assert_access_matrix(
                self, url, allowed=self.world.secretariat, no_permission=self.world.focal
            )

    def test_deactivate_matrix(self) -> None:
        for name, entry in (
            ("portal:service_deactivate", self.service),
            ("portal:play_space_deactivate", self.space),
        ):
            assert_access_matrix(
                self,
                reverse(name, args=[entry.pk]),
                method="post",
                allowed=self.world.secretariat,
                no_permission=self.world.focal,
                expect_allowed=REDIRECT,
            )
            entry.refresh_from_db()
            self.assertFalse(entry.active)

    def test_secretariat_of_another_city_sees_none_of_it(self) -> None:
        login(self.client, self.world.other_secretariat)
        response = self.client.get(reverse("portal:manage"))
        self.assertEqual(response.status_code, OK.status)
        self.assertNotContains(response, self.service.name)
        for name, entry in (
            ("portal:service_edit", self.service),
            ("portal:play_space_edit", self.space),
        ):
            self.assertEqual(
                self.client.get(reverse(name, args=[entry.pk])).status_code, NOT_FOUND.status
            )
        for name, entry in (
            ("portal:service_deactivate", self.service),
            ("portal:play_space_deactivate", self.space),
        ):
            self.assertEqual(
                self.client.post(reverse(name, args=[entry.pk])).status_code, NOT_FOUND.status
            )
        self.assertTrue(Service.objects.get(pk=self.service.pk).active)
        self.assertTrue(PlaySpace.objects.get(pk=self.space.pk).active)


class DirectoryEditTest(TestCase):
    world: PortalWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_portal_world()
        kelurahan = cls.world.cases.kelurahan
        kelurahan.boundary = square(116.95, -1.22, 0.02)
        kelurahan.save()

    def setUp(self) -> None:
        login(self.client, self.world.secretariat)

    def test_secretariat_adds_a_service_with_audit(self) -> None:
        response = self.client.post(
            reverse("portal:service_new"),
            service_post(
                kelurahan=str(self.world.cases.kelurahan.pk),
                latitude="-1.21",
                longitude="116.96",
            ),
        )
        self.assertRedirects(response, reverse("portal:manage"))
        service = Service.objects.get()
        self.assertEqual(service.city, self.world.city)
        self.assertEqual(service.latitude, Decimal("-1.21"))
        entry = AuditEntry.objects.get(object_type="portal.service")
        self.assertEqual(entry.object_id, str(service.pk))

    def test_invalid_input_changes_nothing(self) -> None:
        other_kelurahan = self.world.cases.other_city  # not a kelurahan of the city either
        bad = {
            "phone": {"phone": "call me"},
            "whatsapp": {"whatsapp": "08ab-129"},
            "latitude": {"latitude": "123", "longitude": "116.96"},
            "longitude": {"latitude": "-1.21", "longitude": ""},
            "url": {"url": "javascript:alert(1)"},
            "kelurahan": {"kelurahan": str(other_kelurahan.pk)},
        }
        for field, values in bad.items():
            response = self.client.post(reverse("portal:service_new"), service_post(**values))
            self.assertEqual(response.status_code, 400, field)
            self.assertTrue(response.context["form"].errors.get(field), field)
        self.assertFalse(Service.objects.exists())
        self.assertFalse(AuditEntry.objects.filter(object_type="portal.service").exists())

    def test_point_outside_the_city_is_refused(self) -> None:
        # Latitude and longitude swapped by mistake.
        response = self.client.post(
            reverse("portal:play_space_new"),
            {
                "name": "Taman",
                "manager": "government",
                "latitude": "116.96",
                "longitude": "-1.21",
                "active": "on",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors.get("latitude"))
        response = self.client.post(
            reverse("portal:play_space_new"),
            {
                "name": "Taman",
                "manager": "government",
                "latitude": "-1.30",  # inside the range, outside the city's map
                "longitude": "116.96",
                "active": "on",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors.get("latitude"))
        self.assertFalse(PlaySpace.objects.exists())

    def test_edit_keeps_the_city_and_names_stay_unique(self) -> None:
        first = make_service(self.world.city, name="SAPA 129")
        second = make_service(self.world.city, name="Puspaga", kind="puspaga", phone="")
        url = reverse("portal:service_edit", args=[second.pk])
        response = self.client.post(url, service_post(name="SAPA 129", kind="puspaga"))
        self.assertEqual(response.status_code, 400)
        second.refresh_from_db()
        self.assertEqual(second.name, "Puspaga")
        response = self.client.post(url, service_post(name="Puspaga Harapan", kind="puspaga"))
        self.assertRedirects(response, reverse("portal:manage"))
        second.refresh_from_db()
        self.assertEqual((second.name, second.city), ("Puspaga Harapan", self.world.city))
        self.assertEqual(Service.objects.get(pk=first.pk).name, "SAPA 129")


# -- which indicators the portal publishes -----------------------------------------------------

PUBLIC_AT_START = ["kekerasan-anak", "stunting", "akta-lahir"]
LISTED = re.compile(r'data-definition="([^"]+)"')
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def publish(codes: list[str]) -> None:
    PublicIndicator.objects.all().delete()
    for order, code in enumerate(codes):
        PublicIndicator.objects.create(definition=Definition.objects.get(code=code), order=order)


def public_now() -> list[str]:
    return list(PublicIndicator.objects.values_list("definition__code", flat=True))


class PublicIndicatorsTest(TestCase):
    world: PortalWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_portal_world()
        publish(PUBLIC_AT_START)

    def url(self) -> str:
        return reverse("portal:public_indicators")

    def listed_on_statistics(self) -> list[str]:
        response = self.client.get(reverse("portal:statistics"))
        self.assertEqual(response.status_code, 200)
        return LISTED.findall(response.content.decode())

    def test_page_matrix(self) -> None:
        assert_access_matrix(
            self, self.url(), allowed=self.world.secretariat, no_permission=self.world.focal
        )
        assert_access_matrix(
            self,
            self.url(),
            method="post",
            data={"codes": ["penduduk-anak"]},
            allowed=self.world.secretariat,
            no_permission=self.world.focal,
            expect_allowed=REDIRECT,
        )
        self.assertEqual(public_now(), ["penduduk-anak"])

    def test_secretariat_of_another_city_may_not_choose(self) -> None:
        login(self.client, self.world.other_secretariat)
        self.assertEqual(self.client.get(self.url()).status_code, FORBIDDEN.status)
        response = self.client.post(self.url(), {"codes": ["penduduk-anak"]})
        self.assertEqual(response.status_code, FORBIDDEN.status)
        self.assertEqual(public_now(), PUBLIC_AT_START)
        manage = self.client.get(reverse("portal:manage"))
        self.assertNotContains(manage, self.url())

    def test_manage_page_links_here(self) -> None:
        login(self.client, self.world.secretariat)
        self.assertContains(self.client.get(reverse("portal:manage")), f'href="{self.url()}"')

    def test_every_active_indicator_has_a_labelled_checkbox_in_its_cluster(self) -> None:
        Definition.objects.filter(code="patbm").update(active=False)
        login(self.client, self.world.secretariat)
        html = self.client.get(self.url()).content.decode()
        active = Definition.objects.filter(active=True)
        self.assertTrue(active.exists())
        for definition in active:
            box = re.search(
                rf'<fieldset data-cluster="{definition.cluster}">\s*<legend>[^<]+</legend>'
                rf'(?:(?!</fieldset>).)*<input type="checkbox" name="codes" '
                rf'value="{definition.code}" id="indicator-{definition.code}"([^>]*)>\s*'
                rf'<label for="indicator-{definition.code}">',
                html,
                re.S,
            )
            self.assertIsNotNone(box, definition.code)
            assert box is not None
            self.assertEqual(
                " checked" in box.group(1), definition.code in PUBLIC_AT_START, definition.code
            )
            self.assertEqual(
                'data-source="cases"' in box.group(1),
                definition.source == "cases",
                definition.code,
            )
        self.assertNotIn('value="patbm"', html)
        self.assertIn('id="cases-note"', html)

    def test_saving_changes_what_statistics_lists(self) -> None:
        self.assertEqual(self.listed_on_statistics(), PUBLIC_AT_START)
        login(self.client, self.world.secretariat)
        with self.captureOnCommitCallbacks() as callbacks:
            response = self.client.post(
                self.url(), {"codes": ["penduduk-anak", "stunting", "kekerasan-anak"]}
            )
        self.assertRedirects(response, reverse("portal:manage"))
        self.assertIn(caching.bump, callbacks)  # the cached portal pages are made stale
        # Those that stay keep their place; new ones follow.
        expected = ["kekerasan-anak", "stunting", "penduduk-anak"]
        self.assertEqual(public_now(), expected)
        self.assertEqual(self.listed_on_statistics(), expected)
        self.assertEqual(self.client.get(reverse("portal:manage")).status_code, 200)

    def test_unticking_everything_publishes_nothing(self) -> None:
        login(self.client, self.world.secretariat)
        response = self.client.post(self.url(), {})
        self.assertRedirects(response, reverse("portal:manage"))
        self.assertEqual(public_now(), [])
        self.assertEqual(self.listed_on_statistics(), [])

    def test_inactive_indicator_keeps_its_mark(self) -> None:
        Definition.objects.filter(code="akta-lahir").update(active=False)
        login(self.client, self.world.secretariat)
        self.client.post(self.url(), {"codes": ["stunting"]})
        self.assertEqual(public_now(), ["stunting", "akta-lahir"])

    def test_unknown_code_is_refused_and_nothing_changes(self) -> None:
        Definition.objects.filter(code="patbm").update(active=False)
        login(self.client, self.world.secretariat)
        for bad in ("no-such-indicator", "patbm"):  # unknown, and not offered (inactive)
            response = self.client.post(self.url(), {"codes": ["penduduk-anak", bad]})
            self.assertEqual(response.status_code, 400, bad)
            self.assertTrue(response.context["form"].errors.get("codes"), bad)
            self.assertContains(response, 'data-testid="errors"', status_code=400)
            self.assertIn(bad, " ".join(response.context["form"].errors["codes"]))
        self.assertEqual(public_now(), PUBLIC_AT_START)
        self.assertFalse(AuditEntry.objects.filter(object_type="portal.publicindicator").exists())

    def test_save_is_audited(self) -> None:
        login(self.client, self.world.secretariat)
        self.client.post(self.url(), {"codes": ["stunting", "forum-anak"]})
        entry = AuditEntry.objects.get(object_type="portal.publicindicator")
        self.assertEqual(entry.actor_id, self.world.secretariat.pk)
        self.assertEqual(entry.action, "update")
        self.assertEqual(entry.object_label, "stunting,forum-anak")


@override_settings(CACHES=LOCMEM)
class PublicIndicatorsCacheTest(TestCase):
    world: PortalWorld

    @classmethod
    def setUpTestData(cls) -> None:
        cls.world = make_portal_world()
        publish(PUBLIC_AT_START)

    def setUp(self) -> None:
        cache.clear()

    def test_change_shows_at_once_on_the_cached_statistics_page(self) -> None:
        statistics = reverse("portal:statistics")
        anonymous = self.client_class()
        self.assertEqual(
            LISTED.findall(anonymous.get(statistics).content.decode()), PUBLIC_AT_START
        )
        login(self.client, self.world.secretariat)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("portal:public_indicators"), {"codes": ["stunting"]})
        self.assertEqual(LISTED.findall(anonymous.get(statistics).content.decode()), ["stunting"])
