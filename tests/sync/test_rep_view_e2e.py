"""What a rep sees, end to end through the CLI on the sandbox (issue 13, build 6).

- The handoff task names the contact and company, says why now and BANT in words, names the SLA
  as an SLA, gives the due time with its zone, and carries no internal key in its text.
- The handoff proof (contacts) and the task key (tasks) are hidden properties `setup` creates.
- A contact disqualified after its handoff gets its open task updated (or closed) exactly once,
  and a dry run shows that update as the real run then makes it.
- Names reach neither the logs nor the state store.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import connector.sync.commands as commands
from connector.sandbox import Sandbox
from connector.settings import load_settings
from connector.sync.handoff import Proof
from connector.sync.handoff.withdraw import SUBJECT_MARK
from connector.sync.services import Services
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO
from tests.sync.test_dry_run import dry_then_real, instant

HANDOFF = "qualification_handoff"
TASK_KEY = "qualification_handoff_key"
BERLIN = ZoneInfo("Europe/Berlin")


def berlin_sla(tmp_path: Path, **handoff: str) -> Path:
    """The shipped SLA file with an EMEA team's calendar (and extra `handoff:` keys)."""
    text = (REPO / "config" / "sla.yaml").read_text(encoding="utf-8")
    text = text.replace("timezone: America/New_York", "timezone: Europe/Berlin")
    text = text.replace("country: US", "country: DE")
    for key, value in handoff.items():
        text = re.sub(rf"(\n  {key}:) \S+", rf"\1 {value}", text)
    path = tmp_path / "sla.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def berlin_portal(
    make_sandbox: MakeSandbox,
    make_connector: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    **handoff: str,
) -> tuple[Sandbox, Any]:
    """The 800-contact portal set up with `berlin_sla`, the CLI on the sandbox's clock."""
    sandbox = make_sandbox(contacts=800, seed=3)
    connector = make_connector(sandbox, CONNECTOR_SLA_FILE=str(berlin_sla(tmp_path, **handoff)))
    assert connector.run("setup").code == 0
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    return sandbox, connector


def handoff_tasks(sandbox: Sandbox) -> dict[str, dict[str, str]]:
    """Contact id → its handoff task's properties (escalations left out)."""
    found = {}
    for task_id in sandbox.store.all_ids("tasks"):
        task = dict(sandbox.store.get("tasks", task_id) or {})
        if (task.get(TASK_KEY) or "").startswith("hq-"):
            (contact_id,) = sandbox.store.associations("tasks", task_id, "contacts")
            assert contact_id not in found, f"two handoff tasks for contact {contact_id}"
            found[contact_id] = task | {"id": task_id}
    return found


def expected_card(sandbox: Sandbox, contact_id: str) -> tuple[str, str | None]:
    """The contact's name and company as HubSpot (the sandbox) holds them."""
    contact = sandbox.store.get("contacts", contact_id) or {}
    name = " ".join(p for p in (contact.get("firstname"), contact.get("lastname")) if p)
    company = contact.get("company") or None
    if company is None and contact.get("associatedcompanyid"):
        company = (sandbox.store.get("companies", contact["associatedcompanyid"]) or {}).get("name")
    return name or f"contact {contact_id}", company


