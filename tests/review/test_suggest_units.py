"""`connector suggest` on small made-up exports: what it fits, what it writes, what it refuses."""

from __future__ import annotations

import contextlib
import csv
import io
import random
from pathlib import Path

import pytest

from connector.cli import main
from connector.review.dataset import ReviewLead
from connector.review.scoring import properties_read
from connector.review.suggest_features import design_matrix, layout_for
from connector.rules import load_rules, rules_from_mapping

MAPPING = """\
name: made-up
id_column: id
outcome: {column: won, converted: ["1"]}
created_at: {assume: "2026-01-01T00:00:00Z"}
columns:
  plan: {property: plan}
  seats: {property: seats}
  colour: {property: colour}
  region: {property: region}
  visits: {property: visits}
  stage_note: {property: stage_note, known: after_contact}
"""

RULES = """\
name: made-up
score: {fit_weight: 0.6, engagement_weight: 0.4}
grades: {A: 40, B: 25, C: 10}
temperature: {warm: 5, hot: 15}
fit:
  max_points: 100
  groups:
    - name: plan
      mode: first
      criteria:
        - {label: enterprise plan, property: plan, op: eq, value: enterprise, points: 10}
        - {label: team plan, property: plan, op: eq, value: team, points: 30}
    - name: size
      criteria:
        - {label: many seats, property: seats, op: gte, value: 50, points: 20}
engagement:
  max_points: 30
  signals:
    - {name: visits, stage: top, count: visits, points: 3, cap: 15}
lifecycle:
  lead: {min_score: 0}
  marketingqualifiedlead: {min_score: 40, grades: [A, B, C]}
handoff:
  when: {min_score: 60}
  sla_tiers:
    - {name: standard, response_hours: 8, task_type: CALL}
"""


def _export(folder: Path, n: int = 700) -> tuple[Path, Path, Path]:
    """Leads whose outcome depends on plan and visits, a region that adds a little, noise."""
    rng = random.Random(7)
    rows = []
    for i in range(n):
        plan = rng.choice(["enterprise", "team", "free"])
        visits = rng.choice([0, 1, 2, 5, 9, 20])
        region = rng.choice(["north", "south", "east"])
        logit = {"enterprise": 1.2, "team": 0.0, "free": -1.5}[plan] + 0.12 * visits
        logit += 0.8 if region == "north" else 0.0
        won = rng.random() < 1 / (1 + 2.718281828 ** -(logit - 0.5))
        rows.append(
            {
                "id": str(i),
                "plan": plan,
                "seats": str(rng.choice([5, 20, 80])),
                "colour": rng.choice(["red", "blue"]),  # says nothing
                "region": region,
                "visits": str(visits),
                "stage_note": "won" if won else "lost",
                "won": "1" if won else "0",
            }
        )
    data = folder / "leads.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    mapping = folder / "map.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    rules = folder / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    return data, mapping, rules


def _suggest(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["suggest", *args])
    return code, out.getvalue(), err.getvalue()


def test_first_mode_group_credits_only_the_first_match() -> None:
    rules = rules_from_mapping(
        {
            "grades": {"A": 3, "B": 2, "C": 1},
            "temperature": {"warm": 1, "hot": 2},
            "fit": {
                "groups": [
                    {
                        "name": "size",
                        "mode": "first",
                        "criteria": [
                            {"property": "n", "op": "gte", "value": 100, "points": 20},
                            {"property": "n", "op": "gte", "value": 10, "points": 10},
                        ],
                    }
                ]
            },
            "handoff": {
                "when": {"min_score": 50},
                "sla_tiers": [{"name": "s", "response_hours": 8, "task_type": "CALL"}],
            },
        }
    )
    leads = [
        ReviewLead(str(i), {"n": n}, None, None, False) for i, n in enumerate(["500", "50", "5"])
    ]
    x = design_matrix(layout_for(rules, leads), leads)
    assert x.tolist() == [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]


def test_candidate_keeps_structure_fits_the_outcomes_and_shows_evidence(tmp_path: Path) -> None:
    data, mapping, rules = _export(tmp_path)
    target = tmp_path / "candidate.yaml"
    code, out, err = _suggest(
        "--csv", str(data), "--map", str(mapping), "--rules", str(rules), "--write", str(target)
    )
    assert code == 0, err
    text = target.read_text("utf-8")
    candidate = load_rules(target)
    # the admin's groups and labels, in their order
    assert [g.name for g in candidate.spec.fit.groups] == ["plan", "size"]
    plan = candidate.spec.fit.groups[0].criteria
    assert [c.label for c in plan] == ["enterprise plan", "team plan"]
    # the outcomes say enterprise beats team, whatever the admin thought (10 vs 30)
    assert plan[0].points is not None and plan[1].points is not None
    assert plan[0].points > plan[1].points
    # visits became tiers that go up with the count
    visits = candidate.spec.engagement.signals[0]
    assert visits.tiers is not None
    assert visits.tiers[-1].points > visits.tiers[0].points
    # every changed number says how many leads, their conversion and the old value
    line = next(x for x in text.splitlines() if "label: team plan" in x)
    assert "leads," in line and "% converted; was 30" in line
    assert "was 3 each, cap 15" in text
    # without --propose nothing new is read; the after-contact column never is
    assert set(properties_read(candidate)) <= {"plan", "seats", "visits"}
    assert "Candidate: made-up" in out and "on folds the fit did not see" in out


