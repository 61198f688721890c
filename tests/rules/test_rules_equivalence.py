"""The engine takes exactly the decisions of the frozen snapshot.

`fixtures/equivalence.json.gz` was written by `fixtures/make_equivalence.py` with the engine as
of commit 17c8af1; its expected decisions have been re-taken only for intended changes, each
listed in the commit that re-took them: rescore_at when decaying points land exactly on a bar (12
decisions under professional-services.yaml, see tests/rules/test_rules_rescore.py),
remembered signals kept while they are worth anything (317 signal memories, nothing else), and
reasons in score points that add up to the score (issue 15: only the explanation columns, the
compact text and the reasons' digest, with every other column proven unchanged). It
holds 1,500 sandbox leads (a fifth with garbage mixed in) with varied prior states, under the
default rules at three instants and the two example rule files at one. Each decision is
compared field by field on what the sync writes (score, grade, temperature, label,
lifecycle/status/handoff targets, SLA tier, rescore_at, recycling clock, compact text), by a
digest of the explanation (reasons with exact points, compact and full text), and by a digest
of everything else (BANT, fit and engagement points, signal memory, rules version). The two
digests are apart so that a change to how scores are explained can be re-taken alone
(`make_equivalence.py --refresh-reasons` refuses to re-take anything else).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fixtures.make_equivalence import FIXTURE, expected_decisions

_FIELDS = (
    "score",
    "grade",
    "temperature",
    "label",
    "lifecycle_target",
    "lifecycle_clear_first",
    "lead_status_target",
    "handoff_condition",
    "sla_tier",
    "rescore_at",
    "below_bar_since",
    "compact_reasons",
    "digest of the reasons, compact and full text",
    "digest of every other field",
)


@cache
def _fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(Path(FIXTURE).read_bytes()))
    return data


@cache
def _actual() -> dict[str, list[list[Any]]]:
    return expected_decisions(_fixture())


def test_fixture_is_substantial() -> None:
    fixture = _fixture()
    assert len(fixture["leads"]) >= 1000
    rows = fixture["expected"]["config/rules.yaml"]
    assert len(rows) == 3 * len(fixture["leads"])
    # The snapshot exercises every policy outcome, not only "nothing to do".
    assert {row[4] for row in rows} >= {None, "lead", "marketingqualifiedlead"}
    assert {row[6] for row in rows} >= {None, "NEW", "UNQUALIFIED"}
    assert sum(row[9] is not None for row in rows) > len(rows) // 4  # rescore_at scheduled


@pytest.mark.parametrize(
    "rules_file",
    [
        "config/rules.yaml",
        "config/examples/b2b-marketplace.yaml",
        "config/examples/professional-services.yaml",
    ],
)
def test_decisions_match_the_frozen_snapshot(rules_file: str) -> None:
    fixture = _fixture()
    expected = fixture["expected"][rules_file]
    actual = _actual()[rules_file]
    assert len(actual) == len(expected)
    per_lead = fixture["instants_per_rules"][rules_file]
    mismatches: list[str] = []
    for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
        if want == got:
            continue
        lead_id = fixture["leads"][index // per_lead][0]
        instant = fixture["instants"][index % per_lead]
        diffs = [
            f"{name}: expected {w!r}, got {g!r}"
            for name, w, g in zip(_FIELDS, want, got, strict=True)
            if w != g
        ]
        mismatches.append(f"contact {lead_id} at {instant}: " + "; ".join(diffs))
    assert not mismatches, f"{len(mismatches)} decision(s) differ:\n" + "\n".join(mismatches[:10])
