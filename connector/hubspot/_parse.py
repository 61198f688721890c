"""HubSpot JSON → the typed models of models.py; nothing raw leaves the gateway."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from connector.hubspot.models import (
    CrmRecord,
    CustomPropertyUsage,
    Owner,
    PropertyDefinition,
    PropertyOption,
)

#: Property names that hold the last-modified instant: contacts use `lastmodifieddate`, every
#: other object `hs_lastmodifieddate` (hubspot-api.md §2).
_MODIFIED_PROPERTIES = ("lastmodifieddate", "hs_lastmodifieddate")
_CREATED_PROPERTIES = ("createdate", "hs_createdate")

#: HubSpot's object type ids for the standard objects (used by the limits API).
OBJECT_TYPE_NAMES: Mapping[str, str] = {
    "0-1": "contacts",
    "0-2": "companies",
    "0-3": "deals",
    "0-5": "tickets",
    "0-27": "tasks",
    "0-46": "notes",
    "0-47": "meetings",
    "0-48": "calls",
    "0-49": "emails",
}


def parse_instant(value: object) -> datetime | None:
    """An aware UTC datetime from HubSpot's ISO-8601 text or epoch milliseconds; None if neither."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000.0, tz=UTC)
    text = str(value).strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000.0, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def to_epoch_ms(instant: datetime) -> int:
    """Epoch milliseconds, as HubSpot's search filters take datetimes."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return round(instant.timestamp() * 1000)


def to_iso_ms(instant: datetime) -> str:
    """ISO-8601 UTC with milliseconds, HubSpot's own format ("2026-11-23T10:00:00.123Z")."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _first_instant(
    raw: Mapping[str, Any], key: str, properties: Mapping[str, Any], names: Sequence[str]
) -> datetime | None:
    found = parse_instant(raw.get(key))
    if found is not None:
        return found
    for name in names:
        found = parse_instant(properties.get(name))
        if found is not None:
            return found
    return None


def parse_record(raw: Mapping[str, Any]) -> CrmRecord:
    """One object from a search, list or batch answer."""
    props = raw.get("properties") or {}
    properties = {str(k): (None if v is None else str(v)) for k, v in props.items()}
    return CrmRecord(
        id=str(raw["id"]),
        properties=properties,
        created_at=_first_instant(raw, "createdAt", properties, _CREATED_PROPERTIES),
        updated_at=_first_instant(raw, "updatedAt", properties, _MODIFIED_PROPERTIES),
    )


def parse_records(body: Mapping[str, Any]) -> list[CrmRecord]:
    return [parse_record(r) for r in body.get("results") or [] if isinstance(r, Mapping)]


def next_after(body: Mapping[str, Any]) -> str | None:
    """`paging.next.after` exactly as HubSpot sent it (a string), or None on the last page."""
    paging = body.get("paging")
    if not isinstance(paging, Mapping):
        return None
    nxt = paging.get("next")
    if not isinstance(nxt, Mapping) or nxt.get("after") in (None, ""):
        return None
    return str(nxt["after"])


def parse_owner(raw: Mapping[str, Any]) -> Owner:
    teams = raw.get("teams") or []
    user_id = raw.get("userId")
    return Owner(
        id=str(raw["id"]),
        email=raw.get("email"),
        first_name=raw.get("firstName"),
        last_name=raw.get("lastName"),
        user_id=int(user_id) if user_id is not None else None,
        archived=bool(raw.get("archived", False)),
        # Names, because admins name teams in config/sla.yaml as HubSpot's settings show them.
        teams=tuple(str(t.get("name") or t.get("id")) for t in teams if isinstance(t, Mapping)),
    )


def parse_property(raw: Mapping[str, Any]) -> PropertyDefinition:
    options = tuple(
        PropertyOption(
            label=str(o.get("label", o.get("value", ""))),
            value=str(o.get("value", "")),
            hidden=bool(o.get("hidden", False)),
            display_order=o.get("displayOrder"),
        )
        for o in raw.get("options") or []
        if isinstance(o, Mapping)
    )
    return PropertyDefinition(
        name=str(raw["name"]),
        label=str(raw.get("label", raw["name"])),
        type=str(raw.get("type", "string")),
        field_type=str(raw.get("fieldType", "text")),
        group_name=raw.get("groupName"),
        options=options,
        hubspot_defined=bool(raw.get("hubspotDefined", False)),
        description=raw.get("description"),
        hidden=bool(raw.get("hidden", False)),
    )


def parse_usage(body: Mapping[str, Any]) -> list[CustomPropertyUsage]:
    """`GET /crm/v3/limits/custom-properties` → usage per object type (named when standard)."""
    usages: list[CustomPropertyUsage] = []
    for row in body.get("byObjectType") or []:
        if not isinstance(row, Mapping):
            continue
        type_id = str(row.get("objectTypeId") or row.get("objectType") or "")
        name = OBJECT_TYPE_NAMES.get(type_id) or str(
            row.get("objectType") or row.get("pluralLabel") or type_id
        )
        usages.append(
            CustomPropertyUsage(
                object_type=name.lower(),
                usage=int(row.get("usage") or 0),
                limit=int(row.get("limit") or 0),
            )
        )
    return usages
