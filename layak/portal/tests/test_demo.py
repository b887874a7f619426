"""The demo directory of Balikpapan (issue #6)."""

from __future__ import annotations

import random

from django.test import TestCase
from django.urls import reverse

from layak.core.demo import DemoContext
from layak.portal.demo import seed_portal
from layak.portal.models import PlaySpace, PublicIndicator, Service, ServiceKind
from layak.regions.models import Region
from layak.regions.services import regions_load_bundled


class DemoTest(TestCase):
    def test_seed_builds_the_directory_once(self) -> None:
        regions_load_bundled(actor=None)
        PublicIndicator.objects.all().delete()
        context = DemoContext(
            size="small", rng=random.Random(1), shared={"home": Region.objects.get(code="64.71")}
        )
        seed_portal(context)
        seed_portal(context)  # a second run changes nothing
        self.assertEqual(PublicIndicator.objects.count(), 7)
        kinds = set(Service.objects.values_list("kind", flat=True))
        self.assertTrue(
            {ServiceKind.UPTD_PPA, ServiceKind.HOTLINE, ServiceKind.SAPA129, ServiceKind.PUSPAGA}
            <= kinds
        )
        sapa = Service.objects.get(kind=ServiceKind.SAPA129)
        self.assertEqual((sapa.phone, sapa.whatsapp), ("129", "08111-129-129"))
        spaces = PlaySpace.objects.all()
        self.assertEqual(spaces.count(), 4)
        self.assertTrue(all(s.has_point and s.location_approximate for s in spaces))
        html = self.client.get(reverse("portal:directory")).content.decode()
        self.assertEqual(html.count('class="map-marker"'), 4)
