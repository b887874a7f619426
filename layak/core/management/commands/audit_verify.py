"""``layak audit_verify``: walk the hash chain; exit non-zero at the first broken entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from layak.core.audit import audit_verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain and name the first altered, removed or inserted entry."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = audit_verify_chain()
        if problem is not None:
            raise CommandError(
                f"Audit chain broken at entry {problem.seq} ({problem.kind}): {problem.detail}. "
                f"{checked} entries read."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} entries verified."))
