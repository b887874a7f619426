"""Demo data of the dashboards: the default challenges (flushed databases lose the rows the
migration loaded) and the roll-ups of the home city, so the dashboards show the demo values
of the seeders before this one. Idempotent."""

from __future__ import annotations

from django.conf import settings

from layak.core.demo import DemoContext
from layak.dashboards.defaults import load_default_challenges
from layak.indicators import rollups
from layak.indicators.models import Rollup
from layak.regions.models import Region


def seed_dashboards(context: DemoContext) -> None:
    load_default_challenges()
    city = Region.objects.filter(code=settings.LAYAK_HOME_REGION).first()
    if city is None:
        return
    if not Rollup.objects.filter(city=city).exists():
        rollups.refresh_city(city)
