"""`connector explain` and `connector sla` through the CLI against the sandbox."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import MakeSandbox


def _contact_with_email(sandbox: Any) -> tuple[str, str]:
    for contact_id in sandbox.store.all_ids("contacts"):
        email = (sandbox.store.get("contacts", contact_id) or {}).get("email")
        if email:
            return contact_id, email
    raise AssertionError("the sandbox seeded no contact with an e-mail address")


def test_explain_finds_a_contact_by_email_and_never_logs_the_address(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=200)
    connector = make_connector(sandbox, CONNECTOR_LOG_LEVEL="DEBUG")
    contact_id, email = _contact_with_email(sandbox)

    by_id = connector.run("explain", contact_id)
    by_email = connector.run("explain", email.upper())

    assert by_email.code == 0, by_email.err
    assert by_email.out == by_id.out
    lines = by_email.out.splitlines()
    assert lines[0].startswith(f"contact {contact_id}: ")
    assert sum(line.lstrip().startswith(f"contact {contact_id}") for line in lines) == 1
    assert email.lower() not in (by_email.out + by_email.err).lower()

    unknown = "nobody.here@example.invalid"
    missing = connector.run("explain", unknown)
    assert missing.code == 2
    assert "e-mail address" in missing.err
    assert unknown not in missing.err


def test_explain_json_carries_the_score_and_every_reason(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=200)
    connector = make_connector(sandbox)
    contact_id, _ = _contact_with_email(sandbox)

    text = connector.run("explain", contact_id)
    result = connector.run("explain", contact_id, "--json")

    assert result.code == 0, result.err
    decision = json.loads(result.out)
    assert decision["contact_id"] == contact_id
    assert text.out.splitlines()[0].startswith(
        f"contact {contact_id}: {decision['score']}/100 {decision['label']} "
    )
    assert decision["reasons"]
    assert {"kind", "criterion", "observed", "points", "group"} <= set(decision["reasons"][0])
    assert len(text.out.splitlines()) >= len(decision["reasons"]) + 2


def test_sla_names_owners_and_its_json_matches_the_ledger(
    make_sandbox: MakeSandbox, make_connector: Any
) -> None:
    sandbox = make_sandbox(contacts=800, seed=3)
    connector = make_connector(sandbox)
    assert connector.run("setup").code == 0
    assert connector.run("sync").code == 0
    store = connector.store()
    ledger = store.open_handoffs("default")
    store.close()
    assert ledger, "the seeded portal should hand some leads off"
    names = {o["id"]: f"{o['firstName']} {o['lastName']}" for o in sandbox.store.owners}

    result = connector.run("sla", "--days", "1", "--json")
    text = connector.run("sla", "--days", "1")

    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["days"] == 1
    assert report["handoffs"] == len(ledger)
    assert sum(row["handoffs"] for row in report["owners"]) == len(ledger)
    for row in report["owners"]:
        assert row["owner"] == names[row["owner_id"]]
        assert row["owner"] in text.out
        assert row["owner_id"] not in text.out
