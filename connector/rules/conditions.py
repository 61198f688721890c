"""Policy conditions (lifecycle stages, handoff, SLA tiers), compiled and evaluated.

Hysteresis: a condition is evaluated with a `relax` margin while the contact is already in the
state the condition leads to. Minimum thresholds drop by the margin and maximums rise by it, so a
contact enters at X and leaves only below X − margin.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from connector.rules.model import Decision
from connector.rules.schema_policy import ConditionSpec


@dataclass(frozen=True, slots=True)
class Facts:
    """What policy conditions can test, for one contact at one instant."""

    score: int
    fit_points: float
    engagement_points: float
    grade: str
    temperature: str
    bant_met_count: int
    bant_met: frozenset[str]
    disqualified: bool
    #: The contact's `lifecyclestage`, lower case ("" = none).
    stage: str = ""

    @classmethod
    def of(cls, decision: Decision, *, stage: str = "") -> Facts:
        """The facts of a decision already taken, to test another condition against it (a
        capacity bar's history, a review's handoff at another bar)."""
        return cls(
            score=decision.score,
            fit_points=decision.fit_points,
            engagement_points=decision.engagement_points,
            grade=decision.grade,
            temperature=decision.temperature,
            bant_met_count=decision.bant.met_count,
            bant_met=decision.bant.met,
            disqualified=decision.disqualified is not None,
            stage=stage,
        )


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled `ConditionSpec`: AND of the given tests, plus OR over `any_of`."""

    min_score: float | None
    max_score: float | None
    min_fit_points: float | None
    min_engagement_points: float | None
    grades: frozenset[str] | None
    temperatures: frozenset[str] | None
    min_bant_met: int | None
    bant_met: frozenset[str]
    disqualified: bool | None
    any_of: tuple[Condition, ...]
    stages: frozenset[str] | None = None
    not_stages: frozenset[str] = frozenset()

    def holds(self, facts: Facts, relax: float = 0.0) -> bool:
        """Whether the condition holds for `facts`, with thresholds relaxed by `relax` points.

        Args:
            facts: the contact's facts.
            relax: hysteresis margin (0 when entering, the margin when staying).

        Returns:
            True when every test holds.
        """
        if self.disqualified is not None and facts.disqualified != self.disqualified:
            return False
        if self.min_score is not None and facts.score < self.min_score - relax:
            return False
        if self.max_score is not None and facts.score > self.max_score + relax:
            return False
        if self.min_fit_points is not None and facts.fit_points < self.min_fit_points - relax:
            return False
        if (
            self.min_engagement_points is not None
            and facts.engagement_points < self.min_engagement_points - relax
        ):
            return False
        if self.grades is not None and facts.grade not in self.grades:
            return False
        if self.temperatures is not None and facts.temperature not in self.temperatures:
            return False
        if self.min_bant_met is not None and facts.bant_met_count < self.min_bant_met:
            return False
        if self.bant_met and not self.bant_met <= facts.bant_met:
            return False
        if self.stages is not None and facts.stage not in self.stages:
            return False
        if facts.stage in self.not_stages:
            return False
        if self.any_of:
            return any(c.holds(facts, relax) for c in self.any_of)
        return True

    def engagement_thresholds(self, relax: float) -> Iterator[float]:
        """Engagement-point values at which this condition may change as points decay."""
        if self.min_engagement_points is not None:
            yield self.min_engagement_points - relax
        for nested in self.any_of:
            yield from nested.engagement_thresholds(relax)


def compile_condition(spec: ConditionSpec) -> Condition:
    """Compile one validated condition (recursively for `any_of`)."""
    return Condition(
        min_score=spec.min_score,
        max_score=spec.max_score,
        min_fit_points=spec.min_fit_points,
        min_engagement_points=spec.min_engagement_points,
        grades=None if spec.grades is None else frozenset(spec.grades),
        temperatures=None if spec.temperatures is None else frozenset(spec.temperatures),
        min_bant_met=spec.min_bant_met,
        bant_met=frozenset(spec.bant_met or ()),
        disqualified=spec.disqualified,
        any_of=tuple(compile_condition(c) for c in spec.any_of or ()),
        stages=None if spec.stages is None else frozenset(spec.stages),
        not_stages=frozenset(spec.not_stages or ()),
    )


#: A condition that always holds for a non-disqualified contact (an SLA tier without `when`).
ALWAYS = compile_condition(ConditionSpec(disqualified=None))
