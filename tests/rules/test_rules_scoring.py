"""Fit groups, disqualifiers, BANT, engagement decay and memory, grades, reasons and texts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rules_helpers import NOW, build_rules, lead

from connector.rules import LeadInput, PriorState, evaluate, load_rules
from connector.rules.explain import COMPACT_MAX_CHARS, compact_text
from connector.rules.model import Reason

REPO = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)


def _iso(delta: timedelta) -> str:
    return (NOW - delta).isoformat().replace("+00:00", "Z")


def _ms(delta: timedelta) -> str:
    return str(int((NOW - delta).timestamp() * 1000))


def _group(mode: str = "sum", **extra: Any) -> dict[str, Any]:
    return {
        "name": "g",
        "mode": mode,
        **extra,
        "criteria": [
            {"label": "a", "property": "a", "op": "present", "points": 20},
            {"label": "b", "property": "b", "op": "present", "points": 15},
            {"label": "c", "property": "c", "op": "present", "points": -30},
        ],
    }


@pytest.mark.parametrize(
    ("group", "props", "expected"),
    [
        pytest.param(_group(), {"a": "1", "b": "1"}, 35, id="sum"),
        pytest.param(_group(cap=25), {"a": "1", "b": "1"}, 25, id="cap"),
        pytest.param(_group(cap=25), {"a": "1", "b": "1", "c": "1"}, 5, id="cap-after-negative"),
        pytest.param(_group(floor=-10), {"c": "1"}, -10, id="floor"),
        pytest.param(_group("first"), {"a": "1", "b": "1"}, 20, id="first-match-only"),
        pytest.param(_group("first"), {"b": "1", "c": "1"}, 15, id="first-skips-misses"),
        pytest.param(_group(), {}, 0, id="nothing"),
    ],
)
def test_fit_groups(group: dict[str, Any], props: dict[str, str], expected: float) -> None:
    rules = build_rules(fit={"groups": [group]})
    decision = evaluate(lead(props), rules=rules, now=NOW)
    assert decision.fit_points == expected
    # In the rules' own points, the group's reasons (criteria and its cap) add up to it.
    assert sum(r.raw or 0 for r in decision.reasons if r.group == "g") == expected


@pytest.mark.parametrize(
    ("points", "grade"),
    [(60, "A"), (59, "B"), (40, "B"), (20, "C"), (19, "D"), (-5, "D")],
)
def test_grades_from_fit_points(points: int, grade: str) -> None:
    rules = build_rules(
        fit={
            "groups": [
                {"name": "g", "criteria": [{"property": "a", "op": "present", "points": points}]}
            ]
        }
    )
    assert evaluate(lead({"a": "x"}), rules=rules, now=NOW).grade == grade


def test_disqualifier_forces_grade_d_caps_score_and_explains() -> None:
    rules = build_rules(
        fit={
            "groups": [
                {"name": "g", "criteria": [{"property": "a", "op": "present", "points": 90}]}
            ]
        },
        disqualifiers=[
            {"label": "student", "property": "role", "op": "eq", "value": "student"},
            {
                "label": "free email",
                "property": "email",
                "op": "domain_in",
                "values": ["gmail.com"],
            },
        ],
        score={"fit_weight": 0.5, "engagement_weight": 0.5, "disqualified_max_score": 10},
    )
    decision = evaluate(lead({"a": "x", "email": "jane.doe@gmail.com"}), rules=rules, now=NOW)
    assert decision.disqualified is not None
    assert decision.disqualified.criterion == "free email"
    assert decision.disqualified.observed == "gmail.com"  # the domain, never the address
    assert decision.grade == "D" and decision.label.startswith("D-")
    assert decision.score == 10
    assert decision.reasons[0].kind == "disqualifier"
    assert decision.compact_reasons.startswith("disqualified: free email (gmail.com)")
    assert "jane.doe" not in decision.compact_reasons + decision.full_reasons


_BANT = {
    "points": {"met": 10, "not_met": -5, "unknown": 0},
    "budget": {
        "property": "budget_range",
        "order": ["<10k", "10k-50k", "50k-100k"],
        "at_least": "10k-50k",
    },
    "authority": {
        "role_property": "decision_role",
        "met_roles": ["decision_maker"],
        "not_met_roles": ["end_user"],
        "title_property": "jobtitle",
        "min_seniority": "director",
    },
    "need": {
        "interest_property": "product_interest",
        "interest_values": ["lead_scoring"],
        "text_property": "main_challenge",
        "keywords": ["lead routing", "reporting"],
    },
    "timeline": {
        "property": "purchase_timeline",
        "months": {"this_quarter": 3, "6_12_months": 12, "no_plans": None},
        "within_months": 6,
    },
}


@pytest.mark.parametrize(
    ("props", "dimension", "status"),
    [
        pytest.param({"budget_range": "50k-100k"}, "budget", "met", id="budget-above-bar"),
        pytest.param({"budget_range": "10K-50K"}, "budget", "met", id="budget-at-bar-any-case"),
        pytest.param({"budget_range": "<10k"}, "budget", "not_met", id="budget-below"),
        pytest.param({"budget_range": "lots"}, "budget", "unknown", id="budget-garbage"),
        pytest.param({}, "budget", "unknown", id="budget-missing"),
        pytest.param({"decision_role": "decision_maker"}, "authority", "met", id="role-met"),
        pytest.param(
            {"decision_role": "end_user", "jobtitle": "CEO"}, "authority", "not_met", id="role-wins"
        ),
        pytest.param(
            {"decision_role": "influencer", "jobtitle": "CEO"},
            "authority",
            "met",
            id="title-when-role-undecided",
        ),
        pytest.param({"jobtitle": "Chief Revenue Officer"}, "authority", "met", id="c-level"),
        pytest.param(
            {"jobtitle": "Vice President, Sales"}, "authority", "met", id="vp-not-president"
        ),
        pytest.param({"jobtitle": "Head of Marketing"}, "authority", "met", id="head-of"),
        pytest.param({"jobtitle": "Director of RevOps"}, "authority", "met", id="director"),
        pytest.param({"jobtitle": "Sales Manager"}, "authority", "not_met", id="manager"),
        pytest.param(
            {"jobtitle": "Data Analyst"}, "authority", "not_met", id="individual-contributor"
        ),
        pytest.param({"jobtitle": "1234 !!"}, "authority", "unknown", id="title-garbage"),
        pytest.param({"product_interest": "lead_scoring"}, "need", "met", id="interest"),
        pytest.param({"product_interest": "other"}, "need", "not_met", id="interest-other"),
        pytest.param({"main_challenge": "Our LEAD ROUTING is manual"}, "need", "met", id="keyword"),
        pytest.param({"main_challenge": "just curious"}, "need", "not_met", id="no-keyword"),
        pytest.param({}, "need", "unknown", id="need-missing"),
        pytest.param({"purchase_timeline": "this_quarter"}, "timeline", "met", id="timeline-soon"),
        pytest.param(
            {"purchase_timeline": "6_12_months"}, "timeline", "not_met", id="timeline-late"
        ),
        pytest.param({"purchase_timeline": "no_plans"}, "timeline", "not_met", id="no-plans"),
        pytest.param({"purchase_timeline": "4"}, "timeline", "met", id="months-number"),
        pytest.param(
            {"purchase_timeline": "someday"}, "timeline", "unknown", id="timeline-garbage"
        ),
    ],
)
def test_bant_dimensions(props: dict[str, str], dimension: str, status: str) -> None:
    rules = build_rules(bant=_BANT)
    decision = evaluate(lead(props), rules=rules, now=NOW)
    assert decision.bant.status(dimension) == status
    expected_points = {"met": 10, "not_met": -5, "unknown": 0}[status]
    dim = next(d for d in decision.bant.dimensions if d.dimension == dimension)
    assert dim.points == expected_points


def test_bant_met_count_summary_and_points_in_fit() -> None:
    rules = build_rules(bant=_BANT)
    props = {
        "budget_range": "50k-100k",
        "decision_role": "decision_maker",
        "purchase_timeline": "no_plans",
    }
    decision = evaluate(lead(props), rules=rules, now=NOW)
    assert decision.bant.met_count == 2
    assert decision.fit_points == 10 + 10 - 5 + 0
    assert decision.bant.summary == "BANT 2/4: budget ✓ authority ✓ need ? timeline ✗"


def _signal(**over: Any) -> dict[str, Any]:
    return {"name": "demo", "stage": "bottom", "at": "when", "points": 40, **over}


@pytest.mark.parametrize(
    ("signal", "age", "expected"),
    [
        pytest.param(_signal(decay={"half_life_days": 10}), 0 * DAY, 40.0, id="fresh"),
        pytest.param(_signal(decay={"half_life_days": 10}), 10 * DAY, 20.0, id="one-half-life"),
        pytest.param(_signal(decay={"half_life_days": 10}), 30 * DAY, 5.0, id="three-half-lives"),
        pytest.param(_signal(decay={"lifespan_days": 40}), 10 * DAY, 30.0, id="linear"),
        pytest.param(_signal(decay={"lifespan_days": 40}), 40 * DAY, 0.0, id="lifespan-over"),
        pytest.param(_signal(), 400 * DAY, 40.0, id="no-decay"),
        pytest.param(_signal(decay={"half_life_days": 10}), -5 * DAY, 40.0, id="future-is-now"),
    ],
)
def test_decay(signal: dict[str, Any], age: timedelta, expected: float) -> None:
    rules = build_rules(engagement={"max_points": 100, "signals": [signal]})
    decision = evaluate(lead({"when": _iso(age)}), rules=rules, now=NOW)
    assert decision.engagement_points == pytest.approx(expected)


def test_epoch_ms_and_iso_dates_score_the_same() -> None:
    rules = build_rules(engagement={"signals": [_signal(decay={"half_life_days": 7})]})
    iso = evaluate(lead({"when": _iso(3 * DAY)}), rules=rules, now=NOW)
    ms = evaluate(lead({"when": _ms(3 * DAY)}), rules=rules, now=NOW)
    assert iso.engagement_points == pytest.approx(ms.engagement_points)


def test_counted_signal_frequency_cap_and_when() -> None:
    signals = [
        {"name": "views", "stage": "top", "at": "last", "count": "n", "points": 2, "cap": 10},
        {
            "name": "pricing",
            "stage": "bottom",
            "at": "last",
            "points": 20,
            "when": {"property": "url", "op": "contains", "values": ["/pricing"]},
        },
    ]
    rules = build_rules(engagement={"signals": signals})
    now_iso = _iso(timedelta(0))
    few = evaluate(lead({"last": now_iso, "n": "3"}), rules=rules, now=NOW)
    many = evaluate(lead({"last": now_iso, "n": "400"}), rules=rules, now=NOW)
    pricing = evaluate(
        lead({"last": now_iso, "n": "1", "url": "https://x/pricing"}), rules=rules, now=NOW
    )
    garbage = evaluate(lead({"last": now_iso, "n": "NaN"}), rules=rules, now=NOW)
    assert (few.engagement_points, many.engagement_points) == (6, 10)
    assert pricing.engagement_points == 22
    assert garbage.engagement_points == 0
    assert "×400" in many.compact_reasons


def test_journey_depth_demo_outweighs_blog_reads() -> None:
    rules = load_rules(REPO / "config" / "rules.yaml")
    recent = _iso(DAY)
    demo = {"recent_conversion_event_name": "Demo request", "recent_conversion_date": recent}
    blog = {
        "hs_analytics_last_url": "https://x/blog/a",
        "hs_analytics_last_visit_timestamp": recent,
        "hs_analytics_num_page_views": "2",
    }
    assert (
        evaluate(lead(demo), rules=rules, now=NOW).engagement_points
        > 3 * evaluate(lead(blog), rules=rules, now=NOW).engagement_points
    )


def test_bottom_of_funnel_signal_keeps_decayed_credit_after_a_newsletter() -> None:
    rules = build_rules(
        engagement={
            "signals": [
                {
                    "name": "demo",
                    "stage": "bottom",
                    "at": "recent_conversion_date",
                    "points": 40,
                    "decay": {"half_life_days": 10},
                    "when": {
                        "property": "recent_conversion_event_name",
                        "op": "regex",
                        "value": "demo",
                    },
                },
                {
                    "name": "newsletter",
                    "stage": "top",
                    "at": "recent_conversion_date",
                    "points": 2,
                    "when": {
                        "property": "recent_conversion_event_name",
                        "op": "regex",
                        "value": "news",
                    },
                },
            ]
        }
    )
    first = evaluate(
        lead(
            {
                "recent_conversion_event_name": "Demo request",
                "recent_conversion_date": _iso(10 * DAY),
            }
        ),
        rules=rules,
        now=NOW - 10 * DAY,
    )
    assert "demo" in first.signal_memory
    later = lead(
        {"recent_conversion_event_name": "Newsletter", "recent_conversion_date": _iso(0 * DAY)}
    )
    remembered = evaluate(
        later, rules=rules, now=NOW, prior=PriorState(signal_memory=first.signal_memory)
    )
    forgotten = evaluate(later, rules=rules, now=NOW, prior=None)
    assert remembered.engagement_points == pytest.approx(20 + 2)  # demo halved, newsletter fresh
    assert forgotten.engagement_points == pytest.approx(2)
    assert any(r.criterion == "demo" and r.observed == "10 days ago" for r in remembered.reasons)


@pytest.mark.parametrize(
    ("points", "temperature"),
    [(0, "cold"), (9.9, "cold"), (10, "warm"), (29, "warm"), (30, "hot")],
)
def test_temperature(points: float, temperature: str) -> None:
    rules = build_rules(engagement={"signals": [_signal(points=points or 0.001)]})
    decision = evaluate(lead({"when": _iso(DAY)}), rules=rules, now=NOW)
    assert decision.temperature == temperature


def test_total_score_combines_weights_and_labels() -> None:
    rules = build_rules(
        score={"fit_weight": 0.7, "engagement_weight": 0.3},
        fit={
            "max_points": 50,
            "groups": [
                {"name": "g", "criteria": [{"property": "a", "op": "present", "points": 25}]}
            ],
        },
        engagement={"max_points": 20, "signals": [_signal(points=40)]},
    )
    decision = evaluate(lead({"a": "1", "when": _iso(DAY)}), rules=rules, now=NOW)
    assert decision.score == round(100 * (0.7 * 0.5 + 0.3 * 1.0))
    assert decision.label == f"{decision.grade}-{decision.temperature}" == "C-hot"
    assert decision.rules_version == rules.version


def test_reasons_are_ordered_by_weight_and_compact_text_reads_at_a_glance() -> None:
    rules = build_rules(
        fit={
            "groups": [
                {
                    "name": "size",
                    "criteria": [
                        {
                            "label": "200–999 employees",
                            "property": "company.n",
                            "op": "between",
                            "min": 200,
                            "max": 999,
                            "points": 30,
                        },
                        {
                            "label": "free email domain",
                            "property": "email",
                            "op": "domain_in",
                            "values": ["gmail.com"],
                            "points": -15,
                        },
                    ],
                }
            ]
        },
        engagement={
            "signals": [{"name": "demo request", "stage": "bottom", "at": "d", "points": 25}]
        },
    )
    decision = evaluate(
        LeadInput("7", {"email": "x@gmail.com", "d": _iso(3 * DAY)}, {"n": "450"}),
        rules=rules,
        now=NOW,
    )
    # Score points (half weight each): 15 + 12.5 − 7.5 = 20; the two halves round by largest
    # remainder (the larger value first), so the shown numbers add up to the score.
    assert decision.score == 20
    assert [r.exact for r in decision.reasons] == [15, 12.5, -7.5]
    assert [r.points for r in decision.reasons] == [15, 13, -8]
    assert decision.compact_reasons == (
        "+15 200–999 employees · +13 demo request 3 days ago · −8 free email domain"
    )
    full = decision.full_reasons.splitlines()
    assert full[0].startswith("contact 7: score 20")
    assert "+15 200–999 employees = 450  [fit: size, +30.0 fit points]" in full[1]
    assert decision.rules_version in full[-1]


@pytest.mark.parametrize("count", [0, 1, 5, 60, 500])
def test_compact_text_never_exceeds_the_bound(count: int) -> None:
    reasons = tuple(
        Reason("fit", f"criterion number {i} " + "x" * (i % 50), "v" * 200, 100 - i % 90, "g")
        for i in range(count)
    )
    text = compact_text(reasons)
    assert len(text) <= COMPACT_MAX_CHARS
    if count > 20:
        # What is cut is summed up, so the line still adds up to the reasons' total.
        shown = sum(100 - i % 90 for i in range(count) if f"criterion number {i} " in text)
        assert text.endswith(f"more (+{sum(100 - i % 90 for i in range(count)) - shown})")


def test_one_huge_reason_is_cut() -> None:
    text = compact_text((Reason("fit", "y" * 5000, None, 5, "g"),))
    assert len(text) <= COMPACT_MAX_CHARS


def test_naive_now_is_a_programming_error() -> None:
    rules = build_rules()
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(lead({}), rules=rules, now=NOW.replace(tzinfo=None))


def test_decisions_and_prior_states_survive_pickling_and_deep_copies() -> None:
    import copy
    import pickle

    rules = load_rules(REPO / "config" / "rules.yaml")
    contact = {
        "email": "ana@acme.example",
        "recent_conversion_event_name": "Demo request",
        "recent_conversion_date": _iso(2 * DAY),
    }
    decision = evaluate(lead(contact), rules=rules, now=NOW)
    assert decision.signal_memory  # the read-only mapping that used to refuse pickling
    prior = PriorState(score=decision.score, signal_memory=decision.signal_memory)
    for value in (decision, prior, PriorState()):
        for copied in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value)):
            assert copied == value
            with pytest.raises(TypeError):
                copied.signal_memory["demo request"] = NOW  # type: ignore[index]
    assert pickle.loads(pickle.dumps(decision)).compact_reasons == decision.compact_reasons


def test_evaluate_many_scores_at_one_instant_or_one_each() -> None:
    from connector.rules import evaluate_many

    rules = load_rules(REPO / "config" / "rules.yaml")
    contact = {"recent_conversion_event_name": "Demo request", "recent_conversion_date": _iso(DAY)}
    leads = [lead(contact, contact_id="1"), lead(contact, contact_id="2")]
    later = NOW + timedelta(days=40)
    prior = PriorState(in_handoff=True)
    one = evaluate_many(leads, rules=rules, now=NOW, priors={"2": prior})
    assert one == [
        evaluate(leads[0], rules=rules, now=NOW),
        evaluate(leads[1], rules=rules, now=NOW, prior=prior),
    ]
    each = evaluate_many(leads, rules=rules, now=[NOW, later])
    assert [d.engagement_points for d in each] == [
        evaluate(leads[0], rules=rules, now=NOW).engagement_points,
        evaluate(leads[1], rules=rules, now=later).engagement_points,
    ]
    assert each[0].engagement_points > each[1].engagement_points
    with pytest.raises(ValueError, match="2 instants for 3 leads"):
        evaluate_many([*leads, leads[0]], rules=rules, now=[NOW, later])
