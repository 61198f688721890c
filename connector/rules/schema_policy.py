"""The rules file's policy sections: when a contact moves stage, gets a status, is handed off.

Part of the schema (see `schema.py`): conditions on the score, grade, temperature and BANT, the
lifecycle stages, the lead statuses and the SLA tiers of a handoff.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from connector.rules.schema_base import SpecModel

Grade = Literal["A", "B", "C", "D"]
Temperature = Literal["cold", "warm", "hot"]
BantDimension = Literal["budget", "authority", "need", "timeline"]
_STATUS_VALUE = re.compile(r"^[A-Za-z0-9_]+$")
#: Lifecycle stage internal values: HubSpot's are lower-case words, custom ones numeric ids.
_STAGE_VALUE = re.compile(r"^[a-z0-9_-]*$")


class ConditionSpec(SpecModel):
    """All given tests must hold (AND); `any_of` adds an OR of nested conditions."""

    min_score: float | None = Field(default=None, ge=0, le=100)
    max_score: float | None = Field(default=None, ge=0, le=100)
    min_fit_points: float | None = None
    min_engagement_points: float | None = None
    grades: list[Grade] | None = None
    temperatures: list[Temperature] | None = None
    min_bant_met: int | None = Field(default=None, ge=0, le=4)
    bant_met: list[BantDimension] | None = None
    disqualified: bool | None = False
    any_of: list[ConditionSpec] | None = None
    #: The contact's lifecycle stage is one of these ("" = no stage) / none of these.
    stages: list[str] | None = None
    not_stages: list[str] | None = None

    @field_validator("stages", "not_stages")
    @classmethod
    def _stages(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [v.strip().lower() for v in value]
        for name in names:
            if not _STAGE_VALUE.match(name):
                raise ValueError(
                    f"'{name}' is not a lifecycle stage internal value — use e.g. lead, "
                    "marketingqualifiedlead, customer, or a custom stage's id"
                )
        return names


class LifecycleSpec(SpecModel):
    forward_only: bool = True
    hysteresis_margin: float = Field(default=5, ge=0, le=100)
    lead: ConditionSpec | None = None
    marketingqualifiedlead: ConditionSpec | None = None
    salesqualifiedlead: ConditionSpec | None = None
    recycle: RecycleSpec | None = None


class RecycleSpec(SpecModel):
    after_days: float = Field(gt=0, le=3650)
    to: Literal["lead", "subscriber"] = "lead"


class LeadStatusSpec(SpecModel):
    on_handoff: str | None = "NEW"
    on_disqualified: str | None = "UNQUALIFIED"

    @field_validator("on_handoff", "on_disqualified")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is not None and not _STATUS_VALUE.match(value):
            raise ValueError(
                f"'{value}' is not a lead-status internal value — use e.g. NEW, OPEN, UNQUALIFIED"
            )
        return value


class SlaTierSpec(SpecModel):
    name: str = Field(min_length=1, max_length=40)
    when: ConditionSpec | None = None
    response_hours: float = Field(gt=0, le=720)
    task_type: Literal["CALL", "EMAIL", "TODO"] = "TODO"
    priority: Literal["LOW", "MEDIUM", "HIGH"] = "MEDIUM"


class CapacitySpec(SpecModel):
    """Hand off the top leads that fit the SDR pool's weekly capacity (see docs/rules.md)."""

    per_week: int = Field(ge=1, le=100_000)
    #: The score bar until the connector has a day of scores to derive one from.
    start_bar: float = Field(default=70, ge=0, le=100)


class HandoffSpec(SpecModel):
    #: Required unless `capacity` is given; with `capacity` it holds the other tests.
    when: ConditionSpec | None = None
    capacity: CapacitySpec | None = None
    hysteresis_margin: float = Field(default=5, ge=0, le=100)
    sla_tiers: Annotated[list[SlaTierSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _bar(self) -> HandoffSpec:
        if self.when is None and self.capacity is None:
            raise ValueError(
                "the handoff needs a condition — give `when` (e.g. min_score: 60) or "
                "`capacity` (e.g. per_week: 60, the handoffs your SDRs can take a week)"
            )
        if self.capacity is not None and self.when is not None and self.when.min_score is not None:
            raise ValueError(
                "`capacity` sets the handoff's score bar — remove `min_score` from "
                "`handoff.when`, or remove `capacity` to keep a fixed bar"
            )
        return self

    @field_validator("sla_tiers")
    @classmethod
    def _tiers(cls, value: list[SlaTierSpec]) -> list[SlaTierSpec]:
        names = [t.name for t in value]
        if len(set(names)) != len(names):
            raise ValueError("two SLA tiers share a name — give each tier its own name")
        if value[-1].when is not None:
            raise ValueError(
                f"the last SLA tier ('{value[-1].name}') has a `when` — make the last tier a "
                "catch-all without `when` so every handoff gets a tier"
            )
        return value


LifecycleSpec.model_rebuild()
ConditionSpec.model_rebuild()
