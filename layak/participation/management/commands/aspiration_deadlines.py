"""``layak aspiration_deadlines``: run daily (cron); escalates aspirations not answered by
their due date to the secretariat, each once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from layak.participation.services import aspirations_escalate


class Command(BaseCommand):
    help = "Escalate children's aspirations not answered by their due date (once each)."

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = aspirations_escalate()
        self.stdout.write(f"{len(escalated)} aspiration(s) escalated.")
