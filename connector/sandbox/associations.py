"""Associations between records, with HubSpot's default association type ids.

Type ids are HubSpot-defined and directional; every pair has an inverse (contact→company
primary 1 ↔ company→contact primary 2, unlabeled 279 ↔ 280, task→contact 204 ↔ contact→task 203…).
Sources: hubspot-api.md §5 and §7 (ids widely used; the official table was not opened).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"


@dataclass(frozen=True, slots=True)
class AssociationType:
    """One directional association type."""

    from_type: str
    to_type: str
    type_id: int
    inverse_id: int
    label: str | None = None
    default: bool = False


def _pair(a: str, b: str, forward: int, back: int) -> tuple[AssociationType, AssociationType]:
    return (
        AssociationType(a, b, forward, back, default=True),
        AssociationType(b, a, back, forward, default=True),
    )


_ENGAGEMENT_IDS: Mapping[str, tuple[int, int, int, int]] = {
    # type: (to contact, contact to it, to company, company to it)
    "tasks": (204, 203, 192, 191),
    "notes": (202, 201, 190, 189),
    "calls": (194, 193, 182, 181),
    "emails": (198, 197, 186, 185),
    "meetings": (200, 199, 188, 187),
}


def _all_types() -> tuple[AssociationType, ...]:
    types: list[AssociationType] = [
        AssociationType("contacts", "companies", 1, 2, label="Primary"),
        AssociationType("companies", "contacts", 2, 1, label="Primary"),
        *_pair("contacts", "companies", 279, 280),
    ]
    for engagement, (to_contact, from_contact, to_company, from_company) in _ENGAGEMENT_IDS.items():
        types.extend(_pair(engagement, "contacts", to_contact, from_contact))
        types.extend(_pair(engagement, "companies", to_company, from_company))
    return tuple(types)


ASSOCIATION_TYPES: tuple[AssociationType, ...] = _all_types()
BY_ID: Mapping[tuple[str, int], AssociationType] = MappingProxyType(
    {(t.from_type, t.type_id): t for t in ASSOCIATION_TYPES}
)
PRIMARY_CONTACT_COMPANY = 1


def types_between(from_type: str, to_type: str) -> tuple[AssociationType, ...]:
    """The association types defined from one object type to another."""
    return tuple(t for t in ASSOCIATION_TYPES if t.from_type == from_type and t.to_type == to_type)


def default_type(from_type: str, to_type: str) -> AssociationType | None:
    """The unlabeled (default) type between two object types, if any."""
    for t in types_between(from_type, to_type):
        if t.default:
            return t
    return None


class AssociationStore:
    """Edges kept in both directions: (from_type, to_type) -> from_id -> to_id -> type ids.

    Not thread-safe on its own: the record store's lock guards it.
    """

    def __init__(self) -> None:
        self._edges: dict[tuple[str, str], dict[str, dict[str, set[int]]]] = {}

    def add(self, from_type: str, from_id: str, to_type: str, to_id: str, type_id: int) -> None:
        """Add one typed edge and its inverse."""
        kind = BY_ID.get((from_type, type_id))
        if kind is None or kind.to_type != to_type:
            raise KeyError(type_id)
        self._link(from_type, from_id, to_type, to_id, type_id)
        self._link(to_type, to_id, from_type, from_id, kind.inverse_id)

    def _link(self, from_type: str, from_id: str, to_type: str, to_id: str, type_id: int) -> None:
        by_from = self._edges.setdefault((from_type, to_type), {})
        by_from.setdefault(from_id, {}).setdefault(to_id, set()).add(type_id)

    def remove(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Remove every edge between two records, both directions."""
        for a, a_id, b, b_id in (
            (from_type, from_id, to_type, to_id),
            (to_type, to_id, from_type, from_id),
        ):
            targets = self._edges.get((a, b), {}).get(a_id)
            if targets is not None:
                targets.pop(b_id, None)

    def targets(self, from_type: str, from_id: str, to_type: str) -> dict[str, set[int]]:
        """to_id -> type ids, in insertion order (a copy)."""
        found = self._edges.get((from_type, to_type), {}).get(from_id, {})
        return {k: set(v) for k, v in found.items() if v}

    def clear(self) -> None:
        self._edges.clear()
