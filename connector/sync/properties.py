"""The connector's own contact properties: names (configurable by prefix) and definitions.

As few as possible, because small HubSpot tiers cap custom properties per object.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.hubspot.models import NewProperty, PropertyOption


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
        return [
            NewProperty(
                name=name,
                label=label,
                type=kind,
                field_type=field_type,
                group_name=group,
                description=description,
                options=tuple(
                    PropertyOption(label=v.capitalize(), value=v, display_order=i)
                    for i, v in enumerate(options)
                ),
            )
            for name, (label, kind, field_type, options, description) in zip(
                self.all(), _DEFINITIONS, strict=True
            )
        ]


# (label, type, fieldType, enumeration options, description), in the order of `all()`.
_DEFINITIONS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("Qualification score", "number", "number", (), "0–100 from ICP fit, BANT and engagement."),
    (
        "Qualification grade",
        "enumeration",
        "select",
        ("A", "B", "C", "D"),
        "A–D from ICP fit; D when a disqualifier applies.",
    ),
    (
        "Qualification temperature",
        "enumeration",
        "select",
        ("cold", "warm", "hot"),
        "Engagement with decay: cold, warm or hot.",
    ),
    (
        "Qualification reasons",
        "string",
        "textarea",
        (),
        "Why this score: each criterion with its points, strongest first.",
    ),
    (
        "Qualification rules version",
        "string",
        "text",
        (),
        "Hash of the rules file that produced the score.",
    ),
    ("Qualification scored at", "datetime", "date", (), "When the score last changed."),
    (
        "Qualification handoff",
        "string",
        "text",
        (),
        "Proof of the last SDR handoff: key, task id and time (do not edit).",
    ),
)