def test_propose_adds_levels_within_the_criteria_budget(tmp_path: Path) -> None:
    data, mapping, rules = _export(tmp_path)
    target = tmp_path / "candidate.yaml"
    args = ["--csv", str(data), "--map", str(mapping), "--rules", str(rules)]
    code, out, err = _suggest(*args, "--write", str(target), "--propose", "--max-criteria", "9")
    assert code == 0, err
    candidate = load_rules(target)
    read = set(properties_read(candidate))
    # the colours say nothing and go; north converts better: proposed, and written although
    # a group laid out before it was left out whole
    assert "colour is red" in out and "colour is blue" in out
    assert "region" in read and "colour" not in read
    assert "region is north" in target.read_text("utf-8")
    assert "stage_note" not in read  # known only after contact: never proposed
    plain = sum(1 for g in candidate.spec.fit.groups for c in g.criteria if c.tiers is None)
    bands = sum(len(c.tiers or []) for g in candidate.spec.fit.groups for c in g.criteria)
    bands += sum(len(s.tiers or []) or 1 for s in candidate.spec.engagement.signals)
    assert plain + bands <= 9
    assert "proposed: the rules did not read this" in target.read_text("utf-8")


def test_criteria_reading_an_after_contact_column_are_kept_unfitted_unless_allowed(
    tmp_path: Path,
) -> None:
    data, mapping, rules = _export(tmp_path)
    leaky = rules.read_text("utf-8").replace(
        "        - {label: many seats,",
        "        - {label: noted won, property: stage_note, op: eq, value: won, points: 5}\n"
        "        - {label: many seats,",
    )
    rules.write_text(leaky, encoding="utf-8")
    target = tmp_path / "candidate.yaml"
    args = ["--csv", str(data), "--map", str(mapping), "--rules", str(rules)]
    code, out, err = _suggest(*args, "--write", str(target))
    assert code == 0, err
    text = target.read_text("utf-8")
    noted = next(
        c for g in load_rules(target).spec.fit.groups for c in g.criteria if c.label == "noted won"
    )
    # the stage note separates outcomes perfectly: fitted, it would dwarf everything else.
    # Kept, it gives what it gave: 5 fit points at fit_weight 0.6 of 100 = 3 score points
    assert noted.points == 3
    assert "Not fitted, kept at their old weight" in text and "noted won" in text
    assert "Kept as they were, not fitted" in out and "stage_note" in out
    assert "KNOWN ONLY AFTER SALES CONTACT" not in text
    code, out, err = _suggest(*args, "--write", str(target), "--allow-after-contact")
    assert code == 0, err
    text = target.read_text("utf-8")
    assert "KNOWN ONLY AFTER SALES CONTACT (stage_note)" in text
    assert "WARNING: fitted on properties known only after sales contact" in out
    noted = next(
        c for g in load_rules(target).spec.fit.groups for c in g.criteria if c.label == "noted won"
    )
    assert noted.points is not None and noted.points > 20


def test_rules_past_the_budget_keep_every_criterion_and_get_no_proposal(tmp_path: Path) -> None:
    data, mapping, rules = _export(tmp_path)
    args = ["--csv", str(data), "--map", str(mapping), "--rules", str(rules), "--propose"]
    target = tmp_path / "c.yaml"
    code, out, err = _suggest(*args, "--write", str(target), "--max-criteria", "3")
    assert code == 0, err
    assert "nothing was proposed, and none of yours was dropped" in out
    candidate = load_rules(target)
    assert [c.label for g in candidate.spec.fit.groups for c in g.criteria] == [
        "enterprise plan",
        "team plan",
        "many seats",
    ]


@pytest.mark.parametrize("flag", ["--help"])
def test_help_does_not_need_the_extra(flag: str) -> None:
    with pytest.raises(SystemExit) as done, contextlib.redirect_stdout(io.StringIO()) as out:
        main(["suggest", flag])
    assert done.value.code == 0
    assert "--propose" in out.getvalue() and "--allow-after-contact" in out.getvalue()
