"""The connector's own properties: names (configurable by prefix) and definitions.

As few as possible, because small HubSpot tiers cap custom properties per object. The two that
only the connector reads, the handoff proof on contacts and the handoff key on tasks, are
created `hidden`: HubSpot keeps them out of the record sidebar and the property lists, where a
rep could trip over them or edit them, while the API still reads and writes them.
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
    #: On tasks, not contacts: the handoff key a task was created for (hidden), which recovery
    #: matches, so that the key never shows in a task's text.
    task_key: str

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
            task_key=f"{prefix}handoff_key",
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
        """The contact properties `connector setup` creates, with labels a rep understands."""
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
                hidden=name == self.handoff,
            )
            for name, (label, kind, field_type, options, description) in zip(
                self.all(), _DEFINITIONS, strict=True
            )
        ]

    def task_definitions(self, group: str) -> list[NewProperty]:
        """The task property `connector setup` creates: the handoff key, hidden."""
        return [
            NewProperty(
                name=self.task_key,
                label="Qualification handoff key (internal)",
                type="string",
                field_type="text",
                group_name=group,
                description=(
                    "Used by the lead-qualification connector to create exactly one task per "
                    "handoff. Hidden; do not edit."
                ),
                hidden=True,
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
        "Qualification handoff proof (internal)",
        "string",
        "text",
        (),
        "Used by the lead-qualification connector: its last SDR handoff's key, task id and "
        "time, so no handoff is made twice. Hidden; do not edit.",
    ),
)
