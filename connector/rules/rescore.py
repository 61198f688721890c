"""`rescore_at`: the earliest instant at which, with no new data, a decision would change.

Without new data only two things move with time: engagement credit decays (engagement points are
continuous and non-increasing), and the recycling clock runs out. So the outputs can only change
when engagement points fall below one of a few thresholds (the next rounding boundary of the
score, the warm/hot bars, engagement bars in policy conditions) or at the recycling due time.
We solve "engagement points < threshold" with a safeguarded Newton iteration, then confirm on
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
from typing import Any

from connector.rules.engagement import Term, collected_points, total, total_and_slope
from connector.rules.model import PriorState
from connector.rules.ruleset import RuleSet
from connector.rules.scoring import Outputs, Static, outputs_at, score_of, temperature_of
from connector.rules.values import to_datetime

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

#: Floats to step at most when moving the score's rounding boundary onto the score function's
#: own (the formula's error is a few units in the last place).
_MAX_ULP_STEPS = 64

_Key = tuple[Any, ...]


def _solve(terms: list[Term], start: float, target: float) -> float | None:
    """The earliest t ≥ start with engagement points strictly below target (within the
    tolerance), or None.

    Strictly below, because every output changes only once the points are *below* its bar
    (temperature and policy bars are minimums, a score boundary rounds half up): an instant
    where the points equal the bar exactly has not crossed it yet.

    Newton's method from the left, on the logarithm of the points first: a sum of half-life
    decays is a sum of exponentials, whose logarithm is convex (log-sum-exp) and for a single
    signal a straight line, so those steps never overshoot and usually land in one or two. A
    lifespan decay can make a log step overshoot; from then on the steps are taken on the
    points themselves, which are convex (every decay shape is), so they cannot overshoot
    again. A step that leaves the bracket is replaced by halving it.
    """
    end = start + _HORIZON_S
    if total(terms, end) >= target:
        return None
    log_target = math.log(target)
    lo, hi = start, end
    lo_value, lo_slope = math.inf, 0.0
    t = start
    in_log_space = True
    for _ in range(_MAX_ITERATIONS):
        value, slope = total_and_slope(terms, t)
        if value >= target:
            lo, lo_value, lo_slope = t, value, slope
        else:
            hi = t
            in_log_space = False  # a step overshot (or started past the root)
        if hi - lo <= _TOLERANCE_S:
            break
        step = math.nan
        if lo_slope < 0.0:
            if in_log_space:
                # d(log points)/dt = slope / value; value ≥ target > 0 here.
                step = lo - (math.log(lo_value) - log_target) * lo_value / lo_slope
            else:
                step = lo - (lo_value - target) / lo_slope
            if step - lo < _TOLERANCE_S:
                step = lo + _TOLERANCE_S  # converged from the left: probe just past the root
        t = step if lo < step < hi else (lo + hi) / 2.0
    return hi


def _thresholds(
    rules: RuleSet, static: Static, current: Outputs, points_now: float, floor: float
) -> list[tuple[float, bool]]:
    """Engagement-point values in (floor, points_now] below which an output may change, highest
    first. `floor` is the least the points can fall to: 0, or the sum of negative credits
    (tiers below zero, which never decay).

    Each comes with whether confirming it needs the full outputs (policy conditions) or only
    the score and temperature (which change whenever these thresholds are crossed).
    """
    found: list[tuple[float, bool]] = []
    if current.score > 0 and rules.engagement_weight > 0.0:
        value = _score_boundary(rules, static, current.score, floor)
        if value is not None and value <= points_now:
            found.append((value, False))
    for value in (rules.warm, rules.hot):
        if floor < value <= points_now:
            found.append((value, False))
    for value in rules.condition_thresholds:
        if floor < value <= points_now:
            found.append((value, True))
    if len(found) > 1:
        found.sort(reverse=True)
    return found


def _score_boundary(rules: RuleSet, static: Static, score: int, floor: float) -> float | None:
    """The least engagement points that still give `score` (below them the score drops), or
    None when the score stays with no engagement at all.

    Solving the score formula for its rounding boundary lands a few ulps off in floats, and a
    bar even one ulp too high would be crossed with no change to confirm; so the solution is
    stepped, one float at a time, onto the exact boundary of the score function itself.
    """

    def score_at(points: float) -> int:
        return score_of(rules, static.fit_part, points, static.disqualified)

    weight = rules.engagement_weight
    points = (score - 0.5 - static.fit_part) / (100.0 * weight) * rules.engagement_max
    if points <= floor:
        return None
    for _ in range(_MAX_ULP_STEPS):
        if score_at(points) >= score:
            break
        points = math.nextafter(points, math.inf)
    for _ in range(_MAX_ULP_STEPS):
        below = math.nextafter(points, -math.inf)
        if score_at(below) < score:
            break
        points = below
    return points if points > floor else None


def next_change(
    *,
    rules: RuleSet,
    static: Static,
    terms: list[Term],
    now: datetime,
    current: Outputs,
    prior: PriorState | None,
    memory: Mapping[str, datetime],
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

    Returns:
        A whole-millisecond UTC instant after `now`, or None when nothing changes within
        about five years.
    """

    def make_key() -> Callable[[float], _Key]:
        # Built only when a policy condition has its own engagement bar (rare): the score and
        # temperature checks below need none of this.
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

        return key

    best: float | None = None
    if current.recycle_due is not None:
        best = current.recycle_due.timestamp()
    if terms:
        best = _engagement_change(rules, static, terms, now.timestamp(), current, make_key, best)
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
    make_key: Callable[[], Callable[[float], _Key]],
    best: float | None,
) -> float | None:
    def cheap(t: float) -> _Key:
        points = total(terms, t)
        score = score_of(rules, static.fit_part, points, static.disqualified)
        return (score, temperature_of(rules, points))

    points_now = collected_points(terms)  # the terms were collected at now_s
    # Negative credits (tiers below zero) never decay: they are a constant floor, and the
    # solver follows the positive, fading credits down to each bar less that floor.
    floor = 0.0
    for term in terms:
        if term.credit < 0.0:
            floor += term.credit
    fading = terms if floor == 0.0 else [term for term in terms if term.credit > 0.0]
    targets = _thresholds(rules, static, current, points_now, floor)
    if not targets:
        return best
    cheap_now = (current.score, current.temperature)  # what `cheap` gives at now_s
    full: tuple[Callable[[float], _Key], _Key] | None = None
    lo = now_s
    for target, needs_full in targets:
        solved = _solve(fading, lo, target - floor)
        if solved is None:
            break
        t = max(_ceil_ms(solved), _ceil_ms(now_s + _RESOLUTION_S))
        if best is not None and t >= best:
            break
        check: Callable[[float], _Key] = cheap
        reference = cheap_now
        if needs_full:
            if full is None:
                key = make_key()
                full = (key, key(now_s))
            check, reference = full
        if check(t) == reference:
            lo = t
            continue
        found = _refine(check, reference, lo, t)
        return found if best is None else min(best, found)
    return best


def _refine(key: Callable[[float], _Key], key_now: _Key, lo: float, hi: float) -> float:
    """The first whole millisecond in (lo, hi] at which the key differs (hi is known to).

    The change is nearly always at `hi` or a millisecond before it (the solver stops within its
    tolerance past the crossing), so the search looks back from `hi` in doubling steps and
    bisects only the last step, instead of bisecting all the way from `lo` (often months).
    """
    low_ms = math.floor(round(lo * _MS_PER_S, 6))
    high_ms = round(hi * _MS_PER_S)
    step = 1
    while high_ms - step > low_ms:
        probe = high_ms - step
        if key(probe / _MS_PER_S) == key_now:
            low_ms = probe
            break
        high_ms = probe
        step *= 2
    while high_ms - low_ms > 1:
        mid = (low_ms + high_ms) // 2
        if key(mid / _MS_PER_S) == key_now:
            low_ms = mid
        else:
            high_ms = mid
    return high_ms / _MS_PER_S
