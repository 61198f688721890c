"""The portal reader's parts: stage catalogue and outcomes, packed rows, progress output."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from connector.hubspot.models import PropertyDefinition, PropertyOption
from connector.progress import Progress
from connector.review.dataset import OutcomeSpec
from connector.review.portal_rows import RowLayout
from connector.review.portal_stages import StageCatalogue
from connector.sandbox.stage_dates import stage_entry_stamps

CUSTOM = "1234567"  # a custom stage's internal value is a number


def _date(name: str) -> PropertyDefinition:
    return PropertyDefinition(name=name, label=name, type="datetime", field_type="date")


def _catalogue() -> StageCatalogue:
    stages = [
        ("subscriber", 0),
        ("lead", 1),
        ("marketingqualifiedlead", 2),
        (CUSTOM, 3),  # "Discovery call", placed between MQL and opportunity
        ("opportunity", 4),
        ("customer", 5),
        ("other", 7),
    ]
    lifecycle = PropertyDefinition(
        name="lifecyclestage",
        label="Lifecycle Stage",
        type="enumeration",
        field_type="radio",
        options=tuple(
            PropertyOption(label=value, value=value, display_order=order)
            for value, order in reversed(stages)  # the API's order is not the stage order
        ),
    )
    dates = [_date(f"hs_v2_date_entered_{value}") for value, _ in stages]
    legacy = [_date(f"hs_lifecyclestage_{value}_date") for value, _ in stages if value != CUSTOM]
    return StageCatalogue.from_definitions([lifecycle, *dates, *legacy])


def test_stage_order_and_date_properties_come_from_the_portal() -> None:
    catalogue = _catalogue()
    assert catalogue.order() == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        CUSTOM,
        "opportunity",
        "customer",
        "other",
    ]
    custom = catalogue.stages[3]
    assert custom.v2 == f"hs_v2_date_entered_{CUSTOM}" and custom.legacy is None
    assert "hs_lifecyclestage_opportunity_date" in catalogue.properties()


def test_v2_dates_are_preferred_and_the_legacy_family_fills_in() -> None:
    entered = _catalogue().entered(
        {
            "hs_v2_date_entered_lead": "2026-01-02T00:00:00.000Z",
            "hs_lifecyclestage_lead_date": "2025-12-31T00:00:00.000Z",
            "hs_lifecyclestage_opportunity_date": "1767830400000",  # epoch ms, as HubSpot may
            f"hs_v2_date_entered_{CUSTOM}": "2026-01-05T00:00:00.000Z",
            "hs_v2_date_entered_customer": "not a date",
        }
    )
    assert entered == {
        "lead": datetime(2026, 1, 2, tzinfo=UTC),
        CUSTOM: datetime(2026, 1, 5, tzinfo=UTC),
        "opportunity": datetime(2026, 1, 8, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    ("entered", "outcome", "converted"),
    [
        pytest.param({"lead": 1, "opportunity": 20}, OutcomeSpec(), True, id="reached"),
        pytest.param({"lead": 1, "customer": 30}, OutcomeSpec(), True, id="skipped-to-customer"),
        pytest.param({"lead": 1, "other": 5}, OutcomeSpec(), False, id="other-is-not-beyond"),
        pytest.param(
            {"lead": 1, "opportunity": 20}, OutcomeSpec(horizon_days=10), False, id="late"
        ),
        pytest.param(
            {"lead": 1, "opportunity": 11}, OutcomeSpec(horizon_days=10), True, id="in-time"
        ),
        pytest.param({"lead": 1, CUSTOM: 3}, OutcomeSpec(stage=CUSTOM), True, id="custom-stage"),
        pytest.param(
            {"lead": 1, "opportunity": 3}, OutcomeSpec(stage=CUSTOM), True, id="past-custom"
        ),
        pytest.param({"lead": 1}, OutcomeSpec(stage="no_such_stage"), False, id="unknown-stage"),
    ],
)
def test_outcome_stage_and_horizon(
    entered: dict[str, int], outcome: OutcomeSpec, converted: bool
) -> None:
    dates = {stage: datetime(2026, 1, day, tzinfo=UTC) for stage, day in entered.items()}
    assert _catalogue().converted(dates, None, outcome) is converted


def test_a_packed_row_reads_like_the_dict_it_replaces() -> None:
    layout = RowLayout(["budget_range", "country", "email", "jobtitle", "recent_conversion_date"])
    source = {
        "country": "Germany",
        "email": "a@b.example",
        "jobtitle": "  ",  # blank: absent, as HubSpot's empty values
        "recent_conversion_date": "2026-11-20T09:15:00.000Z",
        "not_in_layout": "x",
    }
    row = layout.row(source)
    expected = {
        "country": "Germany",
        "email": "a@b.example",
        "recent_conversion_date": "2026-11-20T09:15:00.000Z",
    }
    assert dict(row) == expected and row == expected and len(row) == 3
    assert row.get("budget_range") is None and row.get("jobtitle", "-") == "-"
    assert "country" in row and "jobtitle" not in row and "not_in_layout" not in row
    with pytest.raises(KeyError):
        _ = row["budget_range"]
    other = layout.row({"country": "Germany"})
    assert other["country"] is row["country"]  # short repeated values are shared


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_a_counter_elsewhere() -> None:
    ticks = iter(float(i) for i in range(100))
    terminal = _Terminal()
    bar = Progress(
        counter_lines=True, label="Reading contacts", stream=terminal, clock=lambda: next(ticks)
    )
    bar.expect(1000)
    for _ in range(5):
        bar.advance(200)
    bar.finish()
    assert "\r" in terminal.getvalue() and "1,000/1,000" in terminal.getvalue()

    log = io.StringIO()
    counter = Progress(counter_lines=True, label="Reading contacts", stream=log)
    counter.expect(1000)
    for _ in range(50):
        counter.advance(20)
    counter.finish()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert len(lines) == 10 and lines[-1] == "Reading contacts: 1,000 of 1,000"


def test_the_sandbox_dates_a_stage_entry_and_clears_became_dates_above_a_stage_moved_back() -> None:
    at = "2026-11-20T12:00:00.000Z"
    assert stage_entry_stamps({"lifecyclestage": "lead"}, {"lifecyclestage": "lead"}, at) == {}
    assert stage_entry_stamps({}, {"firstname": "Ada"}, at) == {}
    forward = stage_entry_stamps(
        {"lifecyclestage": "lead", "hs_v2_date_entered_lead": "2026-01-01T00:00:00.000Z"},
        {"lifecyclestage": "marketingqualifiedlead"},
        at,
    )
    assert forward == {
        "hs_v2_date_entered_marketingqualifiedlead": at,
        "hs_lifecyclestage_marketingqualifiedlead_date": at,
    }
    # Cleared, then set back to lead: the "became" dates above lead go; v2 keeps its record.
    back = stage_entry_stamps(
        {
            "hs_v2_date_entered_opportunity": "2026-02-01T00:00:00.000Z",
            "hs_lifecyclestage_opportunity_date": "2026-02-01T00:00:00.000Z",
            "hs_lifecyclestage_lead_date": "2026-01-01T00:00:00.000Z",
        },
        {"lifecyclestage": "lead"},
        at,
    )
    assert back == {"hs_v2_date_entered_lead": at, "hs_lifecyclestage_opportunity_date": ""}
