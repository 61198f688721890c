"""Helpers for the rules-engine tests: small rule sets built from dicts, leads, a fixed instant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from connector.rules import LeadInput, RuleSet, parse_rules

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

BASE: dict[str, Any] = {
    "name": "test",
    "score": {"fit_weight": 0.5, "engagement_weight": 0.5},
    "grades": {"A": 60, "B": 40, "C": 20},
    "temperature": {"warm": 10, "hot": 30},
    "fit": {"max_points": 100, "groups": []},
    "engagement": {"max_points": 100, "signals": []},
    "lifecycle": {},
    "handoff": {
        "when": {"min_score": 60},
        "sla_tiers": [{"name": "standard", "response_hours": 8}],
    },
}


#: Score == the contact's "pts" property (0..100): fit only, one point per unit, and a
#: competitor's e-mail domain disqualifies.
SCORE_BY_PTS: dict[str, Any] = {
    "score": {"fit_weight": 1.0, "engagement_weight": 0.0},
    "fit": {
        "max_points": 100,
        "groups": [
            {
                "name": "pts",
                "criteria": [
                    {"label": f"≥{k}", "property": "pts", "op": "gte", "value": k, "points": 1}
                    for k in range(1, 101)
                ],
            }
        ],
    },
    "disqualifiers": [
        {"label": "competitor", "property": "email", "op": "domain_in", "values": ["rival.com"]}
    ],
}


def build_rules(**sections: Any) -> RuleSet:
    """The base rule set with some top-level sections replaced."""
    data = {**BASE, **sections}
    return parse_rules(yaml.safe_dump(data, sort_keys=False), source="test.yaml")


def lead(
    contact: Mapping[str, str | None] | None = None,
    company: Mapping[str, str | None] | None = None,
    contact_id: str = "1",
) -> LeadInput:
    return LeadInput(contact_id=contact_id, contact=dict(contact or {}), company=company)


EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "examples"


def example_rules_files(*, for_datasets: bool = True) -> list[Path]:
    """The example rules files; `config/examples` also holds review's column mappings
    (`<dataset>-mapping.yaml`), which are not rules. A dataset's rules (the file beside its
    mapping) read that dataset's columns: left out with `for_datasets=False`."""
    files = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.stem.endswith("-mapping"))
    if for_datasets:
        return files
    return [p for p in files if not (EXAMPLES / f"{p.stem}-mapping.yaml").exists()]
