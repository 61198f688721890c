from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.state import StateStore, dead_letter_backoff

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        (1, MINUTE),
        (2, 2 * MINUTE),
        (3, 4 * MINUTE),
        (5, 16 * MINUTE),
        (11, 1024 * MINUTE),  # 17 h 4 min: the last step under the cap
        (12, DAY),  # 2048 min would exceed 24 h
        (1_000_000, DAY),
    ],
)
def test_backoff_arithmetic(attempts: int, expected: timedelta) -> None:
    assert dead_letter_backoff(attempts) == expected


def test_backoff_needs_a_failure() -> None:
    with pytest.raises(ValueError):
        dead_letter_backoff(0)


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_doubles_until_the_cap(attempts: int) -> None:
    wait = dead_letter_backoff(attempts)
    following = dead_letter_backoff(attempts + 1)
    assert MINUTE <= wait <= DAY
    assert following == min(2 * wait, DAY)


def test_first_failure_waits_one_minute(store: StateStore) -> None:
    store.add_dead_letters(
        "p", [("1", "VALIDATION_ERROR", "Property values were not valid")], now=T0
    )
    (letter,) = store.dead_letters("p", 10)
    assert letter.contact_id == "1"
    assert letter.category == "VALIDATION_ERROR"
    assert letter.message == "Property values were not valid"
    assert letter.attempts == 1
    assert letter.first_failed_at == T0
    assert letter.last_failed_at == T0
    assert letter.next_attempt_at == T0 + MINUTE


def test_repeated_failures_count_attempts_and_back_off(store: StateStore) -> None:
    now = T0
    for attempt in range(1, 6):
        store.add_dead_letters("p", [("1", f"CAT{attempt}", f"msg {attempt}")], now=now)
        (letter,) = store.dead_letters("p", 10)
        assert letter.attempts == attempt
        assert letter.next_attempt_at == now + MINUTE * 2 ** (attempt - 1)
        assert letter.first_failed_at == T0
        assert letter.last_failed_at == now
        assert (letter.category, letter.message) == (f"CAT{attempt}", f"msg {attempt}")
        now = letter.next_attempt_at


def test_duplicates_in_one_call_count_once(store: StateStore) -> None:
    store.add_dead_letters("p", [("1", "A", "first"), ("1", "B", "second")], now=T0)
    (letter,) = store.dead_letters("p", 10)
    assert (letter.attempts, letter.category, letter.message) == (1, "B", "second")


def test_due_dead_letters_oldest_first_and_limited(store: StateStore) -> None:
    store.add_dead_letters("p", [("a", "X", "m")], now=T0)
    store.add_dead_letters("p", [("b", "X", "m")], now=T0 - timedelta(minutes=5))
    store.add_dead_letters("p", [("c", "X", "m")], now=T0 + timedelta(minutes=5))
    store.add_dead_letters("other", [("z", "X", "m")], now=T0 - timedelta(hours=1))
    due_now = T0 + MINUTE
    assert [d.contact_id for d in store.due_dead_letters("p", now=due_now, limit=10)] == ["b", "a"]
    assert [d.contact_id for d in store.due_dead_letters("p", now=due_now, limit=1)] == ["b"]
    assert store.due_dead_letters("p", now=T0 - timedelta(hours=1), limit=10) == []


def test_resolve_and_count(store: StateStore) -> None:
    ids = [str(i) for i in range(1, 1201)]
    store.add_dead_letters("p", [(i, "X", "m") for i in ids], now=T0)
    store.add_dead_letters("other", [("1", "X", "m")], now=T0)
    assert store.count_dead_letters("p") == 1200
    # More ids than one IN chunk (500), plus ids that were never dead.
    assert store.resolve_dead_letters("p", [*ids[:1100], "nope"]) == 1100
    assert store.count_dead_letters("p") == 100
    assert store.count_dead_letters("other") == 1


def test_dead_letters_lists_most_recent_failures_first(store: StateStore) -> None:
    store.add_dead_letters("p", [("old", "X", "m")], now=T0)
    store.add_dead_letters("p", [("new", "X", "m")], now=T0 + timedelta(hours=1))
    assert [d.contact_id for d in store.dead_letters("p", 10)] == ["new", "old"]
    assert [d.contact_id for d in store.dead_letters("p", 1)] == ["new"]


def test_long_messages_are_bounded(store: StateStore) -> None:
    store.add_dead_letters("p", [("1", "X", "x" * 10_000)], now=T0)
    (letter,) = store.dead_letters("p", 1)
    assert 0 < len(letter.message) <= 2_000
