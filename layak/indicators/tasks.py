"""Background jobs of indicator data (django-tasks)."""

from __future__ import annotations

from django.utils import translation
from django_tasks import task

from layak.indicators.models import ImportRun
from layak.indicators.services import import_run


@task()
def run_indicator_import(run_id: int) -> str:
    """Validate and apply an uploaded file in the uploader's language (for the errors)."""
    language = ImportRun.objects.filter(pk=run_id).values_list("language", flat=True).first()
    with translation.override(language or None):
        return str(import_run(run_id).status)
