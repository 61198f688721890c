"""Compiled numeric tiers (see `schema_tiers.py`): the band a number falls in, and its points."""

from __future__ import annotations

import math
from dataclasses import dataclass

from connector.rules.schema_tiers import TierSpec, band_text


@dataclass(frozen=True, slots=True)
class Tier:
    """A compiled band: numbers below `below` (∞ for the last) give `points`; `text` names it."""

    below: float
    points: float
    text: str


def compile_tiers(specs: list[TierSpec]) -> tuple[Tier, ...]:
    """The bands in ascending order, each named for reasons ("1 to under 300")."""
    tiers: list[Tier] = []
    lower: float | None = None
    for spec in specs:
        below = math.inf if spec.below is None else spec.below
        tiers.append(Tier(below, spec.points, band_text(lower, spec.below)))
        lower = spec.below
    return tuple(tiers)


def tier_of(tiers: tuple[Tier, ...], number: float) -> Tier:
    """The band `number` falls in (the last band is open-ended, so there always is one)."""
    for tier in tiers:
        if number < tier.below:
            return tier
    return tiers[-1]
