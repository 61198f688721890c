"""Validate before any write: `sync` checks the rules and the SLA file against the portal.

End to end through the CLI on the sandbox. Each bad file exits 2 with every problem listed, and
the sandbox's write counters prove nothing was written to HubSpot; the state store holds no
cursor.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.errors import ConfigError
from connector.sandbox import Sandbox
from connector.settings import load_settings
from connector.sync.services import Services
from tests.conftest import MakeSandbox
from tests.sync.conftest import REPO, Connector

RULES = (REPO / "config" / "rules.yaml").read_text(encoding="utf-8")
SLA = (REPO / "config" / "sla.yaml").read_text(encoding="utf-8")
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
#: POSTs that only read (search, batch reads and the token's scopes).
READ_POSTS = ("/search", "/batch/read", "/access-token-info")


def writes(sandbox: Sandbox) -> int:
    return sum(
        n
        for (method, path, _), n in sandbox.request_counts().items()
        if method in WRITE_METHODS and not any(part in path for part in READ_POSTS)
    )


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def _set_up(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path, *, rules: str, sla: str = SLA
) -> tuple[Sandbox, Connector]:
    sandbox = make_sandbox(contacts=50)
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    (tmp_path / "sla.yaml").write_text(sla, encoding="utf-8")
    good = make_connector(sandbox)
    assert good.run("setup").code == 0  # the score properties exist: only the typo is wrong
    connector = make_connector(
        sandbox,
        CONNECTOR_RULES_FILE=str(tmp_path / "rules.yaml"),
        CONNECTOR_SLA_FILE=str(tmp_path / "sla.yaml"),
    )
    sandbox.reset_counts()
    return sandbox, connector


def _assert_nothing_written(sandbox: Sandbox, connector: Connector, seq_before: int) -> None:
    assert sandbox.store.write_seq == seq_before
    assert writes(sandbox) == 0, sandbox.request_counts()
    store = connector.store()
    try:
        assert store.get_cursor("default") is None
    finally:
        store.close()


@pytest.mark.parametrize("dry_run", [False, True], ids=["sync", "dry-run"])
def test_a_property_typo_stops_sync_before_any_write(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path, dry_run: bool
) -> None:
    rules = _replace(
        RULES, "property: jobtitle\n    op: regex", "property: jobtitel\n    op: regex"
    )
    sandbox, connector = _set_up(make_sandbox, make_connector, tmp_path, rules=rules)
    seq = sandbox.store.write_seq

    result = connector.run("sync", *(["--dry-run"] if dry_run else []))

    assert result.code == 2, result.err
    assert "jobtitel" in result.err
    assert "did you mean 'jobtitle'?" in result.err
    assert "nothing was written" in result.err
    _assert_nothing_written(sandbox, connector, seq)


def test_an_unknown_sla_team_stops_sync_before_any_write(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sla = _replace(SLA, "    - SDR EMEA", "    - SDR Atlantis")
    sandbox, connector = _set_up(make_sandbox, make_connector, tmp_path, rules=RULES, sla=sla)
    seq = sandbox.store.write_seq

    result = connector.run("sync")

    assert result.code == 2, result.err
    assert "SDR Atlantis" in result.err
    _assert_nothing_written(sandbox, connector, seq)


def test_every_problem_is_listed_at_once_one_line_each(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    rules = _replace(
        RULES, "property: jobtitle\n    op: regex", "property: jobtitel\n    op: regex"
    )
    rules = _replace(rules, 'values: ["1000+"]', 'values: ["1000 plus"]')
    sla = _replace(SLA, "    - SDR EMEA", "    - SDR Atlantis")
    sandbox, connector = _set_up(make_sandbox, make_connector, tmp_path, rules=rules, sla=sla)
    seq = sandbox.store.write_seq

    result = connector.run("sync")

    assert result.code == 2, result.err
    logged = [line for line in result.err.splitlines() if line.startswith("{")]
    assert [json.loads(line)["event"] for line in logged] == ["sync_run_failed_before_start"]
    lines = [line for line in result.err.strip().splitlines() if not line.startswith("{")]
    assert "3 problems" in lines[0]
    assert len(lines) == 4, result.err
    assert any("jobtitel" in line for line in lines[1:])
    assert any("SDR Atlantis" in line for line in lines[1:])
    # The enumeration value names the allowed options.
    (option,) = [line for line in lines[1:] if "'1000 plus'" in line]
    assert "numemployees" in option
    assert "allowed: 1-5, 5-25, 25-50, 50-100, 100-500, 500-1000, 1000+" in option
    _assert_nothing_written(sandbox, connector, seq)


def test_points_out_of_range_exit_2_with_a_hint(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    rules = _replace(RULES, "max: 999, points: 25}", "max: 999, points: 1000}")
    sandbox, connector = _set_up(make_sandbox, make_connector, tmp_path, rules=rules)
    seq = sandbox.store.write_seq

    result = connector.run("sync")

    assert result.code == 2, result.err
    assert "points out of range" in result.err
    assert "gives 1000" in result.err
    assert "did you add a zero?" in result.err
    _assert_nothing_written(sandbox, connector, seq)


def test_a_real_run_before_setup_says_run_connector_setup(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=20)
    connector = make_connector(sandbox)
    seq = sandbox.store.write_seq

    result = connector.run("sync")

    assert result.code == 2, result.err
    assert "run `connector setup`" in result.err
    assert "remove those criteria" not in result.err
    _assert_nothing_written(sandbox, connector, seq)


def test_every_sync_checks_again_a_property_removed_in_hubspot_stops_the_next_run(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=50)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    # An admin archives a property the rules read, in HubSpot, between two runs.
    sandbox.store.catalogue.properties["contacts"]["jobtitle"].archived = True
    sandbox.reset_counts()
    seq = sandbox.store.write_seq

    result = connector.run("sync")

    assert result.code == 2, result.err
    assert "'jobtitle', which HubSpot does not have" in result.err
    assert sandbox.store.write_seq == seq
    assert writes(sandbox) == 0, sandbox.request_counts()
    status = connector.run("status", "--json")
    assert status.code == 1
    assert "before the run started" in status.out


def test_a_worker_checks_again_once_its_check_is_a_day_old(
    make_sandbox: MakeSandbox, make_connector: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=50)
    assert make_connector(sandbox).run("setup").code == 0
    services = Services.for_runs(load_settings(), dry_run=False)
    try:
        checked = services.checked_at
        assert checked is not None
        sandbox.reset_counts()
        services.recheck_portal_if_stale(check_own=True, now=checked + timedelta(hours=23))
        assert not any("/properties/" in path for _, path, _ in sandbox.request_counts())
        sandbox.store.catalogue.properties["contacts"]["jobtitle"].archived = True
        with pytest.raises(ConfigError, match="jobtitle"):
            services.recheck_portal_if_stale(check_own=True, now=checked + timedelta(days=1))
        assert services.store.recent_runs("default", 1)[0].status == "failed"
    finally:
        services.close()


def test_setup_check_says_run_setup_for_own_properties_and_suggests_names(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(contacts=20)
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        _replace(RULES, "property: jobtitle\n    op: regex", "property: jobtitel\n    op: regex"),
        encoding="utf-8",
    )
    connector = make_connector(sandbox, CONNECTOR_RULES_FILE=str(rules_file))

    result = connector.run("setup", "--check")

    assert result.code == 2
    assert "missing the connector's own contact properties" in result.out
    assert "run `connector setup` (without --check) to create them" in result.out
    assert "jobtitel — did you mean 'jobtitle'?" in result.out
    assert "fix the names in the rules file" in result.err
    assert "remove those criteria" not in result.err


def test_setup_check_with_only_the_connector_properties_missing_says_run_setup(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    connector = make_connector(make_sandbox(contacts=20))

    result = connector.run("setup", "--check")

    assert result.code == 2
    assert "run `connector setup` (without --check) to create them" in result.err


#: A private app made with the read scopes only, and without the owners scope.
_NARROW_SCOPES = frozenset(
    {"crm.objects.contacts.read", "crm.objects.companies.read", "crm.schemas.contacts.read"}
)


def test_missing_scopes_are_listed_at_once_before_any_write(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=50, extra_tokens={"narrow-token": _NARROW_SCOPES})
    assert make_connector(sandbox).run("setup").code == 0
    connector = make_connector(sandbox, HUBSPOT_ACCESS_TOKEN="narrow-token")
    sandbox.reset_counts()
    seq = sandbox.store.write_seq

    result = connector.run("sync")

    assert result.code == 2, result.err
    # One line names all three missing scopes with what needs each, not one per failing call.
    scope_line = next(line for line in result.err.splitlines() if "lacks 3 scopes" in line)
    for scope in (
        "crm.objects.contacts.write",
        "crm.objects.owners.read",
        "crm.schemas.contacts.write",
    ):
        assert scope in scope_line
    assert "narrow-token" not in result.err
    _assert_nothing_written(sandbox, connector, seq)


def test_a_dry_run_with_a_read_only_token_asks_only_for_the_read_scopes(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=50, extra_tokens={"narrow-token": _NARROW_SCOPES})
    connector = make_connector(sandbox, HUBSPOT_ACCESS_TOKEN="narrow-token")
    seq = sandbox.store.write_seq

    result = connector.run("sync", "--dry-run")

    assert result.code == 2, result.err
    assert "lacks 1 scope: crm.objects.owners.read (to route handoffs to SDR owners)" in result.err
    assert "contacts.write" not in result.err
    assert sandbox.store.write_seq == seq


def test_a_token_with_every_scope_passes_and_a_new_token_is_checked_again(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=50, extra_tokens={"narrow-token": _NARROW_SCOPES})
    good = make_connector(sandbox)
    assert good.run("setup").code == 0
    assert good.run("sync").code == 0
    # The check is remembered for a day, but not across a change of token.
    narrow = make_connector(sandbox, HUBSPOT_ACCESS_TOKEN="narrow-token")
    result = narrow.run("sync")
    assert result.code == 2, result.err
    assert "lacks 3 scopes" in result.err


def test_setup_check_refuses_a_value_that_is_not_an_option_as_sync_does(
    make_sandbox: MakeSandbox, make_connector: Any, tmp_path: Path
) -> None:
    rules = _replace(RULES, 'values: ["1000+"]', 'values: ["1000 plus"]')
    _, connector = _set_up(make_sandbox, make_connector, tmp_path, rules=rules)

    result = connector.run("setup", "--check")

    assert result.code == 2, result.out
    assert "'1000 plus' is not an option of numemployees" in result.out
    assert "values HubSpot does not offer" in result.err
