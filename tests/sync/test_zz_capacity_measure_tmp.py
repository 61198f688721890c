"""Thresholds from capacity, through the CLI: N handoffs a week over 8 weeks of the sandbox clock.

New contacts arrive every simulated day with the seed generator's properties (so their scores
are as spread as a portal's), and one `sync` runs a day. The bar is derived from the arrivals of
the last four weeks: each simulated week hands off within ±15 % of N, and the bar moves at most
once a day and never back and forth on consecutive days.
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.sandbox import Sandbox
from connector.sandbox.clock import to_ms
from connector.sandbox.seed import generate_portal
from connector.sync import commands
from connector.sync.capacity_bar import CAPACITY_BAR_BLOB, moves_from
from connector.sync.handoff.detect import BAR_CAME_DOWN
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO
from tests.sync.test_no_flood import last_summary

PER_WEEK = 150
ARRIVALS_PER_DAY = 90
WEEKS = 8
GROWTH = 1.01
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # a Monday, 09:00 in New York
#: Primary and unlabeled contact-company associations (as the sandbox's loader adds them).
_COMPANY_EDGES = (1, 279)
#: Set by HubSpot, or owned by people: a new contact gets its own.
_DROPPED = {
    "hs_object_id",
    "createdate",
    "lastmodifieddate",
    "hubspot_owner_id",
    "associatedcompanyid",
    "email",
}


def capacity_rules(tmp_path: Path) -> str:
    """config/rules.yaml with the handoff set by capacity (grades A–C), not by a fixed score."""
    raw = yaml.safe_load((REPO / "config" / "rules.yaml").read_text())
    raw["handoff"]["when"] = {"grades": ["A", "B", "C"]}
    raw["handoff"]["capacity"] = {"per_week": PER_WEEK, "start_bar": 70}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


def uncapped_sla(tmp_path: Path) -> str:
    """config/sla.yaml without the caps and the backlog, so the bar alone decides the count."""
    raw = yaml.safe_load((REPO / "config" / "sla.yaml").read_text())
    raw["sdr_pool"]["max_open_handoffs"] = None
    raw["handoff"].update(
        recent_activity_days=None, max_new_per_run=None, max_new_per_sdr_per_day=None
    )
    path = tmp_path / "sla.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


class Arrivals:
    """New contacts created in the sandbox: a week's worth generated once by the seed generator,
    then taken in turn, over and over. Every week of arrivals has the same spread of scores, so
    the weekly counts measure the bar, not the luck of the draw."""

    def __init__(self, sandbox: Sandbox, seed: int) -> None:
        self._store = sandbox.store
        rnd = random.Random(seed)
        companies = sandbox.store.all_ids("companies")
        portal = generate_portal(seed=seed, contacts=7 * ARRIVALS_PER_DAY, now=START)
        self._pool: list[tuple[dict[str, str], str | None]] = []
        for contact in portal.contacts:
            props = {k: v for k, v in contact.properties.items() if k not in _DROPPED and v}
            company = rnd.choice(companies) if contact.company_id else None
            self._pool.append((props, company))
        rnd.shuffle(self._pool)
        self._serial = 0

    def add(self, count: int, at: datetime) -> None:
        for _ in range(count):
            props, company = self._pool[self._serial % len(self._pool)]
            self._serial += 1
            props = {**_shifted(props, at), "email": f"arrival{self._serial}@example.com"}
            if company is not None:
                props["associatedcompanyid"] = company
            rec = self._store.insert("contacts", props, created_ms=to_ms(at))
            if company is not None:
                for type_id in _COMPANY_EDGES:
                    self._store.edges.add("contacts", rec.id, "companies", company, type_id)


def _shifted(props: dict[str, str], at: datetime) -> dict[str, str]:
    """The contact's dates moved from the pool's instant to `at`, so its activity is as recent
    on its arrival day as it was when generated."""
    shift = at - START
    moved = {}
    for name, value in props.items():
        try:
            instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moved[name] = value
            continue
        if instant.tzinfo is None:
            moved[name] = value  # a date, not an instant
            continue
        moved[name] = (instant + shift).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return moved


def work_the_tasks(sandbox: Sandbox) -> None:
    """The SDRs finish their tasks the day they get them (nothing is escalated)."""
    store = sandbox.store
    for task_id in store.all_ids("tasks"):
        if (store.get("tasks", task_id) or {}).get("hs_task_status") != "COMPLETED":
            store.update("tasks", task_id, {"hs_task_status": "COMPLETED"}, validate=False)


def test_a_capacity_of_n_a_week_hands_off_about_n_a_week_and_the_bar_does_not_flap(
    make_sandbox: MakeSandbox,
    make_connector: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox = make_sandbox(contacts=200, seed=31, now=START)
    connector = make_connector(
        sandbox,
        CONNECTOR_RULES_FILE=capacity_rules(tmp_path),
        CONNECTOR_SLA_FILE=uncapped_sla(tmp_path),
    )
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    assert connector.run("setup").code == 0
    arrivals = Arrivals(sandbox, seed=7)
    # Four weeks of earlier arrivals: the first run's backfill is the bar's first history.
    for back in range(28, 0, -1):
        arrivals.add(ARRIVALS_PER_DAY, START - timedelta(days=back))
    # The backfill may take several runs; the bar is measured from the day after it is done.
    for _ in range(10):
        first = connector.run("sync")
        assert first.code == 0, first.err
        if json.loads(connector.run("status", "--json").out)["cursor"]["backfill_done"]:
            break
    shown = json.loads(connector.run("status", "--json").out)["handoff_bar"]
    assert shown["per_week"] == PER_WEEK and shown["bar"] == 70  # the start bar, until tomorrow

    weekly: list[int] = []
    bars: list[float] = []
    state = connector.store()
    for week in range(WEEKS):
        handed = 0
        # The portal grows: 1 % more arrivals each week, so the bar has to follow.
        per_day = round(ARRIVALS_PER_DAY * GROWTH**week)
        for _day in range(7):
            sandbox.clock.advance(timedelta(days=1))
            arrivals.add(per_day, sandbox.clock.now())
            result = connector.run("sync")
            assert result.code == 0, result.err
            handed += last_summary(connector.state_url)["handoffs_created"]
            work_the_tasks(sandbox)
            bars.append((state.get_blob("default", CAPACITY_BAR_BLOB) or {})["bar"])
        weekly.append(handed)
    stored_moves = moves_from(state.get_blob("default", CAPACITY_BAR_BLOB))
    state.close()

    low, high = PER_WEEK * 0.85, PER_WEEK * 1.15
    Path("/tmp/cap_measure.txt").write_text(repr((weekly, bars, stored_moves)))
    assert all(low <= n <= high for n in weekly), (weekly, bars)
    # At most one move a day (the blob records each), and never back the next day.
    days = [at.date() for at, _ in stored_moves]
    assert len(days) == len(set(days)) >= 2, stored_moves
    moves = [b - a for a, b in itertools.pairwise(bars)]
    flips = [i for i in range(1, len(moves)) if moves[i] * moves[i - 1] < 0]
    assert not flips, bars
    # The leads the first move came down to (scored under the start bar) wait in the backlog
    # instead of landing on the first week.
    backlog = json.loads(connector.run("backlog", "--json").out)["entries"]
    assert sum(e["reason"] == BAR_CAME_DOWN for e in backlog) > 0.3 * PER_WEEK
    assert bars[0] != 70  # derived from the backfilled arrivals on the first day
    text = connector.run("status")
    assert f"handoff bar {bars[-1]:g} for {PER_WEEK} a week" in text.out
