"""A task create HubSpot refused over a company association: what to send again.

HubSpot rejects a task whose association points at a record that no longer exists (a deleted
company). Left as is, the handoff would stay pending and fail the same way on every run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from connector.hubspot.models import BatchOutcome, NewTask, RecordFailure

#: Rounds of re-sending tasks refused over a company association; the last drops every
#: refused task's company.
ASSOCIATION_ROUNDS = 3

#: Sends the tasks at these indexes of the batch; None when the answer was lost (parked).
Send = Callable[[list[int], list[NewTask]], BatchOutcome | None]


def retry_refused_associations(
    tasks: Sequence[NewTask],
    created: Sequence[str | None],
    failures: Mapping[str, RecordFailure],
    send: Send,
) -> tuple[list[str | None], list[int]]:
    """Send again the tasks HubSpot refused over a company association, without it.

    A batch refused as a whole names one bad company at a time, so this takes a few rounds;
    the last drops the company of every task still refused, so a handoff never stays pending
    over a company link. Returns the task ids by input, and the inputs created without their
    company.
    """
    current, ids = list(tasks), list(created)
    for round_ in range(ASSOCIATION_ROUNDS):
        retry = without_rejected_companies(
            current, ids, failures, drop_all=round_ == ASSOCIATION_ROUNDS - 1
        )
        if not retry:
            break
        order = list(retry)
        again = send(order, [retry[i] for i in order])
        if again is None:
            break  # parked: a later run recovers them
        for i, task_id in zip(order, again.created_ids, strict=True):
            current[i], ids[i] = retry[i], task_id
        failures = {
            f"input:{order[int(f.id.split(':')[1])]}": f
            for f in again.failed
            if f.id.startswith("input:") and f.id.split(":")[1].isdigit()
        }
    dropped = [
        i
        for i, task_id in enumerate(ids)
        if task_id is not None and current[i].company_id != tasks[i].company_id
    ]
    return ids, dropped


#: Words that mark a create refused because of an association (HubSpot's message names it).
_ASSOCIATION_WORDS = re.compile(r"associat", re.IGNORECASE)


def without_rejected_companies(
    tasks: Sequence[NewTask],
    created: Sequence[str | None],
    failures: Mapping[str, RecordFailure],
    *,
    drop_all: bool = False,
) -> dict[int, NewTask]:
    """The inputs to send again after HubSpot refused an association: index → task.

    HubSpot validates a whole batch first, so one deleted company fails every input with the
    same message; nothing was created. Tasks whose company the message names go again without
    it (and say so in their body); the others go again unchanged. A message naming no company
    of ours, or `drop_all` (the last round), drops every refused task's company: the contact
    association is the one that matters, and a handoff must not stay pending forever over a
    company link.
    """
    refused: dict[int, RecordFailure] = {}
    for i, task_id in enumerate(created):
        failure = failures.get(f"input:{i}")
        if task_id is None and failure and _ASSOCIATION_WORDS.search(failure.message or ""):
            refused[i] = failure
    if not refused:
        return {}
    named = {
        i
        for i, failure in refused.items()
        if tasks[i].company_id
        and re.search(rf"\b{re.escape(tasks[i].company_id or '')}\b", failure.message)
    }
    drop = (not drop_all and named) or {i for i in refused if tasks[i].company_id}
    if not drop:
        return {}  # no company to drop: the refusal is about something we cannot fix here
    retry: dict[int, NewTask] = {}
    for i in refused:
        task = tasks[i]
        if i in drop:
            note = (
                f"\nNote: HubSpot refused the association with company {task.company_id} "
                "(deleted?); this task is linked to the contact only."
            )
            task = task.model_copy(update={"company_id": None, "body": task.body + note})
        retry[i] = task
    return retry
