"""Reasons that add up: every line in score points, summing exactly to the score.

The engine collects reasons in the rules file's own units (fit points, engagement points).
`settle` turns them into score points (times the weight over the scale), adds a line for each
step of the score that is not a criterion (fit or engagement beyond its scale, a score beyond
0–100), and rounds the lines to whole numbers by largest remainder, so that the numbers a rep
reads add up exactly to the score: each line is rounded down, and the units still missing go to
the lines that lost the most in rounding. When a disqualifier holds the score down to its cap,
it carries the whole score and every other line is marked as no longer counting.
"""

from __future__ import annotations

import math

from connector.rules.model import Reason
from connector.rules.ruleset import RuleSet
from connector.rules.scoring import engagement_part

#: Reasons whose points are engagement points; the others (but notes) are fit points.
_ENGAGEMENT = "engagement"
#: Reasons that explain but never move the score by their own points.
_NOTES = frozenset({"disqualifier", "policy"})


def settle(
    reasons: list[Reason],
    *,
    rules: RuleSet,
    fit_points: float,
    fit_part: float,
    engagement_points: float,
    score: int,
    disqualified: bool,
) -> list[Reason]:
    """The reasons in whole score points that add up to `score`, with the steps between.

    Args:
        reasons: the collected reasons, in the rules' own units.
        rules: the rule set (weights, scales, the disqualified cap).
        fit_points: the fit points (after group caps and floors, with BANT and baseline).
        fit_part: fit's part of the score (the fit points within the scale, weighted).
        engagement_points: the engagement points at the decision's instant.
        score: the decision's score.
        disqualified: a disqualifier holds (its reason is the one that carries the cap).

    Returns:
        New reasons (in the same order, the added steps last), each with `points` a whole
        number, `exact` its unrounded score points and `raw` the points in the rules' unit.
    """
    fit_scale = 100.0 * rules.fit_weight / rules.fit_max
    engagement_scale = 100.0 * rules.engagement_weight / rules.engagement_max
    # Notes have zero points, so they come out at zero whatever the scale.
    exact = [r.points * (engagement_scale if r.kind == _ENGAGEMENT else fit_scale) for r in reasons]
    raw: list[float | None] = [None if r.kind in _NOTES else r.points for r in reasons]
    lines = list(reasons)

    def step(text: str, group: str, points: float, raw_points: float | None) -> None:
        lines.append(Reason("cap", text, None, 0.0, group))
        exact.append(points)
        raw.append(raw_points)

    fit_max = rules.fit_max
    if fit_points > fit_max or fit_points < 0.0:
        bound = fit_max if fit_points > fit_max else 0.0
        text = (
            f"fit above {fit_max:g} points counts as {fit_max:g}"
            if bound
            else "fit below zero counts as zero"
        )
        step(text, "fit", fit_part - fit_points * fit_scale, bound - fit_points)
    engagement = engagement_part(rules, engagement_points)
    most = rules.engagement_max
    if engagement_points > most or engagement_points < -most:
        bound = most if engagement_points > 0.0 else -most
        text = (
            f"engagement above {most:g} points counts as {most:g}"
            if bound > 0.0
            else f"engagement below {-most:g} points counts as {-most:g}"
        )
        unclipped = engagement_points * engagement_scale
        step(text, "engagement", engagement - unclipped, bound - engagement_points)
    total = fit_part + engagement
    clipped = 100.0 if total > 100.0 else (0.0 if total < 0.0 else total)
    if clipped != total:
        text = "score capped at 100" if clipped else "score below zero counts as zero"
        step(text, "score", clipped - total, None)
    cap = rules.disqualified_max_score
    if disqualified and int(clipped + 0.5) > cap:
        return _held_by_disqualifier(lines, exact, raw, cap)
    shown = largest_remainder(exact, score)
    return [
        Reason(r.kind, r.criterion, r.observed, points, r.group, e, u)
        for r, points, e, u in zip(lines, shown, exact, raw, strict=True)
    ]


def _held_by_disqualifier(
    lines: list[Reason], exact: list[float], raw: list[float | None], cap: int
) -> list[Reason]:
    """The disqualifier holds the score at its cap: it carries the whole score, and every
    other line no longer counts (0 points, marked, with what it would have given in `exact`)."""
    held: list[Reason] = []
    for r, e, u in zip(lines, exact, raw, strict=True):
        if r.kind == "disqualifier":
            held.append(Reason(r.kind, r.criterion, r.observed, cap, r.group, float(cap), None))
        elif r.kind == "policy":
            held.append(Reason(r.kind, r.criterion, r.observed, 0, r.group, 0.0, None))
        else:
            held.append(Reason(r.kind, r.criterion, r.observed, 0, r.group, e, u, counted=False))
    return held


def largest_remainder(values: list[float], total: int) -> list[int]:
    """Whole numbers, one per value, that add up to `total`, each within 1 of its value.

    Every value is rounded down; the units still missing go to the values with the largest
    fractions (on a tie, the larger value, then the earlier one: 10.5 and 3.5 show as 11 and
    3). The values are expected to add up to about `total`; a difference left by float error
    goes to the largest value.
    """
    shown = list(map(math.floor, values))
    missing = total - sum(shown)
    if missing == 0 or not values:
        return shown
    left = missing
    if missing > 0:
        # What rounding down took away, largest first (a stable sort: then in line order).
        by_loss = sorted(range(len(values)), key=lambda i: (shown[i] - values[i], -abs(values[i])))
        for i in by_loss[:missing]:
            if values[i] > shown[i]:
                shown[i] += 1
                left -= 1
    if left:
        largest = max(range(len(values)), key=lambda i: (abs(values[i]), -i))
        shown[largest] += left
    return shown
