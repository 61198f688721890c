"""The funnel (lead → MQL → SQL → opportunity → customer) and the SLA effect, when known."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connector.review.dataset import ReviewLead
from connector.review.stats import median

FUNNEL_STAGES = (
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
)
STAGE_NAMES = {
    "lead": "lead",
    "marketingqualifiedlead": "MQL",
    "salesqualifiedlead": "SQL",
    "opportunity": "opportunity",
    "customer": "customer",
}


@dataclass(frozen=True, slots=True)
class FunnelStep:
    stage: str
    reached: int
    rate_from_previous: float | None
    median_days_from_previous: float | None


@dataclass(frozen=True, slots=True)
class FunnelMonth:
    month: str  # "2026-03", by creation
    reached: tuple[int, ...]  # per stage, in FUNNEL_STAGES order
    #: per stage after the first: the share of the previous stage's leads that reached it, and
    #: the median days between the two dates (None: no lead to measure)
    rates: tuple[float | None, ...] = ()
    median_days: tuple[float | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Funnel:
    steps: list[FunnelStep]
    months: list[FunnelMonth]


@dataclass(frozen=True, slots=True)
class SlaEffect:
    handoffs_known: int
    in_time: int
    converted_in_time: int
    late: int
    converted_late: int

    @property
    def in_time_share(self) -> float:
        return self.in_time / self.handoffs_known if self.handoffs_known else 0.0

    @property
    def rate_in_time(self) -> float | None:
        return self.converted_in_time / self.in_time if self.in_time else None

    @property
    def rate_late(self) -> float | None:
        return self.converted_late / self.late if self.late else None


def _reached(lead: ReviewLead) -> list[bool]:
    """A stage counts as reached when it, or any later stage, has a date (stages get skipped)."""
    out = [False] * len(FUNNEL_STAGES)
    seen = False
    for i in range(len(FUNNEL_STAGES) - 1, -1, -1):
        seen = seen or FUNNEL_STAGES[i] in lead.stage_dates
        out[i] = seen
    return out


def funnel(leads: Sequence[ReviewLead]) -> Funnel | None:
    """None when no lead carries a stage date (an export without them)."""
    if not any(lead.stage_dates for lead in leads):
        return None
    reached = [_reached(lead) for lead in leads]
    steps = _steps(leads, reached)
    per_month: dict[str, list[int]] = {}
    for i, lead in enumerate(leads):
        if lead.created_at is not None:
            per_month.setdefault(lead.created_at.strftime("%Y-%m"), []).append(i)
    months: list[FunnelMonth] = []
    for month in sorted(per_month):
        picked = per_month[month]
        got = _steps([leads[i] for i in picked], [reached[i] for i in picked])
        months.append(
            FunnelMonth(
                month,
                tuple(s.reached for s in got),
                tuple(s.rate_from_previous for s in got[1:]),
                tuple(s.median_days_from_previous for s in got[1:]),
            )
        )
    return Funnel(steps, months)


def _steps(leads: Sequence[ReviewLead], reached: Sequence[list[bool]]) -> list[FunnelStep]:
    steps: list[FunnelStep] = []
    for i, stage in enumerate(FUNNEL_STAGES):
        count = sum(1 for r in reached if r[i])
        if i == 0:
            steps.append(FunnelStep(stage, count, None, None))
            continue
        before = sum(1 for r in reached if r[i - 1])
        days = [
            (lead.stage_dates[stage] - lead.stage_dates[FUNNEL_STAGES[i - 1]]).total_seconds()
            / 86400
            for lead in leads
            if stage in lead.stage_dates and FUNNEL_STAGES[i - 1] in lead.stage_dates
        ]
        steps.append(FunnelStep(stage, count, count / before if before else None, median(days)))
    return steps


def sla_effect(leads: Sequence[ReviewLead]) -> SlaEffect | None:
    """None when no lead says whether it was touched within the SLA."""
    known = [lead for lead in leads if lead.touched_within_sla is not None]
    if not known:
        return None
    in_time = [lead for lead in known if lead.touched_within_sla]
    late = [lead for lead in known if not lead.touched_within_sla]
    return SlaEffect(
        handoffs_known=len(known),
        in_time=len(in_time),
        converted_in_time=sum(1 for lead in in_time if lead.converted),
        late=len(late),
        converted_late=sum(1 for lead in late if lead.converted),
    )
