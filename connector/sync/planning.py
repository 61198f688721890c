"""Plan writes: what each scored contact needs written, and what its memory will say.

The diff itself (`diff.py`) compares with what HubSpot returned in this very run; this module
turns decisions into the diff's input and builds the memory row saved once the write is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.rules import Decision
from connector.rules.policy import DEFAULT_STAGE_ORDER, StageOrder
from connector.state import ContactMemory
from connector.sync.diff import Desired, PlannedWrite, plan_write
from connector.sync.properties import ScoreProperties
from connector.sync.scoring import Scored


@dataclass(frozen=True, slots=True)
class ContactPlan:
    """A scored contact and its write (None: HubSpot already shows the decision)."""

    scored: Scored
    write: PlannedWrite | None

    def memory(self, *, in_handoff: bool, now: datetime) -> ContactMemory:
        """The contact's memory once the write is done."""
        decision, prior = self.scored.decision, self.scored.prior
        written = self.write.properties if self.write is not None else {}
        return ContactMemory(
            contact_id=self.scored.record.id,
            score=decision.score,
            label=decision.label,
            lead_status_written=written.get(
                "hs_lead_status", prior.lead_status_written if prior else None
            ),
            lifecycle_written=written.get(
                "lifecyclestage", prior.lifecycle_written if prior else None
            ),
            below_bar_since=decision.below_bar_since,
            in_handoff=in_handoff,
            rescore_at=decision.rescore_at,
            scored_at=now,
            rules_version=decision.rules_version,
            signal_memory=decision.signal_memory,
        )


def plan_writes(
    scored: Sequence[Scored],
    names: ScoreProperties,
    *,
    now: datetime,
    order: StageOrder = DEFAULT_STAGE_ORDER,
) -> list[ContactPlan]:
    return [
        ContactPlan(
            item,
            plan_write(
                item.record.id,
                item.record.properties,
                _desired(item.decision, names),
                names,
                now=now,
                order=order,
            ),
        )
        for item in scored
    ]


def _desired(decision: Decision, names: ScoreProperties) -> Desired:
    return Desired(
        score=decision.score,
        grade=decision.grade,
        temperature=decision.temperature,
        reasons=decision.compact_reasons,
        rules_version=decision.rules_version,
        lifecycle_target=decision.lifecycle_target,
        lifecycle_clear_first=decision.lifecycle_clear_first,
        lead_status_target=decision.lead_status_target,
        probability=names.probability_percent(decision.score) or "",
    )
