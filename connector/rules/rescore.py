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
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from connector.rules.engagement import Term, total, total_and_slope
from connector.rules.model import PriorState
from connector.rules.scoring import score_of, temperature_of
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

_Key = tuple[Any, ...]
_FROM_TIMESTAMP = datetime.fromtimestamp
#: What `_full_key` needs besides the rule set, the static parts and the terms: the policy
#: outcomes, score, prior and stored memory now, and the engine's output function.
_FullArgs = tuple[
    "Outputs",
    int,
    PriorState | None,
    Mapping[str, datetime],
    Callable[["RuleSet", "Static", float, datetime, PriorState | None], "Outputs"],
]


#: `_first_ms_below`'s "points a millisecond earlier" when they are known to be above the
#: target (by at least the step's margin) without having been computed.
ABOVE = math.inf
#: How far past the millisecond before a probe a root-safe Newton step must land (ms) for
#: that millisecond to count as above the target: far more than the step's rounding error
#: (~1e-4 ms at today's epoch seconds), so no tie can go the wrong way.
_MARGIN_MS = 0.001
#: What `_first_ms_below` found: the millisecond, the points and slope there, and the points
#: one millisecond earlier when that was probed (`ABOVE` when known to be above, None when
#: unknown).
_Found = tuple[int, float, float, float | None]


def _first_ms_below(
    terms: list[Term],
    start: tuple[float, float, float],
    target: float,
    min_ms: int,
    end_ms: int | None = None,
) -> _Found | None:
    """The first whole millisecond ≥ `min_ms` at which the engagement points are strictly
    below `target`, or None when that is more than the horizon after the start.

    Strictly below, because every output changes only once the points are *below* its bar
    (temperature and policy bars are minimums, a score boundary rounds half up): a
    millisecond where the points equal the bar exactly has not crossed it yet.

    The search probes whole milliseconds only, so its last two probes are the answer and the
    millisecond before it: the caller reads the outputs off them without evaluating the curve
    again. Newton steps go from the last probe known to be at or above the target. The points
    are convex there (decays of past signals), so a plain Newton step never passes the root.
    Once only half-lives are left (every signal in the past, every lifespan decay over) the
    step is taken on the logarithm of the points instead: log-sum-exp is convex too, the step
    is exact for a single half-life, and it goes at least as far (ln x ≥ 1 − 1/x), which saves
    most steps when the target is far below. When such a step lands more than a margin past
    the millisecond before its probe, and the probe is below, that millisecond is above the
    target without being probed. Rounding a step up to the millisecond may pass the root: the
    millisecond before is probed next; a second miss in a row, or a step that leaves the
    bracket, halves the bracket instead (a signal dated in the future bends the curve the
    other way).

    Args:
        terms: the engagement terms.
        start: (instant, points, slope) known to be at or above the target, in seconds.
        target: the engagement-point bar.
        min_ms: the earliest millisecond that counts.
        end_ms: the horizon's millisecond from the start (`_ceil_ms(start + horizon)`), when
            the caller knows it.

    Returns:
        (millisecond, points there, slope there, points a millisecond earlier: a number when
        probed, `ABOVE` when known to be above the target, None when unknown).
    """
    lo_s, lo_value, lo_slope = start
    if lo_value < target:  # already below at the start (a whole millisecond ≥ min_ms)
        return round(lo_s * _MS_PER_S), lo_value, lo_slope, None
    if end_ms is None:
        end_ms = _ceil_ms(lo_s + _HORIZON_S)
    log_target = math.log(target)
    # From `past_from` on every signal is in the past (the curve is convex); until
    # `log_safe_from` some lifespan decay is still running too (log points may be concave).
    past_from = log_safe_from = -math.inf
    for _, at, _, lifespan, _, _ in terms:
        if at > past_from:
            past_from = at
        if at + lifespan > log_safe_from:
            log_safe_from = at + lifespan
    floor_ms = min_ms - 1  # the last millisecond known not to be the answer
    lo_ms = -1  # the millisecond `lo_s` is, once a probe moved it (-1: still the start)
    hi: tuple[int, float, float] | None = None
    misses = 0  # probes in a row that landed below the target
    for _ in range(_MAX_ITERATIONS):
        if hi is not None and hi[0] - 1 <= floor_ms:
            return hi[0], hi[1], hi[2], lo_value if lo_ms == hi[0] - 1 else None
        safe_ms = -math.inf  # a Newton step known not to pass the root (ms), if any
        if misses == 1 and hi is not None:
            probe = hi[0] - 1
        elif not misses and lo_slope < 0.0:
            if lo_s >= log_safe_from:
                # d(ln points)/dt = slope / points, and points ≥ target > 0 here.
                step = lo_s - (math.log(lo_value) - log_target) * lo_value / lo_slope
            else:
                step = lo_s - (lo_value - target) / lo_slope
            if lo_s >= past_from:
                safe_ms = step * _MS_PER_S
            probe = math.ceil(step * _MS_PER_S) if step < end_ms / _MS_PER_S else end_ms
        else:
            probe = -1
        upper = end_ms + 1 if hi is None else hi[0]
        if not floor_ms < probe < upper:
            probe = (floor_ms + upper) // 2 if hi is not None else end_ms
        if probe <= floor_ms:
            probe = floor_ms + 1
        t = probe / _MS_PER_S
        value, slope = total_and_slope(terms, t)
        if value < target:
            if probe - 1 > floor_ms and safe_ms - (probe - 1) >= _MARGIN_MS:
                # The step did not pass the root, so the millisecond before it is above.
                return probe, value, slope, ABOVE
            hi = (probe, value, slope)
            misses += 1
        else:
            if probe >= end_ms:
                return None
            floor_ms = lo_ms = probe
            lo_s, lo_value, lo_slope = t, value, slope
            misses = 0
    if hi is None:
        return None
    return hi[0], hi[1], hi[2], None


