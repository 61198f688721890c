"""What fitting needs of the rules: a baseline, tiers that go up and down, undated counts."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from rules_helpers import BASE, NOW, build_rules, lead

from connector.errors import ConfigError
from connector.rules import evaluate, load_rules, rules_from_mapping
from connector.rules.readability import ValueCheck

REPO = Path(__file__).resolve().parents[2]
DAY = timedelta(days=1)
#: "Some website time is worse than none, and a lot is better."
WEBSITE_TIERS = [{"below": 1, "points": 0}, {"below": 300, "points": -4}, {"points": 12}]


def _iso(delta: timedelta) -> str:
    return (NOW - delta).isoformat().replace("+00:00", "Z")


def _fit(*criteria: dict[str, Any], baseline: float | None = None) -> dict[str, Any]:
    fit: dict[str, Any] = {"max_points": 100, "groups": [{"name": "g", "criteria": list(criteria)}]}
    if baseline is not None:
        fit["baseline"] = baseline
    return fit


def test_a_baseline_is_added_to_every_contact_and_shown_as_a_reason() -> None:
    rules = build_rules(
        fit=_fit({"property": "a", "op": "present", "points": -30}, baseline=50),
        score={"fit_weight": 1.0, "engagement_weight": 0.0},
    )
    with_a = evaluate(lead({"a": "x"}), rules=rules, now=NOW)
    without = evaluate(lead({}), rules=rules, now=NOW)
    # Without a baseline the −30 would be clipped to 0: the baseline keeps it visible.
    assert (with_a.score, without.score) == (20, 50)
    assert (with_a.fit_points, without.fit_points) == (20, 50)
    assert [(r.kind, r.points) for r in without.reasons] == [("baseline", 50)]
    assert "+50 baseline" in without.compact_reasons
    assert [r.points for r in with_a.reasons] == [50, -30]


def test_a_negative_baseline_lowers_every_score() -> None:
    rules = build_rules(
        fit=_fit({"property": "a", "op": "present", "points": 40}, baseline=-12),
        score={"fit_weight": 1.0, "engagement_weight": 0.0},
    )
    assert evaluate(lead({"a": "x"}), rules=rules, now=NOW).score == 28
    nothing = evaluate(lead({}), rules=rules, now=NOW)
    assert nothing.score == 0
    assert [(r.criterion, r.points) for r in nothing.reasons] == [
        ("baseline", -12),
        ("fit below zero counts as zero", 12),
    ]


@pytest.mark.parametrize(
    ("seconds", "points", "band"),
    [
        ("0", 0, "website time under 1"),
        ("0.5", 0, "website time under 1"),
        ("1", -4, "website time 1 to under 300"),
        ("299", -4, "website time 1 to under 300"),
        ("300", 12, "website time 300 or more"),
        ("5000", 12, "website time 300 or more"),
    ],
)
def test_fit_tiers_go_up_and_down(seconds: str, points: int, band: str) -> None:
    rules = build_rules(
        fit=_fit({"property": "time_on_site", "label": "website time", "tiers": WEBSITE_TIERS}),
        score={"fit_weight": 1.0, "engagement_weight": 0.0},
    )
    decision = evaluate(lead({"time_on_site": seconds}), rules=rules, now=NOW)
    assert decision.fit_points == points
    assert [(r.criterion, r.observed, r.raw) for r in decision.reasons if r.kind == "fit"] == [
        (band, f"{float(seconds):g}", points)
    ]


def test_a_tiered_criterion_without_a_number_gives_nothing() -> None:
    rules = build_rules(fit=_fit({"property": "t", "tiers": WEBSITE_TIERS}))
    for value in (None, "", "soon", "NaN"):
        decision = evaluate(lead({"t": value}), rules=rules, now=NOW)
        assert decision.fit_points == 0 and not decision.reasons


def test_undated_counts_score_by_tiers_without_decay() -> None:
    rules = build_rules(
        engagement={
            "max_points": 100,
            "signals": [
                {
                    "name": "website time",
                    "stage": "top",
                    "count": "time_on_site",
                    "tiers": WEBSITE_TIERS,
                },
                {"name": "visits", "stage": "top", "count": "visits", "points": 2, "cap": 10},
            ],
        },
        score={"fit_weight": 0.0, "engagement_weight": 1.0},
    )
    hot = lead({"time_on_site": "900", "visits": "3"})
    now = evaluate(hot, rules=rules, now=NOW)
    later = evaluate(hot, rules=rules, now=NOW + 400 * DAY)
    assert now.engagement_points == later.engagement_points == 12 + 6
    assert now.rescore_at is None  # nothing fades
    assert [(r.criterion, r.observed) for r in now.reasons] == [
        ("website time 300 or more", "900"),
        ("visits", "×3"),
    ]
    some = evaluate(lead({"time_on_site": "120"}), rules=rules, now=NOW)
    none = evaluate(lead({"time_on_site": "0"}), rules=rules, now=NOW)
    assert some.engagement_points == -4 < none.engagement_points == 0
    assert some.score == 0 and some.temperature == "cold"
    assert sum(r.points for r in some.reasons) == 0  # −4 and "score below zero" +4


def test_negative_engagement_lowers_the_fit_part_of_the_score() -> None:
    rules = build_rules(
        fit=_fit({"property": "a", "op": "present", "points": 60}),
        engagement={
            "max_points": 10,
            "signals": [{"name": "t", "stage": "top", "count": "t", "tiers": WEBSITE_TIERS}],
        },
    )
    assert evaluate(lead({"a": "x", "t": "0"}), rules=rules, now=NOW).score == 30
    # −4 of 10 engagement points at half weight: −20 score points.
    decision = evaluate(lead({"a": "x", "t": "50"}), rules=rules, now=NOW)
    assert decision.score == 10
    assert [(r.criterion, r.points) for r in decision.reasons] == [
        ("a present", 30),
        ("t 1 to under 300", -20),
    ]


def test_dated_tiers_decay_and_rescore_when_they_cross_a_bar() -> None:
    rules = build_rules(
        engagement={
            "max_points": 100,
            "signals": [
                {
                    "name": "page views",
                    "stage": "top",
                    "at": "last_visit",
                    "count": "views",
                    "tiers": [{"below": 5, "points": 2}, {"points": 40}],
                    "decay": {"half_life_days": 10},
                }
            ],
        },
        score={"fit_weight": 0.0, "engagement_weight": 1.0},
    )
    decision = evaluate(lead({"last_visit": _iso(0 * DAY), "views": "12"}), rules=rules, now=NOW)
    assert decision.engagement_points == 40 and decision.temperature == "hot"
    assert decision.reasons[0].observed == "12, last today"
    assert decision.rescore_at is not None and decision.rescore_at > NOW


def test_a_signal_without_a_date_is_never_remembered() -> None:
    rules = build_rules(
        engagement={
            "signals": [{"name": "v", "stage": "bottom", "count": "v", "points": 5}],
        }
    )
    assert not rules.engagement.signals[0].remember
    decision = evaluate(lead({"v": "2"}), rules=rules, now=NOW)
    assert not decision.signal_memory and decision.engagement_points == 10


def test_adding_baseline_tiers_and_undated_signals_did_not_re_version_existing_files() -> None:
    # The equivalence snapshot checks every decision's version; here: the new fields exist,
    # unset, and a file's dump (as a tool that edits rules would write it) compiles back to
    # the same version, with or without tiers.
    rules = load_rules(REPO / "config" / "examples" / "professional-services.yaml")
    data = rules.spec.model_dump(mode="json")
    assert data["fit"]["baseline"] is None
    assert rules_from_mapping(data).version == rules.version
    tiered = build_rules(fit=_fit({"property": "t", "tiers": WEBSITE_TIERS}, baseline=-5))
    again = rules_from_mapping(tiered.spec.model_dump(mode="json"))
    assert again.version == tiered.version


def _error(**sections: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        rules_from_mapping({**BASE, **sections}, source="rules.yaml")
    return str(caught.value)


def _signal(**fields: Any) -> dict[str, Any]:
    return {"engagement": {"signals": [{"name": "s", "stage": "top", **fields}]}}


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {
                "fit": _fit(
                    {
                        "property": "t",
                        "tiers": [
                            {"below": 300, "points": 1},
                            {"below": 100, "points": 2},
                            {"points": 3},
                        ],
                    }
                )
            },
            "fit.groups[0].criteria[0]: tiers must go up: tier 2 stops below 100, not "
            "above the tier before it (300) — list the tiers from the lowest number up",
        ),
        (
            {
                "fit": _fit(
                    {
                        "property": "t",
                        "tiers": [{"below": 1, "points": 0}, {"below": 9, "points": 2}],
                    }
                )
            },
            "the last tier has `below: 9`, so numbers from 9 up would score nothing",
        ),
        (
            {"fit": _fit({"property": "t", "tiers": [{"points": 0}, {"points": 2}]})},
            "tier 1 has no `below:` — only the last tier is open-ended",
        ),
        (
            {"fit": _fit({"property": "t", "op": "gt", "value": 1, "tiers": WEBSITE_TIERS})},
            "`tiers:` read the number itself — remove `op: gt`",
        ),
        (
            {"fit": _fit({"property": "t", "tiers": WEBSITE_TIERS, "points": 3})},
            "give `points:` or `tiers:`, not both",
        ),
        (
            {"fit": _fit({"property": "t", "tiers": [{"points": 500}]})},
            "points out of range: fit.groups[0].criteria[0] (t) gives 500",
        ),
        ({"fit": {"baseline": -150}}, "fit.baseline is -150"),
        (
            _signal(count="t", tiers=WEBSITE_TIERS, at="d", decay={"half_life_days": 5}),
            "a tier gives -4 and the signal decays: a fading penalty would raise scores with "
            "time alone — remove `decay:` or keep every tier at 0 or more",
        ),
        (_signal(points=3), "a signal without `at:` scores a number — add `count: <property>`"),
        (_signal(tiers=WEBSITE_TIERS, at="d"), "tiers score a number — add `count: <property>`"),
        (
            _signal(count="t", points=3, decay={"lifespan_days": 5}),
            "a signal without `at:` has no age to decay — remove `decay:`",
        ),
        (_signal(count="t", at="d"), "a signal needs either `points:`"),
        (_signal(count="t", tiers=WEBSITE_TIERS, cap=5), "`cap:` does not go with `tiers:`"),
    ],
)
def test_mistakes_are_one_line_errors_in_the_products_words(
    sections: dict[str, Any], message: str
) -> None:
    text = _error(**sections)
    assert message in text
    assert "\n" not in text.strip() or text.count("\n") == 1  # one problem, one line


def test_a_word_where_a_tier_reads_a_number_is_reported_as_unreadable() -> None:
    rules = build_rules(
        fit=_fit({"property": "t", "tiers": WEBSITE_TIERS}),
        engagement={"signals": [{"name": "v", "stage": "top", "count": "v", "points": 1}]},
    )
    check = ValueCheck.of(rules)
    assert check.unreadable(lead({"t": "a while", "v": "many"})) == ("t", "v")
    assert check.unreadable(lead({"t": "12.5", "v": "3"})) == ()


def test_rescore_follows_a_fading_signal_down_past_zero_onto_a_negative_tier() -> None:
    # Fit 60 (30 score points) and an undated −4 of 10 engagement points (−20): as a fresh
    # demo request (+10) fades, the score falls from 60 through 30 down to 10.
    rules = build_rules(
        fit=_fit({"property": "a", "op": "present", "points": 60}),
        engagement={
            "max_points": 10,
            "signals": [
                {"name": "time", "stage": "top", "count": "t", "tiers": WEBSITE_TIERS},
                {
                    "name": "demo",
                    "stage": "bottom",
                    "at": "d",
                    "points": 10,
                    "decay": {"half_life_days": 10},
                },
            ],
        },
    )
    contact = lead({"a": "x", "t": "100", "d": _iso(0 * DAY)})
    now, scores = NOW, []
    for _ in range(200):
        decision = evaluate(contact, rules=rules, now=now)
        scores.append(decision.score)
        if decision.rescore_at is None:
            break
        assert (
            evaluate(
                contact, rules=rules, now=decision.rescore_at - timedelta(milliseconds=1)
            ).score
            == decision.score
        )
        now = decision.rescore_at
    # Every step down is caught, one point at a time, below zero engagement too; then nothing.
    assert scores[0] == 60 and scores[-1] == 10 and decision.rescore_at is None
    assert all(0 <= a - b <= 1 for a, b in itertools.pairwise(scores))


def test_a_tier_on_a_phone_number_never_shows_the_number() -> None:
    rules = build_rules(fit=_fit({"property": "phone", "tiers": WEBSITE_TIERS}))
    decision = evaluate(lead({"phone": "4915112345"}), rules=rules, now=NOW)
    assert decision.reasons[0].raw == 12 and decision.reasons[0].observed is None
    assert "4915112345" not in decision.full_reasons + decision.compact_reasons
