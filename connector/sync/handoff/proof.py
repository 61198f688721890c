"""The handoff proof: what a contact's handoff property says about its last handoff.

It lives in HubSpot, on the contact, so it survives a lost state store:
`<key>|pending|<time>|<attempted>` before the task is created (the time the create was sent, so
that a recovery can tell how long ago a lost create went out), `<key>|<task id>|<time>` after.
Proofs written before the attempt time existed (`<key>|pending|<time>`) still parse.

The task side of the proof is the task's hidden key property (`<prefix>handoff_key`): recovery
finds a contact's task for a key there (`tasks_carrying`), never in the text a rep reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connector.hubspot.models import CrmRecord
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.sync.ports import HubSpotPort

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


#: Tasks created before the key moved to a hidden property carried it in a line of their body.
_LEGACY_KEY_LINE = re.compile(r"Handoff key: (hq-\S+)")


def task_key(task: CrmRecord, key_property: str) -> str | None:
    """The handoff key a task was created for: its hidden key property, or the key line of the
    body of a task made before that property existed."""
    key = task.get(key_property)
    if key:
        return key
    legacy = _LEGACY_KEY_LINE.search(task.get("hs_task_body") or "")
    return legacy.group(1) if legacy else None


def tasks_carrying(
    port: HubSpotPort, key_property: str, pairs: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """Task id per handoff key, for the (contact id, key) pairs whose contact has that task.

    Through the contacts' task associations, which are read consistently (search would lag).
    """
    task_ids = port.contact_task_ids([contact for contact, _ in pairs])
    wanted = {key for _, key in pairs}
    all_ids = sorted({t for ids in task_ids.values() for t in ids})
    found: dict[str, str] = {}
    for start in range(0, len(all_ids), BATCH_MAX_INPUTS):
        chunk = all_ids[start : start + BATCH_MAX_INPUTS]
        for task in port.read_tasks(chunk, ("hs_task_body", key_property)):
            key = task_key(task, key_property)
            if key in wanted:
                found.setdefault(key, task.id)
    return found
