"""A decision at one instant: score, grade, temperature and the policy outcomes.

The engine calls `outputs_at` for `now`; rescore calls it for later instants to find when the
outputs change. Only the engagement points and the instant move with time; the rest of a
contact's facts are `Static`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connector.rules.conditions import Facts
from connector.rules.model import PriorState, Reason
from connector.rules.policy import (
    decide_handoff,
    decide_lead_status,
    decide_lifecycle,
    normal_stage,
)
from connector.rules.ruleset import RuleSet


def score_of(rules: RuleSet, fit_part: float, engagement_points: float, disqualified: bool) -> int:
    """The 0–100 score from fit's share and engagement points (halves round up).

    Args:
        rules: the rule set (weights, maxima, the disqualified cap).
        fit_part: fit's contribution, already weighted (0..100·fit_weight).
        engagement_points: decayed engagement points.
        disqualified: a disqualifier holds (the score is capped).

    Returns:
        The integer score.
    """
    raw = fit_part + engagement_part(rules, engagement_points)
    score = int(raw + 0.5) if raw > 0.0 else 0
    if score > 100:
        score = 100
    if disqualified and score > rules.disqualified_max_score:
        score = rules.disqualified_max_score
    return score


def engagement_part(rules: RuleSet, engagement_points: float) -> float:
    """Engagement's share of the score: its points over the scale, within ±1, weighted.

    Points below zero come only from tiers with negative points; they take away at most what
    a full engagement scale would add.
    """
    share = engagement_points / rules.engagement_max
    if share > 1.0:
        share = 1.0
    elif share < -1.0:
        share = -1.0
    return 100.0 * rules.engagement_weight * share


def temperature_of(rules: RuleSet, engagement_points: float) -> str:
    """ "hot", "warm" or "cold" from engagement points."""
    if engagement_points >= rules.hot:
        return "hot"
    if engagement_points >= rules.warm:
        return "warm"
    return "cold"


def grade_of(rules: RuleSet, fit_points: float, disqualified: bool) -> str:
    """ "A".."D" from fit points; a disqualified contact is always D."""
    if disqualified:
        return "D"
    for grade, bar in rules.grade_bars:
        if fit_points >= bar:
            return grade
    return "D"


@dataclass(frozen=True, slots=True)
class Static:
    """The parts of a decision that do not change with time (for one contact)."""

    fit_points: float
    fit_part: float  # fit's share of the score, 0..100·fit_weight
    grade: str
    bant_met_count: int
    bant_met: frozenset[str]
    disqualified: bool
    stage: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class Outputs:
    """The time-dependent outputs at one instant."""

    score: int
    temperature: str
    lifecycle_target: str | None
    lifecycle_clear_first: bool
    lead_status_target: str | None
    handoff: bool
    sla_tier: str | None
    below_bar_since: datetime | None
    recycle_due: datetime | None
    note: Reason | None


def outputs_at(
    rules: RuleSet,
    static: Static,
    engagement_points: float,
    now: datetime,
    prior: PriorState | None,
) -> Outputs:
    """Score, temperature and policy outcomes for given engagement points at `now`.

    A contact at a protected stage (past SQL in the portal's order) is scored and nothing
    else: no lifecycle move, no lead status, no handoff — whatever the conditions say.
    """
    score = score_of(rules, static.fit_part, engagement_points, static.disqualified)
    temperature = temperature_of(rules, engagement_points)
    facts = Facts(
        score=score,
        fit_points=static.fit_points,
        engagement_points=engagement_points,
        grade=static.grade,
        temperature=temperature,
        bant_met_count=static.bant_met_count,
        bant_met=static.bant_met,
        disqualified=static.disqualified,
        stage=normal_stage(static.stage),
    )
    order = rules.stage_order
    lifecycle = decide_lifecycle(rules.lifecycle, order, static.stage, facts, now, prior)
    handoff, tier, status = False, None, None
    if not order.protected(static.stage):
        handoff, tier = decide_handoff(rules.handoff, facts, prior)
        status = decide_lead_status(
            rules.lead_status, static.status, prior, static.disqualified, handoff
        )
    return Outputs(
        score=score,
        temperature=temperature,
        lifecycle_target=lifecycle.target,
        lifecycle_clear_first=lifecycle.clear_first,
        lead_status_target=status,
        handoff=handoff,
        sla_tier=tier,
        below_bar_since=lifecycle.below_bar_since,
        recycle_due=lifecycle.recycle_due,
        note=lifecycle.note,
    )
