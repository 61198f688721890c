"""The portal's property catalogue, and how a written value is checked against it.

Definitions and groups per object type (HubSpot's defaults from `schema.py`, plus custom ones),
the validation HubSpot answers with a 400 VALIDATION_ERROR, and the normal form values are
stored in: strings, with datetimes as ISO-8601 UTC milliseconds so that they sort as strings.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from connector.hubspot_facts import LIFECYCLE_ORDER
from connector.sandbox.clock import iso_ms, to_ms
from connector.sandbox.schema import (
    CREATED_PROPERTY,
    DEFAULT_GROUPS,
    DEFAULT_PROPERTIES,
    OBJECT_TYPES,
    PropertySpec,
)
from connector.sandbox.wire import ApiError, property_problem, validation_error

LIFECYCLE = "lifecyclestage"
_STAGE_RANK = {stage: rank for rank, stage in enumerate(LIFECYCLE_ORDER)}


@dataclass(slots=True)
class PropertyDef:
    """A property definition plus its bookkeeping (creation time, display order)."""

    spec: PropertySpec
    created_ms: int
    display_order: int = -1
    archived: bool = False
    option_order: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class GroupDef:
    name: str
    label: str
    display_order: int = -1
    archived: bool = False


class Catalogue:
    """Property definitions and groups of every object type; shares the store's lock."""

    def __init__(self, lock: threading.RLock, created_ms: int) -> None:
        self._lock = lock
        self.properties: dict[str, dict[str, PropertyDef]] = {}
        self.groups: dict[str, dict[str, GroupDef]] = {}
        for object_type in OBJECT_TYPES:
            self.properties[object_type] = {
                s.name: PropertyDef(s, created_ms) for s in DEFAULT_PROPERTIES[object_type]
            }
            self.groups[object_type] = {
                name: GroupDef(name, label, order)
                for order, (name, label) in enumerate(DEFAULT_GROUPS[object_type])
            }

    def spec(self, object_type: str, name: str) -> PropertySpec | None:
        found = self.properties[object_type].get(name)
        return None if found is None or found.archived else found.spec

    def custom_property_count(self, object_type: str) -> int:
        return sum(
            1
            for p in self.properties[object_type].values()
            if not p.spec.hubspot_defined and not p.archived
        )

    def add_property(self, object_type: str, spec: PropertySpec, created_ms: int) -> PropertyDef:
        with self._lock:
            existing = self.properties[object_type].get(spec.name)
            if existing is not None and not existing.archived:
                raise ApiError(
                    409, "OBJECT_ALREADY_EXISTS", f"A property named '{spec.name}' already exists."
                )
            definition = PropertyDef(spec, created_ms)
            self.properties[object_type][spec.name] = definition
            return definition

    def replace_spec(self, object_type: str, name: str, **changes: Any) -> PropertyDef:
        with self._lock:
            definition = self.properties[object_type][name]
            definition.spec = replace(definition.spec, **changes)
            return definition

    def validate(
        self,
        object_type: str,
        props: Mapping[str, Any],
        *,
        creating: bool,
        owner_ids: set[str],
    ) -> dict[str, str]:
        """Check values as HubSpot does and normalise them; raise HubSpot's 400 otherwise."""
        problems: list[dict[str, Any]] = []
        clean: dict[str, str] = {}
        for name, raw in props.items():
            value = "" if raw is None else raw if isinstance(raw, str) else _stringify(raw)
            spec = self.spec(object_type, name)
            if spec is None:
                problems.append(
                    property_problem(
                        name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'
                    )
                )
                continue
            if spec.read_only and not (creating and name == CREATED_PROPERTY[object_type]):
                problems.append(
                    property_problem(
                        name,
                        "READ_ONLY_VALUE",
                        f'"{name}" is a read only property; its value cannot be set.',
                    )
                )
                continue
            reason = value_error(spec, value)
            if reason is None and spec.name == "hubspot_owner_id" and value:
                # Owner ids are the options of hubspot_owner_id (external options).
                reason = None if value in owner_ids else f"{value!r} is not a valid owner id"
            if reason is not None:
                code = {
                    "number": "INVALID_DECIMAL",
                    "enumeration": "INVALID_OPTION",
                    "bool": "INVALID_BOOLEAN",
                    "datetime": "INVALID_DATE",
                    "date": "INVALID_DATE",
                }.get(spec.type, "INVALID_VALUE")
                problems.append(property_problem(name, code, reason))
                continue
            clean[name] = _normalise(spec, value)
        if problems:
            raise validation_error(problems)
        return clean


def check_lifecycle(current: Mapping[str, str], clean: dict[str, str], *, backward: str) -> None:
    """Apply the forward-only rule: drop (or reject) a backward `lifecyclestage` write."""
    new = clean.get(LIFECYCLE)
    old = current.get(LIFECYCLE, "")
    if not new or not old or new == old:
        return
    if _STAGE_RANK.get(new, -1) < _STAGE_RANK.get(old, -1):
        if backward == "error":
            raise validation_error(
                [
                    property_problem(
                        LIFECYCLE,
                        "INVALID_OPTION",
                        f"{new} is before the current stage {old}; clear lifecyclestage "
                        "first to move it backward",
                    )
                ]
            )
        del clean[LIFECYCLE]


def _stringify(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _normalise(spec: PropertySpec, value: str) -> str:
    """Datetimes become ISO-8601 UTC milliseconds, dates YYYY-MM-DD; others are kept."""
    if value == "" or spec.type not in ("datetime", "date"):
        return value
    parsed = parse_datetime_value(value)
    if parsed is None:
        return value
    if spec.type == "date":
        return parsed.date().isoformat()
    return iso_ms(to_ms(parsed))


def normalise_filter_value(spec: PropertySpec | None, value: str) -> str:
    """Bring a search filter value into the stored form so that comparisons work on strings."""
    if spec is None:
        return value
    return _normalise(spec, value)


def parse_datetime_value(value: str) -> datetime | None:
    """Parse a datetime property value as HubSpot accepts it: ISO-8601 or epoch milliseconds.

    Args:
        value: The wire value.

    Returns:
        The instant (timezone-aware), or None if the value does not parse.
    """
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def value_error(spec: PropertySpec, value: str) -> str | None:
    """Say why `value` is not valid for `spec`, as HubSpot would reject it, or None if it is.

    An empty string is always valid: it clears the property. Owner-like enumerations
    (`external_options`) and free text are not checked here.

    Args:
        spec: The property definition.
        value: The wire value (always a string).

    Returns:
        A one-line reason, or None when HubSpot would accept the value.
    """
    if value == "":
        return None
    if spec.type == "number":
        try:
            number = float(value)
        except ValueError:
            return f"{value!r} was not a valid number."
        return None if math.isfinite(number) else f"{value!r} was not a valid number."
    if spec.type == "enumeration" and not spec.external_options:
        # Multi-select fields (checkbox) carry several values separated by semicolons.
        values = value.split(";") if spec.field_type == "checkbox" else [value]
        bad = [v for v in values if v not in spec.option_values]
        return f"{bad[0]!r} was not one of the allowed options." if bad else None
    if spec.type == "bool":
        return None if value in ("true", "false") else f"{value!r} was not a valid boolean."
    if spec.type in ("datetime", "date"):
        return None if parse_datetime_value(value) else f"{value!r} was not a valid date."
    return None
