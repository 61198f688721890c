"""The business-hours clock: the issue's acceptance example, holidays, DST, and clock properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.rules.business_time import BusinessCalendar

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = frozenset(range(5))
NINE_TO_SIX = (time(9), time(18))


def _cal(tz: ZoneInfo = BERLIN, **kwargs: Any) -> BusinessCalendar:
    options: dict[str, Any] = {"working_days": WEEKDAYS, "hours": NINE_TO_SIX, **kwargs}
    return BusinessCalendar(tz=tz, **options)


def _at(tz: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz)


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK, ZoneInfo("Asia/Tokyo"), UTC], ids=str)
def test_friday_1730_with_four_hour_sla_is_due_monday_1230(tz: Any) -> None:
    calendar = _cal(tz)
    due = calendar.add_business_hours(_at(tz, 2025, 6, 6, 17, 30), 4)
    assert due == _at(tz, 2025, 6, 9, 12, 30)
    assert due.tzinfo is tz
    assert due.weekday() == 0


def test_holiday_on_monday_moves_the_deadline_to_tuesday() -> None:
    calendar = _cal(holidays=frozenset({date(2025, 6, 9)}))
    due = calendar.add_business_hours(_at(BERLIN, 2025, 6, 6, 17, 30), 4)
    assert due == _at(BERLIN, 2025, 6, 10, 12, 30)


@pytest.mark.parametrize(
    ("country", "subdivision", "tz", "friday", "expected"),
    [
        pytest.param("US", None, NEW_YORK, (2024, 5, 24), (2024, 5, 28), id="us-memorial-day"),
        pytest.param("DE", "BY", BERLIN, (2024, 5, 17), (2024, 5, 21), id="de-whit-monday"),
        pytest.param(
            "GB",
            "ENG",
            ZoneInfo("Europe/London"),
            (2024, 8, 23),
            (2024, 8, 27),
            id="gb-summer-bank-holiday",
        ),
    ],
)
def test_country_public_holidays_are_skipped(
    country: str,
    subdivision: str | None,
    tz: ZoneInfo,
    friday: tuple[int, int, int],
    expected: tuple[int, int, int],
) -> None:
    calendar = _cal(tz, holiday_country=country, holiday_subdivision=subdivision)
    due = calendar.add_business_hours(_at(tz, *friday, 17, 30), 4)
    assert due == _at(tz, *expected, 12, 30)
    assert calendar.is_holiday(date(*expected) - timedelta(days=1))


def test_unknown_holiday_country_fails_at_construction() -> None:
    with pytest.raises(NotImplementedError):
        _cal(holiday_country="XX")


LUNCH = ((time(9), time(12, 30)), (time(13, 30), time(18)))


@pytest.mark.parametrize(
    ("start", "hours", "expected", "hours_config"),
    [
        pytest.param((2025, 6, 2, 7, 0), 1, (2025, 6, 2, 10, 0), NINE_TO_SIX, id="before-opening"),
        pytest.param((2025, 6, 2, 10, 0), 2.5, (2025, 6, 2, 12, 30), NINE_TO_SIX, id="same-day"),
        pytest.param((2025, 6, 2, 9, 0), 9, (2025, 6, 2, 18, 0), NINE_TO_SIX, id="exact-day"),
        pytest.param((2025, 6, 2, 9, 0), 9.5, (2025, 6, 3, 9, 30), NINE_TO_SIX, id="spills-over"),
        pytest.param((2025, 6, 2, 18, 0), 1, (2025, 6, 3, 10, 0), NINE_TO_SIX, id="at-closing"),
        pytest.param((2025, 6, 7, 12, 0), 1, (2025, 6, 9, 10, 0), NINE_TO_SIX, id="saturday"),
        pytest.param((2025, 6, 2, 12, 0), 1, (2025, 6, 2, 14, 0), LUNCH, id="over-lunch"),
        pytest.param((2025, 6, 2, 12, 45), 0.5, (2025, 6, 2, 14, 0), LUNCH, id="during-lunch"),
        pytest.param((2025, 6, 2, 12, 30), 0, (2025, 6, 2, 13, 30), LUNCH, id="zero-at-lunch"),
        pytest.param((2025, 6, 2, 10, 0), 0, (2025, 6, 2, 10, 0), NINE_TO_SIX, id="zero-inside"),
        pytest.param((2025, 6, 2, 9, 0), 45, (2025, 6, 6, 18, 0), NINE_TO_SIX, id="whole-week"),
        pytest.param((2025, 6, 2, 9, 0), 1 / 60, (2025, 6, 2, 9, 1), NINE_TO_SIX, id="one-minute"),
    ],
)
def test_add_business_hours_table(
    start: tuple[int, ...],
    hours: float,
    expected: tuple[int, ...],
    hours_config: object,
) -> None:
    calendar = _cal(hours=hours_config)
    assert calendar.add_business_hours(_at(BERLIN, *start), hours) == _at(BERLIN, *expected)


def test_result_is_in_the_calendar_zone_whatever_the_input_zone() -> None:
    calendar = _cal(NEW_YORK)
    start_utc = datetime(2025, 6, 6, 21, 30, tzinfo=UTC)  # Friday 17:30 in New York (EDT)
    due = calendar.add_business_hours(start_utc, 4)
    assert due.tzinfo is NEW_YORK
    assert due == _at(NEW_YORK, 2025, 6, 9, 12, 30)


@pytest.mark.parametrize(
    ("tz", "friday", "monday", "offset_before", "offset_after"),
    [
        pytest.param(BERLIN, (2024, 3, 22), (2024, 3, 25), 1, 1, id="berlin-no-change"),
        pytest.param(BERLIN, (2025, 3, 28), (2025, 3, 31), 1, 2, id="berlin-spring-forward"),
        pytest.param(BERLIN, (2025, 10, 24), (2025, 10, 27), 2, 1, id="berlin-fall-back"),
        pytest.param(NEW_YORK, (2025, 3, 7), (2025, 3, 10), -5, -4, id="new-york-spring-forward"),
        pytest.param(NEW_YORK, (2025, 10, 31), (2025, 11, 3), -4, -5, id="new-york-fall-back"),
    ],
)
def test_weekend_dst_change_keeps_local_business_hours(
    tz: ZoneInfo,
    friday: tuple[int, int, int],
    monday: tuple[int, int, int],
    offset_before: int,
    offset_after: int,
) -> None:
    calendar = _cal(tz)
    start = _at(tz, *friday, 17, 30)
    due = calendar.add_business_hours(start, 4)
    assert due == _at(tz, *monday, 12, 30)
    assert start.utcoffset() == timedelta(hours=offset_before)
    assert due.utcoffset() == timedelta(hours=offset_after)
    assert calendar.business_hours_between(start, due) == pytest.approx(4.0, abs=1e-9)
    # The real elapsed time differs by the DST shift, the business time does not.
    # (Subtracting two datetimes in the same ZoneInfo gives wall-clock time: compare in UTC.)
    real = (due.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600
    assert real == pytest.approx(67 + offset_before - offset_after)


@pytest.mark.parametrize(
    ("tz", "spring", "fall"),
    [
        pytest.param(BERLIN, date(2025, 3, 30), date(2025, 10, 26), id="berlin"),
        pytest.param(NEW_YORK, date(2025, 3, 9), date(2025, 11, 2), id="new-york"),
    ],
)
def test_working_interval_across_the_dst_switch_counts_real_hours(
    tz: ZoneInfo, spring: date, fall: date
) -> None:
    # A night shift 01:00–04:00 local on every day, including the Sunday of the switch.
    calendar = BusinessCalendar(tz=tz, working_days=frozenset(range(7)), hours=(time(1), time(4)))

    def day_total(day: date) -> float:
        start = datetime.combine(day, time(0), tzinfo=tz)
        return calendar.business_hours_between(start, start + timedelta(hours=12))

    assert day_total(spring) == pytest.approx(2.0)  # the 02:00–03:00 hour does not exist
    assert day_total(fall) == pytest.approx(4.0)  # the 01:00/02:00 hour happens twice
    assert day_total(spring - timedelta(days=1)) == pytest.approx(3.0)
    due = calendar.add_business_hours(datetime.combine(spring, time(1), tzinfo=tz), 2.5)
    assert due == datetime.combine(spring + timedelta(days=1), time(1, 30), tzinfo=tz)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param((2025, 6, 2, 9, 0), True, id="opening-included"),
        pytest.param((2025, 6, 2, 17, 59), True, id="last-minute"),
        pytest.param((2025, 6, 2, 18, 0), False, id="closing-excluded"),
        pytest.param((2025, 6, 2, 8, 59), False, id="before-opening"),
        pytest.param((2025, 6, 2, 12, 45), False, id="lunch"),
        pytest.param((2025, 6, 2, 13, 30), True, id="after-lunch"),
        pytest.param((2025, 6, 7, 10, 0), False, id="saturday"),
        pytest.param((2025, 6, 9, 10, 0), False, id="holiday"),
    ],
)
def test_is_business_time(instant: tuple[int, ...], expected: bool) -> None:
    calendar = _cal(hours=LUNCH, holidays=frozenset({date(2025, 6, 9)}))
    assert calendar.is_business_time(_at(BERLIN, *instant)) is expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param((2025, 6, 2, 10, 15), (2025, 6, 2, 10, 15), id="inside-is-itself"),
        pytest.param((2025, 6, 2, 12, 30), (2025, 6, 2, 13, 30), id="lunch"),
        pytest.param((2025, 6, 6, 18, 0), (2025, 6, 10, 9, 0), id="friday-evening-holiday-monday"),
        pytest.param((2025, 6, 2, 3, 0), (2025, 6, 2, 9, 0), id="night"),
    ],
)
def test_next_business_start(instant: tuple[int, ...], expected: tuple[int, ...]) -> None:
    calendar = _cal(hours=LUNCH, holidays=frozenset({date(2025, 6, 9)}))
    assert calendar.next_business_start(_at(BERLIN, *instant)) == _at(BERLIN, *expected)


def test_business_hours_between_skips_nights_weekends_and_holidays() -> None:
    calendar = _cal(holidays=frozenset({date(2025, 6, 9)}))
    friday = _at(BERLIN, 2025, 6, 6, 17, 0)
    tuesday = _at(BERLIN, 2025, 6, 10, 10, 0)
    assert calendar.business_hours_between(friday, tuesday) == pytest.approx(2.0)
    assert calendar.business_hours_between(tuesday, friday) == pytest.approx(-2.0)
    assert calendar.business_hours_between(friday, friday) == 0.0
    year = calendar.business_hours_between(_at(BERLIN, 2025, 1, 1), _at(BERLIN, 2026, 1, 1))
    assert year == pytest.approx((261 - 1) * 9)  # 261 weekdays in 2025, one configured holiday


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"working_days": frozenset()}, "at least one working day", id="no-days"),
        pytest.param({"working_days": frozenset({7})}, "weekday numbers", id="bad-day"),
        pytest.param({"hours": (time(18), time(9))}, "start before", id="reversed"),
        pytest.param({"hours": ()}, "at least one working interval", id="no-hours"),
        pytest.param(
            {"hours": ((time(9), time(13)), (time(12), time(18)))}, "overlap", id="overlap"
        ),
    ],
)
def test_invalid_calendars_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _cal(**kwargs)


def test_naive_and_negative_inputs_are_rejected() -> None:
    calendar = _cal()
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_business_hours(datetime(2025, 6, 2, 9), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.business_hours_between(datetime(2025, 6, 2, 9), _at(BERLIN, 2025, 6, 2))
    for bad in (-1.0, float("nan"), float("inf"), 24 * 366 + 1):
        with pytest.raises(ValueError, match="finite number"):
            calendar.add_business_hours(_at(BERLIN, 2025, 6, 2, 9), bad)


def test_a_calendar_with_no_working_time_for_years_fails_instead_of_looping() -> None:
    mondays = frozenset(date(2025, 1, 6) + timedelta(weeks=n) for n in range(600))
    calendar = _cal(working_days=frozenset({0}), holidays=mondays)
    with pytest.raises(ValueError, match="no working time"):
        calendar.add_business_hours(_at(BERLIN, 2025, 1, 1), 1)


# --- properties --------------------------------------------------------------------------------

CALENDARS = [
    _cal(BERLIN, hours=LUNCH, holiday_country="DE", holiday_subdivision="BE"),
    _cal(NEW_YORK, holiday_country="US"),
    BusinessCalendar(
        tz=ZoneInfo("Asia/Kolkata"), working_days=frozenset({0, 1, 2, 3, 5}), hours=NINE_TO_SIX
    ),
]
instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from([UTC, BERLIN, NEW_YORK]),
)
hour_amounts = st.floats(min_value=0, max_value=300, allow_nan=False, allow_infinity=False)
calendars = st.sampled_from(CALENDARS)
ONE_MICROSECOND = timedelta(microseconds=1)


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=instants, hours=hour_amounts)
def test_add_then_measure_round_trips(
    calendar: BusinessCalendar, start: datetime, hours: float
) -> None:
    due = calendar.add_business_hours(start, hours)
    assert calendar.business_hours_between(start, due) == pytest.approx(hours, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(calendar=calendars, start=instants, hours=hour_amounts)
def test_due_never_falls_outside_business_time(
    calendar: BusinessCalendar, start: datetime, hours: float
) -> None:
    due = calendar.add_business_hours(start, hours)
    # Inside a working interval, or exactly at its closing time.
    assert calendar.is_business_time(due) or calendar.is_business_time(due - ONE_MICROSECOND)
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(
    calendar=calendars,
    start=instants,
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    hours=hour_amounts,
    more=hour_amounts,
)
def test_deadline_is_monotonic_in_start_and_in_hours(
    calendar: BusinessCalendar, start: datetime, gap: timedelta, hours: float, more: float
) -> None:
    due = calendar.add_business_hours(start, hours)
    assert calendar.add_business_hours(start + gap, hours) >= due
    assert calendar.add_business_hours(start, hours + more) >= due


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, start=instants, first=hour_amounts, second=hour_amounts)
def test_adding_in_two_steps_equals_adding_at_once(
    calendar: BusinessCalendar, start: datetime, first: float, second: float
) -> None:
    stepwise = calendar.add_business_hours(calendar.add_business_hours(start, first), second)
    at_once = calendar.add_business_hours(start, first + second)
    # Equal up to float→microsecond rounding and the closing-time/next-opening equivalence.
    assert calendar.business_hours_between(min(stepwise, at_once), max(stepwise, at_once)) < 1e-5


@settings(max_examples=200, deadline=None)
@given(calendar=calendars, t=instants)
def test_next_business_start_is_business_time_and_not_before(
    calendar: BusinessCalendar, t: datetime
) -> None:
    start = calendar.next_business_start(t)
    assert start >= t
    assert calendar.is_business_time(start)
    assert calendar.business_hours_between(t, start) == 0.0
