"""Score, grade and temperature from points: the arithmetic shared by the engine and rescore."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    share = engagement_points / rules.engagement_max
    if share > 1.0:
        share = 1.0
    raw = fit_part + 100.0 * rules.engagement_weight * share
    score = int(raw + 0.5) if raw > 0.0 else 0
    if score > 100:
        score = 100
    if disqualified and score > rules.disqualified_max_score:
        score = rules.disqualified_max_score
    return score


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
