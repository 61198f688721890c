"""The shipped rules files on the sandbox's realistic portal: sensible, stable outcomes."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from rules_helpers import NOW, example_rules_files

from connector.rules import LeadInput, evaluate, load_rules
from connector.sandbox.seed import SeedPortal, generate_portal

REPO = Path(__file__).resolve().parents[2]
#: The dataset examples (X Education, Maven) read their CSV's columns, not the sandbox's.
FILES = [REPO / "config" / "rules.yaml", *example_rules_files(for_datasets=False)]


@cache
def _portal() -> SeedPortal:
    return generate_portal(seed=3, contacts=1500, now=NOW)


def _leads() -> list[tuple[str, LeadInput]]:
    portal = _portal()
    companies = {c.id: c.properties for c in portal.companies}
    return [
        (
            c.story,
            LeadInput(
                c.id, c.properties, companies.get(c.properties.get("associatedcompanyid") or "")
            ),
        )
        for c in portal.contacts
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shipped_file_scores_the_sandbox_portal(path: Path) -> None:
    rules = load_rules(path)
    decisions = [evaluate(lead, rules=rules, now=NOW) for _, lead in _leads()]
    scores = Counter(d.score // 10 for d in decisions)
    assert len(scores) >= 4, f"scores should spread out, got {scores}"
    assert all(len(d.compact_reasons) <= 1000 for d in decisions)
    assert any(d.disqualified for d in decisions)
    assert any(not d.disqualified for d in decisions)
    if path.parent.name != "examples":  # the examples are for other kinds of business
        assert any(d.handoff_condition for d in decisions)


def test_default_rules_follow_the_stories() -> None:
    rules = load_rules(REPO / "config" / "rules.yaml")
    by_story: dict[str, list[int]] = {}
    temps: dict[str, Counter[str]] = {}
    for story, lead in _leads():
        decision = evaluate(lead, rules=rules, now=NOW)
        by_story.setdefault(story, []).append(decision.score)
        temps.setdefault(story, Counter())[decision.temperature] += 1

    def mean(story: str) -> float:
        return sum(by_story[story]) / len(by_story[story])

    assert mean("deep") > mean("nurturing") > mean("cold")
    assert mean("deep") > mean("gone_quiet")
    assert temps["deep"]["hot"] > 0.6 * sum(temps["deep"].values())
    assert temps["gone_quiet"]["hot"] == 0
    assert temps["cold"]["cold"] > 0.9 * sum(temps["cold"].values())
