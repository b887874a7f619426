"""``layak import_regions FILE.csv``: load any kab/kota's region codes, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from layak.core.commands import import_errors_reported
from layak.regions.services import regions_import_csv


class Command(BaseCommand):
    help = "Import region codes from a CSV with columns code, level, parent_code, name, postcode."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        with (
            import_errors_reported(self, path),
            path.open(encoding="utf-8-sig", newline="") as stream,
        ):
            result = regions_import_csv(stream=stream, actor=None, source=path.name)
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged."
        )
