"""SDR tasks: build batch-create inputs and map HubSpot's answer back to the inputs.

HubSpot does not promise that batch results come back in input order (hubspot-api.md §3), so each
input carries a unique ``objectWriteTraceId`` (``"<index>"`` within its chunk), which HubSpot echoes
on the created object and on per-input errors of a 207. When an answer lacks the trace id, a
result is matched to the first still-unmatched input whose every property we sent has the same
value in the result (``hs_timestamp`` compared as an instant). Inputs that are identical in every
property are interchangeable, so that match is exact for our purposes. An input left unmatched
is reported as failed with id ``"input:<index>"`` (its position in the `create_tasks` argument).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.hubspot._batch import UNCONFIRMED_CATEGORY
from connector.hubspot._parse import parse_instant, parse_records, to_iso_ms
from connector.hubspot.models import BatchOutcome, CrmRecord, NewTask, RecordFailure

#: HubSpot-defined association type ids (hubspot-api.md §5): task→contact and task→company.
TASK_TO_CONTACT = 204
TASK_TO_COMPANY = 192
#: Tasks are created open; the SDR closes them in HubSpot.
INITIAL_TASK_STATUS = "NOT_STARTED"


def failure_id(index: int) -> str:
    """The RecordFailure.id used for the input at `index` of a create call."""
    return f"input:{index}"


def task_properties(task: NewTask) -> dict[str, str]:
    props = {
        "hs_task_subject": task.subject,
        "hs_task_body": task.body,
        "hs_timestamp": to_iso_ms(task.due_at),
        "hs_task_priority": task.priority.value,
        "hs_task_type": task.task_type.value,
        "hs_task_status": INITIAL_TASK_STATUS,
    }
    if task.owner_id:
        props["hubspot_owner_id"] = task.owner_id
    props.update(task.extra_properties)
    return props


def task_input(task: NewTask, trace_id: str) -> dict[str, Any]:
    """One input of `POST /crm/v3/objects/tasks/batch/create` with inline associations."""
    associations = [_association(task.contact_id, TASK_TO_CONTACT)]
    if task.company_id:
        associations.append(_association(task.company_id, TASK_TO_COMPANY))
    return {
        "properties": task_properties(task),
        "associations": associations,
        "objectWriteTraceId": trace_id,
    }


def _association(to_id: str, type_id: int) -> dict[str, Any]:
    return {
        "to": {"id": to_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


def _same_value(name: str, sent: str, got: str | None) -> bool:
    if got is None:
        return False
    if name == "hs_timestamp":
        return parse_instant(sent) == parse_instant(got)
    return sent == got


def _matches(sent: Mapping[str, str], record: CrmRecord) -> bool:
    return all(_same_value(k, v, record.properties.get(k)) for k, v in sent.items())


def create_outcome(
    tasks: Sequence[NewTask], first_index: int, body: Mapping[str, Any]
) -> BatchOutcome:
    """Map a batch-create answer (201/200/207) for one chunk back to its inputs.

    Args:
        tasks: the chunk's inputs, in order.
        first_index: position of tasks[0] in the caller's full sequence (for failure ids).
        body: HubSpot's answer.
    """
    created: list[CrmRecord | None] = [None] * len(tasks)
    unmatched: list[CrmRecord] = []
    raw_results = [r for r in body.get("results") or [] if isinstance(r, Mapping)]
    for raw, record in zip(raw_results, parse_records(body), strict=True):
        index = _trace_index(raw.get("objectWriteTraceId"), len(tasks))
        if index is not None and created[index] is None:
            created[index] = record
        else:
            unmatched.append(record)
    sent = [task_properties(t) for t in tasks]
    for record in unmatched:
        for i, props in enumerate(sent):
            if created[i] is None and _matches(props, record):
                created[i] = record
                break

    failures: dict[int, RecordFailure] = {}
    unnamed: list[Mapping[str, Any]] = []
    for error in body.get("errors") or []:
        if not isinstance(error, Mapping):
            continue
        context = error.get("context") if isinstance(error.get("context"), Mapping) else {}
        traces = context.get("objectWriteTraceId") if context else None
        trace_values = traces if isinstance(traces, list) else [traces] if traces else []
        indexes = [_trace_index(t, len(tasks)) for t in trace_values]
        named = [i for i in indexes if i is not None and created[i] is None]
        if not named:
            unnamed.append(error)
        for i in named:
            failures[i] = _failure(first_index + i, error)
    fallback = unnamed[0] if unnamed else None
    for i, maybe in enumerate(created):
        if maybe is None and i not in failures:
            failures[i] = _failure(first_index + i, fallback)
    return BatchOutcome(
        succeeded=tuple(r.id for r in created if r is not None),
        failed=tuple(failures[i] for i in sorted(failures)),
        records=tuple(r for r in created if r is not None),
        created_ids=tuple(r.id if r is not None else None for r in created),
    )


def _trace_index(value: object, size: int) -> int | None:
    if value is None:
        return None
    text = str(value)
    if not text.isdigit():
        return None
    index = int(text)
    return index if 0 <= index < size else None


def _failure(index: int, error: Mapping[str, Any] | None) -> RecordFailure:
    if error is None:
        return RecordFailure(
            id=failure_id(index),
            category=UNCONFIRMED_CATEGORY,
            message="HubSpot's answer did not mention this task",
        )
    return RecordFailure(
        id=failure_id(index),
        category=str(error.get("category") or "UNKNOWN"),
        message=str(error.get("message") or "no message from HubSpot"),
    )
