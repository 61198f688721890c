"""The review's numbers on small hand-made data: AUC, verdicts, funnel, SLA, compare, mapping."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score

from connector.cli import main
from connector.errors import EXIT_CONFIG, ConfigError
from connector.review.csv_mapping import load_mapping
from connector.review.csv_source import read_csv_leads
from connector.review.dataset import RecordedDecision, ReviewLead
from connector.review.html_report import html_report
from connector.review.report import build_review
from connector.review.stats import auc, auc_with_interval, calibration
from connector.review.text_report import summary_text
from connector.rules import RuleSet, rules_from_mapping
from tests.review.conftest import DATASETS, REPO, size_rules

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _rules(mql: int = 40) -> RuleSet:
    return size_rules("tiny", mql=mql)


def _lead(i: int, size: str | None, converted: bool, **more: object) -> ReviewLead:
    contact = {} if size is None else {"size": size}
    return ReviewLead(f"L{i}", contact, None, NOW, converted, **more)  # type: ignore[arg-type]


def test_auc_matches_scikit_learn_with_ties_and_the_interval_covers_it() -> None:
    rng = random.Random(3)
    scores = [rng.randint(0, 20) for _ in range(500)]
    ys = [rng.random() < 0.2 + s / 40 for s in scores]
    assert auc(scores, ys) == pytest.approx(roc_auc_score(ys, scores), abs=1e-12)
    found = auc_with_interval(scores, ys, resamples=300)
    assert found.low is not None and found.high is not None and found.value is not None
    assert found.low < found.value < found.high
    assert found == auc_with_interval(scores, ys, resamples=300)  # seeded: reproducible


def test_calibration_error_is_zero_when_predictions_are_the_observed_rates() -> None:
    bins, ece = calibration(
        [0.25] * 4 + [0.75] * 4, [True, False, False, False] + [True] * 3 + [False]
    )
    assert ece == pytest.approx(0.0)
    assert [(b.leads, b.observed) for b in bins] == [(4, 0.25), (4, 0.75)]


def test_too_few_outcomes_is_no_signal_in_words() -> None:
    leads = [_lead(i, "500", i < 5) for i in range(40)]
    review = build_review(leads, _rules(), now=NOW)
    assert review.current.signal is False
    assert "too few outcomes" in review.current.verdict
    assert "Over-filtering" not in summary_text(review)


def test_over_filtering_names_the_missing_data_and_the_penalty() -> None:
    leads = [_lead(i, "500", True) for i in range(40)]
    leads += [_lead(100 + i, None, True) for i in range(30)]  # converters with no size
    leads += [_lead(200 + i, "5", True) for i in range(10)]  # converters penalised as tiny
    leads += [_lead(300 + i, "5", False) for i in range(60)]
    leads += [_lead(400 + i, "500", False) for i in range(20)]
    review = build_review(leads, _rules(), now=NOW)
    of = review.current.over_filtering
    assert (of.converters, of.below_bar, of.not_handed_off) == (80, 40, 40)
    held = {h.what: h.converters for h in of.held_down}
    assert held["size missing"] == 30
    assert held["tiny"] == 10
    assert review.current.auc.value == pytest.approx(
        roc_auc_score(
            [ld.converted for ld in leads], [s.decision.score for s in review.current.scored]
        )
    )


def test_compare_scores_the_candidate_side_by_side() -> None:
    leads = [_lead(i, "500", i % 3 != 0) for i in range(60)] + [
        _lead(100 + i, "5", i % 3 == 0) for i in range(60)
    ]
    review = build_review(leads, _rules(mql=40), now=NOW, compare=_rules(mql=0))
    assert review.candidate is not None
    assert review.current.over_filtering.below_bar == 20
    assert review.candidate.over_filtering.below_bar == 0
    assert "Candidate: tiny" in summary_text(review)


def test_funnel_sla_and_recorded_decisions_when_the_portal_knows_them() -> None:
    day = timedelta(days=1)
    leads = []
    for i in range(40):
        stages = {"lead": NOW, "marketingqualifiedlead": NOW + 2 * day}
        if i < 20:
            stages["opportunity"] = NOW + 6 * day  # SQL skipped: still counts as reached
        recorded = RecordedDecision(
            80 if i < 20 else 10, "A", "A-hot", NOW if i < 30 else None, NOW
        )
        leads.append(
            _lead(
                i,
                "500",
                i < 20,
                stage_dates=stages,
                recorded=recorded,
                touched_within_sla=(i % 2 == 0) if i < 30 else None,
            )
        )
    review = build_review(leads, _rules(), now=NOW)
    assert review.funnel is not None
    steps = {s.stage: s for s in review.funnel.steps}
    assert steps["marketingqualifiedlead"].reached == 40
    assert steps["salesqualifiedlead"].reached == 20
    assert steps["opportunity"].reached == 20
    assert steps["marketingqualifiedlead"].median_days_from_previous == pytest.approx(2.0)
    assert [m.month for m in review.funnel.months] == ["2026-06"]
    assert review.sla is not None
    assert (review.sla.handoffs_known, review.sla.in_time) == (30, 15)
    assert review.recorded_auc == pytest.approx(1.0)
    # handed off as recorded (the first 30), not as re-scored
    assert review.current.over_filtering.not_handed_off == 0
    html = html_report(review)
    assert 'aria-label="Funnel"' in html and "SLA" in html


def test_a_mapping_naming_a_column_the_file_lacks_fails_with_the_column(tmp_path: Path) -> None:
    data = tmp_path / "leads.csv"
    data.write_text("id,won,size\n1,Won,5\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "id_column: id\noutcome: {column: won, converted: [Won]}\n"
        "columns: {Size: {property: size}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="does not have: Size"):
        read_csv_leads(data, load_mapping(mapping))
    mapping.write_text("id_column: id\noutcome: {column: won}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"map.yaml:2: outcome.converted required"):
        load_mapping(mapping)


def test_missing_tokens_and_joins_are_applied(tmp_path: Path) -> None:
    (tmp_path / "deals.csv").write_text(
        "id,stage,acct,size,when\n1,Won,a,Select,2026-01-05\n2,Lost,b,7,2026-02-01\n3,Open,a,9,\n",
        encoding="utf-8",
    )
    (tmp_path / "accounts.csv").write_text("name,sector\na,tech\nb,Select\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "id_column: id\noutcome: {column: stage, converted: [won], undecided: [open]}\n"
        "created_at: {column: when}\nmissing: ['', Select]\n"
        "columns: {size: {property: size}}\n"
        "joins:\n  - {file: accounts.csv, by: acct, key: name,"
        " columns: {sector: {property: industry, into: company}}}\n",
        encoding="utf-8",
    )
    leads = read_csv_leads(tmp_path / "deals.csv", load_mapping(mapping))
    assert [(ld.lead_id, ld.converted) for ld in leads] == [("1", True), ("2", False)]
    assert "size" not in leads[0].contact and leads[1].contact["size"] == "7"
    assert leads[0].company == {"industry": "tech"} and leads[1].company is None
    assert leads[0].created_at == datetime(2026, 1, 5, tzinfo=UTC)
    assert leads[0].contact["createdate"].startswith("2026-01-05")


def test_the_shared_datasets_sit_beside_the_checkout() -> None:
    # resolved from the repository, not the working directory: a fresh clone finds them too
    assert DATASETS.name == "datasets" and DATASETS.parent.name == "shared"
    assert (DATASETS / "leads-x-education" / "SOURCE.md").is_file()


def test_csv_without_a_mapping_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = str(REPO / "config" / "rules.yaml")
    assert main(["review", "--csv", str(tmp_path / "x.csv"), "--rules", rules]) == EXIT_CONFIG
    assert "--csv needs --map" in capsys.readouterr().err


def test_a_property_that_alone_separates_outcomes_is_flagged_as_a_leak() -> None:
    # `size` here is the outcome in disguise: big exactly for the converters
    leads = [_lead(i, "500" if i < 60 else "5", i < 60) for i in range(120)]
    review = build_review(leads, _rules(), now=NOW)
    assert [w.prop for w in review.current.leaks] == ["size"]
    assert "implausibly well" in review.current.leaks[0].why
    honest = build_review(
        [_lead(i, "500" if i % 2 else "5", i % 3 == 0) for i in range(120)], _rules(), now=NOW
    )
    assert honest.current.leaks == []


def test_capacity_counts_handoffs_per_week_at_each_threshold() -> None:
    leads = [
        ReviewLead(
            str(i),
            {"size": "500" if i < 28 else "50"},
            None,
            NOW + timedelta(days=i % 28),
            i % 2 == 0,
        )
        for i in range(56)
    ]
    review = build_review(leads, _rules(), now=NOW)
    at_70 = next(c for c in review.current.capacity if c.threshold == 70)
    assert at_70.handoffs == 28  # the big ones score 70
    assert at_70.per_week == pytest.approx(28 / (27 / 7))
    assert at_70.converters_caught == 14


def test_a_criterion_on_the_lead_status_is_a_leak_though_the_sync_always_reads_it() -> None:
    spec = _rules().spec.model_dump(mode="json", exclude_none=True)
    spec["fit"]["groups"][0]["criteria"].append(
        {
            "label": "rep connected",
            "property": "hs_lead_status",
            "op": "eq",
            "value": "CONNECTED",
            "points": 30,
        }
    )
    leads = [_lead(i, "500", i % 2 == 0) for i in range(80)]
    plain = build_review(leads, _rules(), now=NOW)
    assert plain.current.leaks == []
    review = build_review(leads, rules_from_mapping(spec, source="test"), now=NOW)
    assert [w.prop for w in review.current.leaks] == ["hs_lead_status"]
