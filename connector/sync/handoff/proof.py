"""The handoff proof: what a contact's handoff property says about its last handoff.

It lives in HubSpot, on the contact, so it survives a lost state store:
`<key>|pending|<time>|<attempted>` before the task is created (the time the create was sent, so
that a recovery can tell how long ago a lost create went out), `<key>|<task id>|<time>` after.
Proofs written before the attempt time existed (`<key>|pending|<time>`) still parse.
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
    #: When the task create was last sent (pending proofs only).
    attempted_at: datetime | None = None

    def render(self) -> str:
        text = f"{self.key}|{self.task_id or PENDING}|{_stamp(self.at)}"
        if self.task_id is None and self.attempted_at is not None:
            text += f"|{_stamp(self.attempted_at)}"
        return text

    @classmethod
    def parse(cls, text: str | None) -> Proof | None:
        parts = (text or "").strip().split("|")
        if len(parts) not in (3, 4) or not parts[0].startswith("hq-"):
            return None
        task_id = None if parts[1] == PENDING else parts[1]
        at = _instant(parts[2])
        attempted = _instant(parts[3]) if len(parts) == 4 else None
        if at is None or (len(parts) == 4 and (attempted is None or task_id is not None)):
            return None
        return cls(parts[0], task_id, at, attempted)


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _instant(text: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None
