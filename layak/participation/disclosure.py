"""What Forum Anak publishes, for ``layak disclosure_audit`` (issue #12).

The counts of children of a city-year — members, board members and those trained in the
Convention on the Rights of the Child (per forum, per area and for the city), and the children
taking part in consultations — are built by
:func:`layak.participation.selectors.child_counts`, which the home page, the forum page, the
forum API and the indicator-6 suggestion read; the collector yields that one result.
"""

from __future__ import annotations

from layak.core.disclosure import family_by_year
from layak.participation.selectors import child_count_years, child_counts

family_by_year(
    "participation",
    "Forum Anak counts of children: members, board, trained board members, consultation "
    "participants (per forum, area and city)",
    child_count_years,
    child_counts,
)
