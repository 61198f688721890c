"""Associations v4 endpoints: batch read (paged per record), create (labelled and default),
record-level list and the labels between two object types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.hubspot_facts import ASSOCIATIONS_BATCH_READ_MAX, BATCH_MAX_INPUTS
from connector.sandbox.associations import BY_ID, HUBSPOT_DEFINED, default_type, types_between
from connector.sandbox.config import OBJECT_TYPE_IDS, canonical_object_type
from connector.sandbox.portal import Portal
from connector.sandbox.routing import Reply, Request
from connector.sandbox.wire import (
    ApiError,
    JsonDict,
    bad_request,
    batch_body,
    next_paging,
    standard_error,
)

RECORD_PAGE_DEFAULT = 500


def _types(req: Request, from_key: str, to_key: str) -> tuple[str, str]:
    from_type = canonical_object_type(req.params[from_key])
    to_type = canonical_object_type(req.params[to_key])
    if from_type is None or to_type is None:
        raise bad_request("Unknown object type in path.")
    return from_type, to_type


def _spec_json(from_type: str, type_id: int) -> JsonDict:
    kind = BY_ID[(from_type, type_id)]
    return {"category": HUBSPOT_DEFINED, "typeId": type_id, "label": kind.label}


def _targets_json(
    portal: Portal, from_type: str, from_id: str, to_type: str, after: int, limit: int
) -> tuple[list[JsonDict], str | None]:
    targets = list(portal.store.edges.targets(from_type, from_id, to_type).items())
    page = targets[after : after + limit]
    out = [
        {
            # HubSpot sends toObjectId as a number here, unlike every other id.
            "toObjectId": int(to_id),
            "associationTypes": [_spec_json(from_type, t) for t in sorted(type_ids)],
        }
        for to_id, type_ids in page
    ]
    nxt = str(after + limit) if after + limit < len(targets) else None
    return out, nxt


def batch_read(portal: Portal, req: Request) -> Reply:
    from_type, to_type = _types(req, "fromObjectType", "toObjectType")
    inputs = (req.body or {}).get("inputs")
    if not isinstance(inputs, list):
        raise bad_request("inputs must be a list")
    if len(inputs) > ASSOCIATIONS_BATCH_READ_MAX:
        raise bad_request(
            f"Batch input limit exceeded: {len(inputs)} inputs; "
            f"the limit is {ASSOCIATIONS_BATCH_READ_MAX}."
        )
    page_size = portal.config.association_page_size
    results, missing = [], []
    with portal.store.lock:
        for item in inputs:
            from_id = str((item or {}).get("id", ""))
            if portal.store.record(from_type, from_id) is None:
                missing.append(from_id)
                continue
            after = int((item or {}).get("after") or 0)
            to, nxt = _targets_json(portal, from_type, from_id, to_type, after, page_size)
            if not to:
                continue
            result: JsonDict = {"from": {"id": from_id}, "to": to}
            if nxt is not None:
                result["paging"] = next_paging(nxt)
            results.append(result)
    errors = []
    if missing:
        errors.append(
            standard_error(
                "OBJECT_NOT_FOUND",
                f"No {from_type} found with ids {', '.join(missing)}",
                {"ids": missing},
            )
        )
    return Reply(207 if errors else 200, batch_body(results, errors, portal.clock.now_ms()))


def record_page(portal: Portal, req: Request) -> Reply:
    from_type, to_type = _types(req, "objectType", "toObjectType")
    from_id = req.params["objectId"]
    try:
        limit = int(req.query_one("limit") or RECORD_PAGE_DEFAULT)
        after = int(req.query_one("after") or 0)
    except ValueError:
        raise bad_request("limit and after must be integers") from None
    with portal.store.lock:
        if portal.store.record(from_type, from_id) is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", f"{from_type} {from_id} does not exist")
        to, nxt = _targets_json(portal, from_type, from_id, to_type, after, limit)
    body: JsonDict = {"results": to}
    if nxt is not None:
        body["paging"] = next_paging(nxt)
    return Reply(200, body)


def _labels_json(
    from_type: str, from_id: str, to_type: str, to_id: str, type_ids: set[int]
) -> JsonDict:
    return {
        "fromObjectTypeId": OBJECT_TYPE_IDS[from_type],
        "fromObjectId": int(from_id),
        "toObjectTypeId": OBJECT_TYPE_IDS[to_type],
        "toObjectId": int(to_id),
        "labels": [
            BY_ID[(from_type, t)].label for t in sorted(type_ids) if BY_ID[(from_type, t)].label
        ],
    }


def _type_ids(from_type: str, specs: Any) -> list[int]:
    if not isinstance(specs, list) or not specs:
        raise bad_request("At least one association type is required.")
    ids = []
    for spec in specs:
        if not isinstance(spec, Mapping):
            raise bad_request("An association type must be an object.")
        ids.append(int(spec.get("associationTypeId", 0)))
    return ids


def create_labelled(portal: Portal, req: Request) -> Reply:
    from_type, to_type = _types(req, "objectType", "toObjectType")
    from_id, to_id = req.params["objectId"], req.params["toObjectId"]
    with portal.store.lock:
        for type_id in _type_ids(from_type, req.body):
            portal.store.associate(from_type, from_id, to_type, to_id, type_id)
        current = portal.store.edges.targets(from_type, from_id, to_type).get(to_id, set())
        return Reply(201, _labels_json(from_type, from_id, to_type, to_id, current))


def create_default(portal: Portal, req: Request) -> Reply:
    from_type, to_type = _types(req, "fromObjectType", "toObjectType")
    from_id, to_id = req.params["fromObjectId"], req.params["toObjectId"]
    kind = default_type(from_type, to_type)
    if kind is None:
        raise bad_request(f"No default association from {from_type} to {to_type}.")
    with portal.store.lock:
        portal.store.associate(from_type, from_id, to_type, to_id, kind.type_id)
    result = _default_result(from_id, to_id, kind.type_id)
    return Reply(200, batch_body([result], [], portal.clock.now_ms()))


def _default_result(from_id: str, to_id: str, type_id: int) -> JsonDict:
    return {
        "from": {"id": from_id},
        "to": {"id": to_id},
        "associationSpec": {"associationCategory": HUBSPOT_DEFINED, "associationTypeId": type_id},
    }


def batch_create(portal: Portal, req: Request) -> Reply:
    from_type, to_type = _types(req, "fromObjectType", "toObjectType")
    inputs = _write_inputs(req)
    results, errors = [], []
    with portal.store.lock:
        for item in inputs:
            from_id = str(((item or {}).get("from") or {}).get("id", ""))
            to_id = str(((item or {}).get("to") or {}).get("id", ""))
            try:
                for type_id in _type_ids(from_type, (item or {}).get("types")):
                    portal.store.associate(from_type, from_id, to_type, to_id, type_id)
            except ApiError as exc:
                errors.append(standard_error(exc.category, exc.message, {"ids": [from_id, to_id]}))
                continue
            current = portal.store.edges.targets(from_type, from_id, to_type)[to_id]
            results.append(_labels_json(from_type, from_id, to_type, to_id, current))
    return Reply(207 if errors else 201, batch_body(results, errors, portal.clock.now_ms()))


def batch_create_default(portal: Portal, req: Request) -> Reply:
    from_type, to_type = _types(req, "fromObjectType", "toObjectType")
    kind = default_type(from_type, to_type)
    if kind is None:
        raise bad_request(f"No default association from {from_type} to {to_type}.")
    results, errors = [], []
    with portal.store.lock:
        for item in _write_inputs(req):
            from_id = str(((item or {}).get("from") or {}).get("id", ""))
            to_id = str(((item or {}).get("to") or {}).get("id", ""))
            try:
                portal.store.associate(from_type, from_id, to_type, to_id, kind.type_id)
            except ApiError as exc:
                errors.append(standard_error(exc.category, exc.message, {"ids": [from_id, to_id]}))
                continue
            results.append(_default_result(from_id, to_id, kind.type_id))
    return Reply(207 if errors else 200, batch_body(results, errors, portal.clock.now_ms()))


def _write_inputs(req: Request) -> list[Any]:
    inputs = (req.body or {}).get("inputs")
    if not isinstance(inputs, list):
        raise bad_request("inputs must be a list")
    if len(inputs) > BATCH_MAX_INPUTS:
        raise bad_request(
            f"Batch input limit exceeded: {len(inputs)} inputs; the limit is {BATCH_MAX_INPUTS}."
        )
    return inputs


def labels(portal: Portal, req: Request) -> Reply:
    from_type, to_type = _types(req, "fromObjectType", "toObjectType")
    results = [
        {"category": HUBSPOT_DEFINED, "typeId": t.type_id, "label": t.label}
        for t in types_between(from_type, to_type)
    ]
    return Reply(200, {"results": results})
