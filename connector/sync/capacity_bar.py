"""The capacity bar's history and daily move, kept in one state-store blob per portal.

When the rules set `handoff.capacity`, each run:
1. at its start, loads the blob, lets the bar move (at most once a UTC day, with hysteresis:
   `connector/rules/capacity_bar.py`) and hands the bar in force to the rules core;
2. counts every contact scored for the first time whose other handoff tests hold, at its
   score, on the day HubSpot created it (so a backfill brings its recent history at once);
3. saves the counts of the last `WINDOW_DAYS` days with the bar and its moves (the handoff
   step reads the moves to tell a lead that crossed the bar from one the bar came down to).

The blob holds counts per day and score, and bars with their instants: no contact id, no
property value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from connector.logging import get_logger
from connector.rules import RuleSet
from connector.rules.capacity_bar import (
    WINDOW_DAYS,
    BarState,
    History,
    eligible_score,
    next_bar,
    with_handoff_bar,
)
from connector.sync.ports import SyncState
from connector.sync.scoring import Scored

#: A bar's moves: when, and the bar from then on (oldest first).
Moves = tuple[tuple[datetime, float], ...]

#: The state-store blob's name.
CAPACITY_BAR_BLOB = "handoff_capacity_bar"

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CapacityView:
    """What `status` shows of the capacity bar."""

    per_week: int
    bar: float
    moved_on: date | None
    expected_per_week: float | None
    days_of_history: int


class CapacityBar:
    """One run's view of the capacity bar: the rules with the bar in force, and the arrivals."""

    def __init__(self, store: SyncState, portal: str, rules: RuleSet, now: datetime) -> None:
        self._store = store
        self._portal = portal
        self._now = now
        self._capacity = rules.handoff.capacity
        self._history: dict[date, dict[int, int]] = {}
        self._moves: Moves = ()
        self._dirty = False
        self.state: BarState | None = None
        self.rules = rules
        if self._capacity is None:
            return
        stored = store.get_blob(portal, CAPACITY_BAR_BLOB) or {}
        self._history = _history_from(stored)
        self._moves = moves_from(stored)
        before = _state_from(stored, self._capacity.start_bar)
        self.state = next_bar(before, self._history, now.date(), self._capacity.per_week)
        if not self._moves or self.state.bar != before.bar:
            self._moves = (*self._moves, (now, self.state.bar))
        if self.state != before or not stored:
            # Saved at once: the handoff step reads the moves to tell a crossing from a bar
            # that came down (`bar_came_down`).
            self._dirty = True
            self.save()
            if self.state.bar != before.bar:
                log.info(
                    "handoff_capacity_bar_moved",
                    per_week=self._capacity.per_week,
                    bar_from=before.bar,
                    bar_to=self.state.bar,
                    expected_per_week=_rounded(self.state.expected_per_week),
                )
        self.rules = with_handoff_bar(rules, self.state.bar)

    def observe(self, scored: Iterable[Scored]) -> None:
        """Count the contacts scored for the first time that the bar could hand off."""
        if self._capacity is None:
            return
        for item in scored:
            if item.prior is not None:
                continue
            record = item.record
            score = eligible_score(self.rules, item.decision, record.get("lifecyclestage"))
            if score is None:
                continue
            day = (record.created_at or self._now).date()
            counts = self._history.setdefault(day, {})
            counts[score] = counts.get(score, 0) + 1
            self._dirty = True

    def save(self) -> None:
        """Store the window's counts and the bar (nothing when nothing changed)."""
        if self._capacity is None or self.state is None or not self._dirty:
            return
        first = self._now.date() - timedelta(days=WINDOW_DAYS)
        self._history = {d: c for d, c in self._history.items() if d >= first}
        self._moves = _recent_moves(self._moves, self._now - timedelta(days=2 * WINDOW_DAYS))
        self._store.save_blob(
            self._portal,
            CAPACITY_BAR_BLOB,
            _blob(self._capacity.per_week, self.state, self._history, self._moves),
        )
        self._dirty = False


