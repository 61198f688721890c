"""Batch reads and writes of CRM records, task creation, owners and associations.

Each function takes the gateway's `call` (limiter, timeouts, retries, accounting) and the SDK API
object to use, and returns typed results; see `_batch` for how 207 bodies are read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connector.errors import DailyLimitError, FatalHubSpotError
from connector.hubspot import _batch, _parse, _tasks
from connector.hubspot._limiter import Budget
from connector.hubspot._transport import RawResponse
from connector.hubspot.models import BatchOutcome, CrmRecord, NewTask, Owner, RecordUpdate
from connector.hubspot_facts import ASSOCIATIONS_BATCH_READ_MAX, BATCH_MAX_INPUTS, LIST_PAGE_MAX
from connector.logging import get_logger

log = get_logger(__name__)

Call = Callable[..., RawResponse]


def batch_read(
    call: Call, object_type: str, api: Any, ids: Sequence[str], properties: Sequence[str]
) -> list[CrmRecord]:
    """Records by id in the order asked, each once; ids HubSpot reports missing are absent."""
    wanted = _batch.unique_ids(ids)
    by_id: dict[str, CrmRecord] = {}
    for chunk in _batch.chunked(wanted):
        body = {
            "inputs": [{"id": i} for i in chunk],
            "properties": list(properties),
            "propertiesWithHistory": [],
        }
        response = call(
            f"{object_type}.batch_read",
            Budget.STANDARD,
            api.read_with_http_info,
            batch_read_input_simple_public_object_id=body,
            archived=False,
        )
        records, missing = _batch.read_outcome(response.body)
        by_id.update((r.id, r) for r in records)
        if missing:
            log.debug("hubspot_batch_read_missing", object_type=object_type, ids=missing)
    return [by_id[i] for i in wanted if i in by_id]


def batch_update(
    call: Call, object_type: str, api: Any, updates: Sequence[RecordUpdate]
) -> BatchOutcome:
    """Merge duplicate ids (later wins), send ≤100 per call, report every record's fate.

    A chunk HubSpot rejects as a whole (400, 404, 409…) fails its records with HubSpot's
    reason and the other chunks still go out. Auth errors, the daily limit and retriable
    errors that outlived the time cap are raised: they concern the run, not the records.
    """
    outcomes: list[BatchOutcome] = []
    for chunk in _batch.chunked(_batch.merge_updates(updates)):
        ids = [u.id for u in chunk]
        body = {"inputs": [{"id": u.id, "properties": dict(u.properties)} for u in chunk]}
        try:
            response = call(
                f"{object_type}.batch_update",
                Budget.STANDARD,
                api.update_with_http_info,
                batch_input_simple_public_object_batch_input=body,
            )
        except FatalHubSpotError as exc:
            if isinstance(exc, DailyLimitError):
                raise
            outcomes.append(_batch.failed_chunk(ids, exc))
            continue
        outcomes.append(_batch.write_outcome(ids, response.body))
    outcome = _batch.combine(outcomes)
    if outcome.failed:
        log.warning(
            "hubspot_batch_update_partial_failure",
            object_type=object_type,
            succeeded=len(outcome.succeeded),
            failed=len(outcome.failed),
            categories=sorted({f.category for f in outcome.failed}),
        )
    return outcome


def create_tasks(call: Call, api: Any, tasks: Sequence[NewTask]) -> BatchOutcome:
    """Batch-create tasks ≤100 per call; not retried after an ambiguous failure (see gateway)."""
    outcomes: list[BatchOutcome] = []
    for start in range(0, len(tasks), BATCH_MAX_INPUTS):
        chunk = list(tasks[start : start + BATCH_MAX_INPUTS])
        body = {"inputs": [_tasks.task_input(t, str(i)) for i, t in enumerate(chunk)]}
        try:
            response = call(
                "tasks.batch_create",
                Budget.STANDARD,
                api.create_with_http_info,
                batch_input_simple_public_object_batch_input_for_create=body,
                idempotent=False,
            )
        except FatalHubSpotError as exc:
            if isinstance(exc, DailyLimitError):
                raise
            failed = _batch.failed_chunk(
                [_tasks.failure_id(start + i) for i in range(len(chunk))], exc
            )
            outcomes.append(failed.model_copy(update={"created_ids": (None,) * len(chunk)}))
            continue
        outcomes.append(_tasks.create_outcome(chunk, start, response.body))
    return _batch.combine(outcomes)


def owner_pages(call: Call, api: Any, *, archived: bool) -> list[Owner]:
    """Every page of active (or, with `archived`, only archived) owners."""
    owners: list[Owner] = []
    after: str | None = None
    while True:
        kwargs: dict[str, Any] = {"limit": LIST_PAGE_MAX, "archived": archived}
        if after is not None:
            kwargs["after"] = after
        response = call("owners.list", Budget.STANDARD, api.get_page_with_http_info, **kwargs)
        for raw in response.body.get("results") or []:
            if "id" in raw:
                owner = _parse.parse_owner(raw)
                owners.append(owner.model_copy(update={"archived": owner.archived or archived}))
        next_token = _parse.next_after(response.body)
        if next_token is None or next_token == after:
            return owners
        after = next_token


def associated_ids(
    call: Call, api: Any, from_type: str, to_type: str, ids: Sequence[str]
) -> dict[str, list[str]]:
    """Associated record ids per asked id (v4 batch read, ≤1,000 inputs per call).

    Every asked id is a key (an empty list when it has none or does not exist). Each record's
    associations are paged separately: a record whose page says "more" is asked again with its
    own `after` until none remains.
    """
    wanted = _batch.unique_ids(ids)
    found: dict[str, list[str]] = {i: [] for i in wanted}
    pending: list[tuple[str, str | None]] = [(i, None) for i in wanted]
    seen: set[tuple[str, str | None]] = set(pending)
    while pending:
        next_round: list[tuple[str, str | None]] = []
        for chunk in _batch.chunked(pending, ASSOCIATIONS_BATCH_READ_MAX):
            inputs = [{"id": i} if a is None else {"id": i, "after": a} for i, a in chunk]
            response = call(
                f"associations.{from_type}_{to_type}_batch_read",
                Budget.STANDARD,
                api.get_page_with_http_info,
                from_type,
                to_type,
                batch_input_public_fetch_associations_batch_request={"inputs": inputs},
            )
            for result in response.body.get("results") or []:
                source = str((result.get("from") or {}).get("id", ""))
                if source not in found:
                    continue
                for target in result.get("to") or []:
                    target_id = str(target.get("toObjectId", ""))
                    if target_id and target_id not in found[source]:
                        found[source].append(target_id)
                token = _parse.next_after(result)
                if token is not None and (source, token) not in seen:
                    seen.add((source, token))
                    next_round.append((source, token))
        pending = next_round
    return found
