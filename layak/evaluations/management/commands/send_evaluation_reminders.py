"""``layak send_evaluation_reminders``: run daily (cron); queues the deadline reminders."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from layak.evaluations.services import reminders_enqueue


class Command(BaseCommand):
    help = "Queue e-mail reminders before the answer, review and submission deadlines."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            queued = reminders_enqueue(today=timezone.localdate())
        self.stdout.write(f"{queued} reminder(s) queued.")
