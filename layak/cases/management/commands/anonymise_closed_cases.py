"""``layak anonymise_closed_cases``: remove identifying data of cases closed long ago."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from layak.cases.services import anonymise_closed_cases


class Command(BaseCommand):
    help = (
        "Remove names, NIK, addresses, phone numbers, narratives, notes and files of cases "
        "closed more than --years years ago (LAYAK_CASE_RETENTION_YEARS); counts and "
        "categories stay for statistics."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        years = options["years"]
        if years is None:
            years = int(settings.LAYAK_CASE_RETENTION_YEARS)
        if years < 1:
            raise CommandError("--years must be at least 1.")
        done = anonymise_closed_cases(years=years)
        self.stdout.write(f"{done} case(s) anonymised.")
