"""``layak import_instrument FILE.xlsx [--region CODE]``: load an evaluation instrument."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from layak.accounts.models import Agency
from layak.core.commands import import_errors_reported
from layak.evaluations.instruments import instrument_import_with_notes
from layak.evaluations.spreadsheet import read_xlsx


class Command(BaseCommand):
    help = "Import an instrument workbook (layout: docs/instrument-spreadsheet.md); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--region",
            default=settings.LAYAK_HOME_REGION,
            help="kab/kota whose agency codes the questions name (default: LAYAK_HOME_REGION)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        known = set(
            Agency.objects.filter(region__code=options["region"]).values_list("code", flat=True)
        )
        with (
            import_errors_reported(self, path),
            path.open("rb") as stream,
        ):
            result = instrument_import_with_notes(
                sheets=read_xlsx(stream),
                known_agencies=known,
                actor=None,
                source_name=path.name,
            )
        instrument = result.instrument
        self.stdout.write(f"Imported {instrument} ({instrument.questions.count()} questions).")
        for note in result.notes:
            self.stdout.write(f"Note: {note}")
