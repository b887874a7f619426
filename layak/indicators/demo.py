"""Synthetic demo data of this module: Balikpapan values for the last three years."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from layak.core.demo import DemoContext
from layak.indicators.loader import load_definitions
from layak.indicators.models import Definition, Value
from layak.indicators.services import regions_for
from layak.regions.models import Region

#: code -> (lowest share, highest share) of the child population (or of a count's scale).
SHARES: dict[str, tuple[float, float]] = {
    "akta-lahir": (0.88, 0.99),
    "kia": (0.55, 0.85),
    "stunting": (0.08, 0.22),
    "imunisasi-dasar": (0.80, 0.97),
    "persalinan-faskes": (0.93, 1.0),
}
COUNTS: dict[str, tuple[int, int]] = {"anak-tidak-sekolah": (0, 40), "putus-sekolah": (0, 12)}


def seed_indicators(context: DemoContext) -> None:
    load_definitions()
    city = Region.objects.filter(code=getattr(settings, "LAYAK_HOME_REGION", "64.71")).first()
    if city is None:
        return
    rng = context.rng
    this_year = timezone.localdate().year
    years = range(this_year - 3, this_year)
    definitions = {d.code: d for d in Definition.objects.all()}
    population = definitions["penduduk-anak"]
    kelurahan = list(regions_for(population, city))
    children = {r.pk: rng.randint(1500, 9000) for r in kelurahan}
    new: list[Value] = []
    for year in years:
        start = datetime.date(year, 1, 1)
        done = set(
            Value.objects.filter(period_start=start, region__code__startswith=city.code)
            .values_list("definition__code", flat=True)
            .distinct()
        )
        trend = year - years[0]
        for region in kelurahan:
            pop = children[region.pk] + 60 * trend
            if "penduduk-anak" not in done:
                new.append(
                    Value(
                        definition=population,
                        region=region,
                        period_start=start,
                        period_label=str(year),
                        numerator=pop,
                    )
                )
            for code, (low, high) in SHARES.items():
                if code in done:
                    continue
                base = pop if code in ("akta-lahir", "kia") else max(pop // 12, 20)
                share = min(
                    1.0,
                    rng.uniform(low, high)
                    + (0.02 * trend if code != "stunting" else -0.015 * trend),
                )
                share = max(0.0, share)
                new.append(
                    Value(
                        definition=definitions[code],
                        region=region,
                        period_start=start,
                        period_label=str(year),
                        numerator=int(base * share),
                        denominator=base,
                    )
                )
            for code, (low, high) in COUNTS.items():
                if code not in done:
                    new.append(
                        Value(
                            definition=definitions[code],
                            region=region,
                            period_start=start,
                            period_label=str(year),
                            numerator=rng.randint(low, high),
                        )
                    )
    Value.objects.bulk_create(new)
