"""``layak followup_reminders``: run daily (cron); reminds owners of task-force follow-ups."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from layak.plans.services import followup_reminders_enqueue


class Command(BaseCommand):
    help = "E-mail owners of open follow-ups before they are due and when due (once each)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = followup_reminders_enqueue(today=timezone.localdate())
        self.stdout.write(f"{sent} reminder(s) queued.")
