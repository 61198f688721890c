"""The rules file's schema: pydantic models that validate what an admin wrote.

These models describe the YAML file one to one (see `docs/rules.md` and `config/rules.yaml`).
They are only used while loading; `ruleset.py` compiles them into frozen structures. The policy
sections (lifecycle, lead status, handoff) are in `schema_policy.py`.
Every validator raises `ValueError` with "what is wrong — hint" so the loader can print one line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from connector.rules.schema_bant import BantSpec
from connector.rules.schema_base import PropertyRefs, SpecModel, check_property, check_refs
from connector.rules.schema_policy import HandoffSpec, LeadStatusSpec, LifecycleSpec
from connector.rules.schema_tiers import TierSpec, check_tiers

#: The operators a fit criterion, a disqualifier or a signal's `when` may use.
OPERATORS: tuple[str, ...] = (
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "contains",
    "not_contains",
    "regex",
    "domain_in",
    "present",
    "missing",
)
_NEEDS_VALUES = frozenset({"in", "not_in", "contains", "not_contains", "domain_in"})
_NEEDS_NUMBER = frozenset({"gt", "gte", "lt", "lte"})
_NEEDS_VALUE = frozenset({"eq", "ne", "regex"})

JourneyStage = Literal["top", "middle", "bottom"]

Scalar = str | int | float | bool


class MatchSpec(SpecModel):
    """One test on one property (or the first present of several)."""

    label: str | None = Field(default=None, max_length=120)
    property: PropertyRefs
    op: str
    value: Scalar | None = None
    values: list[Scalar] | None = None
    min: float | None = None
    max: float | None = None

    @field_validator("property")
    @classmethod
    def _known_property(cls, value: PropertyRefs) -> PropertyRefs:
        return check_refs(value)

    @field_validator("op")
    @classmethod
    def _known_op(cls, value: str) -> str:
        if value not in OPERATORS:
            raise ValueError(f"unknown operator '{value}' — use one of {', '.join(OPERATORS)}")
        return value

    @model_validator(mode="after")
    def _operands(self) -> Self:
        op = self.op
        if op in _NEEDS_VALUES and not self.values and self.value is None:
            raise ValueError(f"operator '{op}' needs `values: [...]` (a list of values to compare)")
        if op in _NEEDS_VALUE and self.value is None:
            raise ValueError(f"operator '{op}' needs `value: ...`")
        if op in _NEEDS_NUMBER and not _is_number(self.value):
            raise ValueError(f"operator '{op}' needs a numeric `value:` (e.g. value: 200)")
        if op == "between":
            if self.min is None and self.max is None:
                raise ValueError("operator 'between' needs `min:` and/or `max:` (inclusive)")
            if self.min is not None and self.max is not None and self.min > self.max:
                raise ValueError(f"between: min {self.min:g} is above max {self.max:g} — swap them")
        if op == "regex":
            try:
                re.compile(str(self.value))
            except re.error as exc:
                raise ValueError(
                    f"invalid regular expression {self.value!r}: {exc} — check brackets "
                    "and escapes (YAML: quote the pattern with single quotes)"
                ) from exc
        return self

    def operands(self) -> list[Scalar]:
        """The comparison values as a list (`values`, else `[value]`)."""
        if self.values:
            return list(self.values)
        return [] if self.value is None else [self.value]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class FitCriterionSpec(MatchSpec):
    """A fit criterion: a test and the points it gives (negative points penalise), or `tiers`
    of points by the band of a number the property holds (then without `op:`)."""

    points: float | None = Field(default=None, ge=-1000, le=1000)
    tiers: list[TierSpec] | None = None

    @model_validator(mode="before")
    @classmethod
    def _tiers_read_a_number(cls, data: Any) -> Any:
        # A tiered criterion holds whenever its property has a value; the tiers then read it
        # as a number. `op: present` stands for that, so the rest of the engine sees a test.
        if isinstance(data, Mapping) and data.get("tiers") is not None:
            if data.get("op", "present") != "present":  # a dumped spec holds `op: present`
                raise ValueError(f"`tiers:` read the number itself — remove `op: {data['op']}`")
            return {**data, "op": "present"}
        return data

    @model_validator(mode="after")
    def _points_or_tiers(self) -> Self:
        if self.tiers is None:
            if self.points is None:
                raise ValueError(
                    "a criterion needs `points:` (or `tiers:` to score a number by bands)"
                )
            return self
        if self.points is not None:
            raise ValueError("give `points:` or `tiers:`, not both")
        if self.value is not None or self.values or self.min is not None or self.max is not None:
            raise ValueError("`tiers:` read the number itself — remove value/values/min/max")
        check_tiers(self.tiers)
        return self

    def point_values(self) -> list[float]:
        """Every number of points this criterion can give."""
        if self.tiers is not None:
            return [tier.points for tier in self.tiers]
        return [] if self.points is None else [self.points]


class DisqualifierSpec(MatchSpec):
    """A test that, when it holds, forces the lowest grade (and caps the score)."""

    label: str = Field(min_length=1, max_length=120)


class FitGroupSpec(SpecModel):
    """Criteria scored together with a cap, e.g. company size or industry."""

    name: str = Field(min_length=1, max_length=80)
    mode: Literal["sum", "first"] = "sum"
    cap: float | None = Field(default=None, gt=0)
    floor: float | None = Field(default=None, lt=0)
    criteria: list[FitCriterionSpec] = Field(min_length=1)


class FitSpec(SpecModel):
    """Fit groups, and `baseline`: fit points every contact starts from (signed, default none)."""

    max_points: float = Field(default=100, gt=0)
    baseline: float | None = Field(default=None, ge=-1000, le=1000)
    groups: list[FitGroupSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _points_in_range(self) -> Self:
        # One criterion worth more than the whole scale (or taking more than all of it) is a
        # slip of a zero, e.g. `points: 1000` for 10: no criterion may pass ±max_points.
        wrong = [
            f"fit.groups[{g}].criteria[{c}] ({crit.label or crit.property}) gives {points:g}"
            for g, group in enumerate(self.groups)
            for c, crit in enumerate(group.criteria)
            for points in crit.point_values()
            if abs(points) > self.max_points
        ]
        if self.baseline is not None and abs(self.baseline) > self.max_points:
            wrong.insert(0, f"fit.baseline is {self.baseline:g}")
        if wrong:
            raise ValueError(
                f"points out of range: {'; '.join(wrong)} — a criterion gives between "
                f"-{self.max_points:g} and {self.max_points:g} (fit.max_points); lower the "
                "points (did you add a zero?) or raise fit.max_points"
            )
        return self


class ScoreSpec(SpecModel):
    fit_weight: float = Field(default=0.6, ge=0, le=1)
    engagement_weight: float = Field(default=0.4, ge=0, le=1)
    disqualified_max_score: int = Field(default=0, ge=0, le=100)

    @model_validator(mode="after")
    def _weights(self) -> Self:
        if abs(self.fit_weight + self.engagement_weight - 1.0) > 1e-9:
            raise ValueError(
                f"fit_weight {self.fit_weight:g} + engagement_weight {self.engagement_weight:g} "
                "must add up to 1 — e.g. 0.6 and 0.4"
            )
        return self


class GradesSpec(SpecModel):
    """Minimum fit points for each grade; anything below C is D."""

    A: float
    B: float
    C: float

    @model_validator(mode="after")
    def _descending(self) -> Self:
        if not (self.A >= self.B >= self.C):
            raise ValueError("grade bars must satisfy A >= B >= C — e.g. A: 60, B: 40, C: 20")
        return self


class TemperatureSpec(SpecModel):
    """Minimum engagement points for warm and hot; anything below warm is cold."""

    warm: float = Field(ge=0)
    hot: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.hot < self.warm:
            raise ValueError("hot must be at least warm — e.g. warm: 15, hot: 40")
        return self


class DecaySpec(SpecModel):
    """A decay shape and its duration: exactly one field (each is a shape of `decay.py`)."""

    half_life_days: float | None = Field(default=None, gt=0)  #: exponential
    lifespan_days: float | None = Field(default=None, gt=0)  #: linear to zero

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"decay needs exactly one of {', '.join(type(self).model_fields)} "
                "(see the decay shapes in docs/rules.md)"
            )
        return self


class SignalSpec(SpecModel):
    """An engagement signal: when it happened, how much it is worth, how fast it fades.

    Without `at:` a signal is undated: it scores the number in `count:` as it stands, with no
    decay (e.g. total visits, time on the website). `tiers:` score that number by bands, with
    points that may go up and down, instead of `points:` per occurrence.
    """

    name: str = Field(min_length=1, max_length=80)
    label: str | None = Field(default=None, max_length=120)
    stage: JourneyStage
    at: PropertyRefs | None = None
    when: MatchSpec | None = None
    count: str | None = None
    points: float | None = Field(default=None, gt=0, le=1000)
    tiers: list[TierSpec] | None = None
    cap: float | None = Field(default=None, gt=0)
    decay: DecaySpec | None = None
    remember: bool | None = None

    @field_validator("at")
    @classmethod
    def _at(cls, value: PropertyRefs | None) -> PropertyRefs | None:
        return None if value is None else check_refs(value)

    @field_validator("count")
    @classmethod
    def _count(cls, value: str | None) -> str | None:
        return None if value is None else check_property(value)

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, value: list[TierSpec] | None) -> list[TierSpec] | None:
        return None if value is None else check_tiers(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.cap is not None and self.count is None:
            raise ValueError("cap only applies to counted signals — add `count: <property>`")
        if (self.points is None) == (self.tiers is None):
            raise ValueError(
                "a signal needs either `points:` (per occurrence) or `tiers:` (by the band of "
                "its count), not both and not neither"
            )
        if self.at is None:
            if self.count is None:
                raise ValueError(
                    "a signal without `at:` scores a number — add `count: <property>`, or name "
                    "the date it happened in `at:`"
                )
            if self.decay is not None:
                raise ValueError("a signal without `at:` has no age to decay — remove `decay:`")
            if self.remember:
                raise ValueError("a signal without `at:` has no date to remember — remove it")
        if self.tiers is not None:
            self._check_tiered()
        return self

    def _check_tiered(self) -> None:
        if self.count is None:
            raise ValueError("tiers score a number — add `count: <property>`")
        if self.cap is not None:
            raise ValueError("`cap:` does not go with `tiers:` — the tiers' points are the most")
        if self.remember:
            raise ValueError(
                "a tiered signal cannot be remembered (its points depend on the number now) — "
                "remove `remember:`"
            )
        negative = next((t.points for t in self.tiers or [] if t.points < 0), None)
        if negative is not None and self.decay is not None:
            raise ValueError(
                f"a tier gives {negative:g} and the signal decays: a fading penalty would raise "
                "scores with time alone — remove `decay:` or keep every tier at 0 or more"
            )

    @property
    def dated(self) -> bool:
        return self.at is not None


class EngagementSpec(SpecModel):
    max_points: float = Field(default=100, gt=0)
    signals: list[SignalSpec] = Field(default_factory=list)

    @field_validator("signals")
    @classmethod
    def _unique(cls, value: list[SignalSpec]) -> list[SignalSpec]:
        seen: set[str] = set()
        for signal in value:
            if signal.name in seen:
                raise ValueError(f"signal name '{signal.name}' is used twice — names must differ")
            seen.add(signal.name)
        return value


class RulesFile(SpecModel):
    """The whole rules file."""

    name: str = Field(default="rules", max_length=80)
    score: ScoreSpec = ScoreSpec()
    grades: GradesSpec
    temperature: TemperatureSpec
    fit: FitSpec = FitSpec()
    disqualifiers: list[DisqualifierSpec] = Field(default_factory=list)
    bant: BantSpec | None = None
    engagement: EngagementSpec = EngagementSpec()
    lifecycle: LifecycleSpec = LifecycleSpec()
    lead_status: LeadStatusSpec = LeadStatusSpec()
    handoff: HandoffSpec
