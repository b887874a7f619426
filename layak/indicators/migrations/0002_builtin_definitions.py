"""Load the built-in indicator definitions (``layak/indicators/data/definitions.csv``)."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from layak.indicators.loader import load_definitions

    load_definitions(apps.get_model("indicators", "Definition"))


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
