"""``layak refresh_rollups``: run nightly (cron). Counts the cases of each year into the
case-derived indicators, writes this and last year's module-derived indicators (PATBM and
Forum Anak coverage, Puspaga services), recomputes every roll-up and runs, per kab/kota, the
steps other modules registered to follow a refresh (``layak.indicators.sources.
after_city_refresh``: the evaluation module fills the self-assessment score of each awarded
year from its submitted evaluation cycle). Then it runs
``layak disclosure_audit`` over what is now published (``--no-audit`` skips it); a failing
audit makes this command fail too and holds back the public statistics."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from layak.indicators import rollups
from layak.indicators.models import Definition, Source
from layak.indicators.services import (
    PeriodLocked,
    case_years,
    rollup_case_violence,
    values_derive,
)
from layak.indicators.sources import city_refreshed
from layak.regions.models import Region


class Command(BaseCommand):
    help = "Recompute the indicator roll-ups that dashboards, maps and the public portal read."

    #: Module-derived values are rewritten for this many years back (older ones stay).
    DERIVE_YEARS = 2

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--city", help="Only this kab/kota (region code).")
        parser.add_argument(
            "--no-audit",
            action="store_true",
            help="Do not run layak disclosure_audit afterwards.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["city"]:
            city = Region.objects.filter(code=options["city"]).first()
            if city is None:
                raise CommandError(f"Unknown region {options['city']}.")
            cities = [city]
        else:
            cities = rollups.cities_with_data()
        derived = list(Definition.objects.filter(active=True, source=Source.CASES))
        from_modules = list(Definition.objects.filter(active=True, source=Source.MODULE))
        this_year = timezone.localdate().year
        rows = 0
        for city in cities:
            for definition in derived:
                for year in case_years(city):
                    try:
                        rollup_case_violence(city=city, year=year, code=definition.code)
                    except PeriodLocked:
                        continue
            for definition in from_modules:
                for year in range(this_year - self.DERIVE_YEARS + 1, this_year + 1):
                    values_derive(definition=definition, city=city, year=year)
            rows += rollups.refresh_city(city)
            city_refreshed(city)
        self.stdout.write(f"{len(cities)} kab/kota, {rows} roll-up rows.")
        if not options["no_audit"]:
            call_command("disclosure_audit", city=options["city"], stdout=self.stdout)
