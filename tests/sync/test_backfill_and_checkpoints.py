from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.sync.checkpoints import CheckpointTracker
from connector.sync.handoff import Proof

T0 = datetime(2026, 11, 23, tzinfo=UTC)


def test_checkpoint_waits_for_every_earlier_page() -> None:
    tracker = CheckpointTracker()
    first = tracker.open_page(T0)
    tracker.hold(first, 2)
    second = tracker.open_page(T0 + timedelta(seconds=1))
    tracker.hold(second, 1)
    tracker.release(second)
    assert tracker.committable() is None  # page 1 still writing
    tracker.release(first)
    assert tracker.committable() is None
    tracker.release(first)
    assert tracker.committable() == T0 + timedelta(seconds=1)
    assert tracker.committable() is None  # consumed


def test_pages_without_checkpoint_still_block_later_ones() -> None:
    tracker = CheckpointTracker()
    revisit = tracker.open_page(None)
    tracker.hold(revisit)
    final = tracker.open_page(T0)
    assert tracker.committable() is None
    tracker.release(revisit)
    assert tracker.committable() == T0
    assert final == revisit + 1


@pytest.mark.parametrize(
    "text",
    ["", "garbage", "hq-1-2|x", "nothq-1-2|pending|2026-11-23T10:00:00Z", "hq-1-2|9|not a date"],
)
def test_unreadable_proof_is_ignored(text: str) -> None:
    assert Proof.parse(text) is None


def test_proof_round_trips() -> None:
    proof = Proof("hq-5-1700000000000", "77", T0)
    assert Proof.parse(proof.render()) == proof
    pending = Proof("hq-5-1700000000000", None, T0)
    assert pending.render().split("|")[1] == "pending"
    assert Proof.parse(pending.render()) == pending


@pytest.mark.parametrize(
    ("search", "other", "expected"),
    [
        pytest.param(0, 0, 0.0, id="nothing"),
        pytest.param(5, 190, 0.0, id="first-window-free"),
        pytest.param(6, 0, 1.0, id="sixth-search-waits-a-second"),
        pytest.param(0, 191, 10.0, id="191st-call-waits-a-window"),
        pytest.param(500, 1136, 99.0, id="100k-portal"),
    ],
)
def test_rate_limit_floor(search: int, other: int, expected: float) -> None:
    from connector.demo import rate_limit_floor

    assert rate_limit_floor(search, other) == expected
