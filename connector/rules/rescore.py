"""`rescore_at`: the earliest instant at which, with no new data, a decision would change.

Without new data only two things move with time: engagement credit decays (engagement points are
continuous and non-increasing), and the recycling clock runs out. So the outputs can only change
when engagement points fall below one of a few thresholds (the next rounding boundary of the
score, the warm/hot bars, engagement bars in policy conditions) or at the recycling due time.
We solve "engagement points = threshold" with a safeguarded Newton iteration, then confirm on
the real outputs at millisecond resolution: the outputs are unchanged 1 ms before `rescore_at`
and changed at it.

The comparison is made against the state the sync will have stored after applying the
decision (stage and status written, hysteresis and recycling clock carried), so a lifecycle
move the sync performs now does not count as a change later.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from connector.rules.engagement import Term, credit, slope, total
from connector.rules.model import PriorState
from connector.rules.values import to_datetime

if TYPE_CHECKING:
    from connector.rules.engine import Outputs, Static
    from connector.rules.ruleset import RuleSet

#: rescore_at is a whole millisecond: HubSpot's own resolution, and fine enough for a scheduler.
_RESOLUTION_S = 0.001
_MS_PER_S = 1000
#: Changes further away than this are not scheduled (seconds, ~5 years): the contact will have
#: been modified (and re-scored) long before, and it bounds the solver.
_HORIZON_S = 5 * 365 * 86_400.0
#: Newton iterations before giving up (it converges in a handful for sums of decays).
_MAX_ITERATIONS = 60
#: The solver's time tolerance (seconds); the final answer is refined to the millisecond.
_TOLERANCE_S = 0.0005

_Key = tuple[Any, ...]


def _total_and_slope(terms: list[Term], t: float) -> tuple[float, float]:
    value = 0.0
    derivative = 0.0
    for term in terms:
        value += credit(term, t)
        derivative += slope(term, t)
    return value, derivative


def _solve(terms: list[Term], start: float, target: float) -> float | None:
    """The earliest t ≥ start with engagement points ≤ target, approximately, or None."""
    end = start + _HORIZON_S
    if total(terms, end) > target:
        return None
    lo, hi = start, end
    t = start
    for _ in range(_MAX_ITERATIONS):
        value, derivative = _total_and_slope(terms, t)
        gap = value - target
        if gap <= 0.0:
            hi = t
        else:
            lo = t
        if hi - lo < _TOLERANCE_S:
            break
        step = t - gap / derivative if derivative < 0.0 else math.inf
        t = step if lo < step < hi else (lo + hi) / 2.0
    return hi


def _thresholds(rules: RuleSet, static: Static, current: Outputs) -> list[float]:
    """Engagement-point values below which some output may change, highest first."""
    found: set[float] = {rules.warm, rules.hot}
    weight = rules.engagement_weight
    if current.score > 0 and weight > 0.0:
        boundary = current.score - 0.5
        found.add((boundary - static.fit_part) / (100.0 * weight) * rules.engagement_max)
    lifecycle = rules.lifecycle
    for _, condition in lifecycle.stages:
        found.update(condition.engagement_thresholds(0.0))
        found.update(condition.engagement_thresholds(lifecycle.margin))
    handoff = rules.handoff
    conditions = [handoff.when, *(c for _, c in handoff.tiers)]
    for condition in conditions:
        found.update(condition.engagement_thresholds(0.0))
        found.update(condition.engagement_thresholds(handoff.margin))
    return sorted(found, reverse=True)


def next_change(
    *,
    rules: RuleSet,
    static: Static,
    terms: list[Term],
    now: datetime,
    current: Outputs,
    prior: PriorState | None,
    memory: Mapping[str, datetime],
    outputs_at: Callable[[RuleSet, Static, float, datetime, PriorState | None], Outputs],
) -> datetime | None:
    """The earliest future instant at which the outputs would change, or None.

    Args:
        rules: the rule set.
        static: the time-independent parts of the decision.
        terms: the engagement terms (decaying credits).
        now: the evaluation instant.
        current: the outputs at `now`.
        prior: the prior state used for this decision.
        memory: the signal memory the sync will store.
        outputs_at: the engine's output function (passed in to avoid an import cycle).

    Returns:
        A whole-millisecond UTC instant after `now`, or None when nothing changes within
        about five years.
    """
    stage = current.lifecycle_target or static.stage
    status = current.lead_status_target or static.status
    after = replace(static, stage=stage, status=status)
    stored = PriorState(
        score=current.score,
        label=None,
        below_bar_since=current.below_bar_since,
        last_written_lead_status=current.lead_status_target
        or (prior.last_written_lead_status if prior is not None else None),
        in_handoff=current.handoff,
        signal_memory=memory,
    )

    def key(t: float) -> _Key:
        out = outputs_at(rules, after, total(terms, t), to_datetime(t), stored)
        return (
            out.score,
            out.temperature,
            out.lifecycle_target or stage,
            out.lead_status_target or status,
            out.handoff,
            out.sla_tier,
        )

    now_s = now.timestamp()
    best: float | None = None
    if current.recycle_due is not None:
        best = current.recycle_due.timestamp()
    if terms and rules.engagement_weight >= 0.0:
        best = _engagement_change(rules, static, terms, now_s, current, key, best)
    return None if best is None else to_datetime(best)


def _ceil_ms(t: float) -> float:
    # k / 1000 (not k * 0.001) is the correctly rounded float, the same one
    # datetime.timestamp() returns for that millisecond.
    return math.ceil(round(t * _MS_PER_S, 6)) / _MS_PER_S


def _engagement_change(
    rules: RuleSet,
    static: Static,
    terms: list[Term],
    now_s: float,
    current: Outputs,
    key: Callable[[float], _Key],
    best: float | None,
) -> float | None:
    key_now = key(now_s)
    points_now = total(terms, now_s)
    lo = now_s
    for target in _thresholds(rules, static, current):
        if not 0.0 < target <= points_now:
            continue
        solved = _solve(terms, lo, target)
        if solved is None:
            break
        t = max(_ceil_ms(solved), _ceil_ms(now_s + _RESOLUTION_S))
        if best is not None and t >= best:
            break
        if key(t) == key_now:
            lo = t
            continue
        found = _refine(key, key_now, lo, t)
        return found if best is None else min(best, found)
    return best


def _refine(key: Callable[[float], _Key], key_now: _Key, lo: float, hi: float) -> float:
    """The first whole millisecond in (lo, hi] at which the key differs (hi is known to)."""
    before = hi - _RESOLUTION_S
    if before <= lo or key(before) == key_now:
        return hi
    low_ms = math.floor(round(lo * _MS_PER_S, 6))
    high_ms = round(hi * _MS_PER_S)
    while high_ms - low_ms > 1:
        mid = (low_ms + high_ms) // 2
        if key(mid / _MS_PER_S) == key_now:
            low_ms = mid
        else:
            high_ms = mid
    return high_ms / _MS_PER_S
