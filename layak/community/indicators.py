"""PATBM figures for the KLA evaluation (issue #5): indicator 26, question 26.09 of the demo
instrument ("does the kelurahan's PATBM perform its functions: prevention, early detection,
reporting and referral?"; 2024 instrument: the share of kelurahan performing PATBM functions).

For a kelurahan the suggestion says whether its group is functioning (``selectors``: active and
an activity in the last ``LAYAK_PATBM_FUNCTIONING_MONTHS`` months) on the last day of the
evaluated year (today for the current year), with that year's prevention activities, the
early-detection reports sent from the kelurahan and how many of them became or joined a case.
For the city (or a kecamatan) it gives the share of kelurahan with a functioning group.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from layak.cases.statistics import area_key, case_tables
from layak.community.models import Activity, ActivityKind
from layak.community.selectors import coverage_of
from layak.core.disclosure import hidden_mark
from layak.evaluations.suggestions import Suggestion
from layak.indicators.derived import DerivedRow, end_of
from layak.regions.models import Region

PREVENTION_KINDS = (
    ActivityKind.SOCIALISATION,
    ActivityKind.PARENTING,
    ActivityKind.CYBERBULLYING,
    ActivityKind.OTHER,
)

#: Data fields of the evaluation questions these figures fill (demo-questions.csv).
PREVENTION = "jumlah_kegiatan_pencegahan"
REPORTED = "jumlah_kasus_dilaporkan"
REFERRED = "jumlah_kasus_dirujuk"
KELURAHAN = "jumlah_kelurahan"
FUNCTIONING = "jumlah_kelurahan_patbm_berfungsi"
SHARE = "persentase_kelurahan_patbm_berfungsi"


def _reference_day(year: int) -> datetime.date:
    today = timezone.localdate()
    return min(today, datetime.date(year, 12, 31))


def _kelurahan(city: Region, area: Region, year: int, on: datetime.date) -> Suggestion:
    cov = coverage_of(area, on=on)
    row = cov.rows[0] if cov.rows else None
    prevention = Activity.objects.filter(
        group__agency__area=area, date__year=year, kind__in=PREVENTION_KINDS
    ).count()
    patrols = Activity.objects.filter(
        group__agency__area=area, date__year=year, kind=ActivityKind.PATROL
    ).count()
    # Report and case counts leave the case team here: they are cells of the city-year's one
    # protected set of case-derived tables, hidden exactly as everywhere else.
    tables = case_tables(city, year)
    reported_key, referred_key = area_key("patbm", area.code), area_key("referred", area.code)
    if reported_key in tables.linked.published:
        reported, referred = tables.shown(reported_key), tables.shown(referred_key)
    else:
        reported = referred = None  # not a kelurahan of the city's tree: nothing is published

    def cell(value: int | None) -> str:
        return hidden_mark() if value is None else str(value)

    if row is None or row.group is None:
        state = _("has no PATBM group profile")
    elif row.functioning:
        state = _("has a functioning PATBM group (active, last activity %(date)s)") % {
            "date": row.last_acted.isoformat() if row.last_acted else ""
        }
    else:
        state = _("has a PATBM group that is not functioning (status: %(status)s)") % {
            "status": row.group.get_status_display()
        }
    text = _(
        "Kelurahan %(name)s %(state)s. In %(year)d: %(prevention)d prevention activities, "
        "%(patrols)d early detection patrols, %(reported)s early-detection reports to the "
        "UPTD PPA, of which %(referred)s became or joined a case."
    ) % {
        "name": area.name,
        "state": state,
        "year": year,
        "prevention": prevention,
        "patrols": patrols,
        "reported": cell(reported),
        "referred": cell(referred),
    }
    counted = {REPORTED: reported, REFERRED: referred}
    return Suggestion(
        source=_("PATBM module, %(year)d") % {"year": year},
        text=text,
        values={
            PREVENTION: str(prevention),
            **{key: str(value) for key, value in counted.items() if value is not None},
            KELURAHAN: "1",
            FUNCTIONING: "1" if row is not None and row.functioning else "0",
        },
    )


def _share(scope: Region, year: int, on: datetime.date) -> Suggestion | None:
    cov = coverage_of(scope, on=on)
    total = cov.total
    if total is None or total.kelurahan == 0:
        return None
    text = _(
        "%(functioning)d of %(kelurahan)d kelurahan in %(name)s (%(share)s%%) had a functioning "
        "PATBM group on %(day)s (active and at least one activity in the previous %(months)d "
        "months); %(active)d groups are active."
    ) % {
        "functioning": total.functioning,
        "kelurahan": total.kelurahan,
        "name": scope.name,
        "share": f"{total.share:.1f}",
        "day": on.isoformat(),
        "months": cov.months,
        "active": total.active,
    }
    return Suggestion(
        source=_("PATBM module, %(year)d") % {"year": year},
        text=text,
        values={
            KELURAHAN: str(total.kelurahan),
            FUNCTIONING: str(total.functioning),
            SHARE: f"{total.share:.1f}",
        },
    )


def compute(city: Region, year: int, area: Region | None) -> Suggestion | None:
    """The suggestion provider ``community.coverage`` (indicator 26 by default)."""
    on = _reference_day(year)
    if on.year < year:
        return None  # a future year: nothing happened yet
    if area is None:
        return _share(city, year, on)
    if not area.code.startswith(f"{city.code}."):
        return None
    if area.code.count(".") >= 3:
        return _kelurahan(city, area, year, on)
    return _share(area, year, on)


def patbm_coverage_rows(city: Region, year: int) -> list[DerivedRow] | None:
    """The indicator ``patbm``: per kecamatan, kelurahan with a functioning group out of all
    kelurahan, on the year's last day (today for the current year); None before any group
    acted."""
    end = end_of(year)
    if not Activity.objects.filter(
        group__agency__area__code__startswith=f"{city.code}.", date__lte=end
    ).exists():
        return None
    start = datetime.date(year, 1, 1)
    return [
        DerivedRow(total.region, start, total.functioning, total.kelurahan)
        for total, _rows in coverage_of(city, on=end).kecamatan
    ]
