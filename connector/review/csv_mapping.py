"""The mapping file for `connector review --csv`: which column is which property, and more.

An export or another system's data says nothing about HubSpot; the mapping says which column
holds which property, which one holds the outcome and the creation date, which tokens mean
"missing", and whether each column was known when the lead arrived or only after sales had
contacted it (the review warns when rules read the latter). See docs/review.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connector.errors import ConfigError
from connector.rules.yaml_errors import (
    field_path,
    load_yaml,
    plain_message,
    problem_lines,
    where,
)


class Known(StrEnum):
    AT_ARRIVAL = "at_arrival"
    AFTER_CONTACT = "after_contact"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    property: str = Field(min_length=1)
    known: Known = Known.AT_ARRIVAL
    #: where the value goes: the contact's properties, or its company's (`company.x` in rules)
    into: Literal["contact", "company"] = "contact"


class OutcomeColumn(_Strict):
    column: str = Field(min_length=1)
    #: values that mean the outcome was reached (compared trimmed, ignoring case)
    converted: list[str] = Field(min_length=1)
    #: values that mean "not decided yet" (open deals): such rows are left out of the review
    undecided: list[str] = Field(default_factory=list)


class CreatedAt(_Strict):
    column: str | None = None
    #: every lead's creation date when the export has no column for it (scored as of then)
    assume: datetime | None = None

    @field_validator("assume")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a time zone, e.g. 2019-12-01T00:00:00Z")
        return value


class Join(_Strict):
    """Another CSV whose row is looked up by a key column (an account, a product)."""

    file: str = Field(min_length=1)
    by: str = Field(min_length=1, description="the key column in the main file")
    key: str = Field(min_length=1, description="the key column in this file")
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)


class CsvMapping(_Strict):
    name: str = "csv"
    id_column: str = Field(min_length=1)
    outcome: OutcomeColumn
    created_at: CreatedAt = CreatedAt()
    missing: list[str] = Field(default_factory=lambda: [""])
    #: lifecycle stage -> the column holding the date the lead first entered it (for the funnel)
    stage_dates: dict[str, str] = Field(default_factory=dict)
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)
    joins: list[Join] = Field(default_factory=list)

    def all_columns(self) -> dict[str, ColumnSpec]:
        """Column label -> spec, over the main file and every join."""
        merged = dict(self.columns)
        for join in self.joins:
            merged.update(join.columns)
        return merged

    def after_contact_properties(self) -> frozenset[str]:
        """Properties (as rules name them) known only after sales contact: reading them leaks."""
        return frozenset(
            _rule_name(spec)
            for spec in self.all_columns().values()
            if spec.known is Known.AFTER_CONTACT
        )

    def property_labels(self) -> dict[str, str]:
        """Property (as rules name it) -> the column it came from, for the report."""
        return {_rule_name(spec): column for column, spec in self.all_columns().items()}


def _rule_name(spec: ColumnSpec) -> str:
    return f"company.{spec.property}" if spec.into == "company" else spec.property


def load_mapping(path: str | Path) -> CsvMapping:
    """Read and validate a mapping file.

    Raises:
        ConfigError: the file cannot be read or is invalid (one line per problem, with its line).
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the CSV mapping ({exc}) — check --map") from None
    hint = "see docs/review.md for the mapping format"
    data, root = load_yaml(text, source=str(file), hint=hint)
    try:
        return CsvMapping.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{where(str(file), root, err['loc'])}: {field_path(err['loc'])} "
            f"{plain_message(err)} — {hint}"
            for err in exc.errors()
        ]
        raise ConfigError(problem_lines(str(file), lines)) from None
