"""``layak import_agencies FILE.csv --region CODE``: a kab/kota's agencies, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layak.accounts.services import agencies_import_csv
from layak.core.commands import import_errors_reported
from layak.regions.models import Region


class Command(BaseCommand):
    help = "Import agencies (code, name, short_name, kind, parent_code) for one kab/kota."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", required=True, help="Kemendagri code of the kab/kota")

    def handle(self, *args: Any, **options: Any) -> None:
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"Region {options['region']} is not loaded.")
        path: Path = options["file"]
        with (
            import_errors_reported(self, path),
            path.open(encoding="utf-8-sig", newline="") as stream,
        ):
            count = agencies_import_csv(stream=stream, region=region, actor=None, source=path.name)
        self.stdout.write(f"{count} agencies created or updated.")
