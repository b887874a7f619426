"""Disclosure control: the one way a count about children leaves the people who may see it.

Every statistic that leaves the case team or the counsellors — portal pages, dashboards, maps,
charts, roll-ups, the child profile, Puspaga/PATBM/Forum Anak tables, CSV/XLSX/PDF exports and
API endpoints — is described as a set of linked tables (:class:`Linked`: cells and the sums and
inequalities a reader knows), suppressed by :func:`protect` (primary cells 1..LAYAK_SMALL_CELL-1,
then complementary cells chosen by linear programmes over all the linked tables at once) and
checked by :func:`attack`, the attacker's linear programme solved with HiGHS for every hidden
cell. Hidden cells all show the same mark (:func:`hidden_mark`). What each app publishes is
registered with :func:`family` so that ``layak disclosure_audit`` can audit it; views that publish
counts carry :func:`publishes`. See docs/disclosure.md.
"""

from layak.core.disclosure.attacker import Interval, Shortfall, attack, shortfalls
from layak.core.disclosure.policy import (
    Protection,
    hidden_mark,
    legend_text,
    protection,
    small_cell,
)
from layak.core.disclosure.registry import (
    Family,
    Published,
    families,
    family,
    family_by_year,
    published_families,
    publishes,
)
from layak.core.disclosure.suppression import Protected, protect
from layak.core.disclosure.tables import Key, Linked

__all__ = [
    "Family",
    "Interval",
    "Key",
    "Linked",
    "Protected",
    "Protection",
    "Published",
    "Shortfall",
    "attack",
    "families",
    "family",
    "family_by_year",
    "hidden_mark",
    "legend_text",
    "protect",
    "protection",
    "published_families",
    "publishes",
    "shortfalls",
    "small_cell",
]
