"""Loading region codes and boundaries (issue #2). Imports are all-or-nothing."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO

from django.db import transaction
from django.utils.translation import gettext as _

from layak.core.audit import audit_record
from layak.core.errors import ImportRejected
from layak.core.models import AuditAction
from layak.core.permissions import code_within
from layak.regions.models import (
    CODE_PATTERNS,
    LEVEL_DEPTH,
    POSTCODE_PATTERN,
    Region,
    RegionLevel,
)
from layak.regions.permissions import region_import_scope

CSV_COLUMNS = ("code", "level", "parent_code", "name", "postcode")
MAX_IMPORT_ROWS = 200_000
BUNDLED_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class _Row:
    number: int
    code: str
    level: str
    parent_code: str
    name: str
    postcode: str


def _validate_rows(reader: csv.DictReader[str]) -> tuple[list[_Row], list[tuple[int, str]]]:
    errors: list[tuple[int, str]] = []
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        errors.append((1, _("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)}))
        return [], errors
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for count, raw in enumerate(reader, start=1):
        number = reader.line_num  # the line an editor or spreadsheet shows, blank lines included
        if count > MAX_IMPORT_ROWS:
            errors.append((number, _("Too many rows (at most %(n)d).") % {"n": MAX_IMPORT_ROWS}))
            break
        values = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        row = _Row(
            number=number,
            code=values["code"],
            level=values["level"].lower(),
            parent_code=values["parent_code"],
            name=values["name"],
            postcode=values["postcode"],
        )
        depth = LEVEL_DEPTH.get(row.level)
        if depth is None:
            errors.append(
                (
                    number,
                    _("Unknown level %(level)r; use one of: %(levels)s.")
                    % {"level": row.level, "levels": ", ".join(RegionLevel.values)},
                )
            )
            continue
        if not CODE_PATTERNS[depth].match(row.code):
            errors.append(
                (
                    number,
                    _("Code %(code)r does not have the shape of a %(level)s code.")
                    % {"code": row.code, "level": row.level},
                )
            )
            continue
        if row.code in seen:
            errors.append(
                (
                    number,
                    _("Code %(code)s appears twice (also in row %(other)d).")
                    % {"code": row.code, "other": seen[row.code]},
                )
            )
            continue
        seen[row.code] = number
        if not row.name:
            errors.append((number, _("The name is empty.")))
        if len(row.name) > 120:
            errors.append((number, _("The name is longer than 120 characters.")))
        if row.postcode and not POSTCODE_PATTERN.match(row.postcode):
            errors.append((number, _("Postcode %(pc)r is not five digits.") % {"pc": row.postcode}))
        expected_parent = row.code.rsplit(".", 1)[0] if depth > 1 else ""
        if row.parent_code != expected_parent:
            errors.append(
                (
                    number,
                    _("Code %(code)s does not nest in parent %(parent)r (expected %(exp)r).")
                    % {"code": row.code, "parent": row.parent_code, "exp": expected_parent},
                )
            )
            continue
        rows.append(row)
    return rows, errors


def _outside_scope_error(code: str, scope: str) -> str:
    return _("Region %(code)s lies outside %(scope)s, the only region you may import into.") % {
        "code": code,
        "scope": scope,
    }


def _common_code(codes: list[str]) -> str:
    """The deepest region code that all ``codes`` lie at or below ("" for none or national)."""
    if not codes:
        return ""
    parts = [code.split(".") for code in codes]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return ".".join(common)


def _check_parents(rows: list[_Row], errors: list[tuple[int, str]]) -> dict[str, Region]:
    in_file = {row.code: row for row in rows}
    parent_codes = {row.parent_code for row in rows if row.parent_code}
    existing = Region.objects.in_bulk(list(parent_codes | set(in_file)), field_name="code")
    for row in rows:
        if row.code in existing and LEVEL_DEPTH[existing[row.code].level] != LEVEL_DEPTH[row.level]:
            errors.append(
                (
                    row.number,
                    _("Region %(code)s already exists at another level.") % {"code": row.code},
                )
            )
        if not row.parent_code:
            continue
        parent_level = (
            in_file[row.parent_code].level
            if row.parent_code in in_file
            else existing[row.parent_code].level
            if row.parent_code in existing
            else None
        )
        if parent_level is None:
            errors.append(
                (
                    row.number,
                    _("Parent %(parent)s is neither in the file nor in the database.")
                    % {"parent": row.parent_code},
                )
            )
        elif LEVEL_DEPTH[parent_level] != LEVEL_DEPTH[row.level] - 1:
            errors.append(
                (
                    row.number,
                    _("A %(level)s cannot lie in a %(parent_level)s.")
                    % {"level": row.level, "parent_level": parent_level},
                )
            )
    return existing


@transaction.atomic
def regions_import_csv(*, stream: TextIO, actor: Any, source: str = "") -> ImportResult:
    """Create or update regions from a CSV (code, level, parent_code, name, postcode).

    Codes must have their level's shape and nest in their parent's code, the parent must be in
    the file or the database, and no code may repeat. An administrator imports only into the
    home kab/kota (``region_import_scope``). Any error rejects the whole file, with the row
    number of each error (the header is row 1), and nothing is saved.
    """
    try:
        reader = csv.DictReader(stream)
        rows, errors = _validate_rows(reader)
    except (csv.Error, UnicodeDecodeError) as exc:
        message = _("The file is not a readable CSV file: %(e)s") % {"e": exc}
        raise ImportRejected([(0, message)]) from exc
    scope = region_import_scope(actor)
    if scope is not None:
        errors.extend(
            (row.number, _outside_scope_error(row.code, scope))
            for row in rows
            if not code_within(row.code, scope)
        )
    if not rows and not errors:
        errors.append((1, _("The file has no data rows.")))
    existing = _check_parents(rows, errors)
    if errors:
        raise ImportRejected(sorted(errors))
    created = updated = unchanged = 0
    changed_codes: list[str] = []
    known = dict(existing)
    for row in sorted(rows, key=lambda r: (LEVEL_DEPTH[r.level], r.code)):
        parent = known.get(row.parent_code) if row.parent_code else None
        region = known.get(row.code)
        if region is None:
            region = Region(code=row.code)
            created += 1
        elif (region.name, region.level, region.postcode, region.parent_id) == (
            row.name,
            row.level,
            row.postcode,
            parent.pk if parent else None,
        ):
            unchanged += 1
            continue
        else:
            updated += 1
        region.level = row.level
        region.name = row.name
        region.postcode = row.postcode
        region.parent = parent
        region.full_clean(validate_unique=False)
        region.save()
        known[row.code] = region
        changed_codes.append(row.code)
    if created or updated:
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="regions.region",
            label=f"{source or 'CSV'}: {created} created, {updated} updated"[:200],
            region_code=_common_code(changed_codes),
            actor_label="system",
        )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def _valid_position(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value[:2])
        and -180 <= value[0] <= 180
        and -90 <= value[1] <= 90
    )


def _valid_polygon(rings: Any) -> bool:
    return (
        isinstance(rings, list)
        and len(rings) >= 1
        and all(
            isinstance(ring, list) and len(ring) >= 4 and all(_valid_position(p) for p in ring)
            for ring in rings
        )
    )


def _valid_geometry(geometry: Any) -> bool:
    if not isinstance(geometry, dict):
        return False
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        return _valid_polygon(coords)
    if kind == "MultiPolygon":
        return (
            isinstance(coords, list) and len(coords) >= 1 and all(_valid_polygon(p) for p in coords)
        )
    return False


@transaction.atomic
def regions_import_boundaries(*, stream: TextIO, actor: Any, source: str = "") -> int:
    """Attach GeoJSON boundaries (a FeatureCollection with a ``code`` property) to regions.

    Every feature must name a known region (within the home kab/kota for an administrator,
    ``region_import_scope``) and carry a Polygon or MultiPolygon in WGS 84 [lng, lat]; any
    error rejects the whole file with the feature numbers (from 1).
    """
    try:
        document = json.load(stream)
    except UnicodeDecodeError as exc:
        raise ImportRejected([(0, _("The file is not UTF-8 text."))]) from exc
    except json.JSONDecodeError as exc:
        message = _("The file is not valid JSON: %(e)s") % {"e": exc.msg}
        raise ImportRejected([(0, message)]) from exc
    except RecursionError as exc:
        # Python's JSON parser recurses once per level of nesting; GeoJSON needs five.
        message = _("The file nests arrays or objects too deeply to be GeoJSON.")
        raise ImportRejected([(0, message)]) from exc
    if not isinstance(document, dict):
        document = {}
    features = document.get("features")
    if document.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise ImportRejected([(0, _("The file is not a GeoJSON FeatureCollection."))])
    errors: list[tuple[int, str]] = []
    if not features:
        errors.append((0, _("The file has no features.")))
    scope = region_import_scope(actor)
    codes: list[str] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        code = str(props.get("code", "")) if isinstance(props, dict) else ""
        codes.append(code)
        if code in seen:
            errors.append(
                (
                    number,
                    _("Region %(code)s appears twice (also feature %(other)d).")
                    % {"code": code, "other": seen[code]},
                )
            )
        elif code:
            seen[code] = number
        if not code:
            errors.append((number, _("The feature has no 'code' property.")))
        elif scope is not None and not code_within(code, scope):
            errors.append((number, _outside_scope_error(code, scope)))
        elif not _valid_geometry(feature.get("geometry")):
            errors.append(
                (number, _("Feature %(code)s has no valid Polygon/MultiPolygon.") % {"code": code})
            )
    regions = Region.objects.in_bulk([c for c in codes if c], field_name="code")
    for number, code in enumerate(codes, start=1):
        if code and code not in regions and (scope is None or code_within(code, scope)):
            errors.append((number, _("Region %(code)s is not known.") % {"code": code}))
    if errors:
        raise ImportRejected(sorted(errors))
    for feature, code in zip(features, codes, strict=True):
        region = regions[code]
        region.boundary = feature["geometry"]
        region.save(update_fields=["boundary"])
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type="regions.region",
        fields=["boundary"],
        label=f"{source or 'GeoJSON'}: {len(codes)} boundaries"[:200],
        region_code=_common_code(codes),
        actor_label="system",
    )
    return len(codes)


def regions_load_bundled(*, actor: Any) -> ImportResult:
    """Load the provinces and Kota Balikpapan with its boundaries, shipped with Layak.

    Running it again changes nothing. Sources and licence: ``layak/regions/data/README.md``.
    """
    with transaction.atomic():
        totals = [0, 0, 0]
        for name in ("provinces.csv", "balikpapan-regions.csv"):
            with (BUNDLED_DATA / name).open(encoding="utf-8", newline="") as stream:
                result = regions_import_csv(stream=stream, actor=actor, source=name)
            totals = [
                totals[0] + result.created,
                totals[1] + result.updated,
                totals[2] + result.unchanged,
            ]
        if (
            totals[0]
            or totals[1]
            or Region.objects.filter(code__startswith="64.71.", boundary__isnull=True).exists()
        ):
            for name in ("balikpapan-kecamatan.geojson", "balikpapan-kelurahan.geojson"):
                with (BUNDLED_DATA / name).open(encoding="utf-8") as stream:
                    regions_import_boundaries(stream=stream, actor=actor, source=name)
    return ImportResult(created=totals[0], updated=totals[1], unchanged=totals[2])


def regions_import_file(
    *, actor: Any, kind: str, file: IO[bytes], source: str
) -> ImportResult | int:
    """One file of the import page: region codes (``kind`` ``csv``, :func:`regions_import_csv`)
    or boundaries (``geojson``, :func:`regions_import_boundaries`), read as UTF-8 with or
    without a byte-order mark. Returns the CSV's counts or the number of boundaries loaded;
    raises ImportRejected like them."""
    stream = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    if kind == "csv":
        return regions_import_csv(stream=stream, actor=actor, source=source)
    return regions_import_boundaries(stream=stream, actor=actor, source=source)
