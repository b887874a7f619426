"""``layak load_regions``: the provinces and Kota Balikpapan shipped with Layak (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from layak.regions.services import regions_load_bundled


class Command(BaseCommand):
    help = "Load the bundled provinces, Kota Balikpapan's regions and boundaries."

    def handle(self, *args: Any, **options: Any) -> None:
        result = regions_load_bundled(actor=None)
        self.stdout.write(
            f"Regions: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
