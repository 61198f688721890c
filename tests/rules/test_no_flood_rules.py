"""Pure parts of "no flood on day one": what recent activity means, and the daily cap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.rules import load_rules
from connector.rules.pool_capacity import pool_room, pool_shortfall
from connector.rules.recent_activity import activity_properties, has_recent_activity
from connector.rules.routing import (
    AssignmentKind,
    DailyCap,
    ResolvedPool,
    RoundRobinState,
    SdrMember,
    choose_owner,
)
from connector.rules.sla_config import parse_sla_config

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
TODAY = date(2026, 12, 7)


def test_activity_dates_are_the_signals_contact_dates_and_createdate() -> None:
    names = activity_properties(load_rules(REPO / "config" / "rules.yaml"))
    assert "recent_conversion_date" in names
    assert "hs_analytics_last_visit_timestamp" in names
    assert names[-1] == "createdate"
    assert len(names) == len(set(names))


def test_recent_activity_is_the_latest_readable_date_within_the_days() -> None:
    props = ("recent_conversion_date", "createdate")
    old = (NOW - timedelta(days=400)).isoformat()
    recent_ms = str(int((NOW - timedelta(days=3)).timestamp() * 1000))
    stale = {"recent_conversion_date": old, "createdate": old}
    assert not has_recent_activity(stale, props, now=NOW, days=14)
    assert has_recent_activity(
        {**stale, "recent_conversion_date": recent_ms}, props, now=NOW, days=14
    )
    assert not has_recent_activity(
        {**stale, "recent_conversion_date": recent_ms}, props, now=NOW, days=2
    )
    assert not has_recent_activity({"createdate": "not a date"}, props, now=NOW, days=14)
    assert has_recent_activity(stale, props, now=NOW, days=None)  # no gate


def _pool(*members: SdrMember) -> ResolvedPool:
    return ResolvedPool(
        members=members, active_owner_ids=frozenset({m.owner_id for m in members} | {"9"})
    )


def test_an_owner_at_the_daily_cap_is_passed_over_like_one_at_capacity() -> None:
    pool = _pool(SdrMember("1"), SdrMember("2"))
    daily = DailyCap({"1": 5, "9": 5}, cap=5)
    picked = choose_owner(
        contact_owner_id="1",
        pool=pool,
        state=RoundRobinState(),
        today=TODAY,
        open_counts={},
        daily=daily,
    )
    assert picked.owner_id == "2" and picked.reason == "round robin (owner at daily cap)"
    # A contact owner outside the pool has no open cap, but the daily cap holds for everyone.
    non_sdr = choose_owner(
        contact_owner_id="9",
        pool=pool,
        state=RoundRobinState(),
        today=TODAY,
        open_counts={},
        daily=daily,
    )
    assert non_sdr.owner_id == "2"
    full = DailyCap({"1": 5, "2": 5, "9": 5}, cap=5)
    nobody = choose_owner(
        contact_owner_id=None,
        pool=pool,
        state=RoundRobinState(),
        today=TODAY,
        open_counts={},
        daily=full,
    )
    assert nobody.kind is AssignmentKind.UNASSIGNED
    assert "2 at daily cap" in nobody.reason
    assert pool_shortfall(pool, TODAY, {}, full)["at daily cap"] == 2
    assert pool_shortfall(pool, TODAY, {}, DailyCap({}, cap=None))["available"] == 2


MINIMAL = """
version: 1
calendar: {timezone: Europe/Berlin}
sdr_pool: {members: [{owner: "1"}]}
"""


def test_the_caps_have_defaults_null_turns_them_off_and_nonsense_is_named() -> None:
    defaults = parse_sla_config(MINIMAL).handoff
    assert defaults.recent_activity_days == 14
    assert defaults.max_new_per_run == 200 and defaults.max_new_per_sdr_per_day == 40
    off = parse_sla_config(
        MINIMAL
        + "handoff: {recent_activity_days: null, max_new_per_run: null, "
        + "max_new_per_sdr_per_day: null}\n"
    ).handoff
    assert off.recent_activity_days is None and off.max_new_per_run is None
    with pytest.raises(ConfigError, match=r"handoff\.max_new_per_run.*hint: a whole number"):
        parse_sla_config(MINIMAL + "handoff: {max_new_per_run: 0}\n")


def test_pool_room_is_what_the_available_sdrs_can_still_take_today() -> None:
    pool = _pool(SdrMember("1", max_open_handoffs=3), SdrMember("2", max_open_handoffs=10))
    daily = DailyCap({"2": 4}, cap=5)
    assert pool_room(pool, TODAY, {"1": 1}, daily) == 2 + 1  # 1: open cap; 2: daily cap
    assert pool_room(pool, TODAY, {"1": 3, "2": 10}, daily) == 0
    assert pool_room(_pool(SdrMember("1")), TODAY, {}) is None  # no cap bounds it
