"""``layak documents_purge``: delete background documents (and their files) older than
``LAYAK_DOCUMENT_HOURS`` (24). Every new document request also does it; run this daily (cron)
so that a quiet deployment keeps no file longer than a day (issue #11)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from layak.core.documents import documents_purge


class Command(BaseCommand):
    help = "Delete background documents older than LAYAK_DOCUMENT_HOURS, with their files."

    def handle(self, *args: Any, **options: Any) -> None:
        count = documents_purge(now=timezone.now())
        self.stdout.write(f"{count} document(s) deleted.")
