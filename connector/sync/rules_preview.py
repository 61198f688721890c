"""A dry run's preview of what a rules file would move: counts and a few example contacts.

Built from the dry run's own report (`PlannedChange` rows: what the run would write, beside what
HubSpot shows now), so the preview is exactly what publishing the file would do, contact by
contact, and needs no code path of its own. Examples name contacts by id only (no PII).

The connector writes a closed set of contact properties (its own, named `<prefix>score`,
`<prefix>grade`, … and HubSpot's lifecycle stage, lead status and owner), so a row's property is
told apart by its name's ending whatever the prefix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from connector.sync.dry_run import PlannedChange

#: Contacts shown as examples.
EXAMPLES = 5

_KINDS: tuple[tuple[str, str], ...] = (
    ("grade", "grade"),
    ("temperature", "temperature"),
    ("lifecyclestage", "lifecycle stage"),
    ("hs_lead_status", "lead status"),
)


@dataclass(slots=True)
class RulesPreview:
    """How many contacts would move, by what; and which, for a few."""

    grades: int = 0
    #: grade or temperature: the label ("A-hot") a rep sees would change
    labels: int = 0
    lifecycle_stages: int = 0
    lead_statuses: int = 0
    scores: int = 0
    handoffs: int = 0
    contacts: int = 0
    examples: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        text = [
            f"preview: {self.contacts} contacts would change: "
            f"{self.grades} grades, {self.labels} labels (grade-temperature), "
            f"{self.lifecycle_stages} lifecycle stages, {self.lead_statuses} lead statuses, "
            f"{self.scores} scores; {self.handoffs} handoff tasks would be created"
        ]
        text += [f"  e.g. {example}" for example in self.examples]
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "contacts": self.contacts,
            "grades": self.grades,
            "labels": self.labels,
            "lifecycle_stages": self.lifecycle_stages,
            "lead_statuses": self.lead_statuses,
            "scores": self.scores,
            "handoffs": self.handoffs,
            "examples": list(self.examples),
        }


def _kind(name: str) -> str | None:
    if name in ("lifecyclestage", "hs_lead_status"):
        return name
    for suffix in ("grade", "temperature", "score"):
        if name.endswith(suffix):
            return suffix
    return None


def preview(changes: Sequence[PlannedChange]) -> RulesPreview:
    """Count the contacts each kind of change would touch, and describe a few of them."""
    moves: dict[str, dict[str, tuple[str | None, str]]] = defaultdict(dict)
    handoffs: set[str] = set()
    for change in changes:
        if change.action == "create task" and change.tier != "escalation":
            handoffs.add(change.record_id)
        elif change.action == "update contact" and (kind := _kind(change.property)):
            moves[change.record_id][kind] = (change.current, change.new)
    out = RulesPreview(handoffs=len(handoffs), contacts=len(moves))
    for fields in moves.values():
        out.grades += "grade" in fields
        out.labels += "grade" in fields or "temperature" in fields
        out.lifecycle_stages += "lifecyclestage" in fields
        out.lead_statuses += "hs_lead_status" in fields
        out.scores += "score" in fields
    # The most telling examples first: a changed grade or stage, then any other move.
    ranked = sorted(
        moves.items(),
        key=lambda item: ("grade" not in item[1], "lifecyclestage" not in item[1]),
    )
    for contact_id, fields in ranked[:EXAMPLES]:
        parts = [
            f"{label} {fields[kind][0] or '(none)'} → {fields[kind][1] or '(none)'}"
            for kind, label in (("score", "score"), *_KINDS)
            if kind in fields
        ]
        if contact_id in handoffs:
            parts.append("handoff task")
        out.examples.append(f"contact {contact_id}: " + ", ".join(parts))
    return out
