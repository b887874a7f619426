"""Background jobs of indicator data (django-tasks)."""

from __future__ import annotations

import datetime

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


@task()
def refresh_rollups(definition_id: int, city_id: int, periods: list[str] | None = None) -> int:
    """Recompute the roll-ups of one definition in one city after its values changed."""
    from layak.indicators import rollups
    from layak.indicators.models import Definition
    from layak.regions.models import Region

    definition = Definition.objects.get(pk=definition_id)
    city = Region.objects.get(pk=city_id)
    starts = None if periods is None else [datetime.date.fromisoformat(p) for p in periods]
    return rollups.refresh(definition, city, starts)
