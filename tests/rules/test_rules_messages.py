"""Messages in the product's words: no pydantic phrasing, and every problem listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.rules.parse import parse_rules
from connector.rules.sla_config import parse_sla_config

REPO = Path(__file__).resolve().parents[2]
RULES = (REPO / "config" / "rules.yaml").read_text(encoding="utf-8")
SLA = (REPO / "config" / "sla.yaml").read_text(encoding="utf-8")


def _rules_error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_rules(text, source="config/rules.yaml")
    return str(caught.value)


def _sla_error(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_sla_config(text, source="config/sla.yaml")
    return str(caught.value)


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("fit_weight: 0.6", "fit_weight: 1.6", "score.fit_weight: must be at most 1"),
        ("fit_weight: 0.6", "fit_weight: -0.6", "score.fit_weight: must be at least 0"),
        ("max_points: 100", "max_points: 0", "must be above 0"),
    ],
)
def test_bounds_read_as_the_product_says_them(old: str, new: str, expected: str) -> None:
    message = _rules_error(_edit(RULES, old, new))
    assert expected in message
    assert "Input should" not in message


def test_every_rules_problem_is_listed_one_line_each() -> None:
    text = _edit(RULES, "fit_weight: 0.6", "fit_weight: 1.6")
    text = _edit(text, "disqualified_max_score: 0", "disqualified_max_score: 500")
    message = _rules_error(text)
    lines = message.splitlines()
    assert "more problem" not in message
    assert lines[0] == "config/rules.yaml: 2 problems, fix each of them:"
    assert "score.fit_weight: must be at most 1" in lines[1]
    assert "score.disqualified_max_score: must be at most 100" in lines[2]
    assert len(lines) == 3


def test_one_problem_stays_one_line() -> None:
    message = _rules_error(_edit(RULES, "fit_weight: 0.6", "fit_weight: 1.6"))
    assert "\n" not in message
    assert message.startswith("config/rules.yaml:")


@pytest.mark.parametrize("points", ["1000", "-150"])
def test_fit_points_beyond_max_points_are_an_error_with_a_hint(points: str) -> None:
    message = _rules_error(_edit(RULES, "max: 999, points: 25}", f"max: 999, points: {points}}}"))
    assert "points out of range" in message
    assert "fit.groups[0].criteria[0] (200–999 employees)" in message
    assert "between -100 and 100 (fit.max_points)" in message
    assert "did you add a zero?" in message


def test_points_up_to_max_points_are_accepted() -> None:
    parse_rules(_edit(RULES, "max: 999, points: 25}", "max: 999, points: 100}"))
    parse_rules(_edit(RULES, "max: 999, points: 25}", "max: 999, points: -100}"))


def test_every_sla_problem_is_listed_in_plain_words() -> None:
    text = _edit(SLA, "cooldown_hours: 168", "cooldown_hours: -1")
    text = _edit(text, "response_hours: 2 ", "response_hours: 0 ")
    message = _sla_error(text)
    lines = message.splitlines()
    assert lines[0] == "config/sla.yaml: 2 problems, fix each of them:"
    assert "escalation.manager_task.response_hours: must be above 0 — hint:" in message
    assert "handoff.cooldown_hours: must be at least 0 — hint:" in message
    assert "Input should" not in message
    assert len(lines) == 3
