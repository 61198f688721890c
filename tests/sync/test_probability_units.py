"""The probability in the plan: its spelling, its diff, and the property's existence."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.calibration_file import Calibration
from connector.sync.diff import Desired, plan_write
from connector.sync.properties import ScoreProperties

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
CALIBRATION = Calibration(
    rules_name="rules.yaml",
    rules_version="abc",
    method="platt",
    by_score=tuple(s / 100 * 0.75 + 0.0001 for s in range(101)),
    leads=500,
    converters=120,
    heldout_ece=0.02,
)
CALIBRATED = ScoreProperties.with_prefix("q_", calibration=CALIBRATION)
PLAIN = ScoreProperties.with_prefix("q_")


def desired(probability: str) -> Desired:
    return Desired(
        score=60,
        grade="B",
        temperature="warm",
        reasons="r",
        rules_version="abc",
        lifecycle_target=None,
        lifecycle_clear_first=False,
        lead_status_target=None,
        probability=probability,
    )


def shown(probability: str | None) -> dict[str, str | None]:
    return {
        "q_score": "60",
        "q_grade": "B",
        "q_temperature": "warm",
        "q_reasons": "r",
        "q_rules_version": "abc",
        "q_probability": probability,
    }


def test_the_percentage_has_one_decimal_and_follows_the_table() -> None:
    assert CALIBRATED.probability_percent(60) == "45.0"
    assert CALIBRATED.probability_percent(7) == "5.3"
    assert CALIBRATED.probability_percent(250) == "75.0"  # scores past 100 read the last entry
    assert PLAIN.probability_percent(60) is None


def test_the_property_exists_only_with_a_calibration() -> None:
    assert "q_probability" in CALIBRATED.all()
    assert "q_probability" in [p.name for p in CALIBRATED.definitions("g")]
    assert "q_probability" not in PLAIN.all()
    assert "q_probability" not in [p.name for p in PLAIN.definitions("g")]
    # ...but a run still reads it, to clear a value that no calibration backs any more
    assert "q_probability" in PLAIN.read()
    assert len(PLAIN.definitions("g")) == len(PLAIN.all())


def test_another_spelling_of_the_same_value_costs_no_write() -> None:
    for spelling in ("45.0", "45", "45.00", "45.04"):
        assert plan_write("1", shown(spelling), desired("45.0"), CALIBRATED, now=NOW) is None


def test_a_new_value_is_written_without_restamping_the_score() -> None:
    plan = plan_write("1", shown("44.9"), desired("45.0"), CALIBRATED, now=NOW)

    assert plan is not None
    assert dict(plan.properties) == {"q_probability": "45.0"}
    assert plan.previous == {"q_probability": "44.9"}


def test_a_value_left_without_a_calibration_is_cleared_and_an_empty_one_left_alone() -> None:
    plan = plan_write("1", shown("12.5"), desired(""), PLAIN, now=NOW)

    assert plan is not None and dict(plan.properties) == {"q_probability": ""}
    assert plan_write("1", shown(None), desired(""), PLAIN, now=NOW) is None
    assert plan_write("1", shown(""), desired(""), PLAIN, now=NOW) is None
