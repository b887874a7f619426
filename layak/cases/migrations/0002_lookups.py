"""Load the category lists (SIMFONI-PPA categories) from data/lookups.csv; the administrator
edits them afterwards."""

import csv
from pathlib import Path
from typing import Any

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "lookups.csv"


def load(apps: Any, schema_editor: Any) -> None:
    lookup = apps.get_model("cases", "Lookup")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lookup.objects.update_or_create(
                kind=row["kind"],
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "name_en": row["name_en"],
                    "order": int(row["order"]),
                    "min_value": int(row["min_value"]) if row["min_value"] else None,
                    "max_value": int(row["max_value"]) if row["max_value"] else None,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
