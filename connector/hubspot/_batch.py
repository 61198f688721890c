"""Batch helpers: de-duplicate, chunk to HubSpot's 100, and read 207 bodies record by record.

HubSpot rejects a whole batch that names one id twice (sync-techniques.md §2.3), so ids are made
unique before any batch leaves the gateway; updates of the same id are merged, later values
winning. A 207 body lists failures in ``errors[]`` with the failing ids in ``context.ids``
(hubspot-api.md §3); an error that names no record fails every record of the chunk that HubSpot
did not confirm, with that error's reason, so nothing is silently counted as written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from connector.errors import HubSpotError
from connector.hubspot._parse import parse_records
from connector.hubspot.models import BatchOutcome, CrmRecord, RecordFailure, RecordUpdate
from connector.hubspot_facts import BATCH_MAX_INPUTS

#: Keys of an error's `context` that HubSpot (and our sandbox) use for record ids.
_ID_CONTEXT_KEYS = ("ids", "id", "objectId", "objectIds", "recordIds")
#: Failure reason for a record HubSpot neither confirmed nor rejected.
UNCONFIRMED_CATEGORY = "UNCONFIRMED"

T = TypeVar("T")


def unique_ids(ids: Sequence[str]) -> list[str]:
    """Ids in first-seen order, each once."""
    return list(dict.fromkeys(str(i) for i in ids))


def merge_updates(updates: Sequence[RecordUpdate]) -> list[RecordUpdate]:
    """One update per id, in first-seen order; for duplicates, later property values win."""
    merged: dict[str, dict[str, str]] = {}
    for update in updates:
        merged.setdefault(update.id, {}).update(update.properties)
    return [RecordUpdate(id=record_id, properties=props) for record_id, props in merged.items()]


def chunked(items: Sequence[T], size: int = BATCH_MAX_INPUTS) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def ids_in_error(error: Mapping[str, Any]) -> list[str]:
    """The record ids an entry of a 207 `errors[]` names (possibly none)."""
    context = error.get("context")
    found: list[str] = []
    if isinstance(context, Mapping):
        for key in _ID_CONTEXT_KEYS:
            value = context.get(key)
            values = value if isinstance(value, list) else [value] if value is not None else []
            found.extend(str(v) for v in values)
    if error.get("id") is not None:
        found.append(str(error["id"]))
    return unique_ids(found)


def _reason(error: Mapping[str, Any]) -> tuple[str, str]:
    category = str(error.get("category") or error.get("subCategory") or "UNKNOWN")
    return category, str(error.get("message") or "no message from HubSpot")


def write_outcome(chunk_ids: Sequence[str], body: Mapping[str, Any]) -> BatchOutcome:
    """Per-record outcome of a batch update (a 200 or a 207 body) for the ids sent."""
    sent = set(chunk_ids)
    records = [r for r in parse_records(body) if r.id in sent]
    succeeded = unique_ids([r.id for r in records])
    failures: dict[str, RecordFailure] = {}
    unnamed: list[Mapping[str, Any]] = []
    for error in body.get("errors") or []:
        if not isinstance(error, Mapping):
            continue
        named = [i for i in ids_in_error(error) if i in sent]
        if not named:
            unnamed.append(error)
            continue
        category, message = _reason(error)
        for record_id in named:
            failures.setdefault(
                record_id, RecordFailure(id=record_id, category=category, message=message)
            )
    confirmed = set(succeeded) | set(failures)
    unaccounted = [i for i in unique_ids(chunk_ids) if i not in confirmed]
    if unnamed:
        category, message = _reason(unnamed[0])
    else:
        category, message = UNCONFIRMED_CATEGORY, "HubSpot's answer did not mention this record"
    for record_id in unaccounted:
        failures[record_id] = RecordFailure(id=record_id, category=category, message=message)
    return BatchOutcome(
        succeeded=tuple(succeeded),
        failed=tuple(failures.values()),
        records=tuple(records),
    )


def read_outcome(body: Mapping[str, Any]) -> tuple[list[CrmRecord], list[str]]:
    """Records a batch read returned, and ids HubSpot reported missing (207 OBJECT_NOT_FOUND)."""
    missing: list[str] = []
    for error in body.get("errors") or []:
        if isinstance(error, Mapping):
            missing.extend(ids_in_error(error))
    return parse_records(body), unique_ids(missing)


def failed_chunk(chunk_ids: Sequence[str], error: HubSpotError) -> BatchOutcome:
    """Every id of a chunk HubSpot rejected as a whole (e.g. a 400 VALIDATION_ERROR)."""
    category = error.details.category or type(error).__name__
    message = error.details.message or str(error)
    return BatchOutcome(
        failed=tuple(
            RecordFailure(id=i, category=category, message=message) for i in unique_ids(chunk_ids)
        )
    )


def combine(outcomes: Sequence[BatchOutcome]) -> BatchOutcome:
    return BatchOutcome(
        succeeded=tuple(i for o in outcomes for i in o.succeeded),
        failed=tuple(f for o in outcomes for f in o.failed),
        records=tuple(r for o in outcomes for r in o.records),
        created_ids=tuple(c for o in outcomes for c in o.created_ids),
    )
