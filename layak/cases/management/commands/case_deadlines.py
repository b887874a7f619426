"""``layak case_deadlines``: run hourly (cron); escalates late referrals and overdue follow-ups."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from layak.cases.tasks import check_deadlines


class Command(BaseCommand):
    help = "Escalate unanswered referrals and flag cases whose first follow-up is overdue."

    def handle(self, *args: Any, **options: Any) -> None:
        referrals, cases = check_deadlines()
        self.stdout.write(f"{referrals} referral(s) escalated, {cases} case(s) flagged overdue.")
