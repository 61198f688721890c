"""The review shows the score bar that `handoff.capacity` implies on the reviewed leads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.review.dataset import ReviewLead
from connector.review.report import build_review
from connector.review.text_report import summary_text
from connector.rules import rules_from_mapping
from tests.review.test_review_units import NOW, _rules


def _capacity_rules(per_week: int) -> object:
    spec = _rules().spec.model_dump(mode="json", exclude_none=True)
    spec["handoff"]["when"] = {"grades": ["A", "B", "C"]}
    spec["handoff"]["capacity"] = {"per_week": per_week}
    return rules_from_mapping(spec, source="test")


def _leads() -> list[ReviewLead]:
    # Over 27 days: 28 big companies (score 70, grade A) and 28 mid ones (score 0, grade D).
    return [
        ReviewLead(
            str(i), {"size": "500" if i < 28 else "50"}, None, NOW + timedelta(days=i % 28), i < 20
        )
        for i in range(56)
    ]


@pytest.mark.parametrize(("per_week", "bar"), [(7, 70), (5, 70), (3, 100)])
def test_the_review_shows_the_bar_a_weekly_capacity_implies(per_week: int, bar: int) -> None:
    review = build_review(_leads(), _capacity_rules(per_week), now=NOW)  # type: ignore[arg-type]
    implied = review.current.capacity_bar
    assert implied is not None and (implied.per_week, implied.bar) == (per_week, bar)
    # Grade D leads never count (the handoff's other test), whatever their score; 3 a week is
    # nearer none than the 7.3 a week at 70, so the bar goes past every lead.
    expected = 28 / (27 / 7) if bar == 70 else 0.0
    assert implied.expected_per_week == pytest.approx(expected)
    # The capacity table marks the implied bar as the one in force.
    assert [c.threshold for c in review.current.capacity if c.in_force] == [bar]
    assert f"Capacity: {per_week} handoffs a week means a score bar of {bar}" in summary_text(
        review
    )


def test_a_fixed_bar_shows_no_capacity_line() -> None:
    review = build_review(_leads(), _rules(), now=NOW)
    assert review.current.capacity_bar is None
    assert "Capacity:" not in summary_text(review)
