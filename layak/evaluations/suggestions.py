"""Suggested answers (issue #5): figures other modules already hold — Puspaga services, PATBM
coverage, Forum Anak activity — shown next to the evaluation questions they support.

A module registers a :class:`Provider` in its ``AppConfig.ready``. The answer page shows the
provider's :class:`Suggestion` for the answer's city, year and area; the agency takes it over
with one action (``services.answer_take_suggestion``), which fills the data values the question
asks for and adds the sentence to the explanation. Nothing ever changes an answer by itself.

Which indicator a provider supports is data: each has a default indicator code, overridden by
``LAYAK_SUGGESTION_INDICATORS`` ("families.services=8,community.coverage=26").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from layak.evaluations.models import Answer
from layak.regions.models import Region


@dataclass(frozen=True)
class Suggestion:
    """What a module can tell: values for the question's data fields and one sentence."""

    source: str  # who computed it, e.g. "Puspaga, layanan 2026"
    text: str  # a sentence for the explanation, with the figures
    values: dict[str, str] = field(default_factory=dict)  # data field -> value


#: (city, year, area or None for a city-wide question) -> a suggestion, or None.
Compute = Callable[[Region, int, Region | None], Suggestion | None]


@dataclass(frozen=True)
class Provider:
    key: str
    indicator_code: str
    compute: Compute


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    _PROVIDERS[provider.key] = provider


def _indicator_of(provider: Provider) -> str:
    configured: dict[str, str] = settings.LAYAK_SUGGESTION_INDICATORS or {}
    return configured.get(provider.key, provider.indicator_code)


def providers_for(indicator_code: str) -> list[Provider]:
    return [p for p in _PROVIDERS.values() if _indicator_of(p) == indicator_code]


def suggestions_for(answer: Answer) -> list[tuple[Provider, Suggestion]]:
    """The suggestions for one answer: its city, its cycle's year, its area."""
    found: list[tuple[Provider, Suggestion]] = []
    for provider in providers_for(answer.question.indicator.code):
        suggestion = provider.compute(answer.cycle.region, answer.cycle.year, answer.area)
        if suggestion is not None:
            asked = set(answer.question.data_fields or [])
            values = {k: v for k, v in suggestion.values.items() if k in asked}
            found.append((provider, Suggestion(suggestion.source, suggestion.text, values)))
    return found


def provider(key: str) -> Provider | None:
    return _PROVIDERS.get(key)
