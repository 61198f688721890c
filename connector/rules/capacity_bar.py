"""The handoff's score bar from the SDR pool's weekly capacity (`handoff.capacity`).

Pure maths on a histogram: how many handoff-eligible contacts arrived at each score 0–100, per
day. The sync keeps that history (`connector/sync/capacity_bar.py`) and passes the bar in force
back in with `with_handoff_bar`, the way it passes `now`; nothing here reads or stores anything.

The bar moves at most once a day and with hysteresis, so that the SDRs do not see it flap:
- only when the best bar is at least `MIN_STEP` points away, or the bar in force is expected to
  miss the capacity by more than `MAX_MISS` of it;
- never back the other way within `REVERSAL_WAIT_DAYS` of the last move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from connector.rules.conditions import Facts
from connector.rules.model import Decision
from connector.rules.policy import normal_stage
from connector.rules.ruleset import RuleSet

#: Days of arrivals the bar is derived from (four weeks: weekly rhythms average out).
WINDOW_DAYS = 28
MIN_STEP = 2
MAX_MISS = 0.10
#: A move the other way waits this many days after the last one (no back-and-forth).
REVERSAL_WAIT_DAYS = 3
SCORES = 101  # 0..100

#: Arrivals by day: day → score → how many eligible contacts arrived at that score.
History = Mapping[date, Mapping[int, int]]


@dataclass(frozen=True, slots=True)
class BarState:
    """The bar in force, when it last moved and which way (+1 up, -1 down, 0 never)."""

    bar: float
    moved_on: date | None = None
    direction: int = 0
    #: Handoffs a week the bar is expected to give, from the history it was last checked on.
    expected_per_week: float | None = None


def histogram(scores: Iterable[int]) -> list[int]:
    """Counts per score 0–100 (out-of-range scores are clamped)."""
    counts = [0] * SCORES
    for score in scores:
        counts[min(max(int(score), 0), SCORES - 1)] += 1
    return counts


def expected_per_week(counts: Sequence[int], span_days: float, bar: float) -> float:
    """Contacts a week that score at least `bar`, at the rate of `counts` over `span_days`."""
    if span_days <= 0:
        return 0.0
    start = max(0, min(SCORES, _ceil(bar)))
    return sum(counts[start:]) * 7.0 / span_days


def best_bar(counts: Sequence[int], span_days: float, per_week: float) -> int:
    """The integer bar whose expected handoffs a week are nearest `per_week`; on a tie the
    higher bar (rather under capacity than over)."""
    best, best_miss = SCORES - 1, float("inf")
    for bar in range(SCORES - 1, -1, -1):
        miss = abs(expected_per_week(counts, span_days, bar) - per_week)
        if miss < best_miss:
            best, best_miss = bar, miss
    return best


def window(history: History, today: date) -> tuple[list[int], int]:
    """The counts of the complete days in the window before `today`, and how many days that
    is (from the first day with arrivals; 0 = no history yet)."""
    first = today - timedelta(days=WINDOW_DAYS)
    days = [d for d in history if first <= d < today]
    counts = [0] * SCORES
    for day in days:
        for score, n in history[day].items():
            counts[min(max(score, 0), SCORES - 1)] += n
    span = (today - min(days)).days if days else 0
    return counts, span


def next_bar(state: BarState, history: History, today: date, per_week: int) -> BarState:
    """The bar for `today`: the one in force, or a better one under the daily, step and
    reversal rules (module docstring)."""
    counts, span = window(history, today)
    if span == 0 or sum(counts) == 0:
        return state
    current = expected_per_week(counts, span, state.bar)
    if state.moved_on == today:
        return state
    best = best_bar(counts, span, per_week)
    missed = abs(current - per_week) > MAX_MISS * per_week
    if best == state.bar or not (missed or abs(best - state.bar) >= MIN_STEP):
        return replace(state, expected_per_week=current)
    direction = 1 if best > state.bar else -1
    if (
        state.moved_on is not None
        and direction == -state.direction
        and (today - state.moved_on).days < REVERSAL_WAIT_DAYS
    ):
        return replace(state, expected_per_week=current)
    return BarState(float(best), today, direction, expected_per_week(counts, span, best))


def bar_at(moves: Sequence[tuple[datetime, float]], instant: datetime) -> float | None:
    """The bar in force at `instant`, from the moves (when, new bar) in time order; None before
    the first (the contact was judged without a capacity bar, or the history is lost)."""
    found: float | None = None
    for at, bar in moves:
        if at > instant:
            break
        found = bar
    return found


def bar_came_down(
    score: int | None, bar: float, moves: Sequence[tuple[datetime, float]], scored_at: datetime
) -> bool:
    """Whether a contact not handed off, last scored at `scored_at` with `score`, now meets
    `bar` only because the bar came down to it (it did not cross it). With no known bar then,
    it did: the capacity bar was not there to judge it.
    """
    if score is None or score < bar:
        return False
    then = bar_at(moves, scored_at)
    return then is None or score < then


def with_handoff_bar(rules: RuleSet, bar: float) -> RuleSet:
    """The same rules handing off at score `bar`; unchanged when the bar is fixed in the file.

    Not part of the rules version (like the stage order): a moved bar applies to contacts as
    they are next scored, without re-scoring every contact.
    """
    handoff = rules.handoff
    if handoff.capacity is None or handoff.when.min_score == bar:
        return rules
    return replace(rules, handoff=replace(handoff, when=replace(handoff.when, min_score=bar)))


def eligible_score(rules: RuleSet, decision: Decision, stage: str | None) -> int | None:
    """The contact's score if the handoff's other tests hold at any bar, else None: what the
    history counts (a disqualified contact, or one at a protected stage, is never handed off).
    """
    if rules.handoff.capacity is None or rules.stage_order.protected(stage):
        return None
    facts = Facts.of(decision, stage=normal_stage(stage))
    if not replace(rules.handoff.when, min_score=None).holds(facts):
        return None
    return decision.score


def _ceil(value: float) -> int:
    whole = int(value)
    return whole + 1 if whole < value else whole
