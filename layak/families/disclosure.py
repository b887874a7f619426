"""What Puspaga publishes, for ``layak disclosure_audit`` (issue #12).

Every Puspaga count of a city-year that leaves the counsellors — the counts page and its CSV,
``/api/v1/families/counts/``, the indicator-8 suggestion and the monthly indicator
``puspaga-layanan`` — is built by :func:`layak.families.selectors.puspaga_counts`; the collector
yields that one result, so the audit checks exactly the cells those outputs hide.
"""

from __future__ import annotations

from layak.core.disclosure import family_by_year
from layak.families.selectors import puspaga_counts, session_years

family_by_year(
    "families",
    "Puspaga service counts: sessions by topic, kecamatan and mode, families served, "
    "families per month",
    session_years,
    puspaga_counts,
)
