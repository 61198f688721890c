from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.sync.diff import Desired, lifecycle_change, plan_write
from connector.sync.properties import ScoreProperties

NAMES = ScoreProperties.with_prefix("qualification_")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def desired(**overrides: object) -> Desired:
    values: dict[str, object] = {
        "score": 72,
        "grade": "A",
        "temperature": "hot",
        "reasons": "+30 200–999 employees",
        "rules_version": "abc123",
        "lifecycle_target": None,
        "lifecycle_clear_first": False,
        "lead_status_target": None,
    }
    values.update(overrides)
    return Desired(**values)  # type: ignore[arg-type]


def current_matching() -> dict[str, str | None]:
    return {
        NAMES.score: "72",
        NAMES.grade: "A",
        NAMES.temperature: "hot",
        NAMES.reasons: "+30 200–999 employees",
        NAMES.rules_version: "abc123",
        "lifecyclestage": "lead",
        "hs_lead_status": "",
    }


@pytest.mark.parametrize(
    ("current", "target", "clear_first", "expected"),
    [
        pytest.param(
            "lead", "marketingqualifiedlead", False, ("marketingqualifiedlead", False), id="forward"
        ),
        pytest.param(None, "lead", False, ("lead", False), id="from-empty"),
        pytest.param("", "lead", False, ("lead", False), id="from-blank"),
        pytest.param("marketingqualifiedlead", "lead", False, (None, False), id="backward-refused"),
        pytest.param(
            "marketingqualifiedlead", "lead", True, ("lead", True), id="recycle-clear-then-set"
        ),
        pytest.param(
            "opportunity", "salesqualifiedlead", True, (None, False), id="protected-current"
        ),
        pytest.param("customer", "lead", True, (None, False), id="customer-never-touched"),
        pytest.param("lead", "customer", False, (None, False), id="protected-target"),
        pytest.param("lead", "lead", False, (None, False), id="same"),
        pytest.param("lead", None, False, (None, False), id="no-target"),
    ],
)
def test_lifecycle_change_enforces_forward_only_and_protection(
    current: str | None, target: str | None, clear_first: bool, expected: tuple[str | None, bool]
) -> None:
    assert lifecycle_change(current, target, clear_first=clear_first) == expected


def test_unchanged_contact_needs_no_write() -> None:
    assert plan_write("1", current_matching(), desired(), NAMES, now=NOW) is None


@pytest.mark.parametrize("stored", ["72", "72.0", "72.00"])
def test_numbers_compare_by_value(stored: str) -> None:
    current = current_matching() | {NAMES.score: stored}
    assert plan_write("1", current, desired(), NAMES, now=NOW) is None


def test_only_changed_properties_are_written_with_scored_at() -> None:
    plan = plan_write(
        "1", current_matching(), desired(score=80, temperature="warm"), NAMES, now=NOW
    )
    assert plan is not None
    assert dict(plan.properties) == {
        NAMES.score: "80",
        NAMES.temperature: "warm",
        NAMES.scored_at: "2026-11-23T10:00:00.000Z",
    }
    assert plan.previous[NAMES.score] == "72"


def test_status_and_stage_changes_alone_do_not_stamp_scored_at() -> None:
    plan = plan_write(
        "1",
        current_matching(),
        desired(lifecycle_target="marketingqualifiedlead", lead_status_target="NEW"),
        NAMES,
        now=NOW,
    )
    assert plan is not None
    assert dict(plan.properties) == {
        "lifecyclestage": "marketingqualifiedlead",
        "hs_lead_status": "NEW",
    }
    assert plan.clear_lifecycle_first is False


def test_garbage_current_score_is_rewritten() -> None:
    current = current_matching() | {NAMES.score: "NaN"}
    plan = plan_write("1", current, desired(), NAMES, now=NOW)
    assert plan is not None and plan.properties[NAMES.score] == "72"
