"""The built-in definitions shipped as data (``data/definitions.csv``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
FIELDS = (
    "name",
    "unit",
    "numerator_label",
    "denominator_label",
    "polarity",
    "cluster",
    "source_agency",
    "period_type",
    "level",
    "source",
    "suppress_small",
)


def bundled_definitions() -> list[dict[str, str]]:
    with (DATA / "definitions.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def load_definitions(model: Any = None) -> int:
    """Create or update the built-in definitions; returns how many changed. Idempotent.

    ``model`` is the Definition class (the historical one in a data migration).
    """
    if model is None:
        from layak.indicators.models import Definition

        model = Definition
    changed = 0
    # A data migration passes the model as it was then: only the fields it had.
    known = {field.name for field in model._meta.get_fields()}
    for row in bundled_definitions():
        values: dict[str, Any] = {f: row[f] for f in FIELDS}
        values["suppress_small"] = row["suppress_small"] == "yes"
        values = {f: v for f, v in values.items() if f in known}
        obj = model.objects.filter(code=row["code"]).first()
        if obj is None:
            model.objects.create(code=row["code"], **values)
            changed += 1
        elif any(getattr(obj, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(obj, f, v)
            obj.save()
            changed += 1
    return changed
