"""Seed the six default challenges (``layak/dashboards/defaults.py``)."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from layak.dashboards.defaults import load_default_challenges

    load_default_challenges(apps.get_model("dashboards", "Challenge"))


def unseed(apps: Any, schema_editor: Any) -> None:
    from layak.dashboards.defaults import DEFAULTS

    challenge = apps.get_model("dashboards", "Challenge")
    challenge.objects.filter(city=None, code__in=[row[0] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_challenges")]

    operations = [migrations.RunPython(seed, unseed)]
