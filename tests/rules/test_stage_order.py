"""Protected stages from the portal's own order, and conditions on the lifecycle stage."""

from __future__ import annotations

from typing import Any

import pytest
from rules_helpers import NOW, build_rules, lead

from connector.errors import ConfigError
from connector.hubspot_facts import LIFECYCLE_ORDER
from connector.rules import Decision, PriorState, RuleSet, evaluate, load_rules
from connector.rules.policy import DEFAULT_STAGE_ORDER, StageOrder
from connector.rules.ruleset import with_stage_order
from tests.sync.conftest import REPO

#: A portal whose admin added "sales accepted" (a numeric id, as HubSpot gives custom stages)
#: after SQL, and "nurture" between lead and MQL.
CUSTOM_ORDER = StageOrder.of(
    [
        "subscriber",
        "lead",
        "2001",  # nurture
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "2002",  # sales accepted
        "opportunity",
        "customer",
        "evangelist",
        "other",
    ]
)

_SCORE_BY_PTS: dict[str, Any] = {
    "score": {"fit_weight": 1.0, "engagement_weight": 0.0},
    "fit": {
        "max_points": 100,
        "groups": [
            {
                "name": "pts",
                "criteria": [
                    {"label": f">={k}", "property": "pts", "op": "gte", "value": k, "points": 1}
                    for k in range(1, 101)
                ],
            }
        ],
    },
    "lifecycle": {
        "lead": {"min_score": 10},
        "marketingqualifiedlead": {"min_score": 50},
        "salesqualifiedlead": {"min_score": 80},
    },
    "handoff": {"when": {"min_score": 60}, "sla_tiers": [{"name": "s", "response_hours": 8}]},
}


def _rules(**over: Any) -> RuleSet:
    return build_rules(**{**_SCORE_BY_PTS, **over})


def _decide(rules: RuleSet, pts: int, stage: str, **props: str) -> Decision:
    return evaluate(lead({"pts": str(pts), "lifecyclestage": stage, **props}), rules=rules, now=NOW)


def test_default_order_protects_the_stages_past_sql() -> None:
    assert DEFAULT_STAGE_ORDER.stages == LIFECYCLE_ORDER
    for stage in ("opportunity", "customer", "evangelist", "other", "1234567"):
        assert DEFAULT_STAGE_ORDER.protected(stage), stage
    for stage in ("", "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead"):
        assert not DEFAULT_STAGE_ORDER.protected(stage), stage


def test_custom_order_protects_custom_stages_after_sql_and_moves_those_before() -> None:
    assert CUSTOM_ORDER.protected("2002")
    assert not CUSTOM_ORDER.protected("2001")
    assert CUSTOM_ORDER.protected("9999")  # not in the portal's order: its place is unknown
    # Without SQL in the portal the cut is the last of MQL, lead, subscriber.
    no_sql = StageOrder.of(["subscriber", "lead", "marketingqualifiedlead", "3003", "customer"])
    assert no_sql.protected("3003") and not no_sql.protected("marketingqualifiedlead")
    # Standard protected stages stay protected wherever an admin puts them.
    assert StageOrder.of(["other", "lead", "salesqualifiedlead"]).protected("other")


@pytest.mark.parametrize(
    "stage", ["opportunity", "customer", "evangelist", "other", "2002", " Customer "]
)
def test_a_protected_contact_is_scored_and_nothing_else(stage: str) -> None:
    rules = with_stage_order(_rules(), CUSTOM_ORDER)
    at_lead = _decide(rules, 95, "lead")
    assert at_lead.handoff_condition and at_lead.lead_status_target == "NEW"
    decision = _decide(rules, 95, stage)
    assert decision.score == at_lead.score == 95
    assert decision.grade == at_lead.grade
    assert decision.lifecycle_target is None
    assert decision.lead_status_target is None
    assert not decision.handoff_condition and decision.sla_tier is None
    # A prior handoff does not keep a protected contact "in handoff".
    prior = PriorState(in_handoff=True, last_written_lead_status="NEW")
    again = evaluate(
        lead({"pts": "95", "lifecyclestage": stage, "hs_lead_status": "NEW"}),
        rules=rules,
        now=NOW,
        prior=prior,
    )
    assert not again.handoff_condition and again.lead_status_target is None


def test_a_custom_stage_before_sql_is_moved_forward_by_the_portal_order() -> None:
    custom = with_stage_order(_rules(), CUSTOM_ORDER)
    assert _decide(custom, 55, "2001").lifecycle_target == "marketingqualifiedlead"
    assert _decide(custom, 15, "2001").lifecycle_target is None  # lead is behind it
    # Under HubSpot's default order the same stage is unknown, so protected.
    assert _decide(_rules(), 55, "2001").lifecycle_target is None


def test_with_stage_order_keeps_the_version_and_the_default_rules() -> None:
    rules = _rules()
    assert with_stage_order(rules, DEFAULT_STAGE_ORDER) is rules
    assert with_stage_order(rules, CUSTOM_ORDER).version == rules.version


def test_conditions_can_name_the_lifecycle_stage() -> None:
    rules = _rules(
        handoff={
            "when": {"min_score": 60, "stages": ["lead", "Marketingqualifiedlead"]},
            "sla_tiers": [
                {"name": "fresh", "when": {"stages": [""]}, "response_hours": 2},
                {"name": "s", "response_hours": 8},
            ],
        },
        lifecycle={
            "lead": {"min_score": 10},
            "salesqualifiedlead": {"min_score": 80, "not_stages": ["subscriber"]},
        },
    )
    assert _decide(rules, 70, "lead").handoff_condition
    assert not _decide(rules, 70, "subscriber").handoff_condition
    assert not _decide(rules, 70, "salesqualifiedlead").handoff_condition
    assert _decide(rules, 90, "subscriber").lifecycle_target == "lead"
    assert _decide(rules, 90, "lead").lifecycle_target == "salesqualifiedlead"
    tiers = build_rules(
        **{
            **_SCORE_BY_PTS,
            "handoff": {
                "when": {"min_score": 60},
                "sla_tiers": [
                    {"name": "fresh", "when": {"stages": [""]}, "response_hours": 2},
                    {"name": "s", "response_hours": 8},
                ],
            },
        }
    )
    assert _decide(tiers, 70, "").sla_tier == "fresh"
    assert _decide(tiers, 70, "lead").sla_tier == "s"


def test_a_bad_stage_name_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match="not a lifecycle stage"):
        _rules(
            handoff={
                "when": {"stages": ["sales qualified"]},
                "sla_tiers": [{"name": "s", "response_hours": 8}],
            }
        )


def test_adding_the_stage_fields_did_not_re_version_existing_files() -> None:
    # The shipped file's version as published before `stages`/`not_stages` existed.
    rules = load_rules(REPO / "config" / "rules.yaml")
    data = rules.spec.model_dump(mode="json")
    assert "stages" in data["handoff"]["when"]  # the field exists, unset…
    assert rules.version == _version_without(data)  # …and is left out of the version


def _version_without(data: Any) -> str:
    import hashlib
    import json

    # Fields added later, left out while unset: stages, the fitting's baseline, tiers and
    # undated signals, and the handoff's capacity.
    later = ("stages", "not_stages", "baseline", "tiers", "at", "capacity")

    def drop(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if not (k in later and v is None)}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value

    canonical = json.dumps(drop(data), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]
