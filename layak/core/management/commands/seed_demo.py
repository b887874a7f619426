"""``layak seed_demo [--size small|city|national] [--seed N]``: deterministic synthetic data."""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from layak.core.demo import SIZES, DemoContext, seeders


class Command(BaseCommand):
    help = "Create deterministic synthetic demo data (no real people); safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=SIZES, default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        context = DemoContext(size=options["size"], rng=random.Random(options["seed"]))  # noqa: S311  (demo data)
        with transaction.atomic():
            for seeder in seeders():
                seeder(context)
        for line in context.report:
            self.stdout.write(line)