class BlobReader(Protocol):
    def get_blob(self, portal: str, name: str) -> dict[str, Any] | None: ...


def stored_capacity_bar(store: BlobReader, portal: str) -> CapacityView | None:
    """The bar as the last run left it, from the state store alone (`status` works while the
    rules file or HubSpot is out of reach); None before a run with `handoff.capacity`."""
    stored = store.get_blob(portal, CAPACITY_BAR_BLOB)
    if not stored or not isinstance(stored.get("per_week"), int):
        return None
    state = _state_from(stored, 0.0)
    return CapacityView(
        per_week=stored["per_week"],
        bar=state.bar,
        moved_on=state.moved_on,
        expected_per_week=_rounded(state.expected_per_week),
        days_of_history=len(_history_from(stored)),
    )


def capacity_json(view: CapacityView | None) -> dict[str, Any] | None:
    """`status --json`'s `handoff_bar`."""
    if view is None:
        return None
    return {
        "per_week": view.per_week,
        "bar": view.bar,
        "moved_on": view.moved_on.isoformat() if view.moved_on else None,
        "expected_per_week": view.expected_per_week,
        "days_of_history": view.days_of_history,
    }


def capacity_line(view: CapacityView | None) -> str | None:
    """`status`'s line, e.g. "handoff bar 64 for 150 a week (expected 148/week; moved
    2026-03-05; 28 days of arrivals)"."""
    if view is None:
        return None
    expected = (
        "" if view.expected_per_week is None else f"expected {view.expected_per_week:g}/week; "
    )
    moved = f"moved {view.moved_on.isoformat()}" if view.moved_on else "start bar, not moved yet"
    return (
        f"handoff bar {view.bar:g} for {view.per_week} a week ({expected}{moved}; "
        f"{view.days_of_history} days of arrivals)"
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def moves_from(stored: Mapping[str, Any] | None) -> Moves:
    """The bar's moves kept in the blob (empty without one)."""
    raw = (stored or {}).get("moves")
    if not isinstance(raw, list):
        return ()
    return tuple((datetime.fromisoformat(at), float(bar)) for at, bar in raw)


def _recent_moves(moves: Moves, since: datetime) -> Moves:
    """The moves since `since`, and the one in force then (contacts scored before it)."""
    kept = [m for m in moves if m[0] >= since]
    before = [m for m in moves if m[0] < since]
    return tuple(before[-1:] + kept)


def _blob(per_week: int, state: BarState, history: History, moves: Moves) -> dict[str, Any]:
    return {
        "moves": [[at.isoformat(), bar] for at, bar in moves],
        "per_week": per_week,
        "bar": state.bar,
        "moved_on": state.moved_on.isoformat() if state.moved_on else None,
        "direction": state.direction,
        "expected_per_week": state.expected_per_week,
        "days": {
            d.isoformat(): {str(s): n for s, n in sorted(c.items())}
            for d, c in sorted(history.items())
        },
    }


def _state_from(stored: Mapping[str, Any], start_bar: float) -> BarState:
    bar = stored.get("bar")
    if not isinstance(bar, int | float):
        return BarState(start_bar)
    moved = stored.get("moved_on")
    expected = stored.get("expected_per_week")
    return BarState(
        bar=float(bar),
        moved_on=date.fromisoformat(moved) if isinstance(moved, str) else None,
        direction=int(stored.get("direction") or 0),
        expected_per_week=float(expected) if isinstance(expected, int | float) else None,
    )


def _history_from(stored: Mapping[str, Any]) -> dict[date, dict[int, int]]:
    days = stored.get("days")
    if not isinstance(days, dict):
        return {}
    return {
        date.fromisoformat(day): {int(s): int(n) for s, n in counts.items()}
        for day, counts in days.items()
        if isinstance(counts, dict)
    }
