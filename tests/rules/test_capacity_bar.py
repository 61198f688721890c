"""`handoff.capacity`: the schema, the bar passed in like `now`, and the daily move's maths."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from rules_helpers import NOW, SCORE_BY_PTS, build_rules, lead

from connector.errors import ConfigError
from connector.rules import PriorState, evaluate
from connector.rules.capacity_bar import (
    BarState,
    bar_at,
    bar_came_down,
    best_bar,
    eligible_score,
    expected_per_week,
    histogram,
    next_bar,
    window,
    with_handoff_bar,
)

_TIERS = [{"name": "standard", "response_hours": 8}]
TODAY = date(2026, 11, 20)


def capacity_rules(**handoff: Any) -> Any:
    return build_rules(**SCORE_BY_PTS, handoff={"sla_tiers": _TIERS, **handoff})


def test_capacity_alone_is_a_handoff_condition_at_the_start_bar_until_a_bar_is_passed() -> None:
    rules = capacity_rules(capacity={"per_week": 60, "start_bar": 70})
    assert rules.handoff.capacity is not None and rules.handoff.capacity.per_week == 60
    at_69 = evaluate(lead({"pts": "69"}), rules=rules, now=NOW)
    at_70 = evaluate(lead({"pts": "70"}), rules=rules, now=NOW)
    assert (at_69.handoff_condition, at_70.handoff_condition) == (False, True)
    lowered = with_handoff_bar(rules, 55.0)
    assert evaluate(lead({"pts": "55"}), rules=lowered, now=NOW).handoff_condition
    assert not evaluate(lead({"pts": "54"}), rules=lowered, now=NOW).handoff_condition
    # The bar is an input, not part of the file: the version does not change with it.
    assert lowered.version == rules.version
    # The margin still keeps a handed-off contact until below the bar − margin.
    held = PriorState(score=56, in_handoff=True)
    assert evaluate(lead({"pts": "51"}), rules=lowered, now=NOW, prior=held).handoff_condition
    assert not evaluate(lead({"pts": "49"}), rules=lowered, now=NOW, prior=held).handoff_condition


def test_capacity_keeps_the_other_tests_of_when_and_never_hands_off_the_disqualified() -> None:
    rules = with_handoff_bar(
        capacity_rules(capacity={"per_week": 10}, when={"grades": ["A", "B"]}), 30.0
    )
    assert evaluate(lead({"pts": "45"}), rules=rules, now=NOW).handoff_condition  # grade B
    assert not evaluate(lead({"pts": "35"}), rules=rules, now=NOW).handoff_condition  # grade C
    rival = evaluate(lead({"pts": "90", "email": "x@rival.com"}), rules=rules, now=NOW)
    assert not rival.handoff_condition
    assert eligible_score(rules, rival, "lead") is None
    assert eligible_score(rules, evaluate(lead({"pts": "35"}), rules=rules, now=NOW), "") is None
    b = evaluate(lead({"pts": "45"}), rules=rules, now=NOW)
    assert eligible_score(rules, b, "lead") == 45
    assert eligible_score(rules, b, "customer") is None  # a protected stage


def test_a_fixed_bar_is_untouched_by_with_handoff_bar() -> None:
    rules = build_rules(**SCORE_BY_PTS)
    assert rules.handoff.capacity is None
    assert with_handoff_bar(rules, 10.0) is rules
    assert eligible_score(rules, evaluate(lead({"pts": "80"}), rules=rules, now=NOW), "") is None


@pytest.mark.parametrize(
    ("handoff", "words"),
    [
        ({}, "give `when` (e.g. min_score: 60) or `capacity`"),
        (
            {"capacity": {"per_week": 60}, "when": {"min_score": 50}},
            "remove `min_score` from `handoff.when`",
        ),
        ({"capacity": {"per_week": 0}}, "per_week"),
        ({"capacity": {"per_week": 60, "start": 70}}, "start"),
    ],
)
def test_capacity_mistakes_are_refused_in_the_products_words(
    handoff: dict[str, Any], words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        capacity_rules(**handoff)
    assert words in str(caught.value)


def test_expected_and_best_bar_on_a_known_histogram() -> None:
    # 14 days, two contacts a day at every score 0..99: 14 a week per score point.
    counts = [28] * 100 + [0]
    assert expected_per_week(counts, 14, 90) == pytest.approx(140.0)
    assert expected_per_week(counts, 14, 89.5) == pytest.approx(140.0)  # a score is whole
    assert best_bar(counts, 14, 140) == 90
    assert best_bar(counts, 14, 147) == 90  # 140 and 154 tie: the higher bar
    assert best_bar(counts, 14, 0) == 100
    assert best_bar(counts, 14, 10_000) == 0
    assert histogram([-3, 0, 55, 55, 120])[0] == 2


def _steady(days: int, per_day: dict[int, int], before: date = TODAY) -> dict[date, dict[int, int]]:
    return {before - timedelta(days=n): dict(per_day) for n in range(1, days + 1)}


def test_window_uses_complete_days_of_the_last_four_weeks() -> None:
    history = _steady(40, {50: 1})
    history[TODAY] = {50: 99}  # today is not over: left out
    counts, span = window(history, TODAY)
    assert (counts[50], span) == (28, 28)
    assert window({}, TODAY) == ([0] * 101, 0)


def test_the_bar_moves_at_most_once_a_day_with_hysteresis() -> None:
    # 10 a day at each of 60..69: 70 a week per point, 700 a week at 60.
    history = _steady(14, dict.fromkeys(range(60, 70), 10))
    start = BarState(70.0)
    moved = next_bar(start, history, TODAY, 140)
    assert (moved.bar, moved.moved_on, moved.direction) == (68.0, TODAY, -1)
    assert moved.expected_per_week == pytest.approx(140.0)
    # Same day: kept whatever the history says.
    assert next_bar(moved, _steady(14, {30: 100}), TODAY, 140) == moved
    # Next day, the same history: nothing to do.
    tomorrow = TODAY + timedelta(days=1)
    assert next_bar(moved, history, tomorrow, 140).bar == 68.0
    # One point away and within 10 %: kept (hysteresis).
    assert next_bar(moved, history, tomorrow, 150).bar == 68.0
    # Off by more than 10 % moves even one point.
    assert next_bar(moved, history, tomorrow, 200).bar == 67.0


def test_the_bar_never_goes_back_the_other_way_on_the_next_days() -> None:
    history = _steady(14, dict.fromkeys(range(60, 70), 10))
    moved = BarState(68.0, TODAY, -1, 140.0)
    # Capacity halves the next day: the bar would go up, against yesterday's move down.
    for later in (1, 2):
        assert next_bar(moved, history, TODAY + timedelta(days=later), 70).bar == 68.0
    back = next_bar(moved, history, TODAY + timedelta(days=3), 70)
    assert (back.bar, back.direction) == (69.0, 1)


def test_no_history_keeps_the_start_bar() -> None:
    start = BarState(70.0)
    assert next_bar(start, {}, TODAY, 60) == start
    assert next_bar(start, {TODAY: {80: 5}}, TODAY, 60) == start


def test_a_bar_that_came_down_is_told_from_a_crossing_by_the_bar_when_last_scored() -> None:
    t0 = NOW - timedelta(days=3)
    moves = [(t0, 70.0), (NOW - timedelta(days=1), 40.0)]
    before_move = NOW - timedelta(days=2)
    # 55 under the bar of 70 then, at the bar of 40 now: the bar came down to it.
    assert bar_came_down(55, 40.0, moves, before_move)
    # Already over the bar then too: something else kept it out (its grade): a real crossing.
    assert not bar_came_down(75, 40.0, moves, before_move)
    # Scored under today's bar and below it: it crossed.
    assert not bar_came_down(35, 40.0, moves, NOW)
    # Judged before any capacity bar (a fixed-bar file, a lost history): stock, not news.
    assert bar_came_down(55, 40.0, moves, t0 - timedelta(days=1))
    assert bar_at(moves, NOW) == 40.0 and bar_at(moves, before_move) == 70.0
