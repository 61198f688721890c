"""Reasons add up: over random rules and leads, the reasons' points sum exactly to the score.

Rules are drawn with everything that bends the arithmetic: weights, scales, group caps and
floors, first-match groups, a baseline, tiers that go up and down, dated and undated signals,
decay, fit and engagement beyond their scales, a disqualifier with its cap. Leads are drawn
with numbers, garbage and dates.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_helpers import BASE, NOW, example_rules_files
from test_rules_properties import _effective as effective

from connector.rules import Decision, LeadInput, evaluate, load_rules, rules_from_mapping
from connector.sandbox.seed import generate_portal

REPO = Path(__file__).resolve().parents[2]
PROFILE = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMBERS = ("n0", "n1", "n2")
DATES = ("d0", "d1")

_points = st.integers(min_value=-20, max_value=20) | st.floats(
    min_value=-20, max_value=20, allow_nan=False
).map(lambda x: round(x, 3))


@st.composite
def _tiers(draw: st.DrawFn, *, least: float = -20) -> list[dict[str, Any]]:
    bounds = sorted(draw(st.sets(st.integers(min_value=-5, max_value=400), max_size=4)))
    points = st.integers(min_value=int(least), max_value=20)
    tiers: list[dict[str, Any]] = [{"below": b, "points": draw(points)} for b in bounds]
    return [*tiers, {"points": draw(points)}]


@st.composite
def _criterion(draw: st.DrawFn) -> dict[str, Any]:
    prop = draw(st.sampled_from(NUMBERS))
    kind = draw(st.sampled_from(["gte", "present", "missing", "tiers"]))
    if kind == "tiers":
        return {"property": prop, "tiers": draw(_tiers())}
    spec: dict[str, Any] = {"property": prop, "op": kind, "points": draw(_points)}
    if kind == "gte":
        spec["value"] = draw(st.integers(min_value=0, max_value=300))
    return spec


@st.composite
def _group(draw: st.DrawFn, index: int) -> dict[str, Any]:
    group: dict[str, Any] = {
        "name": f"g{index}",
        "mode": draw(st.sampled_from(["sum", "first"])),
        "criteria": draw(st.lists(_criterion(), min_size=1, max_size=4)),
    }
    if draw(st.booleans()):
        group["cap"] = draw(st.integers(min_value=1, max_value=30))
    if draw(st.booleans()):
        group["floor"] = draw(st.integers(min_value=-30, max_value=-1))
    return group


@st.composite
def _signal(draw: st.DrawFn, index: int) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": f"s{index}", "stage": draw(st.sampled_from(["top", "bottom"]))}
    dated = draw(st.booleans())
    tiered = draw(st.booleans())
    if dated:
        spec["at"] = draw(st.sampled_from(DATES))
        if not tiered or draw(st.booleans()):
            spec["decay"] = draw(st.sampled_from([{"half_life_days": 10}, {"lifespan_days": 30}]))
    if tiered:
        spec["count"] = draw(st.sampled_from(NUMBERS))
        spec["tiers"] = draw(_tiers(least=0 if "decay" in spec else -20))
    else:
        spec["points"] = draw(st.integers(min_value=1, max_value=60))
        if not dated or draw(st.booleans()):
            spec["count"] = draw(st.sampled_from(NUMBERS))
            if draw(st.booleans()):
                spec["cap"] = draw(st.integers(min_value=1, max_value=80))
    return spec


@st.composite
def _rules(draw: st.DrawFn) -> dict[str, Any]:
    fit_weight = draw(st.sampled_from([0.0, 0.3, 0.5, 0.6, 1.0]))
    fit_max = draw(st.sampled_from([20, 60, 100]))
    groups = [draw(_group(i)) for i in range(draw(st.integers(min_value=0, max_value=3)))]
    fit: dict[str, Any] = {"max_points": fit_max, "groups": groups}
    if draw(st.booleans()):
        fit["baseline"] = draw(st.integers(min_value=-fit_max, max_value=fit_max))
    signals = [draw(_signal(i)) for i in range(draw(st.integers(min_value=0, max_value=4)))]
    rules: dict[str, Any] = {
        **BASE,
        "score": {
            "fit_weight": fit_weight,
            "engagement_weight": round(1.0 - fit_weight, 1),
            "disqualified_max_score": draw(st.integers(min_value=0, max_value=100)),
        },
        "fit": fit,
        "engagement": {"max_points": draw(st.sampled_from([10, 50, 100])), "signals": signals},
    }
    if draw(st.booleans()):
        rules["disqualifiers"] = [{"label": "dq", "property": "n2", "op": "gt", "value": 250}]
    return rules


_number_text = st.one_of(
    st.none(),
    st.integers(min_value=-10, max_value=500).map(str),
    st.floats(min_value=-10, max_value=500, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.sampled_from(["", "NaN", "x", "1e999"]),
)
_date_text = st.one_of(
    st.none(),
    st.integers(min_value=-2, max_value=200).map(
        lambda days: (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")
    ),
    st.sampled_from(["", "2026-02-30T00:00:00Z"]),
)


@st.composite
def _lead(draw: st.DrawFn) -> LeadInput:
    contact = {name: draw(_number_text) for name in NUMBERS}
    contact.update({name: draw(_date_text) for name in DATES})
    return LeadInput("1", contact)


def assert_adds_up(decision: Decision) -> None:
    """The reasons' whole points sum to the score; so do the compact text's numbers."""
    points = [r.points for r in decision.reasons]
    assert all(float(p).is_integer() for p in points)
    assert sum(points) == decision.score, decision.full_reasons
    counted = [r for r in decision.reasons if r.counted]
    assert abs(sum(r.exact or 0.0 for r in counted) - decision.score) < 0.5 + 1e-6
    for r in counted:
        assert r.exact is None or abs(r.points - r.exact) < 1, r
    if decision.disqualified is not None:
        assert decision.reasons[0].kind == "disqualifier"
        assert decision.reasons[0] == decision.disqualified
    if len(counted) < len(decision.reasons):
        # Held down by the disqualifier: it carries the score, nothing else counts.
        assert decision.disqualified is not None
        assert decision.disqualified.points == decision.score
        assert all(r.points == 0 for r in decision.reasons if not r.counted)
        assert all(
            not r.counted for r in decision.reasons if r.kind not in ("disqualifier", "policy")
        )
    # Every item of the compact line that carries a number: they add up to the score too
    # (lines worth ±0 are left out; cut items are summed up as "+N more (±x)").
    shown = 0
    for item in decision.compact_reasons.split(" · "):
        more = re.fullmatch(r"\+\d+ more \(([+−±]\d+)\)", item)
        head = more.group(1) if more else item.split(" ")[0]
        if re.fullmatch(r"[+−]\d+", head):
            shown += int(head.replace("−", "-"))
        elif item.startswith("disqualified: "):
            held = re.search(r", score held at (\d+)$", item)
            shown += int(held.group(1)) if held else 0
    assert shown == decision.score, decision.compact_reasons


@PROFILE
@given(spec=_rules(), lead=_lead(), hours=st.integers(min_value=0, max_value=3000))
def test_reasons_sum_exactly_to_the_score(
    spec: dict[str, Any], lead: LeadInput, hours: int
) -> None:
    rules = rules_from_mapping(spec)
    # A tool that writes rules back (a fitted candidate) gets the same rules from the dump.
    assert rules_from_mapping(rules.spec.model_dump(mode="json")).version == rules.version
    decision = evaluate(lead, rules=rules, now=NOW + timedelta(hours=hours))
    assert 0 <= decision.score <= 100
    assert_adds_up(decision)


def test_the_shipped_rules_add_up_on_the_sandbox_portal() -> None:
    portal = generate_portal(seed=5, contacts=600, now=NOW)
    companies = {c.id: c.properties for c in portal.companies}
    files = [REPO / "config" / "rules.yaml", *example_rules_files()]
    checked = 0
    for path in files:
        rules = load_rules(path)
        for c in portal.contacts:
            company = companies.get(c.properties.get("associatedcompanyid") or "")
            for days in (0, 30):
                decision = evaluate(
                    LeadInput(c.id, c.properties, company),
                    rules=rules,
                    now=NOW + timedelta(days=days),
                )
                assert_adds_up(decision)
                checked += 1
    assert checked >= 2 * 600 * 5


@PROFILE
@given(spec=_rules(), lead=_lead(), hours=st.integers(min_value=0, max_value=3000))
def test_rescore_at_stays_the_first_change_with_tiers_baselines_and_undated_signals(
    spec: dict[str, Any], lead: LeadInput, hours: int
) -> None:
    """Negative tiers never decay and undated signals never fade, so engagement points still
    never grow with time alone: rescore_at stays exact on the rules fitting can write."""
    rules = rules_from_mapping(spec)
    now = NOW + timedelta(hours=hours)
    decision = evaluate(lead, rules=rules, now=now)
    reference = effective(lead, decision, None, now, rules)
    at = decision.rescore_at
    if at is None:
        assert effective(lead, decision, None, now + timedelta(days=3 * 365), rules) == reference
        return
    assert at > now
    assert effective(lead, decision, None, at - timedelta(milliseconds=1), rules) == reference
    assert effective(lead, decision, None, at, rules) != reference


def test_a_disqualifier_that_holds_the_score_carries_it_and_marks_the_rest() -> None:
    spec: dict[str, Any] = {
        **BASE,
        "score": {"fit_weight": 0.5, "engagement_weight": 0.5, "disqualified_max_score": 10},
        "fit": {"groups": [{"name": "g", "criteria": [_present("size", 40), _present("x", -6)]}]},
        "disqualifiers": [{"label": "competitor", "property": "n2", "op": "gt", "value": 250}],
    }
    rules = rules_from_mapping(spec)
    held = evaluate(LeadInput("1", {"size": "1", "x": "1", "n2": "300"}), rules=rules, now=NOW)
    assert held.score == 10
    assert [(r.kind, r.points, r.counted) for r in held.reasons] == [
        ("disqualifier", 10, True),
        ("fit", 0, False),
        ("fit", 0, False),
    ]
    assert [r.exact for r in held.reasons] == [10, 20, -3]  # what they would have given
    assert held.compact_reasons == (
        "disqualified: competitor (300), score held at 10 · 2 reasons not counted"
    )
    assert "✗  size present  [fit: g, +40.0 fit points; not counted]" in held.full_reasons
    # Below its cap a disqualifier holds nothing down: the criteria count as usual.
    low = evaluate(LeadInput("1", {"x": "1", "n2": "300"}), rules=rules, now=NOW)
    assert low.score == 0
    assert (low.reasons[0].kind, low.reasons[0].counted) == ("disqualifier", True)
    assert all(r.counted for r in low.reasons)
    assert low.compact_reasons.startswith("disqualified: competitor (300) · ")


def _present(prop: str, points: float) -> dict[str, Any]:
    return {"label": f"{prop} present", "property": prop, "op": "present", "points": points}
