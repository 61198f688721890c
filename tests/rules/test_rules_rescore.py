"""rescore_at at the exact bar: points that land exactly on a threshold have not crossed it.

Every output changes only once the engagement points are strictly below its bar (temperature and
policy bars are minimums; a score rounds half up). A lifespan decay reaches a round number of
points at a whole millisecond, so the solver must look for "strictly below", not "at or
below": the latter stops on the millisecond where the points equal the bar, sees no change
there, and used to skip the real change one millisecond later (rescore_at None or far too late).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import NOW, build_rules, lead

from connector.rules import RuleSet, evaluate
from connector.rules.decay import constant, half_life, lifespan
from connector.rules.engagement import Signal, Term, total, total_and_slope
from connector.rules.rescore import _ceil_ms, _solve

MS = timedelta(milliseconds=1)
DAY_S = 86_400.0
#: The solver's answer is within its tolerance of the crossing; the engine then confirms it to
#: the millisecond on the real outputs. So a solved instant must be below the target, and less
#: than a millisecond past the first millisecond that is.
_SOLVER_SLACK_S = 0.001


def _term(base: float, at: float, half_life_s: float = 0.0, lifespan_s: float = 0.0) -> Term:
    shape, duration = (
        (half_life, half_life_s)
        if half_life_s
        else ((lifespan, lifespan_s) if lifespan_s else (constant, 0.0))
    )
    signal = Signal("s", "s", "top", 0, None, (), base, None, shape, duration, False)
    return Term(base, at, signal, None, credit=base)  # its credit on its own date


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


def _brute_force(terms: list[Term], first_ms: int, target: float) -> int:
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


def test_solver_finds_the_millisecond_after_an_exact_hit() -> None:
    start = 1_700_000_000.0
    terms = [_term(30.0, start, lifespan_s=60 * DAY_S)]
    solved = _solve(terms, start, 15.0)
    assert solved is not None
    exact = int((start + 30 * DAY_S) * 1000)
    assert total(terms, exact / 1000) == 15.0  # on the bar: not crossed yet
    assert total(terms, solved) < 15.0
    assert round(_ceil_ms(solved) * 1000) == exact + 1


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            [
                (35.0, -3 * DAY_S, 21 * DAY_S, 0.0),
                (20.0, -10 * DAY_S, 14 * DAY_S, 0.0),
                (5.0, 0.0, 0.0, 30 * DAY_S),
            ],
            id="half-lives-and-a-lifespan",
        ),
        pytest.param([(100.0, 0.0, 10 * DAY_S, 0.0)], id="one-half-life"),
        pytest.param(
            [(10.0, 2 * DAY_S, 7 * DAY_S, 0.0), (10.0, 0.0, 0.0, 9 * DAY_S)],
            id="a-signal-dated-in-the-future",
        ),
        pytest.param(
            [(40.0, -400 * DAY_S, 30 * DAY_S, 0.0), (3.0, 0.0, 0.0, 0.0)],
            id="negligible-old-signal-and-no-decay",
        ),
        pytest.param(
            [
                (30.0, -5 * DAY_S, 0.0, 20 * DAY_S),
                (30.0, -1 * DAY_S, 0.0, 90 * DAY_S),
                (8.0, 0.0, 3 * DAY_S, 0.0),
            ],
            id="lifespans-ending-at-different-times",
        ),
    ],
)
@pytest.mark.parametrize("target", [0.5, 2.9, 7.25, 15.0, 30.0])
def test_solver_agrees_with_brute_force(raw: list[tuple[float, ...]], target: float) -> None:
    start = 1_700_000_000.0
    terms = [_term(b, start + a, h, ls) for b, a, h, ls in raw]
    if total(terms, start) < target:
        return  # the engine only solves for bars at or below the points now
    solved = _solve(terms, start, target)
    if total(terms, start + 5 * 365 * DAY_S) >= target:
        assert solved is None
        return
    assert solved is not None
    first_below = _brute_force(terms, int(start * 1000) + 1, target) / 1000
    assert total(terms, solved) < target
    assert first_below - _SOLVER_SLACK_S <= solved <= first_below + _SOLVER_SLACK_S


_TERM = st.tuples(
    st.floats(0.01, 1000),
    st.floats(-400 * DAY_S, 30 * DAY_S),
    st.sampled_from([0.0, 7 * DAY_S, 21 * DAY_S]),
    st.sampled_from([0.0, 30 * DAY_S, 60 * DAY_S]),
)


@settings(max_examples=200, deadline=None)
@given(raw=st.lists(_TERM, max_size=8), offset=st.floats(0, 400 * DAY_S))
def test_points_with_slope_are_exactly_the_points(
    raw: list[tuple[float, float, float, float]], offset: float
) -> None:
    """Scoring sums credits with `total`, the solver with `total_and_slope`: the same floats."""
    start = 1_700_000_000.0
    terms = [_term(b, start + a, h, 0.0 if h else ls) for b, a, h, ls in raw]
    t = start + offset
    assert total_and_slope(terms, t)[0] == total(terms, t)
