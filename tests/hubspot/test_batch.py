"""Batch helpers: de-duplication, chunking, 207 bodies into per-record outcomes, task matching."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from connector.errors import FatalHubSpotError, HubSpotErrorDetails
from connector.hubspot import _batch, _tasks
from connector.hubspot._parse import parse_instant, parse_record, to_epoch_ms, to_iso_ms
from connector.hubspot.models import NewTask, RecordUpdate

NOW = datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=UTC)


def _result(record_id: str, **props: str) -> dict[str, object]:
    return {
        "id": record_id,
        "properties": props,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-11-23T10:00:00.123Z",
        "archived": False,
    }


def test_unique_ids_keep_first_seen_order() -> None:
    assert _batch.unique_ids(["3", "1", "3", "2", "1"]) == ["3", "1", "2"]


def test_duplicate_updates_merge_with_later_values_winning() -> None:
    merged = _batch.merge_updates(
        [
            RecordUpdate(id="1", properties={"a": "x", "b": "old"}),
            RecordUpdate(id="2", properties={"a": "y"}),
            RecordUpdate(id="1", properties={"b": "new", "c": ""}),
        ]
    )
    assert [u.id for u in merged] == ["1", "2"]
    assert dict(merged[0].properties) == {"a": "x", "b": "new", "c": ""}


def test_chunks_hold_at_most_100() -> None:
    sizes = [len(c) for c in _batch.chunked(list(range(250)))]
    assert sizes == [100, 100, 50]


def test_207_update_body_becomes_per_record_outcomes() -> None:
    body = {
        "status": "COMPLETE",
        "results": [_result("1", hs_lead_status="NEW"), _result("3")],
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "VALIDATION_ERROR",
                "message": "Property values were not valid",
                "context": {"ids": ["2"]},
            }
        ],
    }
    outcome = _batch.write_outcome(["1", "2", "3"], body)
    assert outcome.succeeded == ("1", "3")
    assert [(f.id, f.category) for f in outcome.failed] == [("2", "VALIDATION_ERROR")]
    assert outcome.failed[0].message == "Property values were not valid"
    assert [r.id for r in outcome.records] == ["1", "3"]


def test_error_without_ids_fails_every_unconfirmed_record_of_the_chunk() -> None:
    body = {
        "status": "COMPLETE",
        "results": [_result("1")],
        "errors": [{"category": "VALIDATION_ERROR", "message": "something was invalid"}],
    }
    outcome = _batch.write_outcome(["1", "2", "3"], body)
    assert outcome.succeeded == ("1",)
    assert {f.id for f in outcome.failed} == {"2", "3"}
    assert all(f.message == "something was invalid" for f in outcome.failed)


def test_records_hubspot_never_mentioned_are_not_counted_as_written() -> None:
    outcome = _batch.write_outcome(["1", "2"], {"status": "COMPLETE", "results": [_result("1")]})
    assert outcome.succeeded == ("1",)
    assert [(f.id, f.category) for f in outcome.failed] == [("2", _batch.UNCONFIRMED_CATEGORY)]


def test_batch_read_misses_are_absent_not_failures() -> None:
    body = {
        "status": "COMPLETE",
        "results": [_result("1")],
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects, they may be deleted or not exist.",
                "context": {"ids": ["7", "8"]},
            }
        ],
    }
    records, missing = _batch.read_outcome(body)
    assert [r.id for r in records] == ["1"]
    assert missing == ["7", "8"]


def test_whole_chunk_rejection_fails_each_id_with_hubspots_reason() -> None:
    error = FatalHubSpotError(
        "x", HubSpotErrorDetails(status=400, category="VALIDATION_ERROR", message="bad")
    )
    outcome = _batch.failed_chunk(["1", "2", "1"], error)
    assert [(f.id, f.category, f.message) for f in outcome.failed] == [
        ("1", "VALIDATION_ERROR", "bad"),
        ("2", "VALIDATION_ERROR", "bad"),
    ]


def test_records_parse_timestamps_to_aware_utc() -> None:
    record = parse_record(
        {"id": 5, "properties": {"lastmodifieddate": "1700000000000", "email": None}}
    )
    assert record.id == "5"
    assert record.updated_at == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert record.properties["email"] is None
    full = parse_record(_result("6"))
    assert full.updated_at == NOW
    assert full.updated_at is not None and full.updated_at.tzinfo is not None


def test_instant_round_trips() -> None:
    assert parse_instant(to_iso_ms(NOW)) == NOW
    assert parse_instant(str(to_epoch_ms(NOW))) == NOW
    assert to_iso_ms(NOW) == "2026-11-23T10:00:00.123Z"
    assert parse_instant("garbage") is None


def _task(i: int, contact: str = "100", **extra: str) -> NewTask:
    return NewTask(
        subject=f"Call lead {i}",
        body=f"body {i}",
        due_at=NOW + timedelta(hours=i),
        owner_id="7",
        contact_id=contact,
        company_id="900" if i % 2 else None,
        extra_properties=extra,
    )


def test_task_input_carries_associations_and_a_trace_id() -> None:
    payload = _tasks.task_input(_task(1), "0")
    assert payload["objectWriteTraceId"] == "0"
    types = [a["types"][0]["associationTypeId"] for a in payload["associations"]]
    assert types == [_tasks.TASK_TO_CONTACT, _tasks.TASK_TO_COMPANY]
    assert payload["properties"]["hs_timestamp"] == to_iso_ms(NOW + timedelta(hours=1))
    assert payload["properties"]["hubspot_owner_id"] == "7"


def test_created_tasks_map_back_by_trace_id_whatever_the_order() -> None:
    tasks = [_task(i) for i in range(5)]
    results = [
        {**_result(f"t{i}", **_tasks.task_properties(t)), "objectWriteTraceId": str(i)}
        for i, t in enumerate(tasks)
    ]
    random.Random(3).shuffle(results)
    outcome = _tasks.create_outcome(tasks, 0, {"status": "COMPLETE", "results": results})
    assert outcome.created_ids == ("t0", "t1", "t2", "t3", "t4")
    assert outcome.failed == ()


def test_created_tasks_map_back_by_properties_when_no_trace_id_is_echoed() -> None:
    tasks = [_task(i) for i in range(4)]
    results = []
    for i, t in enumerate(tasks):
        props = _tasks.task_properties(t)
        # HubSpot may render the due date as epoch ms rather than our ISO text.
        props["hs_timestamp"] = str(to_epoch_ms(t.due_at))
        results.append(_result(f"t{i}", **props))
    results.reverse()
    outcome = _tasks.create_outcome(tasks, 0, {"status": "COMPLETE", "results": results})
    assert outcome.created_ids == ("t0", "t1", "t2", "t3")


def test_failed_task_inputs_are_reported_by_position() -> None:
    tasks = [_task(i) for i in range(3)]
    body = {
        "status": "COMPLETE",
        "results": [
            {**_result("t0", **_tasks.task_properties(tasks[0])), "objectWriteTraceId": "0"}
        ],
        "errors": [
            {
                "category": "VALIDATION_ERROR",
                "message": "owner 7 does not exist",
                "context": {"objectWriteTraceId": ["2"]},
            },
            {"category": "INVALID_ASSOCIATION", "message": "contact does not exist"},
        ],
    }
    outcome = _tasks.create_outcome(tasks, 200, body)
    assert outcome.created_ids == ("t0", None, None)
    failures = {f.id: f for f in outcome.failed}
    assert failures["input:202"].category == "VALIDATION_ERROR"
    assert failures["input:201"].category == "INVALID_ASSOCIATION"


def test_owner_teams_are_names_falling_back_to_ids() -> None:
    from connector.hubspot._parse import parse_owner

    owner = parse_owner(
        {
            "id": "9",
            "userId": 12,
            "archived": False,
            "teams": [{"id": "1", "name": "SDR EMEA", "primary": True}, {"id": "2"}],
        }
    )
    assert owner.teams == ("SDR EMEA", "2")
    assert owner.user_id == 12
