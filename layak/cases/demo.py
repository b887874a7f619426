"""Synthetic demo cases (placeholder replaced by the demo seeder)."""

from __future__ import annotations

from layak.core.demo import DemoContext


def seed_cases(context: DemoContext) -> None:
    return None
