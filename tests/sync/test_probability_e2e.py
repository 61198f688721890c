"""End-to-end: `setup` and `sync` write the calibrated probability only for a calibration of
the rules in force (issue 15, build 3), through the CLI against the sandbox."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from connector.calibration_file import Calibration, calibration_path, save_calibration
from connector.rules import load_rules
from connector.sandbox import Sandbox
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, sandbox_env

SCORE = "qualification_score"
PROBABILITY = "qualification_probability"
UPDATE_PATH = "/crm/v3/objects/contacts/batch/update"
CONTACTS = 150


def rules_copy(tmp_path: Path) -> Path:
    """The default rules in a folder of the test's own, where a calibration can sit beside."""
    rules = tmp_path / "rules" / "rules.yaml"
    rules.parent.mkdir()
    shutil.copy(REPO / "config" / "rules.yaml", rules)
    return rules


def write_calibration(rules: Path, *, version: str | None = None) -> Calibration:
    """A rising step table, as an isotonic fit gives, with values that need the decimal."""
    table = tuple(round(0.004 + 0.0093 * (s // 5) * 5 / 1.07, 6) for s in range(101))
    calibration = Calibration(
        rules_name=rules.name,
        rules_version=version or load_rules(rules).version,
        method="isotonic",
        by_score=table,
        leads=9_240,
        converters=3_561,
        heldout_ece=0.012,
    )
    save_calibration(calibration, calibration_path(rules))
    return calibration


def contacts(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return {
        cid: dict(sandbox.store.get("contacts", cid) or {})
        for cid in sandbox.store.all_ids("contacts")
    }


def has_property(sandbox: Sandbox, name: str) -> bool:
    request = urllib.request.Request(
        f"{sandbox.base_url}/crm/v3/properties/contacts/{name}",
        headers={"Authorization": f"Bearer {sandbox.token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return bool(json.load(reply).get("name") == name)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return False
        raise


def log_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def update_calls(sandbox: Sandbox) -> int:
    return sum(n for (_, path, _), n in sandbox.request_counts().items() if UPDATE_PATH in path)


def test_with_a_calibration_setup_creates_the_property_and_sync_writes_each_scores_probability(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=CONTACTS, seed=15)
    rules = rules_copy(tmp_path)
    calibration = write_calibration(rules)
    connector = make_connector(sandbox, CONNECTOR_RULES_FILE=str(rules))

    setup = connector.run("setup")
    assert setup.code == 0, setup.err
    assert PROBABILITY in setup.out.split("created properties:")[1].splitlines()[0]
    assert has_property(sandbox, PROBABILITY)

    # The dry run goes through the same plan: it shows each probability the real run writes.
    dry = connector.run("sync", "--dry-run", "--format", "csv")
    assert dry.code == 0, dry.err
    planned = {
        r["id"]: r["would write"]
        for r in csv.DictReader(io.StringIO(dry.out))
        if r["property"] == PROBABILITY
    }

    real = connector.run("sync")
    assert real.code == 0, real.err
    after = contacts(sandbox)
    scored = {cid: p for cid, p in after.items() if p.get(SCORE)}
    assert len(scored) == CONTACTS
    for cid, props in scored.items():
        expected = calibration.probability(int(props[SCORE])) * 100
        assert props[PROBABILITY] == f"{expected:.1f}", cid
        assert planned[cid] == props[PROBABILITY], cid
    # Not one value for all: the probability follows the score.
    assert len({p[PROBABILITY] for p in scored.values()}) > 3

    # Unchanged values cost no write: a second run finds nothing to do.
    before = update_calls(sandbox)
    again = connector.run("sync")
    assert again.code == 0, again.err
    assert update_calls(sandbox) == before
    assert contacts(sandbox) == after

    # `explain` shows the same probability as the sync wrote.
    cid, props = next(iter(scored.items()))
    text = connector.run("explain", cid)
    assert text.code == 0, text.err
    line = text.out.splitlines()[1]
    assert line.startswith(f"probability {props[PROBABILITY]} % ({PROBABILITY})"), line
    as_json = json.loads(connector.run("explain", cid, "--json").out)
    assert as_json["probability_percent"] == float(props[PROBABILITY])


def test_without_a_calibration_no_property_is_created_and_none_written(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=CONTACTS, seed=15)
    rules = rules_copy(tmp_path)
    connector = make_connector(sandbox, CONNECTOR_RULES_FILE=str(rules))

    setup = connector.run("setup")
    assert setup.code == 0, setup.err
    assert PROBABILITY not in setup.out
    assert not has_property(sandbox, PROBABILITY)
    real = connector.run("sync")

    assert real.code == 0, real.err
    after = contacts(sandbox)
    assert all(p.get(SCORE) for p in after.values())
    assert not any(PROBABILITY in p for p in after.values())
    text = connector.run("explain", next(iter(after)))
    assert "probability" not in text.out


def test_a_calibration_for_other_rules_is_ignored_with_one_warning_and_no_write(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=CONTACTS, seed=15)
    rules = rules_copy(tmp_path)
    write_calibration(rules, version="0123456789ab")
    connector = make_connector(sandbox, CONNECTOR_RULES_FILE=str(rules))

    setup = connector.run("setup")
    assert setup.code == 0, setup.err
    assert not has_property(sandbox, PROBABILITY)
    real = connector.run("sync")

    assert real.code == 0, real.err
    warnings = [e for e in log_lines(real.err) if e["event"] == "calibration_ignored"]
    assert len(warnings) == 1
    assert warnings[0]["level"] == "warning"
    assert "0123456789ab" in warnings[0]["reason"]
    assert "connector calibrate" in warnings[0]["reason"]
    after = contacts(sandbox)
    assert all(p.get(SCORE) for p in after.values())
    assert not any(PROBABILITY in p for p in after.values())


def test_after_a_rules_change_the_old_calibrations_values_are_cleared(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    """The old calibration no longer holds for the new points, so its values go with it, in
    the rules-change re-score's own writes."""
    sandbox = make_sandbox(contacts=CONTACTS, seed=15)
    rules = rules_copy(tmp_path)
    write_calibration(rules)
    connector = make_connector(sandbox, CONNECTOR_RULES_FILE=str(rules))
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    assert all(p.get(PROBABILITY) for p in contacts(sandbox).values())

    text = rules.read_text()
    changed = "op: gte, value: 1000, points: 20}"
    assert changed in text
    rules.write_text(text.replace(changed, "op: gte, value: 1000, points: 21}"))
    real = connector.run("sync")

    assert real.code == 0, real.err
    assert [e["event"] for e in log_lines(real.err)].count("calibration_ignored") == 1
    assert not any(p.get(PROBABILITY) for p in contacts(sandbox).values())


def test_a_damaged_calibration_stops_the_worker_at_start_with_one_line(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=20, seed=15)
    rules = rules_copy(tmp_path)
    calibration_path(rules).write_text('{"rules": "rules.yaml", "probability_by_score": [0.5]}')
    connector = make_connector(sandbox, CONNECTOR_RULES_FILE=str(rules))
    before = contacts(sandbox)

    for command in (("setup",), ("sync",), ("sync", "--dry-run"), ("explain", "1")):
        result = connector.run(*command)
        assert result.code == 2, command
        lines = [line for line in result.err.splitlines() if line.strip()]
        assert len(lines) == 1, result.err
        assert "rules.calibration.json" in lines[0]
        assert "connector calibrate" in lines[0]
    assert contacts(sandbox) == before


def test_a_calibration_added_after_setup_needs_setup_again_before_a_real_run(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=20, seed=15)
    rules = rules_copy(tmp_path)
    connector = make_connector(sandbox, CONNECTOR_RULES_FILE=str(rules))
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    write_calibration(rules)
    before = contacts(sandbox)

    refused = connector.run("sync")

    assert refused.code == 2
    assert PROBABILITY in refused.err
    assert "connector setup" in refused.err
    assert contacts(sandbox) == before
    assert connector.run("sync", "--dry-run").code == 0  # a dry run may preview before setup
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    assert all(p.get(PROBABILITY) for p in contacts(sandbox).values())


def test_a_sync_writing_probabilities_never_imports_numpy(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    """The worker in a process of its own, against the sandbox on loopback."""
    sandbox = make_sandbox(contacts=20, seed=15)
    rules = rules_copy(tmp_path)
    write_calibration(rules)
    env = {
        **os.environ,
        **sandbox_env(sandbox, tmp_path / "state.sqlite3"),
        "CONNECTOR_RULES_FILE": str(rules),
    }
    code = (
        "import sys\n"
        "from connector.cli import main\n"
        "codes = [main(['setup']), main(['sync']), main(['explain', sys.argv[1]])]\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'sklearn'))\n"
        "print('RESULT', codes, ','.join(heavy))\n"
    )
    first = sandbox.store.all_ids("contacts")[0]
    done = subprocess.run(
        [sys.executable, "-c", code, first],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert result == ["RESULT [0, 0, 0] "]
    assert all((sandbox.store.get("contacts", c) or {}).get(PROBABILITY) for c in [first])
