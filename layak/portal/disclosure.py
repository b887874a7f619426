"""What the public portal publishes itself, for ``layak disclosure_audit`` (issue #12).

Case-derived figures come suppressed in the roll-ups and are registered by the ``cases``
family. The portal suppresses the definitions marked ``suppress_small`` (stunting, drop-out,
child marriage …) on its own, one table per definition and period over the kelurahan, kecamatan
and city (:func:`layak.portal.selectors.small_tables`); this collector yields those tables
exactly as the pages, the CSV downloads and the summary build them.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings

from layak.core.disclosure import Published, family
from layak.portal import selectors
from layak.regions.models import Region


@family("indicators", "Public indicators that hide small counts (suppress_small), per period")
def collect(city: Region, year: int | None) -> Iterator[Published]:
    """Each published ``suppress_small`` definition-period of ``city`` (of ``year`` when
    given; else every period the portal shows now). The portal shows the home city only
    (``LAYAK_HOME_REGION``): another city publishes nothing here."""
    if city.code != settings.LAYAK_HOME_REGION:
        return
    for definition in selectors.public_definitions():
        for table in selectors.published_small_tables(city, definition, year):
            yield Published(
                name=f"indicators {city.code} {definition.code} {table.label}",
                linked=table.linked,
                hidden=table.protected.hidden,
            )
