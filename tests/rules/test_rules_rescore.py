"""rescore_at at the exact bar: points that land exactly on a threshold have not crossed it.

Every output changes only once the engagement points are strictly below its bar (temperature and
policy bars are minimums; a score rounds half up). A lifespan decay reaches a round number of
points at a whole millisecond, so the solver must look for "strictly below", not "at or
below": the latter stops on the millisecond where the points equal the bar, sees no change
there, and used to skip the real change one millisecond later (rescore_at None or far too late).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import NOW, build_rules, lead

from connector.rules import RuleSet, evaluate
from connector.rules.engagement import total, total_and_slope
from connector.rules.rescore import _ceil_ms, _first_ms_below

MS = timedelta(milliseconds=1)
DAY_S = 86_400.0


def _lifespan_rules(warm: float, hot: float) -> RuleSet:
    return build_rules(
        score={"fit_weight": 1.0, "engagement_weight": 0.0},  # only temperature moves
        engagement={
            "signals": [
                {
                    "name": "s",
                    "stage": "top",
                    "at": "t",
                    "points": 30,
                    "decay": {"lifespan_days": 60},
                }
            ]
        },
        temperature={"warm": warm, "hot": hot},
    )


@pytest.mark.parametrize(
    ("warm", "hot", "days_to_bar"),
    [
        pytest.param(15, 1000, 30, id="warm-bar-hit-exactly-at-half-life"),
        pytest.param(1, 7.5, 45, id="hot-bar-hit-exactly-at-three-quarters"),
    ],
)
def test_rescore_at_is_one_ms_after_the_points_equal_the_bar(
    warm: float, hot: float, days_to_bar: int
) -> None:
    rules = _lifespan_rules(warm, hot)
    at = NOW - timedelta(days=1)
    contact = lead({"t": at.isoformat()})
    decision = evaluate(contact, rules=rules, now=NOW)
    bar = at + timedelta(days=days_to_bar)
    # 30·(1 − d/60) is exactly the bar at d = days_to_bar: still the same temperature there.
    on_bar = evaluate(contact, rules=rules, now=bar)
    assert on_bar.engagement_points == (hot if hot < 1000 else warm)
    assert on_bar.temperature == decision.temperature
    assert evaluate(contact, rules=rules, now=bar + MS).temperature != decision.temperature
    assert decision.rescore_at == bar + MS


def _brute_force(terms: list[Any], first_ms: int, target: float) -> int:
    """The first millisecond ≥ first_ms with points < target, by bisection on the exact sum."""
    lo, hi = first_ms - 1, first_ms + int(5 * 365 * DAY_S * 1000)
    assert total(terms, hi / 1000) < target
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if total(terms, mid / 1000) < target:
            hi = mid
        else:
            lo = mid
    return hi


def _start(terms: list[Any], t: float) -> tuple[float, float, float]:
    return (t, *total_and_slope(terms, t))


def test_solver_finds_the_millisecond_after_an_exact_hit() -> None:
    start = 1_700_000_000.0
    terms: list[Any] = [(30.0, start, 0.0, 60 * DAY_S, None, None)]  # lifespan decay only
    found = _first_ms_below(terms, _start(terms, start), 15.0, int(start * 1000) + 1)
    assert found is not None
    ms, points, _, before = found
    exact = int((start + 30 * DAY_S) * 1000)
    assert total(terms, exact / 1000) == 15.0  # on the bar: not crossed yet
    assert ms == exact + 1
    assert points == total(terms, ms / 1000) < 15.0
    assert before is None or before == total(terms, (ms - 1) / 1000) >= 15.0


@pytest.mark.parametrize(
    "terms",
    [
        pytest.param(
            [
                (35.0, -3 * DAY_S, 21 * DAY_S, 0.0, None, None),
                (20.0, -10 * DAY_S, 14 * DAY_S, 0.0, None, None),
                (5.0, 0.0, 0.0, 30 * DAY_S, None, None),
            ],
            id="half-lives-and-a-lifespan",
        ),
        pytest.param([(100.0, 0.0, 10 * DAY_S, 0.0, None, None)], id="one-half-life"),
        pytest.param(
            [
                (10.0, 2 * DAY_S, 7 * DAY_S, 0.0, None, None),
                (10.0, 0.0, 0.0, 9 * DAY_S, None, None),
            ],
            id="a-signal-dated-in-the-future",
        ),
        pytest.param(
            [(40.0, -400 * DAY_S, 30 * DAY_S, 0.0, None, None), (3.0, 0.0, 0.0, 0.0, None, None)],
            id="negligible-old-signal-and-no-decay",
        ),
    ],
)
@pytest.mark.parametrize("target", [0.5, 2.9, 7.25, 15.0, 30.0])
def test_solver_agrees_with_brute_force(terms: list[Any], target: float) -> None:
    start = 1_700_000_000.0
    shifted = [(b, start + a, h, ls, s, c) for b, a, h, ls, s, c in terms]
    first_ms = int(start * 1000) + 1
    begin = _start(shifted, start)
    if begin[1] < target:
        return  # the engine only solves for bars at or below the points now
    found = _first_ms_below(shifted, begin, target, first_ms)
    if total(shifted, start + 5 * 365 * DAY_S) >= target:
        assert found is None
        return
    assert found is not None
    assert found[0] == _brute_force(shifted, first_ms, target)


_TERM = st.tuples(
    st.floats(0.01, 1000),
    st.floats(-400 * DAY_S, 30 * DAY_S),
    st.sampled_from([0.0, 7 * DAY_S, 21 * DAY_S]),
    st.sampled_from([0.0, 30 * DAY_S, 60 * DAY_S]),
)


@settings(max_examples=200, deadline=None)
@given(raw=st.lists(_TERM, max_size=8), offset=st.floats(0, 400 * DAY_S))
def test_points_with_slope_are_exactly_the_points(raw: list[Any], offset: float) -> None:
    """The solver reads outputs off its probes: they must be the very floats `total` gives."""
    start = 1_700_000_000.0
    terms = [(b, start + a, h, 0.0 if h else ls, None, None) for b, a, h, ls in raw]
    t = start + offset
    assert total_and_slope(terms, t)[0] == total(terms, t)  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(
    ms=st.integers(0, 7_258_118_400_000),
    offset=st.sampled_from([0.0, 1e-9, 4e-7, 5e-7, 6e-7, 1e-6, 2e-6, 1e-4, 0.25, 0.5, 0.9999]),
    scale=st.sampled_from([1.0, 1e-3, 1e-6]),
)
def test_ceil_ms_is_ceil_of_ms_rounded_to_six_digits(ms: int, offset: float, scale: float) -> None:
    """`_ceil_ms` skips the slow `round(…, 6)` only where it cannot change the answer."""
    t = (ms * scale + offset) / 1000.0
    assert _ceil_ms(t) == math.ceil(round(t * 1000.0, 6))
    t = (ms * scale - offset) / 1000.0
    assert _ceil_ms(t) == math.ceil(round(t * 1000.0, 6))
