"""Properties, property groups, custom-property limits and owners endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.sandbox.catalogue import GroupDef, PropertyDef
from connector.sandbox.clock import iso_ms
from connector.sandbox.config import OBJECT_TYPE_IDS, canonical_object_type
from connector.sandbox.objects import object_type_of
from connector.sandbox.portal import Portal
from connector.sandbox.routing import Reply, Request
from connector.sandbox.schema import OBJECT_TYPES, PROPERTY_TYPES, PropertySpec
from connector.sandbox.store import Store
from connector.sandbox.wire import (
    ApiError,
    JsonDict,
    bad_request,
    batch_body,
    next_paging,
    not_found,
    standard_error,
)

FIELD_TYPES = frozenset(
    {
        "booleancheckbox",
        "calculation_equation",
        "checkbox",
        "date",
        "file",
        "html",
        "number",
        "phonenumber",
        "radio",
        "select",
        "text",
        "textarea",
    }
)
OWNERS_DEFAULT_LIMIT = 100
OWNERS_MAX_LIMIT = 500


def property_json(definition: PropertyDef, order: int) -> JsonDict:
    """A property definition as `GET /crm/v3/properties/{objectType}` returns it."""
    spec = definition.spec
    stamp = iso_ms(definition.created_ms)
    return {
        "updatedAt": stamp,
        "createdAt": stamp,
        "name": spec.name,
        "label": spec.label,
        "type": spec.type,
        "fieldType": spec.field_type,
        "description": spec.description,
        "groupName": spec.group_name,
        "options": [
            {"label": label, "value": value, "displayOrder": i, "hidden": False}
            for i, (value, label) in enumerate(spec.options)
        ],
        "displayOrder": order,
        "calculated": spec.read_only,
        "externalOptions": spec.external_options,
        "hasUniqueValue": False,
        "hidden": spec.hidden,
        "hubspotDefined": spec.hubspot_defined,
        "archived": definition.archived,
        "modificationMetadata": {
            "archivable": not spec.hubspot_defined,
            "readOnlyDefinition": spec.hubspot_defined,
            "readOnlyValue": spec.read_only,
        },
        "formField": not spec.read_only,
        "dataSensitivity": "non_sensitive",
    }


def _group_json(group: GroupDef) -> JsonDict:
    return {
        "name": group.name,
        "label": group.label,
        "displayOrder": group.display_order,
        "archived": group.archived,
    }


def list_properties(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    archived = (req.query_one("archived") or "").lower() == "true"
    with portal.store.lock:
        defs = list(portal.store.catalogue.properties[object_type].values())
        results = [property_json(d, i) for i, d in enumerate(defs) if d.archived == archived]
    return Reply(200, {"results": results})


def get_property(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    with portal.store.lock:
        defs = portal.store.catalogue.properties[object_type]
        name = req.params["propertyName"]
        found = defs.get(name)
        if found is None or found.archived:
            raise not_found(f"Unable to find property {name} for object type {object_type}")
        return Reply(200, property_json(found, list(defs).index(found.spec.name)))


def _spec_from_input(store: Store, object_type: str, raw: Any) -> PropertySpec:
    if not isinstance(raw, Mapping):
        raise bad_request("A property definition must be an object.")
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not raw.get(k)]
    if missing:
        raise bad_request(f"Missing required fields: {', '.join(missing)}")
    if raw["type"] not in PROPERTY_TYPES:
        raise bad_request(f"Unknown property type {raw['type']!r}.")
    if raw["fieldType"] not in FIELD_TYPES:
        raise bad_request(f"Unknown fieldType {raw['fieldType']!r}.")
    if raw["groupName"] not in store.catalogue.groups[object_type]:
        raise bad_request(f"Property group {raw['groupName']!r} does not exist.")
    options = tuple(
        (str(o["value"]), str(o.get("label", o["value"]))) for o in raw.get("options") or []
    )
    if raw["type"] == "enumeration" and not options and raw["fieldType"] != "booleancheckbox":
        raise bad_request("Enumeration properties need options.")
    return PropertySpec(
        name=str(raw["name"]),
        label=str(raw["label"]),
        type=str(raw["type"]),
        field_type=str(raw["fieldType"]),
        group_name=str(raw["groupName"]),
        options=options,
        hubspot_defined=False,
        description=str(raw.get("description", "")),
        hidden=raw.get("hidden") is True,
    )


def _create_property(portal: Portal, object_type: str, raw: Any) -> PropertyDef:
    store = portal.store
    spec = _spec_from_input(store, object_type, raw)
    if store.catalogue.custom_property_count(object_type) >= portal.config.custom_property_limit:
        raise bad_request(
            f"You have reached the limit of {portal.config.custom_property_limit} custom "
            f"properties for {object_type}.",
            "VALIDATION_ERROR",
        )
    return store.catalogue.add_property(object_type, spec, store.clock.now_ms())


def create_property(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    with portal.store.lock:
        created = _create_property(portal, object_type, req.body)
        return Reply(
            201, property_json(created, len(portal.store.catalogue.properties[object_type]) - 1)
        )


def batch_create_properties(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    inputs = (req.body or {}).get("inputs") or []
    results, errors = [], []
    with portal.store.lock:
        for raw in inputs:
            try:
                created = _create_property(portal, object_type, raw)
            except ApiError as exc:
                name = str((raw or {}).get("name", ""))
                errors.append(standard_error(exc.category, exc.message, {"propertyName": [name]}))
                continue
            results.append(
                property_json(created, len(portal.store.catalogue.properties[object_type]) - 1)
            )
    body = batch_body(results, errors, portal.clock.now_ms())
    return Reply(207 if errors else 201, body)


def batch_read_properties(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    names = [str((i or {}).get("name", "")) for i in (req.body or {}).get("inputs") or []]
    with portal.store.lock:
        defs = portal.store.catalogue.properties[object_type]
        order = list(defs)
        results = [property_json(defs[n], order.index(n)) for n in names if n in defs]
        missing = [n for n in names if n not in defs]
    errors = (
        [standard_error("OBJECT_NOT_FOUND", "Properties not found", {"propertyName": missing})]
        if missing
        else []
    )
    return Reply(207 if errors else 200, batch_body(results, errors, portal.clock.now_ms()))


def update_property(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    name = req.params["propertyName"]
    body = req.body or {}
    with portal.store.lock:
        defs = portal.store.catalogue.properties[object_type]
        found = defs.get(name)
        if found is None or found.archived:
            raise not_found(f"Unable to find property {name} for object type {object_type}")
        changes: dict[str, Any] = {}
        for key, attr in (
            ("label", "label"),
            ("description", "description"),
            ("groupName", "group_name"),
        ):
            if key in body:
                changes[attr] = str(body[key])
        if "hidden" in body:
            changes["hidden"] = body["hidden"] is True
        if "options" in body:
            changes["options"] = tuple(
                (str(o["value"]), str(o.get("label", o["value"]))) for o in body["options"] or []
            )
        updated = portal.store.catalogue.replace_spec(object_type, name, **changes)
        return Reply(200, property_json(updated, list(defs).index(name)))


def list_groups(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    with portal.store.lock:
        results = [_group_json(g) for g in portal.store.catalogue.groups[object_type].values()]
    return Reply(200, {"results": results})


def get_group(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    group = portal.store.catalogue.groups[object_type].get(req.params["groupName"])
    if group is None:
        raise not_found(f"Unable to find property group {req.params['groupName']}")
    return Reply(200, _group_json(group))


def create_group(portal: Portal, req: Request) -> Reply:
    object_type = object_type_of(req)
    body = req.body or {}
    if not body.get("name") or not body.get("label"):
        raise bad_request("Missing required fields: name, label")
    with portal.store.lock:
        groups = portal.store.catalogue.groups[object_type]
        if body["name"] in groups:
            raise ApiError(
                409,
                "OBJECT_ALREADY_EXISTS",
                f"A property group named '{body['name']}' already exists.",
            )
        group = GroupDef(str(body["name"]), str(body["label"]), int(body.get("displayOrder", -1)))
        groups[group.name] = group
    return Reply(201, _group_json(group))


def custom_property_limits(portal: Portal, req: Request) -> Reply:
    limit = portal.config.custom_property_limit
    with portal.store.lock:
        usage = {t: portal.store.catalogue.custom_property_count(t) for t in OBJECT_TYPES}
    return Reply(
        200,
        {
            "overallLimit": limit * len(OBJECT_TYPES),
            "overallUsage": sum(usage.values()),
            "byObjectType": [
                {
                    "objectTypeId": OBJECT_TYPE_IDS[t],
                    "objectType": t,
                    "limit": limit,
                    "usage": usage[t],
                }
                for t in OBJECT_TYPES
            ],
        },
    )


def list_owners(portal: Portal, req: Request) -> Reply:
    raw_limit = req.query_one("limit") or str(OWNERS_DEFAULT_LIMIT)
    try:
        limit = int(raw_limit)
        after = int(req.query_one("after") or 0)
    except ValueError:
        raise bad_request("limit and after must be integers") from None
    if limit < 1 or limit > OWNERS_MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {OWNERS_MAX_LIMIT} (got {limit}).")
    archived = (req.query_one("archived") or "").lower() == "true"
    email = (req.query_one("email") or "").lower()
    owners = [
        o
        for o in portal.store.owners
        if o["archived"] == archived and (not email or o["email"].lower() == email)
    ]
    page = owners[after : after + limit]
    body: JsonDict = {"results": page}
    if after + limit < len(owners):
        body["paging"] = next_paging(str(after + limit), f"{req.path}?after={after + limit}")
    return Reply(200, body)


def get_owner(portal: Portal, req: Request) -> Reply:
    owner_id = req.params["ownerId"]
    for owner in portal.store.owners:
        if owner["id"] == owner_id:
            return Reply(200, owner)
    raise not_found(f"Owner {owner_id} not found")


def object_type_scope(raw: str, verb: str) -> str:
    """The object scope a call on `raw` needs (engagements use the contacts scopes)."""
    object_type = canonical_object_type(raw) or raw
    base = object_type if object_type in ("contacts", "companies") else "contacts"
    return f"crm.objects.{base}.{verb}"


def token_info(portal: Portal, req: Request) -> Reply:
    """A private app's token and its scopes; a token the portal does not know is a 400."""
    token = req.body.get("tokenKey") if isinstance(req.body, dict) else None
    scopes = portal.tokens.get(token) if isinstance(token, str) else None
    if scopes is None:
        raise bad_request("The token is not a private app access token of this portal.")
    return Reply(200, {"hubId": 1, "appId": 1, "userId": 1, "scopes": sorted(scopes)})
