"""Loading the rules file: one-line errors naming file, line, field, problem and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rules_helpers import BASE, example_rules_files

from connector.errors import ConfigError
from connector.rules import load_rules, parse_rules
from connector.rules.ruleset import ALWAYS_READ

REPO = Path(__file__).resolve().parents[2]

VALID = yaml.safe_dump(BASE, sort_keys=False)

BAD_OP = """\
name: t
grades: {A: 60, B: 40, C: 20}
temperature: {warm: 10, hot: 30}
fit:
  groups:
    - name: size
      criteria:
        - {label: big, property: company.numberofemployees, op: gte, value: 200, points: 5}
    - name: industry
      criteria:
        - label: software
          property: company.industry
          op: equal
          value: COMPUTER_SOFTWARE
          points: 10
handoff:
  when: {min_score: 60}
  sla_tiers: [{name: standard, response_hours: 8}]
"""


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_rules(text, source="config/rules.yaml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_unknown_operator_names_file_line_path_and_choices() -> None:
    message = _error(BAD_OP)
    assert message.startswith("config/rules.yaml:13 fit.groups[1].criteria[0].op:")
    assert "unknown operator 'equal'" in message
    assert "use one of eq, ne, in" in message


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            lambda d: d["grades"].pop("C"), ["grades.C", "required field is missing"], id="missing"
        ),
        pytest.param(
            lambda d: d.update(handof={}),
            ["unknown field 'handof'", "did you mean 'handoff'"],
            id="typo-suggestion",
        ),
        pytest.param(
            lambda d: d["score"].update(fit_weight=0.9),
            ["score", "must add up to 1"],
            id="weights",
        ),
        pytest.param(lambda d: d["grades"].update(A=10), ["A >= B >= C"], id="grade-order"),
        pytest.param(
            lambda d: d["temperature"].update(warm="lots"),
            ["temperature.warm", "expected a number"],
            id="not-a-number",
        ),
        pytest.param(
            lambda d: d["handoff"]["sla_tiers"].insert(
                0, {"name": "x", "response_hours": 1, "task_type": "SMS"}
            ),
            ["handoff.sla_tiers[0].task_type", "'CALL'"],
            id="bad-task-type",
        ),
        pytest.param(
            lambda d: d["handoff"]["sla_tiers"][0].update(when={"min_score": 1}),
            ["catch-all"],
            id="last-tier-needs-no-when",
        ),
        pytest.param(
            lambda d: d["fit"]["groups"].append(
                {
                    "name": "g",
                    "criteria": [{"property": "p", "op": "regex", "value": "(", "points": 1}],
                }
            ),
            ["fit.groups[0].criteria[0]", "invalid regular expression"],
            id="bad-regex",
        ),
        pytest.param(
            lambda d: d["fit"]["groups"].append(
                {"name": "g", "criteria": [{"property": "Bad Name", "op": "present", "points": 1}]}
            ),
            ["fit.groups[0].criteria[0].property", "internal name"],
            id="bad-property",
        ),
        pytest.param(
            lambda d: d["fit"]["groups"].append(
                {"name": "g", "criteria": [{"property": "p", "op": "in", "points": 1}]}
            ),
            ["needs `values"],
            id="in-without-values",
        ),
        pytest.param(
            lambda d: d["engagement"]["signals"].append(
                {"name": "s", "stage": "top", "at": "t", "points": -5}
            ),
            ["engagement.signals[0].points", "must be above 0"],
            id="negative-signal",
        ),
        pytest.param(
            lambda d: d["engagement"]["signals"].append(
                {
                    "name": "s",
                    "stage": "top",
                    "at": "t",
                    "points": 5,
                    "decay": {"half_life_days": 3, "lifespan_days": 9},
                }
            ),
            ["exactly one of half_life_days"],
            id="two-decays",
        ),
        pytest.param(
            lambda d: d["lifecycle"].update(opportunity={"min_score": 90}),
            ["unknown field 'opportunity'"],
            id="connector-never-sets-opportunity",
        ),
    ],
)
def test_validation_errors(edit, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(VALID)
    edit(data)
    message = _error(yaml.safe_dump(data, sort_keys=False))
    assert message.startswith("config/rules.yaml:")
    for part in expected:
        assert part in message, message
    assert " — " in message or "(got" in message  # a hint or the offending value


def test_invalid_yaml_reports_the_line() -> None:
    message = _error("name: x\ngrades: {A: 1\nfit: [\n")
    assert message.startswith("config/rules.yaml:")
    assert "invalid YAML" in message


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text"])
def test_empty_or_non_mapping_file(text: str) -> None:
    assert "config/rules.yaml" in _error(text)


def test_load_rules_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="rules file not found"):
        load_rules(tmp_path / "nope.yaml")


def test_version_ignores_comments_and_layout_but_not_content() -> None:
    base = parse_rules(VALID)
    commented = parse_rules("# a comment\n" + VALID.replace("name: test", "name:   test  # x"))
    data = yaml.safe_load(VALID)
    data["grades"]["A"] = 61
    changed = parse_rules(yaml.safe_dump(data))
    assert base.version == commented.version
    assert base.version != changed.version
    assert len(base.version) == 12


def test_shipped_rules_load_and_list_what_to_read() -> None:
    rules = load_rules(REPO / "config" / "rules.yaml")
    assert rules.contact_properties >= ALWAYS_READ
    for name in ("budget_range", "jobtitle", "email", "recent_conversion_date", "country"):
        assert name in rules.contact_properties
    assert {"numberofemployees", "industry", "annualrevenue", "country"} <= rules.company_properties
    assert "company.industry" not in rules.contact_properties
    assert list(rules.sla_tiers) == ["hot", "priority", "standard"]
    assert rules.sla_tiers["hot"].task_type == "CALL"


@pytest.mark.parametrize("path", example_rules_files(), ids=lambda p: p.name)
def test_examples_load(path: Path) -> None:
    rules = load_rules(path)
    assert rules.sla_tiers
    assert rules.version


def test_rules_compile_from_a_mapping_as_from_the_file() -> None:
    from connector.rules import rules_from_mapping

    from_text = parse_rules(VALID, source="t.yaml")
    from_mapping = rules_from_mapping(BASE, source="t.yaml")
    assert from_mapping.version == from_text.version
    assert from_mapping.spec == from_text.spec


def test_a_bad_mapping_names_the_field_without_a_line() -> None:
    from connector.rules import rules_from_mapping

    bad = {**BASE, "grades": {"A": 60, "B": 40, "C": "twenty"}}
    with pytest.raises(ConfigError) as caught:
        rules_from_mapping(bad, source="candidate")
    assert str(caught.value).startswith("candidate grades.C: expected a number, got 'twenty'")
