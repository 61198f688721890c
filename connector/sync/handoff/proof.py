"""The handoff proof: what a contact's handoff property says about its last handoff.

It lives in HubSpot, on the contact, so it survives a lost state store: `<key>|pending|<time>`
before the task is created, `<key>|<task id>|<time>` after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Proof:
    key: str
    task_id: str | None
    at: datetime

    def render(self) -> str:
        stamp = self.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return f"{self.key}|{self.task_id or PENDING}|{stamp}"

    @classmethod
    def parse(cls, text: str | None) -> Proof | None:
        parts = (text or "").strip().split("|")
        if len(parts) != 3 or not parts[0].startswith("hq-"):
            return None
        try:
            at = datetime.fromisoformat(parts[2].replace("Z", "+00:00"))
        except ValueError:
            return None
        if at.tzinfo is None:
            return None
        return cls(parts[0], None if parts[1] == PENDING else parts[1], at)
