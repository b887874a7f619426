"""``layak import_history --city 64.71 --instrument ID --year 2024 FILE.xlsx``: bring a previous
evaluation cycle in as a closed cycle (layout: docs/evaluation-history.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layak.core.commands import import_errors_reported
from layak.core.formatting import exact_text, format_score
from layak.evaluations.history import HistoryRejected, history_import, read_history_xlsx
from layak.evaluations.models import Instrument
from layak.evaluations.official import OfficialComparison, official_comparison
from layak.evaluations.selectors import cycle_scorecard
from layak.regions.models import Region, RegionLevel


class Command(BaseCommand):
    help = "Import a previous cycle (recap or minimal layout) as a closed cycle; all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--city", required=True, help="code of the kab/kota, e.g. 64.71")
        parser.add_argument("--instrument", required=True, type=int, help="instrument id")
        parser.add_argument("--year", required=True, type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        city = Region.objects.filter(
            code=options["city"], level__in=[RegionLevel.KOTA, RegionLevel.KABUPATEN]
        ).first()
        if city is None:
            raise CommandError(f"No kab/kota with code {options['city']}.")
        instrument = Instrument.objects.filter(pk=options["instrument"]).first()
        if instrument is None:
            raise CommandError(f"No instrument with id {options['instrument']}.")
        with import_errors_reported(self, path), path.open("rb") as stream:
            try:
                cycle = history_import(
                    actor=None,
                    region=city,
                    instrument=instrument,
                    year=options["year"],
                    sheets=read_history_xlsx(stream),
                    source_name=path.name,
                )
            except HistoryRejected as rejected:
                for sheet, problems in rejected.by_sheet():
                    self.stderr.write(f"[{sheet or 'file'}]")
                    for problem in problems:
                        self.stderr.write(f"  {problem.text()}")
                raise CommandError(
                    f"{len(rejected.problems)} error(s); nothing was imported."
                ) from rejected
        _data, card = cycle_scorecard(cycle)
        self.stdout.write(
            f"Imported {city.name} {cycle.year} as a closed cycle (id {cycle.pk}): "
            f"self-assessed {format_score(card.total.self_points)} "
            f"(exact {exact_text(card.total.self_points)}), "
            f"verified {format_score(card.total.verified_points)} "
            f"(exact {exact_text(card.total.verified_points)})."
        )
        self.write_comparison(official_comparison(cycle))

    def write_comparison(self, comparison: OfficialComparison) -> None:
        """The official (declared) figures beside Layak's exact ones, when the file gave any."""
        lines = [row for row in comparison.indicators if row.official is not None]
        if not lines and comparison.total.official is None:
            return
        self.stdout.write(
            f"{'indicator':<10}{'maximum':>10}{'official':>10}{'self':>10}{'verified':>10}"
            f"{'official - verified':>21}"
        )
        for row in [*lines, comparison.total]:
            difference = row.verified_difference
            self.stdout.write(
                f"{row.code or 'TOTAL':<10}{format_score(row.maximum):>10}"
                f"{format_score(row.official):>10}{format_score(row.self_points):>10}"
                f"{format_score(row.verified_points):>10}"
                f"{format_score(difference) if difference is not None else '—':>21}"
            )
        band = comparison.band
        self.stdout.write(
            f"category: official {band.official or '—'}, Layak self-assessed "
            f"{band.self_band or '—'}, verified {band.verified_band or '—'}"
        )
