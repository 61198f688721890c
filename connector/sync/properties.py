"""The connector's own properties: names (configurable by prefix) and definitions.

As few as possible, because small HubSpot tiers cap custom properties per object. The two that
only the connector reads, the handoff proof on contacts and the handoff key on tasks, are
created `hidden`: HubSpot keeps them out of the record sidebar and the property lists, where a
rep could trip over them or edit them, while the API still reads and writes them.

The probability property exists only while the rules in force have a calibration
(`connector calibrate`): without one, setup does not create it, preflight does not ask for it
and the sync writes none (it still reads it, to clear a value left from a calibration that is
no longer in force).
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.calibration_file import Calibration
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
    #: The calibrated probability's name; written only while `calibration` is set.
    probability: str = "qualification_probability"
    #: The calibration of the rules in force (None: no probability is created or written).
    calibration: Calibration | None = None

    @classmethod
    def with_prefix(cls, prefix: str, *, calibration: Calibration | None = None) -> ScoreProperties:
        return cls(
            score=f"{prefix}score",
            grade=f"{prefix}grade",
            temperature=f"{prefix}temperature",
            reasons=f"{prefix}reasons",
            rules_version=f"{prefix}rules_version",
            scored_at=f"{prefix}scored_at",
            handoff=f"{prefix}handoff",
            task_key=f"{prefix}handoff_key",
            probability=f"{prefix}probability",
            calibration=calibration,
        )

    def all(self) -> tuple[str, ...]:
        """The contact properties the connector owns now: setup creates them, preflight needs
        them."""
        base = (
            self.score,
            self.grade,
            self.temperature,
            self.reasons,
            self.rules_version,
            self.scored_at,
            self.handoff,
        )
        return base if self.calibration is None else (*base, self.probability)

    def read(self) -> tuple[str, ...]:
        """What a run reads of each contact: its own properties, and the probability even
        without a calibration, so that a value left from one no longer in force is cleared
        (HubSpot returns nothing for a property the portal does not have)."""
        return self.all() if self.calibration is not None else (*self.all(), self.probability)

    def probability_percent(self, score: int) -> str | None:
        """The calibrated chance for `score` as a percentage with one decimal ("37.5"), or None
        without a calibration. One decimal: finer than a rep reads, coarse enough that a
        recalibration moving a value by a hair costs no write."""
        if self.calibration is None:
            return None
        return f"{self.calibration.probability(score) * 100:.1f}"

    def definitions(self, group: str) -> list[NewProperty]:
        """The contact properties `connector setup` creates, with labels a rep understands."""
        probability = [] if self.calibration is None else [self._probability_definition(group)]
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
                self.all()[: len(_DEFINITIONS)], _DEFINITIONS, strict=True
            )
        ] + probability

    def _probability_definition(self, group: str) -> NewProperty:
        return NewProperty(
            name=self.probability,
            label="Qualification probability (%)",
            type="number",
            field_type="number",
            group_name=group,
            description=(
                "The chance (0–100 %) that this lead reaches the outcome stage within the "
                "horizon the calibration was fitted on, from past leads' outcomes (`connector "
                "calibrate`). Empty while the rules in force have no calibration."
            ),
        )

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
