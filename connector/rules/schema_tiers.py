"""Numeric tiers: points by the band a number falls in, for fit criteria and signals.

```yaml
tiers: [{below: 1, points: 0}, {below: 300, points: -4}, {points: 12}]
```

reads "under 1: 0; 1 to under 300: −4; 300 or more: +12". Points may go up and down from band
to band (some website time can be worse than none, and a lot better). Each tier but the last
names the number its band stops *below*; the last one is open-ended, so every number falls in
exactly one band.
"""

from __future__ import annotations

from pydantic import Field

from connector.rules.schema_base import SpecModel


class TierSpec(SpecModel):
    """One band: the numbers below `below` (and at or above the previous tier's), its points."""

    below: float | None = None
    points: float = Field(ge=-1000, le=1000)


def check_tiers(tiers: list[TierSpec]) -> list[TierSpec]:
    """Ascending bands and one open-ended last tier, or a one-line `ValueError` with the fix."""
    if not tiers:
        raise ValueError("no tiers given — e.g. tiers: [{below: 1, points: 0}, {points: 10}]")
    *bounded, last = tiers
    if last.below is not None:
        raise ValueError(
            f"the last tier has `below: {last.below:g}`, so numbers from {last.below:g} up "
            f"would score nothing — remove `below:` from the last tier (it takes every number "
            "above the others) or add an open-ended tier after it"
        )
    previous: float | None = None
    for index, tier in enumerate(bounded, start=1):
        if tier.below is None:
            raise ValueError(
                f"tier {index} has no `below:` — only the last tier is open-ended; give it "
                "`below: <number>` or move it last"
            )
        if previous is not None and tier.below <= previous:
            raise ValueError(
                f"tiers must go up: tier {index} stops below {tier.below:g}, not above the tier "
                f"before it ({previous:g}) — list the tiers from the lowest number up"
            )
        previous = tier.below
    return tiers


def band_text(lower: float | None, upper: float | None) -> str:
    """A band in words: "under 1", "1 to under 300", "300 or more" (any number: "any")."""
    if lower is None:
        return "any" if upper is None else f"under {upper:g}"
    if upper is None:
        return f"{lower:g} or more"
    return f"{lower:g} to under {upper:g}"
