"""Property tests (hypothesis): bounds, monotonicity, decay, hysteresis, garbage, rescore_at."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_helpers import NOW, build_rules, lead

from connector.rules import (
    Decision,
    LeadInput,
    PriorState,
    RuleSet,
    evaluate,
    load_rules,
    rules_from_mapping,
)
from connector.sandbox.seed import generate_portal

REPO = Path(__file__).resolve().parents[2]
DEFAULT = load_rules(REPO / "config" / "rules.yaml")
MS = timedelta(milliseconds=1)
PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def _portal_leads() -> tuple[LeadInput, ...]:
    portal = generate_portal(seed=11, contacts=400, now=NOW)
    companies = {c.id: c.properties for c in portal.companies}
    return tuple(
        LeadInput(c.id, c.properties, companies.get(c.properties.get("associatedcompanyid") or ""))
        for c in portal.contacts
    )


GARBAGE = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "1e999",
            "-1e999",
            "9" * 400,
            "0",
            "-1",
            "💥",
            "null",
            "None",
            "2026-02-30T00:00:00Z",
            "17000000000000000000",
            "2026-11-20T09:15:00.000Z",
            "1763630100000",
            "decision_maker",
            "250k+",
            "this_quarter",
            "Demo request",
            "https://x/pricing",
            "a@gmail.com",
            "CEO",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def _props(names: frozenset[str]) -> st.SearchStrategy[dict[str, str | None]]:
    return st.dictionaries(st.sampled_from(sorted(names)), GARBAGE, max_size=len(names))


@PROFILE
@given(
    contact=_props(DEFAULT.contact_properties),
    company=st.none() | _props(DEFAULT.company_properties),
    hours=st.integers(min_value=-10_000, max_value=100_000),
)
def test_any_property_values_give_a_bounded_decision(
    contact: dict[str, str | None], company: dict[str, str | None] | None, hours: int
) -> None:
    decision = evaluate(
        LeadInput("1", contact, company), rules=DEFAULT, now=NOW + timedelta(hours=hours)
    )
    assert 0 <= decision.score <= 100
    assert decision.grade in "ABCD" and decision.temperature in ("cold", "warm", "hot")
    assert len(decision.compact_reasons) <= 1000
    assert decision.full_reasons
    assert decision.rescore_at is None or decision.rescore_at > NOW + timedelta(hours=hours)


#: Values outside the contract (HubSpot sends strings or None), from hand-built inputs.
_NOT_STRINGS = st.one_of(
    st.integers(), st.floats(), st.booleans(), st.binary(max_size=4), st.lists(st.integers())
)


@PROFILE
@given(
    contact=st.dictionaries(
        st.sampled_from(sorted(DEFAULT.contact_properties)), GARBAGE | _NOT_STRINGS
    ),
    company=st.dictionaries(st.sampled_from(sorted(DEFAULT.company_properties)), GARBAGE),
)
def test_values_that_are_not_strings_are_reported_and_scored_as_missing(
    contact: dict[str, object], company: dict[str, str | None]
) -> None:
    """No crash on any type; the decision names every such value, and otherwise is the one
    taken with those values left out."""
    strings = {k: v for k, v in contact.items() if v is None or isinstance(v, str)}
    not_strings = sorted(k for k, v in contact.items() if v is not None and not isinstance(v, str))
    as_given = evaluate(LeadInput("1", contact, company), rules=DEFAULT, now=NOW)  # type: ignore[arg-type]
    assert as_given.unreadable == tuple(not_strings)
    without = evaluate(LeadInput("1", strings, company), rules=DEFAULT, now=NOW)
    assert without.unreadable == ()
    assert replace(as_given, unreadable=()) == without
    if not_strings:
        assert f"unreadable (scored as missing): {', '.join(not_strings)}" in as_given.full_reasons


def test_an_unreadable_company_value_is_named_with_its_object() -> None:
    company = {"industry": 7, "numberofemployees": "250"}
    decision = evaluate(LeadInput("1", {}, company), rules=DEFAULT, now=NOW)  # type: ignore[arg-type]
    assert decision.unreadable == ("company.industry",)


class _Text(str):
    """A str subclass, as some client libraries hand out."""


@PROFILE
@given(
    contact=_props(DEFAULT.contact_properties),
    company=st.none() | _props(DEFAULT.company_properties),
)
def test_str_subclass_values_decide_as_plain_strings(
    contact: dict[str, str | None], company: dict[str, str | None] | None
) -> None:
    wrapped = {k: None if v is None else _Text(v) for k, v in contact.items()}
    wrapped_company = (
        None
        if company is None
        else {k: None if v is None else _Text(v) for k, v in company.items()}
    )
    plain = evaluate(LeadInput("1", contact, company), rules=DEFAULT, now=NOW)
    assert evaluate(LeadInput("1", wrapped, wrapped_company), rules=DEFAULT, now=NOW) == plain


_POSITIVE = [
    {"label": f"c{i}", "property": f"p{i}", "op": "present", "points": pts}
    for i, pts in enumerate([5, 10, 15, 20, 25, 30, 40, 3])
]
MONOTONE = build_rules(
    fit={
        "max_points": 100,
        "groups": [
            {"name": "g1", "cap": 40, "criteria": _POSITIVE[:4]},
            {"name": "g2", "criteria": _POSITIVE[4:]},
            {"name": "neg", "criteria": [{"property": "bad", "op": "present", "points": -20}]},
        ],
    }
)


@PROFILE
@given(
    present=st.sets(st.integers(0, 7)),
    extra=st.integers(0, 7),
    bad=st.booleans(),
)
def test_score_never_falls_when_a_positive_criterion_starts_to_hold(
    present: set[int], extra: int, bad: bool
) -> None:
    base = {f"p{i}": "yes" for i in present} | ({"bad": "1"} if bad else {})
    before = evaluate(lead(base), rules=MONOTONE, now=NOW)
    after = evaluate(lead({**base, f"p{extra}": "yes"}), rules=MONOTONE, now=NOW)
    assert after.score >= before.score
    assert after.fit_points >= before.fit_points
    if extra not in present and extra >= 4:  # uncapped group: the points always count
        assert after.fit_points > before.fit_points


@PROFILE
@given(
    index=st.integers(0, 399),
    later=st.lists(st.integers(min_value=0, max_value=400 * 24), min_size=2, max_size=6),
)
def test_scores_fall_with_time_under_decay(index: int, later: list[int]) -> None:
    contact = _portal_leads()[index]
    previous: Decision | None = None
    for hours in sorted(later):
        decision = evaluate(contact, rules=DEFAULT, now=NOW + timedelta(hours=hours))
        if previous is not None:
            assert decision.engagement_points <= previous.engagement_points + 1e-9
            assert decision.score <= previous.score
        previous = decision


_PTS = build_rules(
    score={"fit_weight": 1.0, "engagement_weight": 0.0},
    fit={
        "groups": [
            {
                "name": "pts",
                "criteria": [
                    {"property": "pts", "op": "gte", "value": k, "points": 1} for k in range(1, 101)
                ],
            }
        ]
    },
    lifecycle={
        "forward_only": False,
        "hysteresis_margin": 5,
        "lead": {"min_score": 1},
        "marketingqualifiedlead": {"min_score": 50},
    },
    handoff={
        "hysteresis_margin": 5,
        "when": {"min_score": 60},
        "sla_tiers": [{"name": "t", "response_hours": 1}],
    },
)


@PROFILE
@given(wobble=st.lists(st.integers(-5, 10), min_size=1, max_size=30))
def test_no_flapping_within_the_hysteresis_margin(wobble: list[int]) -> None:
    # Enter at 60 (handoff) and 50 (MQL), then wander within [X − 5, X + 10]: nothing flips.
    prior = PriorState()
    stage = "lead"
    first = evaluate(lead({"pts": "60", "lifecyclestage": stage}), rules=_PTS, now=NOW)
    assert first.handoff_condition and first.lifecycle_target == "marketingqualifiedlead"
    prior = PriorState(in_handoff=True)
    stage = "marketingqualifiedlead"
    for delta in wobble:
        handoff = evaluate(
            lead({"pts": str(60 + delta), "lifecyclestage": stage}),
            rules=_PTS,
            now=NOW,
            prior=prior,
        )
        mql = evaluate(
            lead({"pts": str(50 + delta), "lifecyclestage": stage}),
            rules=_PTS,
            now=NOW,
            prior=prior,
        )
        assert handoff.handoff_condition
        assert mql.lifecycle_target is None
        prior = replace(prior, in_handoff=handoff.handoff_condition)


def _with_engagement_bars() -> RuleSet:
    """The default rules with engagement-point bars in policy conditions (none by default), so
    rescore_at's full-outputs path (hysteresis on a policy's own engagement bar) is drawn too."""
    data = DEFAULT.spec.model_dump(mode="json", exclude_none=True)
    data["lifecycle"]["marketingqualifiedlead"] = {"min_engagement_points": 10}
    data["handoff"]["when"]["any_of"].append({"min_engagement_points": 20})
    data["handoff"]["sla_tiers"][0]["when"] = {"min_engagement_points": 25}
    return rules_from_mapping(data, source="default rules with engagement bars")


ENGAGEMENT_BARS = _with_engagement_bars()


def _effective(
    lead_in: LeadInput,
    decision: Decision,
    prior: PriorState | None,
    at: Any,
    rules: RuleSet = DEFAULT,
) -> tuple[Any, ...]:
    """Outputs at `at` once the sync has applied and stored `decision`."""
    contact = dict(lead_in.contact)
    if decision.lifecycle_target:
        contact["lifecyclestage"] = decision.lifecycle_target
    if decision.lead_status_target:
        contact["hs_lead_status"] = decision.lead_status_target
    stored = PriorState(
        score=decision.score,
        label=decision.label,
        below_bar_since=decision.below_bar_since,
        last_written_lead_status=decision.lead_status_target
        or (None if prior is None else prior.last_written_lead_status),
        in_handoff=decision.handoff_condition,
        signal_memory=decision.signal_memory,
    )
    later = evaluate(replace(lead_in, contact=contact), rules=rules, now=at, prior=stored)
    return (
        later.score,
        later.grade,
        later.temperature,
        later.lifecycle_target or contact.get("lifecyclestage"),
        later.lead_status_target or contact.get("hs_lead_status"),
        later.handoff_condition,
        later.sla_tier,
    )


_REMEMBERED = ["demo request", "free trial", "meeting booked", "pricing page visit", "quote"]
PRIORS = st.none() | st.builds(
    PriorState,
    score=st.none() | st.integers(0, 100),
    label=st.none() | st.sampled_from(["A-hot", "C-cold"]),
    below_bar_since=st.none() | st.integers(0, 120 * 24).map(lambda h: NOW - timedelta(hours=h)),
    last_written_lead_status=st.none() | st.sampled_from(["NEW", "UNQUALIFIED", "OPEN"]),
    in_handoff=st.booleans(),
    signal_memory=st.dictionaries(
        st.sampled_from(_REMEMBERED),
        st.integers(-2 * 24, 120 * 24).map(lambda h: NOW - timedelta(hours=h)),
    ),
)
STAGES = st.sampled_from(["", "lead", "marketingqualifiedlead", "salesqualifiedlead"])


@PROFILE
@given(
    index=st.integers(0, 399),
    hours=st.integers(0, 200 * 24),
    prior=PRIORS,
    stage=st.none() | STAGES,
    status=st.none() | st.sampled_from(["", "NEW", "OPEN", "UNQUALIFIED", "IN_PROGRESS"]),
    rules=st.sampled_from([DEFAULT, ENGAGEMENT_BARS]),
)
def test_rescore_at_is_the_first_change(
    index: int,
    hours: int,
    prior: PriorState | None,
    stage: str | None,
    status: str | None,
    rules: RuleSet,
) -> None:
    """Scoring again just before rescore_at changes nothing the sync writes; at it, something.

    Random leads, prior states (the recycling clock, hysteresis, remembered signals, statuses
    the connector wrote) and instants, against the state the sync stores after the decision;
    under the default rules and under rules whose policies have engagement bars of their own.
    """
    contact = _portal_leads()[index]
    properties = dict(contact.contact)
    if stage is not None:
        properties["lifecyclestage"] = stage
    if status is not None:
        properties["hs_lead_status"] = status
    contact = replace(contact, contact=properties)
    now = NOW + timedelta(hours=hours, milliseconds=index)
    decision = evaluate(contact, rules=rules, now=now, prior=prior)
    at = decision.rescore_at
    reference = _effective(contact, decision, prior, now, rules)
    if at is None:
        later = now + timedelta(days=3 * 365)
        assert _effective(contact, decision, prior, later, rules) == reference
        return
    assert at > now
    assert at.microsecond % 1000 == 0
    assert _effective(contact, decision, prior, at - MS, rules) == reference
    assert _effective(contact, decision, prior, at, rules) != reference


def test_rescore_at_on_a_single_half_life_signal_is_exact() -> None:
    rules = build_rules(
        score={"fit_weight": 0.0, "engagement_weight": 1.0},
        engagement={
            "signals": [
                {
                    "name": "s",
                    "stage": "top",
                    "at": "t",
                    "points": 100,
                    "decay": {"half_life_days": 10},
                }
            ]
        },
        temperature={"warm": 1000, "hot": 1000},
        handoff={"when": {"min_score": 101 - 1}, "sla_tiers": [{"name": "x", "response_hours": 1}]},
    )
    contact = lead({"t": NOW.isoformat()})
    decision = evaluate(contact, rules=rules, now=NOW)
    assert decision.score == 100
    # 100·2^(−d/10) < 99.5  ⇔  d > 10·log2(100/99.5) days ≈ 1.2527 h
    expected = NOW + timedelta(days=10 * 0.007231967)
    assert decision.rescore_at is not None
    assert abs((decision.rescore_at - expected).total_seconds()) < 1
    assert evaluate(contact, rules=rules, now=decision.rescore_at - MS).score == 100
    assert evaluate(contact, rules=rules, now=decision.rescore_at).score == 99


def test_no_engagement_and_no_clock_means_no_rescore() -> None:
    rules: RuleSet = build_rules()
    assert evaluate(lead({"x": "1"}), rules=rules, now=NOW).rescore_at is None


def test_rescore_at_for_an_engagement_bar_in_a_condition_respects_hysteresis() -> None:
    rules = build_rules(
        score={"fit_weight": 1.0, "engagement_weight": 0.0},
        engagement={
            "signals": [
                {
                    "name": "s",
                    "stage": "top",
                    "at": "t",
                    "points": 40,
                    "decay": {"half_life_days": 10},
                }
            ]
        },
        temperature={"warm": 1000, "hot": 1000},
        handoff={
            "hysteresis_margin": 5,
            "when": {"min_engagement_points": 20},
            "sla_tiers": [{"name": "x", "response_hours": 1}],
        },
    )
    contact = lead({"t": NOW.isoformat()})
    decision = evaluate(contact, rules=rules, now=NOW)
    assert decision.handoff_condition and decision.rescore_at is not None
    # Once handed off it stays until engagement < 20 − 5: 40·2^(−d/10) < 15 ⇔ d > 14.15 days.
    expected = NOW + timedelta(days=10 * math.log2(40 / 15))
    assert abs((decision.rescore_at - expected).total_seconds()) < 1
    stored = PriorState(in_handoff=True)
    assert evaluate(
        contact, rules=rules, now=decision.rescore_at - MS, prior=stored
    ).handoff_condition
    assert not evaluate(
        contact, rules=rules, now=decision.rescore_at, prior=stored
    ).handoff_condition
