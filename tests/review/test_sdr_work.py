"""The sandbox's SDRs work the handoff tasks after a sync: the review then sees an SLA effect."""

from __future__ import annotations

import io
import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connector.cli import main
from connector.review.dataset import OutcomeSpec
from connector.review.portal_source import read_portal_leads
from connector.review.report import build_review
from connector.rules import load_rules
from connector.sandbox.sdr_work import work_open_tasks
from connector.sandbox.seed.outcomes import converts_when_touched_in_time, stage_date_properties
from connector.settings import load_settings
from connector.state import StateStore
from connector.sync.services import build_run
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, ready_services

ALL_TIME = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
OPPORTUNITY = stage_date_properties("opportunity")[0]


def test_timely_touches_convert_more_and_the_seed_is_only_added_to(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=1500, seed=3)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    result = build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute()
    assert result.status == "ok", result.summary
    handoffs = services.store.open_handoffs("default")
    services.close()
    before = {
        cid: dict(sandbox.store.get("contacts", cid) or {})
        for cid in sandbox.store.all_ids("contacts")
    }
    started = sandbox.clock.now()

    work = work_open_tasks(sandbox.store, seed=3)

    assert work.in_time + work.late == len(handoffs) > 20
    assert 0.5 < work.in_time / len(handoffs) < 0.85
    assert sandbox.clock.now() > started  # the SDRs' work happened on the sandbox clock
    handed = {h.contact_id for h in handoffs}
    added = 0
    for cid, was in before.items():
        now = sandbox.store.get("contacts", cid) or {}
        if OPPORTUNITY in was or cid not in handed:
            assert {k: now.get(k) for k in was if k != "lastmodifieddate"} == {
                k: v for k, v in was.items() if k != "lastmodifieddate"
            }
        elif OPPORTUNITY in now:
            added += 1
            # stamped by the store at the sandbox's instant: within the clock's run
            at = datetime.fromisoformat(now[OPPORTUNITY].replace("Z", "+00:00"))
            assert started < at <= sandbox.clock.now()
            company_id = was.get("associatedcompanyid")
            company = sandbox.store.get("companies", company_id) if company_id else None
            assert converts_when_touched_in_time(3, was, company)
    assert added == work.converted_by_touch > 0
    settings = load_settings()
    with StateStore.connect(settings.state_url) as store:
        leads = read_portal_leads(
            settings,
            load_rules(REPO / "config" / "rules.yaml"),
            *ALL_TIME,
            OutcomeSpec(),
            store=store,
            now=sandbox.clock.now(),
            stream=io.StringIO(),
        )
    sla = build_review(leads, load_rules(REPO / "config" / "rules.yaml"), now=started).sla
    assert sla is not None
    assert (sla.in_time, sla.late) == (work.in_time, work.late)
    assert sla.rate_in_time is not None and sla.rate_late is not None
    assert sla.rate_in_time > sla.rate_late + 0.1


def test_the_demo_review_prints_an_sla_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("CONNECTOR_STATE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    assert main(["demo", "--contacts", "400", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "The sandbox's SDRs then worked the" in out
    review = out.split("Review of the demo portal", 1)[1]
    assert "\nSLA: " in review and "handoffs touched in time" in review


def test_the_admin_endpoint_works_the_tasks_for_a_served_portal(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=400, seed=5)
    services = ready_services(sandbox, tmp_path / "state.sqlite3", monkeypatch)
    assert (
        build_run(services, dry_run=False, clock=lambda: datetime.now(UTC)).execute().status == "ok"
    )
    handoffs = services.store.open_handoffs("default")
    services.close()
    request = urllib.request.Request(
        f"{sandbox.base_url}/_sandbox/sdr-work",
        data=b"{}",
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as reply:
        body = json.loads(reply.read())
    assert body["in_time"] + body["late"] == len(handoffs) > 0
    assert all(
        (sandbox.store.get("tasks", h.task_id or "") or {}).get("hs_task_status") == "COMPLETED"
        for h in handoffs
    )
    with urllib.request.urlopen(request) as reply:  # nothing is left open: a second call is a no-op
        assert json.loads(reply.read())["in_time"] == 0
