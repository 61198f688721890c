"""Lifecycle, lead-status, handoff and SLA-tier policies (table-driven)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rules_helpers import NOW, SCORE_BY_PTS, build_rules, lead

from connector.rules import Decision, PriorState, RuleSet, evaluate

_LIFECYCLE = {
    "forward_only": True,
    "hysteresis_margin": 5,
    "lead": {"min_score": 10},
    "marketingqualifiedlead": {"min_score": 50},
    "salesqualifiedlead": {"min_score": 80},
    "recycle": {"after_days": 30, "to": "lead"},
}
_HANDOFF = {
    "hysteresis_margin": 5,
    "when": {"min_score": 60},
    "sla_tiers": [
        {
            "name": "hot",
            "when": {"min_score": 90},
            "response_hours": 2,
            "task_type": "CALL",
            "priority": "HIGH",
        },
        {"name": "standard", "response_hours": 8},
    ],
}


def _rules(**over: Any) -> RuleSet:
    return build_rules(
        **SCORE_BY_PTS,
        lifecycle={**_LIFECYCLE, **over.pop("lifecycle", {})},
        handoff=_HANDOFF,
        **over,
    )


RULES = _rules()
BACKWARD = _rules(lifecycle={"forward_only": False, "recycle": None})


def _decide(
    pts: int, prior: PriorState | None = None, rules: RuleSet = RULES, **props: str
) -> Decision:
    return evaluate(lead({"pts": str(pts), **props}), rules=rules, now=NOW, prior=prior)


@pytest.mark.parametrize(
    ("pts", "stage", "target", "clear"),
    [
        pytest.param(5, "", None, False, id="below-every-bar"),
        pytest.param(15, "", "lead", False, id="empty-to-lead"),
        pytest.param(15, "subscriber", "lead", False, id="subscriber-to-lead"),
        pytest.param(55, "lead", "marketingqualifiedlead", False, id="lead-to-mql"),
        pytest.param(85, "subscriber", "salesqualifiedlead", False, id="skip-to-sql"),
        pytest.param(55, "marketingqualifiedlead", None, False, id="already-there"),
        pytest.param(15, "salesqualifiedlead", None, False, id="forward-only"),
        pytest.param(95, "opportunity", None, False, id="never-touch-opportunity"),
        pytest.param(95, "customer", None, False, id="never-touch-customer"),
        pytest.param(95, "evangelist", None, False, id="never-touch-evangelist"),
        pytest.param(95, "other", None, False, id="never-touch-other"),
        pytest.param(95, "1234567", None, False, id="never-touch-custom-stage"),
        pytest.param(55, " Lead ", "marketingqualifiedlead", False, id="stage-value-normalised"),
    ],
)
def test_lifecycle_forward_only(pts: int, stage: str, target: str | None, clear: bool) -> None:
    decision = _decide(pts, lifecyclestage=stage)
    assert decision.lifecycle_target == target
    assert decision.lifecycle_clear_first is clear


@pytest.mark.parametrize(
    ("pts", "stage", "target", "clear"),
    [
        pytest.param(15, "salesqualifiedlead", "lead", True, id="backward-clears-first"),
        pytest.param(47, "marketingqualifiedlead", None, False, id="hysteresis-keeps-mql"),
        pytest.param(44, "marketingqualifiedlead", "lead", True, id="below-margin-demotes"),
        pytest.param(5, "lead", None, False, id="nothing-holds-leave-alone"),
        pytest.param(95, "customer", None, False, id="still-never-customer"),
    ],
)
def test_lifecycle_backward_allowed(pts: int, stage: str, target: str | None, clear: bool) -> None:
    decision = _decide(pts, rules=BACKWARD, lifecyclestage=stage)
    assert decision.lifecycle_target == target
    assert decision.lifecycle_clear_first is clear


def test_disqualified_contact_is_never_promoted() -> None:
    decision = _decide(95, lifecyclestage="lead", email="x@rival.com")
    assert decision.disqualified is not None
    assert decision.lifecycle_target is None
    assert decision.grade == "D" and decision.score == 0


@pytest.mark.parametrize(
    ("prior", "days_below", "target", "since_is_now"),
    [
        pytest.param(None, None, None, True, id="lost-store-restarts-clock"),
        pytest.param(PriorState(), None, None, True, id="clock-starts-now"),
        pytest.param("since", 29, None, False, id="not-yet"),
        pytest.param("since", 30, "lead", False, id="due-recycles"),
        pytest.param("since", 400, "lead", False, id="overdue-recycles"),
    ],
)
def test_recycling_mql_after_n_days_below_the_bar(
    prior: Any, days_below: int | None, target: str | None, since_is_now: bool
) -> None:
    if prior == "since":
        prior = PriorState(below_bar_since=NOW - timedelta(days=days_below or 0))
    decision = _decide(20, prior=prior, lifecyclestage="marketingqualifiedlead")
    assert decision.lifecycle_target == target
    assert (decision.below_bar_since == NOW) is since_is_now
    if target:
        assert decision.lifecycle_clear_first
        assert any(r.kind == "policy" and "recycled" in r.criterion for r in decision.reasons)
        assert "recycled" in decision.compact_reasons
    else:
        assert decision.rescore_at is not None  # the recycling due time is scheduled
        assert decision.rescore_at <= NOW + timedelta(days=30)


def test_recycling_clock_stops_when_back_above_the_bar_minus_margin() -> None:
    prior = PriorState(below_bar_since=NOW - timedelta(days=100))
    assert _decide(46, prior=prior, lifecyclestage="marketingqualifiedlead").below_bar_since is None
    assert (
        _decide(44, prior=prior, lifecyclestage="marketingqualifiedlead").lifecycle_target == "lead"
    )


def test_recycling_disabled_never_moves_back() -> None:
    rules = _rules(lifecycle={"recycle": None})
    prior = PriorState(below_bar_since=NOW - timedelta(days=1000))
    decision = _decide(0, prior=prior, rules=rules, lifecyclestage="marketingqualifiedlead")
    assert decision.lifecycle_target is None
    assert decision.below_bar_since is None


@pytest.mark.parametrize(
    ("pts", "current", "last_written", "has_prior", "expected"),
    [
        pytest.param(70, "", None, False, "NEW", id="handoff-sets-new"),
        pytest.param(70, None, None, True, "NEW", id="handoff-missing-status"),
        pytest.param(70, "NEW", "NEW", True, None, id="already-new"),
        pytest.param(70, "IN_PROGRESS", "NEW", True, None, id="rep-moved-it"),
        pytest.param(70, "OPEN", None, True, None, id="rep-set-before-us"),
        pytest.param(70, "NEW", None, False, None, id="lost-store-never-overwrites"),
        pytest.param(30, "", None, True, None, id="no-handoff-no-status"),
        pytest.param(30, "NEW", "NEW", True, None, id="ours-left-when-condition-ends"),
    ],
)
def test_lead_status_policy(
    pts: int, current: str | None, last_written: str | None, has_prior: bool, expected: str | None
) -> None:
    prior = PriorState(last_written_lead_status=last_written) if has_prior else None
    props = {} if current is None else {"hs_lead_status": current}
    assert _decide(pts, prior=prior, **props).lead_status_target == expected


@pytest.mark.parametrize(
    ("current", "last_written", "expected"),
    [
        pytest.param("", None, "UNQUALIFIED", id="empty"),
        pytest.param("NEW", "NEW", "UNQUALIFIED", id="ours"),
        pytest.param("CONNECTED", "NEW", None, id="rep-owned"),
        pytest.param("UNQUALIFIED", "UNQUALIFIED", None, id="no-op"),
    ],
)
def test_lead_status_on_disqualifier(
    current: str, last_written: str | None, expected: str | None
) -> None:
    prior = PriorState(last_written_lead_status=last_written)
    decision = _decide(10, prior=prior, hs_lead_status=current, email="a@rival.com")
    assert decision.lead_status_target == expected


@pytest.mark.parametrize(
    ("pts", "in_handoff", "expected", "tier"),
    [
        pytest.param(59, False, False, None, id="below-entry"),
        pytest.param(60, False, True, "standard", id="at-entry"),
        pytest.param(56, True, True, "standard", id="stays-within-margin"),
        pytest.param(54, True, False, None, id="leaves-below-margin"),
        pytest.param(90, False, True, "hot", id="hot-tier"),
        pytest.param(86, True, True, "hot", id="tier-hysteresis"),
    ],
)
def test_handoff_condition_and_tier(
    pts: int, in_handoff: bool, expected: bool, tier: str | None
) -> None:
    decision = _decide(pts, prior=PriorState(in_handoff=in_handoff))
    assert decision.handoff_condition is expected
    assert decision.sla_tier == tier


def test_disqualified_never_hands_off() -> None:
    assert not _decide(99, email="sales@rival.com").handoff_condition


def test_sla_tiers_exposed_in_order() -> None:
    tiers = RULES.sla_tiers
    assert list(tiers) == ["hot", "standard"]
    assert (tiers["hot"].response_hours, tiers["hot"].task_type, tiers["hot"].priority) == (
        2,
        "CALL",
        "HIGH",
    )
    assert tiers["standard"].task_type == "TODO"


@pytest.mark.parametrize(
    ("condition", "pts", "props", "expected"),
    [
        pytest.param({"min_score": 50, "max_score": 60}, 55, {}, True, id="score-window"),
        pytest.param({"min_score": 50, "max_score": 60}, 61, {}, False, id="above-window"),
        pytest.param({"grades": ["A"]}, 60, {}, True, id="grade"),
        pytest.param({"grades": ["A"]}, 59, {}, False, id="grade-miss"),
        pytest.param({"temperatures": ["cold"]}, 99, {}, True, id="temperature"),
        pytest.param({"min_fit_points": 30}, 30, {}, True, id="min-fit"),
        pytest.param({"min_engagement_points": 1}, 99, {}, False, id="min-engagement"),
        pytest.param({"disqualified": True}, 1, {"email": "a@rival.com"}, True, id="dq-true"),
        pytest.param({"disqualified": None}, 1, {"email": "a@rival.com"}, True, id="dq-any"),
        pytest.param({"any_of": [{"min_score": 90}, {"grades": ["C"]}]}, 25, {}, True, id="any-of"),
        pytest.param(
            {"any_of": [{"min_score": 90}, {"grades": ["C"]}]}, 50, {}, False, id="any-of-none"
        ),
    ],
)
def test_condition_language(
    condition: dict[str, Any], pts: int, props: dict[str, str], expected: bool
) -> None:
    rules = build_rules(
        **SCORE_BY_PTS,
        handoff={"when": condition, "sla_tiers": [{"name": "t", "response_hours": 1}]},
    )
    assert _decide(pts, rules=rules, **props).handoff_condition is expected


def test_bant_conditions() -> None:
    rules = build_rules(
        bant={
            "budget": {"property": "budget", "order": ["low", "high"], "at_least": "high"},
            "timeline": {"property": "when", "months": {"now": 1}, "within_months": 3},
        },
        handoff={
            "when": {"min_bant_met": 2, "bant_met": ["budget"]},
            "sla_tiers": [{"name": "t", "response_hours": 1}],
        },
    )
    both = evaluate(lead({"budget": "high", "when": "now"}), rules=rules, now=NOW)
    one = evaluate(lead({"budget": "high"}), rules=rules, now=NOW)
    assert both.handoff_condition and not one.handoff_condition
