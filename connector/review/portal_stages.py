"""The portal's lifecycle stages, the properties holding when a contact entered each, and outcomes.

HubSpot keeps two families of stage-entry dates (hubspot-api.md, "Updates checked in 2026-12"):
the newer `hs_v2_date_entered_<stage>`, which also exists for custom stages (named by the stage's
internal value, a number), and the older `hs_lifecyclestage_<stage>_date` ("Became a … date"),
for the default stages only, which HubSpot clears when a stage is moved back. The v2 date is
preferred when a contact has both. Which of them exist, and the stage order (custom stages
included), come from the portal's own property definitions, never from a fixed list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.hubspot.models import PropertyDefinition
from connector.review.dataset import OutcomeSpec
from connector.rules.values import parse_timestamp, to_datetime

#: The stage that no funnel step leads to: reaching it is not "beyond" any outcome.
_OFF_FUNNEL = frozenset({"other"})
#: The stage a contact becomes a lead at; a horizon counts from it (or from creation).
LEAD_STAGE = "lead"


def v2_property(stage: str) -> str:
    return f"hs_v2_date_entered_{stage}"


def legacy_property(stage: str) -> str:
    return f"hs_lifecyclestage_{stage}_date"


@dataclass(frozen=True, slots=True)
class StageDates:
    """Where the portal records when a contact entered `stage` (None: no such property)."""

    stage: str
    v2: str | None
    legacy: str | None

    def properties(self) -> tuple[str, ...]:
        return tuple(p for p in (self.v2, self.legacy) if p is not None)


@dataclass(frozen=True, slots=True)
class StageCatalogue:
    """The portal's stages in their order, each with its date properties."""

    stages: tuple[StageDates, ...]

    @classmethod
    def from_definitions(cls, definitions: Sequence[PropertyDefinition]) -> StageCatalogue:
        by_name = {d.name: d for d in definitions}
        lifecycle = by_name.get("lifecyclestage")
        options = sorted(
            (o for o in (lifecycle.options if lifecycle else ()) if not o.hidden),
            key=lambda o: o.display_order if o.display_order is not None else 1_000_000,
        )
        return cls(
            tuple(
                StageDates(
                    stage=o.value,
                    v2=v2_property(o.value) if v2_property(o.value) in by_name else None,
                    legacy=legacy_property(o.value)
                    if legacy_property(o.value) in by_name
                    else None,
                )
                for o in options
            )
        )

    def properties(self) -> list[str]:
        return [p for s in self.stages for p in s.properties()]

    def order(self) -> list[str]:
        return [s.stage for s in self.stages]

    def entered(self, contact: Mapping[str, str | None]) -> dict[str, datetime]:
        """When the contact entered each stage it has a date for (v2 preferred)."""
        out: dict[str, datetime] = {}
        for s in self.stages:
            for name in s.properties():
                seconds = parse_timestamp(contact.get(name))
                if seconds is not None:
                    out[s.stage] = to_datetime(seconds)
                    break
        return out

    def converted(
        self,
        entered: Mapping[str, datetime],
        created_at: datetime | None,
        outcome: OutcomeSpec,
    ) -> bool:
        """Whether the outcome stage, or a stage after it, was reached within the horizon.

        A contact can skip stages (straight to customer), so any later funnel stage counts;
        the horizon runs from becoming a lead, or from creation without a lead date.
        """
        order = self.order()
        if outcome.stage not in order:
            return False
        later = order[order.index(outcome.stage) :]
        reached = [
            at for stage, at in entered.items() if stage in later and stage not in _OFF_FUNNEL
        ]
        if not reached:
            return False
        if outcome.horizon_days is None:
            return True
        start = entered.get(LEAD_STAGE) or created_at
        if start is None:
            return True
        return min(reached) - start <= timedelta(days=outcome.horizon_days)
