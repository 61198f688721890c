"""The SLA file's business calendar: time zone, working days and hours, holidays, absences.

Validated settings that build the pure `BusinessCalendar` (business_time.py) and the SDRs'
`Absence`s; `sla_config.py` holds the rest of the SLA file.
"""

from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connector.rules.business_time import BusinessCalendar
from connector.rules.routing import Absence

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


class Strict(BaseModel):
    """The SLA file's models: frozen, unknown keys rejected, aliases (`from`, `to`) accepted."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class HolidaySettings(Strict):
    country: str | None = None  #: ISO code whose public holidays are skipped, e.g. "DE"
    subdivision: str | None = None  #: state/province code within `country`, e.g. "BY"
    dates: tuple[date, ...] = ()  #: extra non-working local dates

    @model_validator(mode="after")
    def _known_country(self) -> HolidaySettings:
        if self.country is None:
            if self.subdivision is not None:
                raise ValueError("subdivision needs a country")
            return self
        supported = holidays_lib.list_supported_countries()
        if self.country not in supported:
            raise ValueError(f"unknown holiday country {self.country!r}")
        if self.subdivision is not None and self.subdivision not in supported[self.country]:
            known = ", ".join(supported[self.country][:12])
            raise ValueError(f"unknown subdivision {self.subdivision!r} (known: {known}, …)")
        return self


class CalendarSettings(Strict):
    timezone: str
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: tuple[str, ...] = ("09:00-18:00",)
    holidays: HolidaySettings = HolidaySettings()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(str(day).strip().lower()[:3] for day in value)
        bad = [raw for raw, day in zip(value, days, strict=True) if day not in _WEEKDAYS]
        if bad or not days:
            raise ValueError(f"not weekdays: {bad}" if bad else "at least one working day")
        return days

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _parse_interval(item)
        if not value:
            raise ValueError("at least one working interval")
        return value

    def intervals(self) -> tuple[tuple[time, time], ...]:
        return tuple(_parse_interval(item) for item in self.hours)

    def build(self) -> BusinessCalendar:
        """The `BusinessCalendar` these settings describe."""
        return BusinessCalendar(
            tz=ZoneInfo(self.timezone),
            working_days=frozenset(_WEEKDAYS.index(day) for day in self.working_days),
            hours=self.intervals(),
            holidays=frozenset(self.holidays.dates),
            holiday_country=self.holidays.country,
            holiday_subdivision=self.holidays.subdivision,
        )

    @model_validator(mode="after")
    def _buildable(self) -> CalendarSettings:
        self.build()  # overlapping intervals and the like surface here, with this path
        return self


def _parse_interval(text: str) -> tuple[time, time]:
    match = _HOURS.match(str(text))
    if match is None:
        raise ValueError(f'{text!r} is not a time range like "09:00-18:00"')
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"{text!r} has an impossible time of day") from None
    if start >= end:
        raise ValueError(f"{text!r} must start before it ends (no overnight ranges)")
    return start, end


class AbsenceSettings(Strict):
    first_day: date = Field(alias="from")
    last_day: date | None = Field(default=None, alias="to")  #: None = a single day

    @model_validator(mode="after")
    def _ordered(self) -> AbsenceSettings:
        if self.last_day is not None and self.last_day < self.first_day:
            raise ValueError(f"absence ends ({self.last_day}) before it starts ({self.first_day})")
        return self

    def to_absence(self) -> Absence:
        return Absence(self.first_day, self.last_day or self.first_day)
