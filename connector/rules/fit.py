"""ICP fit: grouped criteria with caps, and disqualifiers."""

from __future__ import annotations

from dataclasses import dataclass

from connector.rules.matchers import Matcher, compile_matcher
from connector.rules.schema import DisqualifierSpec, FitSpec


@dataclass(frozen=True, slots=True)
class FitCriterion:
    matcher: Matcher
    points: float


@dataclass(frozen=True, slots=True)
class FitGroup:
    """Criteria scored together: summed (or first match only), then capped.

    Attributes:
        name: the group's name, shown with cap reasons.
        first_only: only the first matching criterion counts (ordered tiers, e.g. sizes).
        cap: the most the group can add, if any.
        floor: the most the group can take away (a negative number), if any.
        criteria: the compiled criteria in file order.
    """

    name: str
    first_only: bool
    cap: float | None
    floor: float | None
    criteria: tuple[FitCriterion, ...]


def compile_fit(spec: FitSpec) -> tuple[FitGroup, ...]:
    """Compile the fit section into groups of matchers."""
    return tuple(
        FitGroup(
            name=group.name,
            first_only=group.mode == "first",
            cap=group.cap,
            floor=group.floor,
            criteria=tuple(FitCriterion(compile_matcher(c), c.points) for c in group.criteria),
        )
        for group in spec.groups
    )


def compile_disqualifiers(specs: list[DisqualifierSpec]) -> tuple[Matcher, ...]:
    """Compile the disqualifiers (each keeps its admin-written label)."""
    return tuple(compile_matcher(spec) for spec in specs)
