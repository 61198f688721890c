"""Calibration: score → probability, chosen by cross-validation, stored tied to the rules
version, refused when the data cannot support it, and read by the review."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import re
from pathlib import Path

from connector.calibration_file import (
    Calibration,
    calibration_path,
    load_calibration,
    save_calibration,
)
from connector.cli import main
from connector.review.calibration import fit_calibration
from connector.review.stats import calibration as ece_of
from connector.rules import load_rules
from tests.review.conftest import EXAMPLES, MAVEN, require_dataset

RULES = """\
name: tiny
score: {fit_weight: 1.0, engagement_weight: 0.0}
grades: {A: 60, B: 40, C: 20}
temperature: {warm: 10, hot: 30}
fit:
  max_points: 100
  groups:
    - name: size
      criteria:
        - {label: big, property: size, op: gte, value: 50, points: 60}
        - {label: referred, property: source, op: eq, value: referral, points: 30}
handoff:
  when: {min_score: 50}
  sla_tiers:
    - {name: standard, response_hours: 8, task_type: CALL}
"""
MAPPING = """\
id_column: id
outcome: {column: won, converted: ["1"]}
created_at: {assume: "2026-01-01T00:00:00Z"}
columns:
  size: {property: size}
  source: {property: source}
"""


def _scores(n: int, *, signal: bool, seed: int = 3) -> tuple[list[int], list[bool]]:
    rng = random.Random(seed)
    scores = [rng.randrange(0, 101) for _ in range(n)]
    chance = [(s / 100) ** 1.5 if signal else 0.4 for s in scores]
    return scores, [rng.random() < p for p in chance]


def test_a_real_signal_is_calibrated_held_out() -> None:
    rules = load_rules(EXAMPLES / "x-education.yaml")
    scores, won = _scores(4000, signal=True)
    fit = fit_calibration(scores, won, rules=rules)
    assert fit.calibration is not None
    assert fit.calibration.rules_version == rules.version
    assert fit.method in {"isotonic", "platt"}
    assert fit.losses[fit.method] < fit.losses["constant"]
    table = fit.calibration.by_score
    assert list(table) == sorted(table)
    # the truth is (score/100)^1.5: the table finds it to within a few points mid-range
    assert abs(table[50] - 0.5**1.5) < 0.06
    assert fit.heldout_ece is not None and fit.heldout_ece < 0.03
    # the held-out ECE is the one the review's own binning gives on the held-out probabilities
    _, ece = ece_of(fit.heldout, won)
    assert ece == fit.heldout_ece


def test_no_signal_means_no_probability_and_the_base_rate() -> None:
    rules = load_rules(EXAMPLES / "x-education.yaml")
    scores, won = _scores(3000, signal=False)
    fit = fit_calibration(scores, won, rules=rules)
    assert fit.calibration is None
    assert "no signal" in fit.verdict
    assert all(abs(p - fit.base_rate) <= 0.05 for p in fit.table)


def test_too_few_outcomes_are_refused() -> None:
    rules = load_rules(EXAMPLES / "x-education.yaml")
    scores = list(range(0, 100, 2))
    won = [s > 90 for s in scores]  # 4 converters
    fit = fit_calibration(scores, won, rules=rules)
    assert fit.calibration is None
    assert "too few outcomes" in fit.verdict


def test_store_round_trip_and_a_version_mismatch_is_ignored(tmp_path: Path) -> None:
    path = calibration_path(tmp_path / "rules.yaml")
    assert path.name == "rules.calibration.json"
    table = tuple(i / 100 for i in range(101))
    save_calibration(Calibration("r", "abc", "isotonic", table, 100, 40, 0.01), path)
    found, warning = load_calibration(path, "abc")
    assert warning is None and found is not None
    assert found.probability(37) == 0.37 and found.probability(140) == 1.0
    found, warning = load_calibration(path, "other")
    assert found is None and warning is not None and "version abc" in warning
    path.write_text("{not json", encoding="utf-8")
    found, warning = load_calibration(path, "abc")
    assert found is None and warning is not None and "unreadable" in warning
    assert load_calibration(tmp_path / "none.json", "abc") == (None, None)


def _export(folder: Path) -> tuple[Path, Path, Path]:
    rng = random.Random(11)
    rows = []
    for i in range(1500):
        size, source = rng.choice([5, 80]), rng.choice(["referral", "ads"])
        p = 0.1 + 0.5 * (size >= 50) + 0.3 * (source == "referral")
        rows.append({"id": i, "size": size, "source": source, "won": int(rng.random() < p)})
    data = folder / "leads.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "size", "source", "won"])
        writer.writeheader()
        writer.writerows(rows)
    (folder / "map.yaml").write_text(MAPPING, encoding="utf-8")
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    return data, folder / "map.yaml", folder / "rules.yaml"


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_calibrate_then_review_fills_the_probability(tmp_path: Path) -> None:
    data, mapping, rules = _export(tmp_path)
    source = ["--csv", str(data), "--map", str(mapping), "--rules", str(rules)]
    code, out, err = _cli("calibrate", *source)
    assert code == 0, err
    stored = json.loads((tmp_path / "rules.calibration.json").read_text("utf-8"))
    assert stored["rules_version"] == load_rules(rules).version
    code, out, err = _cli("review", *source, "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "Calibrated probability" in out
    with (tmp_path / "out" / "scores.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_score = stored["probability_by_score"]
    assert all(abs(float(r["probability"]) - by_score[int(r["score"])]) < 1e-4 for r in rows)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert summary["current"]["probability_calibration"]["ece"] < 0.05
    assert "probability" in (tmp_path / "out" / "report.html").read_text("utf-8")
    # as a candidate next to other rules, the calibrated rules show their probability too
    other = tmp_path / "other.yaml"
    other.write_text(RULES.replace("points: 30", "points: 25"), encoding="utf-8")
    code, out, err = _cli(
        "review",
        *source[:4],
        "--rules",
        str(other),
        "--compare",
        str(rules),
        "--out",
        str(tmp_path / "cmp"),
    )
    assert code == 0, err
    compared = json.loads((tmp_path / "cmp" / "summary.json").read_text("utf-8"))
    assert compared["current"]["probability_calibration"] is None
    assert compared["candidate"]["probability_calibration"]["method"] == stored["method"]
    # the rules change: the calibration no longer applies, and the review says so
    rules.write_text(RULES.replace("points: 30", "points: 25"), encoding="utf-8")
    code, out, err = _cli("review", *source, "--out", str(tmp_path / "out2"))
    assert code == 0
    assert "calibration ignored" in err
    with (tmp_path / "out2" / "scores.csv").open(encoding="utf-8") as handle:
        assert all(r["probability"] == "" for r in csv.DictReader(handle))


def test_maven_calibration_says_no_signal_and_writes_nothing(tmp_path: Path) -> None:
    rules = tmp_path / "maven.yaml"
    rules.write_text((EXAMPLES / "maven.yaml").read_text("utf-8"), encoding="utf-8")
    code, out, err = _cli(
        "calibrate",
        "--csv",
        str(require_dataset(MAVEN)),
        "--map",
        str(EXAMPLES / "maven-mapping.yaml"),
        "--rules",
        str(rules),
    )
    assert code == 0, err
    assert "no signal" in out
    assert "No calibration written" in out
    assert not (tmp_path / "maven.calibration.json").exists()
    # what the fit would have said stays within 5 points of the base rate
    found = re.search(r"would give ([\d.]+) %–([\d.]+) % against a base rate of ([\d.]+) %", out)
    assert found is not None, out
    low, high, base = (float(x) for x in found.groups())
    assert base == 63.2
    assert base - 5 <= low <= high <= base + 5