def _thresholds(
    rules: RuleSet, static: Static, score: int, points_now: float
) -> list[tuple[float, bool]]:
    """Engagement-point values in (0, points_now] below which an output may change, highest first.

    Each comes with whether confirming it needs the full outputs (policy conditions) or only
    the score and temperature (which change whenever these thresholds are crossed).
    """
    found: list[tuple[float, bool]] = []
    weight = rules.engagement_weight
    if score > 0 and weight > 0.0:
        boundary = score - 0.5
        value = (boundary - static.fit_part) / (100.0 * weight) * rules.engagement_max
        if 0.0 < value <= points_now:
            found.append((value, False))
    for value in (rules.warm, rules.hot):
        if 0.0 < value <= points_now:
            found.append((value, False))
    for value in rules.condition_thresholds:
        if 0.0 < value <= points_now:
            found.append((value, True))
    if len(found) > 1:
        found.sort(reverse=True)
    return found


def next_change(
    rules: RuleSet,
    static: Static,
    terms: list[Term],
    now_s: float,
    current: Outputs,
    score: int,
    temperature: str,
    prior: PriorState | None,
    memory: Mapping[str, datetime],
    outputs_at: Callable[[RuleSet, Static, float, datetime, PriorState | None], Outputs],
    points_now: float,
    slope_now: float,
) -> datetime | None:
    """The earliest future instant at which the outputs would change, or None.

    Positional on purpose: the generated decision code calls it for about a third of the
    contacts, and matching twelve keywords costs more than the call.

    Args:
        rules: the rule set.
        static: the time-independent parts of the decision.
        terms: the engagement terms (decaying credits).
        now_s: the evaluation instant (epoch seconds).
        current: the policy outcomes then.
        score: the score then.
        temperature: the temperature then.
        prior: the prior state used for this decision.
        memory: the signal memory the sync will store.
        outputs_at: the engine's output function (passed in to avoid an import cycle).
        points_now: the engagement points at `now` (the same float as `total(terms, now)`).
        slope_now: their time derivative at `now` (points per second, as `total_and_slope`).

    Returns:
        A whole-millisecond UTC instant after `now`, or None when nothing changes within
        about five years.
    """
    recycle_s = None if current.recycle_due is None else current.recycle_due.timestamp()
    best = recycle_s
    if terms:
        best = _engagement_change(
            rules,
            static,
            terms,
            now_s,
            (score, temperature),
            (current, score, prior, memory, outputs_at),
            best,
            points_now,
            slope_now,
        )
    if best is None:
        return None
    if best == recycle_s:
        return to_datetime(best)
    # A whole millisecond found on the decay curve: ms / 1000 is within a ten-millionth of a
    # second of it, so rounding to the microsecond gives that millisecond exactly (and the same
    # instant `to_datetime` gives).
    return _FROM_TIMESTAMP(round(best * _MS_PER_S) / _MS_PER_S, UTC)


def _full_key(
    rules: RuleSet, static: Static, terms: list[Term], args: _FullArgs
) -> Callable[[float], _Key]:
    """t → everything the sync would write at t, from the state stored after this decision."""
    current, score, prior, memory, outputs_at = args
    stage = current.lifecycle_target or static.stage
    status = current.lead_status_target or static.status
    after = replace(static, stage=stage, status=status)
    stored = PriorState(
        score=score,
        label=None,
        below_bar_since=current.below_bar_since,
        last_written_lead_status=current.lead_status_target
        or (prior.last_written_lead_status if prior is not None else None),
        in_handoff=current.handoff,
        signal_memory=memory,
    )

    def key(t: float) -> _Key:
        points = total(terms, t)
        out = outputs_at(rules, after, points, to_datetime(t), stored)
        return (
            score_of(rules, after.fit_part, points, after.disqualified),
            temperature_of(rules, points),
            out.lifecycle_target or stage,
            out.lead_status_target or status,
            out.handoff,
            out.sla_tier,
        )

    return key


