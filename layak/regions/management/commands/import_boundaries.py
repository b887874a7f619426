"""``layak import_boundaries FILE.geojson``: attach boundaries to known regions, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from layak.core.commands import import_errors_reported
from layak.regions.services import regions_import_boundaries


class Command(BaseCommand):
    help = "Import region boundaries from a GeoJSON FeatureCollection with a 'code' property."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        with (
            import_errors_reported(self, path, unit="feature"),
            path.open(encoding="utf-8") as stream,
        ):
            count = regions_import_boundaries(stream=stream, actor=None, source=path.name)
        self.stdout.write(f"{count} boundaries loaded.")
