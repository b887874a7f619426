"""``layak export_instrument ID FILE.xlsx``: write an instrument in the import layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layak.evaluations.instruments import instrument_export
from layak.evaluations.models import Instrument


class Command(BaseCommand):
    help = "Export an instrument to an XLSX workbook in the import layout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instrument_id", type=int)
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        instrument = Instrument.objects.filter(pk=options["instrument_id"]).first()
        if instrument is None:
            raise CommandError("No such instrument.")
        options["file"].write_bytes(instrument_export(instrument))
        self.stdout.write(f"Wrote {options['file']}.")
