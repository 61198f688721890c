"""The business-hours clock: SLA deadlines and elapsed SLA time in working time.

A `BusinessCalendar` is a time zone, the working weekdays, one or more working intervals per day
(e.g. 09:00–12:30 and 13:30–18:00 for a lunch break) and holidays (explicit dates and/or a
country's public holidays from the `holidays` package).

Semantics worth knowing:

- Working intervals are wall-clock times on local dates; each one is turned into a pair of UTC
  instants, so durations are *real* elapsed time. On a DST change inside working hours (rare:
  most zones switch at night) the interval is an hour shorter or longer, as the SDR experiences it.
- An interval is half-open, ``[start, end)``: 18:00 is not business time when the day ends at
  18:00, but a deadline may fall exactly on 18:00 (the SLA ends when the working day does).
- Everything steps interval by interval and day by day, never minute by minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays as holidays_lib

WorkingInterval = tuple[time, time]

#: How far ahead to look for the next working interval before declaring the calendar empty.
#: Ten years: no real holiday list closes a business for longer, and it bounds a bad config.
MAX_SEARCH_DAYS = 3660

#: The largest SLA accepted: a year of round-the-clock work. Far above any real SLA, and it keeps
#: a typo (hours: 40000000) from walking the calendar for minutes.
MAX_BUSINESS_HOURS = 24 * 366

_ONE_HOUR = timedelta(hours=1)
_ZERO = timedelta(0)


@lru_cache(maxsize=256)
def _country_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays of one country (and subdivision) in one year, computed once per process."""
    calendar = holidays_lib.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(day for day in calendar if day.year == year)


