"""``layak load_agencies``: Balikpapan's agencies, offices and PATBM groups (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from layak.accounts.services import agencies_load_bundled


class Command(BaseCommand):
    help = "Load the bundled agencies of Kota Balikpapan (run load_regions first)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = agencies_load_bundled(actor=None)
        self.stdout.write(f"Agencies: {count} created or updated.")
