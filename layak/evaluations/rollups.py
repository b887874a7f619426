"""What the evaluation does after a kab/kota's indicator roll-ups are refreshed (found by
``layak.indicators.sources``): the self-scores of the city's awards are filled from the new
figures, as the nightly ``refresh_rollups`` always did."""

from __future__ import annotations

from layak.evaluations.awards import awards_fill_self_scores
from layak.indicators.sources import after_city_refresh

after_city_refresh(awards_fill_self_scores)