def _normalise_hours(
    hours: WorkingInterval | tuple[WorkingInterval, ...],
) -> tuple[WorkingInterval, ...]:
    if len(hours) == 2 and all(isinstance(part, time) for part in hours):
        intervals: tuple[WorkingInterval, ...] = (hours,)  # type: ignore[assignment]
    else:
        intervals = tuple(hours)  # type: ignore[arg-type]
    if not intervals:
        raise ValueError("a business calendar needs at least one working interval per day")
    ordered = tuple(sorted(intervals))
    for start, end in ordered:
        if not (isinstance(start, time) and isinstance(end, time)):
            raise ValueError("working intervals are (start, end) pairs of datetime.time")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working interval times are local wall-clock times: drop tzinfo")
        if start >= end:
            raise ValueError(f"working interval {start}–{end} must start before it ends")
    for (_, end), (next_start, _) in pairwise(ordered):
        if next_start < end:
            raise ValueError(f"working intervals overlap at {next_start}")
    return ordered


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got a naive datetime)")


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Working time in one time zone.

    Args:
        tz: the zone the working hours and holidays are expressed in.
        working_days: weekdays that are worked, Monday = 0 … Sunday = 6.
        hours: one ``(start, end)`` pair of local times, or several pairs (a lunch break).
        holidays: extra non-working local dates (company holidays, a bridge day…).
        holiday_country: ISO 3166 code whose public holidays are skipped too, e.g. "DE".
        holiday_subdivision: the state or province within that country, e.g. "BY".
    """

    tz: ZoneInfo
    working_days: frozenset[int]
    hours: WorkingInterval | tuple[WorkingInterval, ...]
    holidays: frozenset[date] = frozenset()
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    _intervals: tuple[WorkingInterval, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.working_days:
            raise ValueError("a business calendar needs at least one working day")
        if not self.working_days <= frozenset(range(7)):
            raise ValueError("working days are weekday numbers 0 (Monday) … 6 (Sunday)")
        object.__setattr__(self, "_intervals", _normalise_hours(self.hours))
        if self.holiday_country is not None:
            # Fail at construction, not on the first deadline, when the code is unknown.
            _country_holidays(self.holiday_country, self.holiday_subdivision, 2000)

    @property
    def intervals(self) -> tuple[WorkingInterval, ...]:
        """The working intervals of a working day, sorted and non-overlapping."""
        return self._intervals

    def local_date(self, t: datetime) -> date:
        """The calendar date of instant `t` in the calendar's zone (absences are local dates)."""
        _require_aware(t, "t")
        return t.astimezone(self.tz).date()

    def is_holiday(self, day: date) -> bool:
        """Whether `day` (a local date) is a configured or public holiday."""
        if day in self.holidays:
            return True
        if self.holiday_country is None:
            return False
        return day in _country_holidays(self.holiday_country, self.holiday_subdivision, day.year)

    def is_working_day(self, day: date) -> bool:
        """Whether `day` (a local date) is a working weekday and not a holiday."""
        return day.weekday() in self.working_days and not self.is_holiday(day)

    def _day_intervals(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        for start, end in self._intervals:
            start_utc = datetime.combine(day, start, tzinfo=self.tz).astimezone(UTC)
            end_utc = datetime.combine(day, end, tzinfo=self.tz).astimezone(UTC)
            # An interval swallowed by a spring-forward gap has no real duration.
            if end_utc > start_utc:
                yield start_utc, end_utc

    def _intervals_from(self, t_utc: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (UTC) ending after `t_utc`, in order; raises if none for 10 years."""
        # Intervals lie within their local day, so earlier days cannot end after `t_utc`.
        day = t_utc.astimezone(self.tz).date()
        idle_days = 0
        while True:
            found = False
            if self.is_working_day(day):
                for start_utc, end_utc in self._day_intervals(day):
                    if end_utc > t_utc:
                        found = True
                        yield start_utc, end_utc
            idle_days = 0 if found else idle_days + 1
            if idle_days > MAX_SEARCH_DAYS:
                raise ValueError(
                    f"no working time within {MAX_SEARCH_DAYS} days after {t_utc.isoformat()}: "
                    "check working_days and holidays"
                )
            day += timedelta(days=1)

    def is_business_time(self, t: datetime) -> bool:
        """Whether instant `t` lies inside a working interval (start included, end excluded)."""
        _require_aware(t, "t")
        t_utc = t.astimezone(UTC)
        day = t_utc.astimezone(self.tz).date()
        if not self.is_working_day(day):
            return False
        return any(start <= t_utc < end for start, end in self._day_intervals(day))

    def next_business_start(self, t: datetime) -> datetime:
        """The earliest business instant at or after `t`, in the calendar's zone.

        Returns `t` itself when it is business time, else the start of the next working interval.
        """
        _require_aware(t, "t")
        t_utc = t.astimezone(UTC)
        start_utc, _ = next(self._intervals_from(t_utc))
        return max(start_utc, t_utc).astimezone(self.tz)

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The instant `hours` of business time after `start`: the SLA deadline.

        Time outside working intervals does not count. A deadline that uses up a working day
        exactly falls on that day's closing time (Friday 18:00), not on the next opening.

        Args:
            start: an aware instant (the handoff); it may be outside business hours.
            hours: business hours to add, >= 0; fractions are kept to the microsecond.

        Returns:
            The deadline, aware, in the calendar's zone.

        Raises:
            ValueError: `start` is naive, or `hours` is negative, NaN or above MAX_BUSINESS_HOURS.
        """
        _require_aware(start, "start")
        if not 0 <= hours <= MAX_BUSINESS_HOURS:
            raise ValueError(
                f"hours must be a finite number from 0 to {MAX_BUSINESS_HOURS} (got {hours!r})"
            )
        remaining = timedelta(hours=hours)
        t_utc = start.astimezone(UTC)
        for interval_start, interval_end in self._intervals_from(t_utc):
            cursor = max(interval_start, t_utc)
            available = interval_end - cursor
            if remaining <= available:
                return (cursor + remaining).astimezone(self.tz)
            remaining -= available
        raise AssertionError("unreachable: _intervals_from never ends without raising")

    def business_hours_between(self, a: datetime, b: datetime) -> float:
        """Business hours elapsed from `a` to `b` (negative when `b` is before `a`).

        Args:
            a: an aware instant.
            b: an aware instant.

        Returns:
            Hours of working time inside ``[a, b]``, as a float.
        """
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b < a:
            return -self.business_hours_between(b, a)
        return self.business_time_between(a, b) / _ONE_HOUR

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Like `business_hours_between`, as an exact timedelta; zero when `b` <= `a`."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
        total = _ZERO
        if b_utc <= a_utc:
            return total
        for interval_start, interval_end in self._intervals_from(a_utc):
            if interval_start >= b_utc:
                break
            total += min(interval_end, b_utc) - max(interval_start, a_utc)
        return total