def test_a_handoff_task_names_the_lead_says_why_in_words_and_hides_its_key(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, connector = berlin_portal(make_sandbox, make_connector, tmp_path, monkeypatch)

    result = connector.run("sync")

    assert result.code == 0, result.err
    tasks = handoff_tasks(sandbox)
    assert len(tasks) >= 3
    with_company = 0
    for contact_id, task in tasks.items():
        subject, body = task["hs_task_subject"], task["hs_task_body"]
        name, company = expected_card(sandbox, contact_id)
        # "Call Jane Doe (Acme GmbH) — A-hot lead, 87"
        assert re.fullmatch(
            rf"(Call|Email|Follow up with) {re.escape(name)}"
            + (rf" \({re.escape(company)}\)" if company else "")
            + r" — [A-D]-(cold|warm|hot) lead, \d+",
            subject,
        ), subject
        with_company += company is not None
        lines = dict(line.split(": ", 1) for line in body.splitlines())
        assert lines["Who"].startswith(name)
        assert company is None or company in lines["Who"]
        assert lines["Why now"] and not re.search(r"[+−]\d", lines["Why now"])  # no points
        # BANT in words, every dimension the rules score, never "BANT 4/4" or marks.
        assert re.fullmatch(
            r"Budget: [^·]+ · Authority: [^·]+ · Need: [^·]+ · Timeline: [^·]+", lines["BANT"]
        ), lines["BANT"]
        assert not re.search(r"BANT \d/\d|[✓✗?]", body)
        # The SLA is named as an SLA, with its response time.
        assert re.fullmatch(
            r"“(hot|priority|\w+)” tier — first response within \d+ business hours\.",
            lines["Response SLA"],
        ), lines["Response SLA"]
        # The due time is the task's own due time, in the SLA calendar's zone, zone named.
        due = instant(task["hs_timestamp"]).astimezone(BERLIN)
        assert lines["Due"] == due.strftime("%a %d %b %H:%M %Z") + " (Europe/Berlin)"
        assert re.search(r" CES?T \(Europe/Berlin\)$", lines["Due"])
        # No internal key in anything a rep reads; the key rides in the hidden property.
        assert "hq-" not in subject + body and "key" not in body.lower()
        proof = Proof.parse((sandbox.store.get("contacts", contact_id) or {})[HANDOFF])
        assert proof is not None and proof.task_id == task["id"] and proof.key == task[TASK_KEY]
    assert with_company, "no task showed a company"

    # Names come from HubSpot at create time: never in the logs, never in the state store.
    names = [expected_card(sandbox, cid)[0] for cid in tasks]
    state = (tmp_path / "state.sqlite3").read_bytes()
    for name in names:
        assert name not in result.err and name not in result.out
        assert name.encode() not in state


def test_setup_creates_the_proof_and_the_task_key_as_hidden_properties(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=50)
    connector = make_connector(sandbox)

    assert connector.run("setup", "--check").code != 0  # nothing is created by a check
    result = connector.run("setup")

    assert result.code == 0, result.err
    assert TASK_KEY in result.out
    # Read back through HubSpot's properties API (the sandbox over HTTP), as an admin's UI does.
    services = Services.from_settings(load_settings())
    try:
        contacts = {p.name: p for p in services.gateway.read_property_definitions("contacts")}
        tasks = {p.name: p for p in services.gateway.read_property_definitions("tasks")}
    finally:
        services.close()
    assert contacts[HANDOFF].hidden and "internal" in contacts[HANDOFF].label.lower()
    assert tasks[TASK_KEY].hidden and "internal" in tasks[TASK_KEY].label.lower()
    # The score a rep reads stays visible.
    assert not contacts["qualification_score"].hidden
    assert connector.run("setup", "--check").code == 0


def _disqualify(sandbox: Sandbox, contact_id: str) -> None:
    sandbox.store.update("contacts", contact_id, {"decision_role": "student"})


def test_a_contact_disqualified_after_its_handoff_gets_its_task_updated_once(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, connector = berlin_portal(make_sandbox, make_connector, tmp_path, monkeypatch)
    assert connector.run("sync").code == 0
    tasks = handoff_tasks(sandbox)
    gone, kept = sorted(tasks)[:2]
    _disqualify(sandbox, gone)
    sandbox.clock.advance(timedelta(hours=1))
    later = sandbox.clock.now()

    # A dry run shows the task update, change for change as the real run then makes it.
    rows = dry_then_real(connector, sandbox, monkeypatch, later)

    updated = {r["property"]: r["would write"] for r in rows if r["action"] == "update task"}
    assert set(updated) == {"hs_task_subject", "hs_task_body"}
    task = sandbox.store.get("tasks", tasks[gone]["id"]) or {}
    assert task["hs_task_subject"] == f"{SUBJECT_MARK} {tasks[gone]['hs_task_subject']}"
    day = later.astimezone(BERLIN).date().isoformat()  # the SLA calendar's date
    assert task["hs_task_body"].endswith(
        f"\n\nNo longer qualified: disqualified by 'student' on {day}."
    )
    assert task["hs_task_status"] != "COMPLETED"  # the default is to update, not to close
    untouched = sandbox.store.get("tasks", tasks[kept]["id"]) or {}
    assert untouched["hs_task_subject"] == tasks[kept]["hs_task_subject"]
    assert untouched["hs_task_body"] == tasks[kept]["hs_task_body"]
    store = connector.store()
    assert store.recent_runs("default", 1)[0].summary["handoffs_withdrawn"] == 1
    assert gone not in {h.contact_id for h in store.open_handoffs("default")}
    assert kept in {h.contact_id for h in store.open_handoffs("default")}
    store.close()

    # Once: the contact changes again, and a week later nothing escalates its closed handoff.
    sandbox.store.update("contacts", gone, {"jobtitle": "Student assistant"})
    sandbox.clock.advance(timedelta(days=7))
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    assert connector.run("sync").code == 0
    again = sandbox.store.get("tasks", tasks[gone]["id"]) or {}
    assert again["hs_task_subject"].count(SUBJECT_MARK) == 1
    assert again["hs_task_body"].count("No longer qualified") == 1
    escalated = {
        (sandbox.store.get("tasks", t) or {}).get(TASK_KEY) for t in sandbox.store.all_ids("tasks")
    }
    assert f"esc-{tasks[gone][TASK_KEY]}" not in escalated
    assert f"esc-{tasks[kept][TASK_KEY]}" in escalated
    # The manager's task names the lead and the SDR, not their ids, and carries no key either.
    (escalation,) = [
        sandbox.store.get("tasks", t) or {}
        for t in sandbox.store.all_ids("tasks")
        if (sandbox.store.get("tasks", t) or {}).get(TASK_KEY) == f"esc-{tasks[kept][TASK_KEY]}"
    ]
    name, company = expected_card(sandbox, kept)
    who = f"{name} ({company})" if company else name
    assert escalation["hs_task_subject"].startswith(f"SLA breached: {who} — handoff ")
    (sdr,) = [o for o in sandbox.store.owners if str(o["id"]) == tasks[kept]["hubspot_owner_id"]]
    assert f"owned by {sdr['firstName']} {sdr['lastName']}," in escalation["hs_task_body"]
    assert "hq-" not in escalation["hs_task_subject"] + escalation["hs_task_body"]


def test_when_configured_to_close_the_task_is_completed_with_its_note(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, connector = berlin_portal(
        make_sandbox, make_connector, tmp_path, monkeypatch, when_no_longer_qualified="close"
    )
    assert connector.run("sync").code == 0
    tasks = handoff_tasks(sandbox)
    gone = sorted(tasks)[0]
    _disqualify(sandbox, gone)
    sandbox.clock.advance(timedelta(hours=1))

    assert connector.run("sync").code == 0

    task = sandbox.store.get("tasks", tasks[gone]["id"]) or {}
    assert task["hs_task_status"] == "COMPLETED"
    assert task["hs_task_subject"].startswith(SUBJECT_MARK)
    assert "No longer qualified: disqualified by 'student'" in task["hs_task_body"]
    others = [sandbox.store.get("tasks", t["id"]) or {} for c, t in tasks.items() if c != gone]
    assert all(t["hs_task_status"] != "COMPLETED" for t in others)


def test_a_portal_set_up_before_the_task_key_existed_is_stopped_before_any_write(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0
    # As on a portal an earlier version set up: no task key property.
    sandbox.store.catalogue.properties["tasks"][TASK_KEY].archived = True
    monkeypatch.setattr(commands, "_now", sandbox.clock.now)
    check = connector.run("setup", "--check")
    assert check.code == 2
    assert f"missing the connector's own task properties: {TASK_KEY}" in check.out
    assert "run `connector setup` (without --check)" in check.err
    seq = sandbox.store.write_seq

    failed = connector.run("sync")

    # The run's preflight finds it before the first contact is written, not at the first task.
    assert failed.code == 2
    assert f"no task properties {TASK_KEY}" in failed.err and "connector setup" in failed.err
    assert sandbox.store.write_seq == seq
    assert not handoff_tasks(sandbox)
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    assert connector.run("sync").code == 0
    tasks = handoff_tasks(sandbox)
    assert tasks
    for contact_id, task in tasks.items():
        proof = Proof.parse((sandbox.store.get("contacts", contact_id) or {})[HANDOFF])
        assert proof is not None and proof.task_id == task["id"]
    keys = [t[TASK_KEY] for t in tasks.values()]
    assert len(keys) == len(set(keys))


def test_a_lead_that_decays_out_of_the_condition_gets_a_note_instead_of_an_escalation(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, connector = berlin_portal(make_sandbox, make_connector, tmp_path, monkeypatch)
    assert connector.run("sync").code == 0
    tasks = handoff_tasks(sandbox)

    # A month on, engagement has decayed: some leads fall below the handoff bar, every task is
    # past due. The decay re-scores are this run's work.
    sandbox.clock.advance(timedelta(days=30))
    assert connector.run("sync").code == 0

    day = sandbox.clock.now().astimezone(BERLIN).date().isoformat()
    escalated = {
        (sandbox.store.get("tasks", t) or {}).get(TASK_KEY) for t in sandbox.store.all_ids("tasks")
    }
    store = connector.store()
    ledger = {t[TASK_KEY]: store.get_handoff("default", t[TASK_KEY]) for t in tasks.values()}
    store.close()
    withdrawn = 0
    for task in tasks.values():
        now = sandbox.store.get("tasks", task["id"]) or {}
        if now["hs_task_subject"].startswith(SUBJECT_MARK):
            withdrawn += 1
            assert re.search(
                rf"\n\nNo longer qualified: score now \d+ \([A-D]-\w+\), below the handoff bar "
                rf"on {day}\.$",
                now["hs_task_body"],
            ), now["hs_task_body"]
            assert f"esc-{task[TASK_KEY]}" not in escalated
            handoff = ledger[task[TASK_KEY]]
            assert handoff is not None and handoff.status == "closed"
            assert handoff.escalated_at is None
        else:
            handoff = ledger[task[TASK_KEY]]
            assert handoff is not None and handoff.escalated_at is not None
    assert 0 < withdrawn < len(tasks)
