"""Gaps a second read of the review found: each test failed before its fix."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from connector.errors import EXIT_CONFIG
from connector.review.calibration import _table, fit_calibration
from connector.review.dataset import OutcomeSpec, ReviewLead
from connector.review.html_report import html_report
from connector.review.outputs import summary_dict
from connector.review.portal_source import read_portal_leads
from connector.review.report import build_review
from connector.review.text_report import summary_text
from connector.rules import RuleSet, load_rules, rules_from_mapping
from tests.conftest import MakeSandbox
from tests.review.conftest import ReviewRun
from tests.review.test_calibration_units import _cli, _export
from tests.review.test_portal_source import ALL_TIME
from tests.review.test_portal_source import _settings as portal_settings
from tests.review.test_suggest_units import _export as suggest_export
from tests.sync.conftest import REPO

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


def test_isotonic_does_not_claim_certainty_beyond_the_scores_seen() -> None:
    # the 5 best leads (score 90) all converted; nobody scored above 90
    scores = [20] * 300 + [50] * 300 + [80] * 100 + [90] * 5
    converted = [i % 10 == 0 for i in range(300)] + [i % 2 == 0 for i in range(300)]
    converted += [i % 5 != 0 for i in range(100)] + [True] * 5
    table = _table("isotonic", np.asarray(scores), np.asarray(converted))
    top = [c for s, c in zip(scores, converted, strict=True) if s >= 80]
    assert table[100] == pytest.approx(sum(top) / len(top))  # the top 30+ leads' own rate
    assert table[95] == table[90] == table[80]
    assert list(table) == sorted(table)


def test_a_review_of_the_leads_the_calibration_was_fitted_on_says_it_is_no_test(
    tmp_path: Path,
) -> None:
    data, mapping, rules = _export(tmp_path)
    source = ["--csv", str(data), "--map", str(mapping), "--rules", str(rules)]
    code, _, err = _cli("calibrate", *source)
    assert code == 0, err
    held = json.loads((tmp_path / "rules.calibration.json").read_text("utf-8"))["heldout_ece"]
    code, out, err = _cli("review", *source, "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert f"fitted on these leads: not a test; on folds it did not see: {held:.3f}" in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert summary["current"]["probability_calibration"]["fitted_on_these_leads"] is True
    # other leads (here: half of them) are a test of the calibration: no caveat
    lines = data.read_text("utf-8").splitlines()
    half = tmp_path / "half.csv"
    half.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    code, out, err = _cli("review", "--csv", str(half), *source[2:])
    assert code == 0, err
    assert "Calibrated probability" in out and "not a test" not in out


def test_csv_names_the_properties_the_rules_read_that_the_mapping_does_not_give(
    tmp_path: Path,
) -> None:
    data, mapping, rules = _export(tmp_path)
    mapping.write_text(
        mapping.read_text("utf-8").replace("  source: {property: source}\n", ""), "utf-8"
    )
    code, _, err = _cli("review", "--csv", str(data), "--map", str(mapping), "--rules", str(rules))
    assert code == 0, err
    assert (
        f"warning: {mapping} maps no column to 1 property the rules read, so they count as "
        "missing for every lead: source"
    ) in err
    assert "createdate" not in err  # given by the mapping's creation date


@pytest.mark.parametrize(
    "flags",
    [["--since", "2026-01-01"], ["--outcome", "customer"], ["--horizon-days", "30"]],
)
def test_csv_refuses_the_portal_only_flags_instead_of_ignoring_them(
    tmp_path: Path, flags: list[str]
) -> None:
    data, mapping, rules = _export(tmp_path)
    source = ["--csv", str(data), "--map", str(mapping), "--rules", str(rules)]
    code, out, err = _cli("review", *source, *flags)
    assert code == EXIT_CONFIG
    assert f"{flags[0]} applies to a portal review" in err
    assert out == ""


def test_the_funnel_by_month_has_rates_and_median_days_everywhere() -> None:
    day = timedelta(days=1)
    leads = []
    for i in range(60):
        created = NOW if i < 40 else NOW + 31 * day  # 40 in June, 20 in July
        stages = {"lead": created}
        if i % 2 == 0:  # half become MQLs, June after 2 days, July after 4
            stages["marketingqualifiedlead"] = created + (2 if i < 40 else 4) * day
        if i % 4 == 0:
            stages["opportunity"] = created + 10 * day
        leads.append(ReviewLead(str(i), {"size": "50"}, None, created, i % 4 == 0, stages))
    review = build_review(leads, _rules({"min_score": 40}), now=NOW)
    assert review.funnel is not None
    june, july = review.funnel.months
    assert (june.month, june.reached[:2], july.reached[:2]) == ("2026-06", (40, 20), (20, 10))
    assert june.rates[0] == pytest.approx(0.5)
    assert (june.median_days[0], july.median_days[0]) == (2.0, 4.0)
    # SQL skipped: reached through the opportunity, with no date to measure days by
    assert june.rates[1] == pytest.approx(0.5) and june.median_days[1] is None
    assert june.rates[2] == 1.0
    text = summary_text(review)
    assert (
        "  2026-07: 20 leads → MQL 50.0 % in 4 d → SQL 50.0 % → opportunity 100.0 % "
        "→ customer 0.0 %" in text
    )
    assert "<td>10 · 50.0 % · 4.0</td>" in html_report(review)
    month = summary_dict(review)["funnel"]["months"][1]
    assert month["rates"][0] == pytest.approx(0.5) and month["median_days"][0] == 4.0


def test_a_missing_compare_file_is_said_to_be_missing_without_suggesting_init(
    tmp_path: Path,
) -> None:
    data, mapping, rules = _export(tmp_path)
    source = ["--csv", str(data), "--map", str(mapping), "--rules", str(rules)]
    code, _, err = _cli("review", *source, "--compare", str(tmp_path / "nope.yaml"))
    assert code == EXIT_CONFIG
    assert f"--compare {tmp_path / 'nope.yaml'}: file not found" in err
    assert "connector init" not in err


def test_too_few_outcomes_are_counted_with_thousands_separators() -> None:
    leads = [ReviewLead(str(i), {"size": "50"}, None, NOW, i < 3) for i in range(9240)]
    review = build_review(leads, _rules({"min_score": 40}), now=NOW)
    assert "(3 converted, 9,237 did not;" in review.current.verdict
    fit = fit_calibration([50] * 9240, [i < 3 for i in range(9240)], rules=_rules({}))
    assert "(3 converted, 9,237 did not;" in fit.verdict


def test_the_candidate_says_what_fit_max_points_and_baseline_were(tmp_path: Path) -> None:
    data, mapping, rules = suggest_export(tmp_path)
    target = tmp_path / "candidate.yaml"
    code, _, err = _cli(
        "suggest",
        "--csv",
        str(data),
        "--map",
        str(mapping),
        "--rules",
        str(rules),
        "--write",
        str(target),
    )
    assert code == 0, err
    text = target.read_text("utf-8")
    assert "# was 100: 100 × fit_weight: one fit point is one score point" in text
    assert "# was none: every lead starts here" in text


def test_a_portal_review_names_properties_by_their_hubspot_labels(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(contacts=300, seed=4)
    settings = portal_settings(sandbox, tmp_path, monkeypatch)
    rules = load_rules(REPO / "config" / "rules.yaml")
    labels: dict[str, str] = {}
    leads = read_portal_leads(
        settings, rules, *ALL_TIME, OutcomeSpec(), labels=labels, stream=io.StringIO()
    )
    assert labels["jobtitle"] == "Job Title"  # the sandbox's definition, as HubSpot's
    review = build_review(leads, rules, now=NOW, labels=labels)
    shown = [q.label for q in review.current.quality]
    assert "Job Title" in shown and "jobtitle" not in shown
