"""The rules file's BANT section: budget, authority, need and timeline, and their points.

Part of the schema (see `schema.py`).
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from connector.rules.schema_base import SpecModel, check_property

#: Seniority levels read off a job title, lowest first.
SENIORITY_LEVELS: tuple[str, ...] = (
    "individual_contributor",
    "manager",
    "director",
    "vp",
    "c_level",
)
Seniority = Literal["individual_contributor", "manager", "director", "vp", "c_level"]


class BantPointsSpec(SpecModel):
    met: float = 10
    not_met: float = -5
    unknown: float = 0


class BudgetSpec(SpecModel):
    property: str
    order: list[str] = Field(min_length=2)
    at_least: str
    points: BantPointsSpec | None = None

    @field_validator("property")
    @classmethod
    def _prop(cls, value: str) -> str:
        return check_property(value)

    @model_validator(mode="after")
    def _bar_in_order(self) -> Self:
        lowered = [o.lower() for o in self.order]
        if len(set(lowered)) != len(lowered):
            raise ValueError("budget `order` lists a value twice — list each option once")
        if self.at_least.lower() not in lowered:
            raise ValueError(
                f"at_least '{self.at_least}' is not in `order` — use one of {', '.join(self.order)}"
            )
        return self


class AuthoritySpec(SpecModel):
    role_property: str | None = None
    met_roles: list[str] = Field(default_factory=list)
    not_met_roles: list[str] = Field(default_factory=list)
    title_property: str | None = None
    min_seniority: Seniority = "director"
    seniority_patterns: dict[Seniority, str] | None = None
    points: BantPointsSpec | None = None

    @field_validator("role_property", "title_property")
    @classmethod
    def _props(cls, value: str | None) -> str | None:
        return None if value is None else check_property(value)

    @field_validator("seniority_patterns")
    @classmethod
    def _patterns(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for level, pattern in (value or {}).items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"seniority pattern for {level} is invalid: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _some_source(self) -> Self:
        if self.role_property is None and self.title_property is None:
            raise ValueError("authority needs role_property and/or title_property")
        return self


class NeedSpec(SpecModel):
    text_property: str | None = None
    keywords: list[str] = Field(default_factory=list)
    interest_property: str | None = None
    interest_values: list[str] = Field(default_factory=list)
    points: BantPointsSpec | None = None

    @field_validator("text_property", "interest_property")
    @classmethod
    def _props(cls, value: str | None) -> str | None:
        return None if value is None else check_property(value)

    @model_validator(mode="after")
    def _some_source(self) -> Self:
        if self.text_property is None and self.interest_property is None:
            raise ValueError("need needs text_property (with keywords) and/or interest_property")
        if self.text_property is not None and not self.keywords:
            raise ValueError("need.text_property is set but `keywords` is empty — list phrases")
        return self


class TimelineSpec(SpecModel):
    property: str
    months: dict[str, float | None] = Field(default_factory=dict)
    within_months: float = Field(gt=0)
    points: BantPointsSpec | None = None

    @field_validator("property")
    @classmethod
    def _prop(cls, value: str) -> str:
        return check_property(value)


class BantSpec(SpecModel):
    points: BantPointsSpec = BantPointsSpec()
    budget: BudgetSpec | None = None
    authority: AuthoritySpec | None = None
    need: NeedSpec | None = None
    timeline: TimelineSpec | None = None
