"""End-to-end: a rules change re-scores every contact, and a dry run previews it first.

Through the CLI against the sandbox. A first run scores the portal under the shipped rules and a
second one absorbs its own writes' echo, so that the re-score after the change is the walk's
work and not the incremental pull's. The new file moves the A bar and adds a criterion.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from connector.rules import load_rules
from connector.sandbox import Sandbox
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, Connector

VERSION = "qualification_rules_version"
GRADE = "qualification_grade"
TEMPERATURE = "qualification_temperature"
SCORED_AT = "qualification_scored_at"
UPDATE_PATH = "/crm/v3/objects/contacts/batch/update"
CONTACTS = 1_000
#: A new criterion (seniority from the job title) and a lower bar for grade A.
SENIORITY = """  groups:
    - name: seniority
      criteria:
        - label: director, VP or chief
          property: jobtitle
          op: regex
          value: '\\b(director|head of|vp|vice president|chief)\\b'
          points: 12

"""


def new_rules(tmp_path: Path) -> Path:
    text = (REPO / "config" / "rules.yaml").read_text(encoding="utf-8")
    assert text.count("\n  A: 60\n") == 1 and text.count("\n  groups:\n") == 1
    text = text.replace("\n  A: 60\n", "\n  A: 45\n").replace("\n  groups:\n", "\n" + SENIORITY)
    path = tmp_path / "rules-new.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def contacts(sandbox: Sandbox) -> dict[str, dict[str, str]]:
    return {
        cid: dict(sandbox.store.get("contacts", cid) or {})
        for cid in sandbox.store.all_ids("contacts")
    }


def versions(sandbox: Sandbox) -> Counter[str]:
    return Counter(c.get(VERSION, "") for c in contacts(sandbox).values())


def last_summary(connector: Connector) -> dict[str, Any]:
    store = connector.store()
    try:
        return dict(store.recent_runs("default", 1)[0].summary)
    finally:
        store.close()


def update_calls(sandbox: Sandbox) -> int:
    return sum(n for (_, path, _), n in sandbox.request_counts().items() if UPDATE_PATH in path)


def scored_portal(
    make_sandbox: MakeSandbox, make_connector: Any, **env: str
) -> tuple[Sandbox, Connector, str]:
    """A portal scored under the shipped rules, its echo absorbed; and the old version."""
    sandbox = make_sandbox(contacts=CONTACTS, seed=5)
    connector = make_connector(sandbox, lag_seconds=0, **env)
    assert connector.run("setup").code == 0
    for _ in range(2):  # the first scores everything, the second sees its own writes come back
        result = connector.run("sync")
        assert result.code == 0, result.err
    old = load_rules(REPO / "config" / "rules.yaml").version
    assert versions(sandbox) == Counter({old: CONTACTS})
    return sandbox, connector, old


def test_a_rules_change_rescores_every_contact_over_capped_runs_with_progress(
    make_sandbox: MakeSandbox,
    make_connector: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox, connector, old = scored_portal(
        make_sandbox, make_connector, CONNECTOR_RESCORE_PER_RUN="400"
    )
    before = contacts(sandbox)
    rules = new_rules(tmp_path)
    new = load_rules(rules).version
    assert new != old
    monkeypatch.setenv("CONNECTOR_RULES_FILE", str(rules))

    for read, expected in ((400, 400), (400, 800), (200, 1_000)):
        sandbox.reset_counts()
        result = connector.run("sync")
        assert result.code == 0, result.err
        summary = last_summary(connector)
        # Each run reads at most its cap, 100 a page; each page costs one score batch, and the
        # handoff proofs (pending, final) of its contacts that cross, if any.
        assert summary["rules_rescore_read"] == read
        assert summary["rules_rescore_list_calls"] == read // 100
        assert summary["rules_rescore_done"] == expected
        assert summary["rules_rescore_total"] == CONTACTS
        assert update_calls(sandbox) <= 3 * summary["rules_rescore_list_calls"]
        assert versions(sandbox)[new] == expected  # the walk goes in id order, none skipped
        status = connector.run("status")
        if expected < CONTACTS:
            assert f"re-scoring after a rules change: {expected:,} / {CONTACTS:,}" in status.out
            assert f"re-scoring after a rules change: {expected:,} / {CONTACTS:,}" in result.out
            assert summary["rules_rescore_finished"] is False
        else:
            assert f"rules {new} in force: every contact re-scored" in status.out
            assert summary["rules_rescore_finished"] is True

    after = contacts(sandbox)
    assert versions(sandbox) == Counter({new: CONTACTS})
    # The new rules did change scores: more A grades (lower bar, extra points), none fewer.
    grades_before = Counter(c.get(GRADE) for c in before.values())
    grades_after = Counter(c.get(GRADE) for c in after.values())
    assert grades_after["A"] > grades_before["A"]
    store = connector.store()
    memory = store.get_memory("default", list(after))
    store.close()
    assert {m.rules_version for m in memory.values()} == {new}

    status_json = json.loads(connector.run("status", "--json").out)
    assert status_json["rules"]["version"] == new
    assert status_json["rules"]["previous"] == old
    assert status_json["rules"]["rescore_done"] == CONTACTS
    assert status_json["rules"]["rescore_finished"] is True

    # Finished: the next run spends no call on the rules.
    sandbox.reset_counts()
    assert connector.run("sync").code == 0
    idle = last_summary(connector)
    assert "rules_rescore_read" not in idle
    assert not any("/crm/v3/objects/contacts?" in path for (_, path, _) in sandbox.request_counts())


def test_a_run_killed_mid_rescore_loses_nothing_and_a_second_change_restarts_the_walk(
    make_sandbox: MakeSandbox,
    make_connector: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox, connector, old = scored_portal(make_sandbox, make_connector)
    rules = new_rules(tmp_path)
    new = load_rules(rules).version
    monkeypatch.setenv("CONNECTOR_RULES_FILE", str(rules))

    # Killed before its 9th list request: 5 pages (500 contacts) re-scored and their position
    # saved, 3 more fed and perhaps written.
    victim = subprocess.run(
        [sys.executable, "-m", "tests.sync.rescore_kill_child", "9"],
        env={**os.environ, "CONNECTOR_LOG_LEVEL": "WARNING"},
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert victim.returncode == -signal.SIGKILL, victim.stderr.decode()
    assert 500 <= versions(sandbox)[new] <= 800
    status = connector.run("status")
    assert f"re-scoring after a rules change: 500 / {CONTACTS:,}" in status.out

    # A second change before the walk ends: the walk starts again under the newest rules.
    newer_path = tmp_path / "rules-newer.yaml"
    newer_path.write_text(
        rules.read_text(encoding="utf-8").replace("\n  B: 40\n", "\n  B: 35\n"), encoding="utf-8"
    )
    newer = load_rules(newer_path).version
    assert newer not in (old, new)
    monkeypatch.setenv("CONNECTOR_RULES_FILE", str(newer_path))
    result = connector.run("sync")
    assert result.code == 0, result.err
    summary = last_summary(connector)
    assert summary["rules_changed_from"] == new
    assert summary["rules_rescore_read"] == CONTACTS
    assert summary["rules_rescore_finished"] is True
    assert versions(sandbox) == Counter({newer: CONTACTS})
    store = connector.store()
    runs = store.recent_runs("default", 10)
    store.close()
    assert all(r.status != "running" for r in runs)  # the killed run was closed


def test_a_killed_rescore_resumes_where_its_progress_was_saved(
    make_sandbox: MakeSandbox,
    make_connector: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox, connector, _old = scored_portal(make_sandbox, make_connector)
    rules = new_rules(tmp_path)
    new = load_rules(rules).version
    monkeypatch.setenv("CONNECTOR_RULES_FILE", str(rules))
    # Killed before its 6th list request, just after the 5th page's writes were finished and
    # the position saved past them (no write is in flight: what HubSpot holds is final).
    victim = subprocess.run(
        [sys.executable, "-m", "tests.sync.rescore_kill_child", "6"],
        env={**os.environ, "CONNECTOR_LOG_LEVEL": "WARNING"},
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert victim.returncode == -signal.SIGKILL, victim.stderr.decode()
    at_kill = contacts(sandbox)
    assert versions(sandbox)[new] == 500

    sandbox.reset_counts()
    result = connector.run("sync")

    assert result.code == 0, result.err
    summary = last_summary(connector)
    # It went on from the saved position: only the other half was read and written.
    assert summary["rules_rescore_read"] == CONTACTS - 500
    assert summary["rules_rescored"] == CONTACTS - 500
    assert summary["rules_rescore_done"] == CONTACTS
    assert versions(sandbox) == Counter({new: CONTACTS})
    after = contacts(sandbox)
    rewritten = [
        cid
        for cid, c in at_kill.items()
        if c.get(VERSION) == new and after[cid].get(SCORED_AT) != c.get(SCORED_AT)
    ]
    assert rewritten == []  # what the killed run wrote is not written again


def test_a_dry_run_previews_a_rules_change_and_writes_nothing(
    make_sandbox: MakeSandbox,
    make_connector: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sandbox, connector, old = scored_portal(make_sandbox, make_connector)
    before = contacts(sandbox)
    rules = new_rules(tmp_path)
    new = load_rules(rules).version
    monkeypatch.setenv("CONNECTOR_RULES_FILE", str(rules))
    sandbox.reset_counts()

    preview = connector.run("sync", "--dry-run")

    assert preview.code == 0, preview.err
    assert update_calls(sandbox) == 0
    reads = ("/search", "/batch/read", "/access-token-info")
    writes = [k for k in sandbox.request_counts() if k[0] != "GET" and not k[1].endswith(reads)]
    assert not [k for k in writes if "/tasks" in k[1] or "/contacts/batch" in k[1]], writes
    assert contacts(sandbox) == before
    match = re.search(
        r"preview: (\d+) contacts would change: (\d+) grades, (\d+) labels \(grade-temperature\), "
        r"(\d+) lifecycle stages, (\d+) lead statuses, (\d+) scores; (\d+) handoff tasks",
        preview.out,
    )
    assert match is not None, preview.out
    changed, grades, labels, stages, _statuses, _scores, handoffs = map(int, match.groups())
    examples = re.findall(r"  e\.g\. contact (\d+): ", preview.out)
    assert 1 <= len(examples) <= 5 and set(examples) <= set(before)
    # Nothing was published: the state store still has the old rules in force.
    status = json.loads(connector.run("status", "--json").out)
    assert status["rules"]["version"] == old

    result = connector.run("sync")
    assert result.code == 0, result.err
    after = contacts(sandbox)
    assert versions(sandbox) == Counter({new: CONTACTS})
    moved = [cid for cid in before if before[cid].get(GRADE) != after[cid].get(GRADE)]
    relabelled = [
        cid
        for cid in before
        if (before[cid].get(GRADE), before[cid].get(TEMPERATURE))
        != (after[cid].get(GRADE), after[cid].get(TEMPERATURE))
    ]
    staged = [
        cid
        for cid in before
        if before[cid].get("lifecyclestage") != after[cid].get("lifecyclestage")
    ]
    shown = ("qualification_score", GRADE, TEMPERATURE, "lifecyclestage", "hs_lead_status")
    touched = [cid for cid in before if any(before[cid].get(n) != after[cid].get(n) for n in shown)]
    assert changed == len(touched) < CONTACTS
    assert grades == len(moved) > 0
    assert labels == len(relabelled)
    assert stages == len(staged)
    assert handoffs == last_summary(connector)["handoffs_created"]