#: `_bounds_from`'s last answer: a run scores every contact at one instant.
_last_bounds: tuple[float, int, int] = (math.nan, 0, 0)


def _bounds_from(now_s: float) -> tuple[int, int]:
    """The first millisecond after `now_s` that can count, and the horizon's millisecond."""
    global _last_bounds
    last = _last_bounds
    if last[0] == now_s:
        return last[1], last[2]
    found = (_ceil_ms(now_s + _RESOLUTION_S), _ceil_ms(now_s + _HORIZON_S))
    _last_bounds = (now_s, *found)
    return found


def _ceil_ms(t: float) -> int:
    """The first whole millisecond at or after `t` (seconds), as an integer.

    That is `math.ceil(round(t * 1000, 6))`: a value a rounding error past a whole millisecond
    counts as that millisecond. `round` to 6 digits is slow (decimal conversion), and only
    changes the answer within 1e-6 ms past a whole millisecond, so it is skipped elsewhere.
    """
    ms = t * _MS_PER_S
    below = math.floor(ms)
    if ms - below > 1e-6:  # exact (Sterbenz); round(ms, 6) > below, so its ceiling is below + 1
        return below + 1
    return math.ceil(round(ms, 6))


def _cheap_of(rules: RuleSet, fit_part: float, disqualified: bool, points: float) -> _Key:
    """The score and temperature for engagement points (what changes at the cheap bars)."""
    return (score_of(rules, fit_part, points, disqualified), temperature_of(rules, points))


def _cheap_at(
    rules: RuleSet, fit_part: float, disqualified: bool, terms: list[Term], t: float
) -> _Key:
    return _cheap_of(rules, fit_part, disqualified, total(terms, t))


def _engagement_change(
    rules: RuleSet,
    static: Static,
    terms: list[Term],
    now_s: float,
    cheap_now: _Key,
    full_args: _FullArgs,
    best: float | None,
    points_now: float,
    slope_now: float,
) -> float | None:
    """The first millisecond the engagement decay changes the outputs, if before `best`.

    `cheap_now` is the score and temperature now (what `_cheap_at(now_s)` gives). The full
    outputs' key is built only when a policy condition has its own engagement bar (rare): the
    score and temperature checks need none of it.
    """
    targets = _thresholds(rules, static, cheap_now[0], points_now)
    if not targets:
        return best
    fit_part = static.fit_part
    disqualified = static.disqualified
    full: tuple[Callable[[float], _Key], _Key] | None = None
    lo = now_s
    min_ms, end_from_now = _bounds_from(now_s)
    end_ms: int | None = end_from_now
    start: tuple[float, float, float] | None = None
    for target, needs_full in targets:
        if start is None:
            start = (now_s, points_now, slope_now)
        found = _first_ms_below(terms, start, target, min_ms, end_ms)
        if found is None:
            break
        ms, points, slope, before = found
        t = ms / _MS_PER_S
        if best is not None and t >= best:
            break
        if needs_full:
            if full is None:
                key = _full_key(rules, static, terms, full_args)
                full = (key, key(now_s))
            check, reference = full
            changed = check(t) != reference
        else:
            reference = cheap_now
            changed = _cheap_of(rules, fit_part, disqualified, points) != reference
            if not changed:
                # Points below a score boundary can still round to the same score for a
                # rounding error's worth of time: the next millisecond settles it.
                after = (ms + 1) / _MS_PER_S
                if (best is None or after < best) and _cheap_at(
                    rules, fit_part, disqualified, terms, after
                ) != reference:
                    return after if best is None else min(best, after)
        if not changed:
            lo = t
            start = (t, points, slope)
            min_ms, end_ms = ms, None
            continue
        if before == ABOVE and not needs_full:
            # No higher bar is left, so nothing but this crossing changes score or temperature.
            return t if best is None else min(best, t)
        if not needs_full:
            check = partial(_cheap_at, rules, fit_part, disqualified, terms)
        if (
            before is not None
            and t - _RESOLUTION_S > lo
            and (
                check(t - _RESOLUTION_S)
                if needs_full
                else _cheap_of(rules, fit_part, disqualified, before)
            )
            == reference
        ):
            return t if best is None else min(best, t)  # the millisecond before is unchanged
        found_t = _refine(check, reference, lo, t)
        return found_t if best is None else min(best, found_t)
    return best


def _refine(key: Callable[[float], _Key], key_now: _Key, lo: float, hi: float) -> float:
    """The first whole millisecond in (lo, hi] at which the key differs (hi is known to)."""
    before = hi - _RESOLUTION_S
    if before <= lo or key(before) == key_now:
        return hi
    low_ms = math.floor(round(lo * _MS_PER_S, 6))
    high_ms = round(hi * _MS_PER_S)
    # The change is usually a millisecond or two before `hi` (the solver stops just past the
    # root): gallop back from `hi` to bracket it, then bisect. Outputs change monotonically
    # as credit decays, so this finds the same millisecond as bisecting all of (lo, hi].
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
