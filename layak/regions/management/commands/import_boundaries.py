"""``layak import_boundaries FILE.geojson``: attach boundaries to known regions, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layak.core.errors import ImportRejected
from layak.regions.services import regions_import_boundaries


class Command(BaseCommand):
    help = "Import region boundaries from a GeoJSON FeatureCollection with a 'code' property."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8") as stream:
                count = regions_import_boundaries(stream=stream, actor=None, source=path.name)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        except ImportRejected as rejected:
            for feature, message in rejected.errors:
                self.stderr.write(f"feature {feature}: {message}")
            raise CommandError(
                f"{len(rejected.errors)} error(s); nothing was imported."
            ) from rejected
        self.stdout.write(f"{count} boundaries loaded.")
