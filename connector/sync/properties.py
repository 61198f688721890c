"""The connector's own contact properties: names (configurable by prefix) and definitions.

As few as possible, because small HubSpot tiers cap custom properties per object.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.hubspot.models import NewProperty, PropertyOption

#: HubSpot's standard stages in forward order; the API only moves a stage forward.
LIFECYCLE_ORDER: tuple[str, ...] = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
#: Stages the connector never writes over: deals and people own them.
PROTECTED_STAGES = frozenset({"opportunity", "customer", "evangelist", "other"})


@dataclass(frozen=True, slots=True)
class ScoreProperties:
    """Internal names of the properties the connector writes on contacts."""

    score: str
    grade: str
    temperature: str
    reasons: str
    rules_version: str
    scored_at: str
    handoff: str

    @classmethod
    def with_prefix(cls, prefix: str) -> ScoreProperties:
        return cls(
            score=f"{prefix}score",
            grade=f"{prefix}grade",
            temperature=f"{prefix}temperature",
            reasons=f"{prefix}reasons",
            rules_version=f"{prefix}rules_version",
            scored_at=f"{prefix}scored_at",
            handoff=f"{prefix}handoff",
        )

    def all(self) -> tuple[str, ...]:
        return (
            self.score,
            self.grade,
            self.temperature,
            self.reasons,
            self.rules_version,
            self.scored_at,
            self.handoff,
        )

    def definitions(self, group: str) -> list[NewProperty]:
        """What `connector setup` creates, with labels a rep understands."""

        def options(*values: str) -> tuple[PropertyOption, ...]:
            return tuple(
                PropertyOption(label=v.capitalize(), value=v, display_order=i)
                for i, v in enumerate(values)
            )

        return [
            NewProperty(
                name=self.score,
                label="Qualification score",
                type="number",
                field_type="number",
                group_name=group,
                description="0–100 from ICP fit, BANT and engagement.",
            ),
            NewProperty(
                name=self.grade,
                label="Qualification grade",
                type="enumeration",
                field_type="select",
                group_name=group,
                description="A–D from ICP fit; D when a disqualifier applies.",
                options=tuple(
                    PropertyOption(label=g, value=g, display_order=i) for i, g in enumerate("ABCD")
                ),
            ),
            NewProperty(
                name=self.temperature,
                label="Qualification temperature",
                type="enumeration",
                field_type="select",
                group_name=group,
                description="Engagement with decay: cold, warm or hot.",
                options=options("cold", "warm", "hot"),
            ),
            NewProperty(
                name=self.reasons,
                label="Qualification reasons",
                type="string",
                field_type="textarea",
                group_name=group,
                description="Why this score: each criterion with its points, strongest first.",
            ),
            NewProperty(
                name=self.rules_version,
                label="Qualification rules version",
                type="string",
                field_type="text",
                group_name=group,
                description="Hash of the rules file that produced the score.",
            ),
            NewProperty(
                name=self.scored_at,
                label="Qualification scored at",
                type="datetime",
                field_type="date",
                group_name=group,
                description="When the score last changed.",
            ),
            NewProperty(
                name=self.handoff,
                label="Qualification handoff",
                type="string",
                field_type="text",
                group_name=group,
                description="Proof of the last SDR handoff: key, task id and time (do not edit).",
            ),
        ]
