"""CRM object endpoints: create, read, update, list, batch read/create/update and search."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.hubspot_facts import BATCH_MAX_INPUTS, LIST_PAGE_MAX
from connector.sandbox import search as searching
from connector.sandbox.associations import BY_ID
from connector.sandbox.clock import iso_ms
from connector.sandbox.config import canonical_object_type
from connector.sandbox.faults import FaultKind
from connector.sandbox.id_search import find_by_id
from connector.sandbox.indexed_search import SearchHits, find_indexed
from connector.sandbox.portal import Portal
from connector.sandbox.routing import Reply, Request
from connector.sandbox.schema import CREATED_PROPERTY, LAST_MODIFIED_PROPERTY
from connector.sandbox.store import Record, Store
from connector.sandbox.wire import (
    ApiError,
    JsonDict,
    bad_request,
    batch_body,
    next_paging,
    not_found,
    standard_error,
)

HISTORY_BATCH_MAX = 50  # reads with propertiesWithHistory take fewer inputs (hubspot-api.md §3)
DEFAULT_LIST_LIMIT = 10


def default_properties(object_type: str) -> tuple[str, ...]:
    """What HubSpot returns when no properties are asked for."""
    if object_type == "contacts":
        return ("firstname", "lastname", "email", "lastmodifieddate", "hs_object_id", "createdate")
    if object_type == "companies":
        return ("name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id")
    return ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")


def object_type_of(req: Request) -> str:
    found = canonical_object_type(req.params.get("objectType", ""))
    if found is None:
        raise bad_request(f"Unable to infer object type from: {req.params.get('objectType')}")
    return found


def serialize(
    store: Store,
    object_type: str,
    rec: Record,
    names: Sequence[str] | None,
    *,
    props: Mapping[str, str] | None = None,
    history: Sequence[str] = (),
) -> JsonDict:
    """A `SimplePublicObject`: id, selected properties (known but unset ones as null), times."""
    source = rec.props if props is None else props
    wanted = names if names else default_properties(object_type)
    out: dict[str, str | None] = {}
    for name in wanted:
        if name in source:
            out[name] = source[name]
        elif store.catalogue.spec(object_type, name) is not None:
            out[name] = None
    updated = source.get(LAST_MODIFIED_PROPERTY[object_type]) or iso_ms(rec.updated_ms)
    body: JsonDict = {
        "id": rec.id,
        "properties": out,
        "createdAt": iso_ms(rec.created_ms),
        "updatedAt": updated,
        "archived": False,
    }
    if history:
        body["propertiesWithHistory"] = {
            name: [{"value": source[name], "timestamp": updated, "sourceType": "API"}]
            for name in history
            if name in source
        }
    return body


def _inputs(body: Any, limit: int = BATCH_MAX_INPUTS) -> list[Any]:
    inputs = (body or {}).get("inputs") if isinstance(body, Mapping) else None
    if not isinstance(inputs, list):
        raise bad_request("inputs must be a list")
    if len(inputs) > limit:
        raise bad_request(
            f"Batch input limit exceeded: {len(inputs)} inputs; the limit is {limit}.",
            "VALIDATION_ERROR",
        )
    return inputs


def _reject_duplicates(ids: Sequence[str]) -> None:
    seen: set[str] = set()
    dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dupes:
        raise bad_request(f"Duplicate IDs found in batch input: {dupes}. IDs must be unique")


def _not_found_error(object_type: str, ids: Sequence[str]) -> JsonDict:
    label = object_type.rstrip("s").upper() if object_type != "companies" else "COMPANY"
    return standard_error(
        "OBJECT_NOT_FOUND",
        f"Could not get some {label} objects, they may be deleted or not exist. "
        "Check that ids are valid.",
        {"ids": list(ids)},
    )


def _create_one(portal: Portal, object_type: str, item: Mapping[str, Any]) -> Record:
    store = portal.store
    clean = store.validate(object_type, item.get("properties") or {}, creating=True)
    links = _parse_associations(store, object_type, item.get("associations") or [])
    if object_type == "contacts" and clean.get("email"):
        existing = store.by_email(clean["email"])
        if existing is not None:
            raise ApiError(409, "CONFLICT", f"Contact already exists. Existing ID: {existing}")
    rec = store.insert(object_type, {k: v for k, v in clean.items() if v != ""})
    for to_type, to_id, type_id in links:
        store.associate(object_type, rec.id, to_type, to_id, type_id)
    return rec


def _parse_associations(
    store: Store, object_type: str, raw: Sequence[Any]
) -> list[tuple[str, str, int]]:
    links: list[tuple[str, str, int]] = []
    for item in raw:
        to_id = str(((item or {}).get("to") or {}).get("id", ""))
        for spec in (item or {}).get("types") or []:
            type_id = int(spec.get("associationTypeId", 0))
            kind = BY_ID.get((object_type, type_id))
            if kind is None:
                raise bad_request(f"{type_id} is not a valid association type id for {object_type}")
            if store.record(kind.to_type, to_id) is None:
                raise bad_request(f"Could not find {kind.to_type} {to_id} to associate with")
            links.append((kind.to_type, to_id, type_id))
    return links


def create(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    with portal.store.lock:
        rec = _create_one(portal, object_type, req.body or {})
        return Reply(201, serialize(portal.store, object_type, rec, list(rec.props)))


def get_one(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    store = portal.store
    with store.lock:
        rec = _lookup(store, object_type, req.params["objectId"], req.query_one("idProperty"))
        if rec is None:
            raise not_found()
        body = serialize(
            store,
            object_type,
            rec,
            req.query_list("properties"),
            history=req.query_list("propertiesWithHistory"),
        )
        _add_associations(store, object_type, rec.id, req.query_list("associations"), body)
        return Reply(200, body)


def _lookup(store: Store, object_type: str, key: str, id_property: str | None) -> Record | None:
    if not id_property or id_property == "hs_object_id":
        return store.record(object_type, key)
    if object_type == "contacts" and id_property == "email":
        found = store.by_email(key)
        return store.record(object_type, found) if found else None
    for rec in store.records(object_type):
        if rec.props.get(id_property) == key:
            return rec
    return None


def _add_associations(
    store: Store, object_type: str, rec_id: str, wanted: Sequence[str], body: JsonDict
) -> None:
    out: JsonDict = {}
    for raw_type in wanted:
        to_type = canonical_object_type(raw_type)
        if to_type is None:
            continue
        targets = store.edges.targets(object_type, rec_id, to_type)
        results = []
        for to_id, type_ids in targets.items():
            for type_id in sorted(type_ids):
                kind = BY_ID[(object_type, type_id)]
                suffix = "" if kind.label is None else "_primary" if type_id in (1, 2) else ""
                results.append(
                    {"id": to_id, "type": f"{object_type[:-1]}_to_{to_type[:-1]}{suffix}"}
                )
        if results:
            out[to_type] = {"results": results}
    if out:
        body["associations"] = out


def list_page(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    limit = _query_int(req, "limit", DEFAULT_LIST_LIMIT)
    if limit < 1 or limit > LIST_PAGE_MAX:
        raise bad_request(f"limit must be between 1 and {LIST_PAGE_MAX} (got {limit}).")
    after = _query_int(req, "after", 0)
    store = portal.store
    with store.lock:
        ids, more = store.ids_after(object_type, after, limit)
        names = req.query_list("properties")
        results = []
        for rid in ids:
            rec = store.record(object_type, rid)
            if rec is None:
                continue
            body = serialize(store, object_type, rec, names)
            _add_associations(store, object_type, rid, req.query_list("associations"), body)
            results.append(body)
    reply: JsonDict = {"results": results}
    if more and ids:
        reply["paging"] = next_paging(ids[-1], f"{req.path}?after={ids[-1]}")
    return Reply(200, reply)


def _query_int(req: Request, name: str, default: int) -> int:
    raw = req.query_one(name)
    try:
        return default if raw in (None, "") else int(str(raw))
    except ValueError:
        raise bad_request(f"{name} must be an integer (got {raw!r}).") from None


def update(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    store = portal.store
    with store.lock:
        rec = _lookup(store, object_type, req.params["objectId"], req.query_one("idProperty"))
        if rec is None:
            raise not_found()
        clean = store.validate(
            object_type, (req.body or {}).get("properties") or {}, creating=False
        )
        store.check_lifecycle(rec.props, clean)
        store.apply(object_type, rec, clean)
        return Reply(200, serialize(store, object_type, rec, list(rec.props)))


def batch_create(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    inputs = _inputs(req.body)
    store = portal.store
    with store.lock:
        # HubSpot validates the whole batch before writing anything: one bad input fails all.
        for item in inputs:
            store.validate(object_type, (item or {}).get("properties") or {}, creating=True)
            _parse_associations(store, object_type, (item or {}).get("associations") or [])
        if object_type == "contacts":
            emails = [
                str(((i or {}).get("properties") or {}).get("email", "")).lower() for i in inputs
            ]
            for email in filter(None, emails):
                existing = store.by_email(email)
                if existing is not None:
                    raise ApiError(
                        409, "CONFLICT", f"Contact already exists. Existing ID: {existing}"
                    )
            if len(set(filter(None, emails))) != len(list(filter(None, emails))):
                raise bad_request("Duplicate emails found in batch input.")
        results = []
        for item in inputs:
            rec = _create_one(portal, object_type, item or {})
            body = serialize(store, object_type, rec, list(rec.props))
            if (item or {}).get("objectWriteTraceId"):
                body["objectWriteTraceId"] = item["objectWriteTraceId"]
            results.append(body)
        return Reply(201, batch_body(results, [], portal.clock.now_ms()))


def batch_read(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    body = req.body or {}
    history = list(body.get("propertiesWithHistory") or [])
    inputs = _inputs(body, HISTORY_BATCH_MAX if history else BATCH_MAX_INPUTS)
    ids = [str((i or {}).get("id", "")) for i in inputs]
    _reject_duplicates(ids)
    id_property = body.get("idProperty")
    names = list(body.get("properties") or [])
    store = portal.store
    with store.lock:
        results, missing = [], []
        for rid in ids:
            rec = _lookup(store, object_type, rid, id_property)
            if rec is None:
                missing.append(rid)
            else:
                results.append(serialize(store, object_type, rec, names, history=history))
    errors = [_not_found_error(object_type, missing)] if missing else []
    return Reply(207 if errors else 200, batch_body(results, errors, portal.clock.now_ms()))


def batch_update(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    inputs = _inputs(req.body)
    ids = [str((i or {}).get("id", "")) for i in inputs]
    _reject_duplicates(ids)
    store = portal.store
    with store.lock:
        results, errors, missing = [], [], []
        for item, rid in zip(inputs, ids, strict=True):
            rec = _lookup(store, object_type, rid, (item or {}).get("idProperty"))
            if rec is None:
                missing.append(rid)
                continue
            try:
                if portal.faults.rejects_record(rid):
                    raise ApiError(
                        400, "VALIDATION_ERROR", f"Property values were not valid for {rid}"
                    )
                clean = store.validate(object_type, item.get("properties") or {}, creating=False)
                store.check_lifecycle(rec.props, clean)
            except ApiError as exc:
                errors.append(standard_error(exc.category, exc.message, {"ids": [rid]}))
                continue
            store.apply(object_type, rec, clean)
            results.append(serialize(store, object_type, rec, list(rec.props)))
        if missing:
            errors.insert(0, _not_found_error(object_type, missing))
        return Reply(207 if errors else 200, batch_body(results, errors, portal.clock.now_ms()))


def search(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    request = searching.parse_request(req.body or {}, req.raw_length)
    store = portal.store
    with store.lock:
        now = portal.clock.now_ms()
        hits = find_indexed(store, object_type, request, now) or find_by_id(
            store, object_type, request, now
        )
        if hits is None:
            hits = _matching(portal, object_type, request, now)
        total = hits.total
        start, end, nxt = searching.page_bounds(request, total)
        if req.fault.kind is FaultKind.SHORT_PAGE and end - start > 1:
            # A short page still carries paging.next.after, pointing just past what it returned.
            end = start + (end - start) // 2
            nxt = str(end)
        names = _search_properties(object_type, request.properties)
        results = []
        for rid in hits.window(start, end):
            rec = store.record(object_type, rid)
            if rec is None:
                continue
            visible = store.searchable(rec, now) or rec.props
            results.append(serialize(store, object_type, rec, names, props=visible))
    body: JsonDict = {"total": total, "results": results}
    if nxt is not None:
        body["paging"] = next_paging(nxt)
    return Reply(200, body)


def _search_properties(object_type: str, requested: list[str] | None) -> list[str]:
    """Search always returns the record's id, creation and last-modified properties."""
    if not requested:
        return list(default_properties(object_type))
    always = ["hs_object_id", CREATED_PROPERTY[object_type], LAST_MODIFIED_PROPERTY[object_type]]
    return requested + [name for name in always if name not in requested]


def _matching(
    portal: Portal, object_type: str, request: searching.SearchRequest, now: int
) -> SearchHits:
    """Every visible match in result order, by a full scan; cached while nothing is written."""
    store = portal.store
    cacheable = not store.pending_index()
    cached = portal.search_cache.get(object_type)
    if cacheable and cached and cached[0] == request.cache_key and cached[1] == store.write_seq:
        return SearchHits(len(cached[2]), 0, cached[2])
    ordered = searching.scan(store, object_type, request, now)
    if cacheable:
        portal.search_cache[object_type] = (request.cache_key, store.write_seq, ordered)
    return SearchHits(len(ordered), 0, ordered)
