"""Gaps a second read of the review found: each test failed before its fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connector.review.dataset import ReviewLead
from connector.review.report import build_review
from connector.rules import RuleSet, rules_from_mapping
from tests.review.conftest import ReviewRun

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _spec(handoff: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "gaps",
        "score": {"fit_weight": 1.0, "engagement_weight": 0.0},
        "grades": {"A": 60, "B": 40, "C": 20},
        "temperature": {"warm": 10, "hot": 30},
        "fit": {
            "groups": [
                {
                    "name": "size",
                    "criteria": [
                        {
                            "label": "big",
                            "property": "size",
                            "op": "gte",
                            "value": 100,
                            "points": 70,
                        },
                        {
                            "label": "mid",
                            "property": "size",
                            "op": "gte",
                            "value": 20,
                            "points": 45,
                        },
                    ],
                    "mode": "first",
                }
            ]
        },
        "engagement": {"signals": []},
        "lifecycle": {"lead": {"min_score": 0}, "marketingqualifiedlead": {"min_score": 40}},
        "handoff": {
            "when": handoff,
            "sla_tiers": [
                {"name": "s", "response_hours": 8, "task_type": "CALL", "priority": "MEDIUM"}
            ],
        },
    }


def _rules(handoff: dict[str, Any]) -> RuleSet:
    return rules_from_mapping(_spec(handoff), source="test")


def _leads() -> list[ReviewLead]:
    sizes = ["500", "50", "5"]
    return [
        ReviewLead(str(i), {"size": sizes[i % 3]}, None, NOW + timedelta(days=i % 28), i % 2 == 0)
        for i in range(84)
    ]


def test_capacity_counts_what_the_handoff_condition_hands_off_not_every_score_above() -> None:
    # the condition hands off grade A only: the mid leads (45, grade B) pass a bar of 40 but
    # are never handed off, whatever the bar
    review = build_review(_leads(), _rules({"min_score": 40, "grades": ["A"]}), now=NOW)
    rows = {c.threshold: c for c in review.current.capacity}
    assert rows[40].handoffs == 28  # the big ones only, not the 28 mid ones
    assert rows[40].in_force and not rows[45].in_force
    handed = [s for s in review.current.scored if s.handed_off]
    assert rows[40].handoffs == len(handed)
    assert rows[40].converters_caught == sum(1 for s in handed if s.converted)
    assert rows[75].handoffs == 0
    assert [c.threshold for c in review.current.capacity][:3] == [5, 10, 15]


def test_capacity_adds_the_rules_own_bar_when_it_is_not_a_step() -> None:
    review = build_review(_leads(), _rules({"min_score": 42}), now=NOW)
    mine = [c for c in review.current.capacity if c.in_force]
    assert [c.threshold for c in mine] == [42]
    assert mine[0].handoffs == 56  # big and mid: no other test


def test_x_education_capacity_at_the_rules_bar_is_what_over_filtering_hands_off(
    x_education_run: ReviewRun,
) -> None:
    current = x_education_run.summary["current"]
    (mine,) = [c for c in current["capacity"] if c["in_force"]]
    of = current["over_filtering"]
    assert mine["converters_caught"] == of["converters"] - of["never_handed_off"]
    assert (mine["threshold"], mine["handoffs"], mine["converters_caught"]) == (50, 2850, 1924)
