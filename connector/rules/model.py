"""The values that go into and come out of the rules engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from connector.rules.explain import full_text

_EMPTY: Mapping[str, datetime] = MappingProxyType({})


def _fields_to_pickle(value: Any) -> list[object]:
    """A frozen value's fields, its read-only signal memory as a plain dict.

    A `MappingProxyType` cannot be pickled, so without this neither a decision nor a prior
    state could cross a process boundary or go through `copy.deepcopy`.
    """
    return [
        dict(v) if isinstance(v, MappingProxyType) else v
        for v in (getattr(value, f.name) for f in fields(value))
    ]


def _restore_fields(value: Any, state: list[object]) -> None:
    for f, v in zip(fields(value), state, strict=True):
        if f.name == "signal_memory" and isinstance(v, dict):
            v = MappingProxyType(v)
        object.__setattr__(value, f.name, v)


@dataclass(frozen=True, slots=True)
class LeadInput:
    """One contact as the sync read it: HubSpot property strings, and its company's if any.

    Attributes:
        contact_id: HubSpot's contact id.
        contact: contact property name → raw string value (or None).
        company: the primary company's properties, or None when it has none.
    """

    contact_id: str
    contact: Mapping[str, str | None]
    company: Mapping[str, str | None] | None = None


@dataclass(frozen=True, slots=True)
class PriorState:
    """What the state store remembers from the last decision for this contact.

    The whole object may be missing (a lost store): the engine then behaves safely (it never
    overwrites a non-empty lead status, and restarts the recycling clock instead of recycling).

    Attributes:
        score: the last score written.
        label: the last grade-temperature label written.
        below_bar_since: when the contact fell below the MQL bar (recycling clock).
        last_written_lead_status: the last lead status the connector itself wrote.
        in_handoff: the handoff condition held at the last decision (hysteresis).
        signal_memory: signal name → when it last occurred, for bottom-of-funnel signals
            HubSpot may overwrite (e.g. "recent conversion" after a newsletter sign-up).
    """

    score: int | None = None
    label: str | None = None
    below_bar_since: datetime | None = None
    last_written_lead_status: str | None = None
    in_handoff: bool = False
    signal_memory: Mapping[str, datetime] = field(default_factory=lambda: _EMPTY)

    def __getstate__(self) -> list[object]:
        return _fields_to_pickle(self)

    def __setstate__(self, state: list[object]) -> None:
        _restore_fields(self, state)


class Reason(NamedTuple):
    """One line of a score's arithmetic.

    A named tuple, not a frozen dataclass: a decision builds a dozen of these, and a frozen
    dataclass sets each of its eight fields through `object.__setattr__` (a tenth of the time of
    a whole decision, measured).

    In a decision, `points` are score points, after weights, group caps and floors, the
    clipping of fit and engagement to their scales, and the disqualified cap, shown as whole
    numbers that add up exactly to the score (largest-remainder rounding of `exact`; see
    docs/rules.md, "Reasons add up").

    Attributes:
        kind: "fit", "bant", "engagement", "baseline", "cap", "disqualifier" or "policy".
        criterion: what was tested, in words an SDR reads ("200–999 employees").
        observed: what the contact had (a value, a domain, "3 days ago"), if useful.
        points: signed score points this line contributed (0 for policy notes, and for a
            disqualifier that did not hold the score down; the whole score for one that did).
        group: the fit group, BANT dimension or journey stage it belongs to.
        exact: the score points before display rounding (None while the engine collects);
            for a line that no longer counts, what it would have given.
        raw: the points in the rules file's own unit (fit or engagement points), if any.
        counted: False when the line no longer counts: a disqualifier held the score at its
            cap (the disqualifier then carries the whole score); its `points` are 0.
    """

    kind: str
    criterion: str
    observed: str | None
    points: float
    group: str | None = None
    exact: float | None = None
    raw: float | None = None
    counted: bool = True


@dataclass(frozen=True, slots=True)
class BantDimensionResult:
    """One BANT dimension: "met", "not_met" or "unknown", the value that decided it, points."""

    dimension: str
    status: str
    observed: str | None
    points: float


@dataclass(frozen=True, slots=True)
class BantResult:
    """Budget, authority, need and timeline for one contact."""

    dimensions: tuple[BantDimensionResult, ...]

    @property
    def met_count(self) -> int:
        return sum(1 for d in self.dimensions if d.status == "met")

    @property
    def met(self) -> frozenset[str]:
        return frozenset(d.dimension for d in self.dimensions if d.status == "met")

    def status(self, dimension: str) -> str:
        """The status of one dimension ("unknown" when the rules do not configure it)."""
        for d in self.dimensions:
            if d.dimension == dimension:
                return d.status
        return "unknown"

    @property
    def points(self) -> float:
        return sum(d.points for d in self.dimensions)

    @property
    def summary(self) -> str:
        """E.g. "BANT 2/4: budget ✓ authority ? need ✓ timeline ✗"."""
        marks = {"met": "✓", "not_met": "✗", "unknown": "?"}
        parts = " ".join(f"{d.dimension} {marks[d.status]}" for d in self.dimensions)
        return f"BANT {self.met_count}/{len(self.dimensions)}: {parts}".rstrip(": ")


@dataclass(frozen=True, slots=True)
class SlaTier:
    """An SLA tier: how fast a rep must respond (business hours), with what task, how urgent."""

    name: str
    response_hours: float
    task_type: str
    priority: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything the rules concluded about one contact at one instant.

    See `connector.rules.evaluate` for the meaning of each field; `reasons` are ordered by
    the size of their points, disqualifiers first.
    """

    contact_id: str
    score: int
    fit_points: float
    engagement_points: float
    grade: str
    temperature: str
    label: str
    disqualified: Reason | None
    bant: BantResult
    reasons: tuple[Reason, ...]
    compact_reasons: str
    lifecycle_target: str | None
    lifecycle_clear_first: bool
    lead_status_target: str | None
    handoff_condition: bool
    sla_tier: str | None
    rescore_at: datetime | None
    below_bar_since: datetime | None
    rules_version: str
    signal_memory: Mapping[str, datetime] = field(default_factory=lambda: _EMPTY)
    #: properties the rules read whose value was neither text nor empty (e.g. a number in a
    #: hand-built input): scored as missing, and listed here so the caller can report them
    unreadable: tuple[str, ...] = ()

    def __getstate__(self) -> list[object]:
        return _fields_to_pickle(self)

    def __setstate__(self, state: list[object]) -> None:
        _restore_fields(self, state)

    @property
    def full_reasons(self) -> str:
        """Every reason on its own line with its group and observed value (for the CLI).

        Built on demand: the sync never needs it, the `explain` command always does.
        """
        header = (
            f"contact {self.contact_id}: score {self.score} ({self.label}), "
            f"fit {self.fit_points:.1f}, engagement {self.engagement_points:.1f}"
        )
        if self.disqualified is not None:
            header += f", disqualified: {self.disqualified.criterion}"
        footer = f"  rules version {self.rules_version}"
        if self.unreadable:
            footer = f"  unreadable (scored as missing): {', '.join(self.unreadable)}\n{footer}"
        bant = self.bant.summary if self.bant.dimensions else None
        return full_text(header=header, reasons=self.reasons, bant_summary=bant, footer=footer)
