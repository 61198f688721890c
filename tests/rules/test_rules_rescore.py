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
from rules_helpers import NOW, build_rules, lead

from connector.rules import RuleSet, evaluate
from connector.rules.engagement import total
from connector.rules.rescore import _solve

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


def test_solver_lands_strictly_below_the_target() -> None:
    start = 1_700_000_000.0
    terms = [(30.0, start, 0.0, 60 * DAY_S, None, None)]  # lifespan decay, no half-life
    solved = _solve(terms, start, 15.0)  # type: ignore[arg-type]  # signal unused by the sums
    assert solved is not None
    assert total(terms, solved) < 15.0  # type: ignore[arg-type]
    assert solved - (start + 30 * DAY_S) <= 0.001  # within the tolerance of the exact root


def test_solver_on_a_sum_of_half_lives_is_within_a_millisecond() -> None:
    start = 1_700_000_000.0
    terms = [
        (35.0, start - 3 * DAY_S, 21 * DAY_S, 0.0, None, None),
        (20.0, start - 10 * DAY_S, 14 * DAY_S, 0.0, None, None),
        (5.0, start, 0.0, 30 * DAY_S, None, None),
    ]
    solved = _solve(terms, start, 15.0)  # type: ignore[arg-type]
    assert solved is not None
    assert total(terms, solved) < 15.0  # type: ignore[arg-type]
    assert total(terms, solved - 0.001) >= 15.0  # type: ignore[arg-type]
