"""``layak puspaga_reminders``: run daily (cron); enqueues tomorrow's appointment reminders."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from layak.families.tasks import enqueue_reminders


class Command(BaseCommand):
    help = "E-mail a reminder to every family with a Puspaga appointment tomorrow (or --date)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        count = enqueue_reminders(options["date"])
        self.stdout.write(f"{count} reminder(s) enqueued.")
