"""The portal's data: records by object type, owners and associations.

One re-entrant lock guards everything; handlers and tests hold it for a whole operation so a
batch is applied atomically. Property definitions, and the checks and normal form of the values
written, are the `Catalogue`'s (catalogue.py).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.sandbox.associations import (
    BY_ID,
    PRIMARY_CONTACT_COMPANY,
    AssociationStore,
)
from connector.sandbox.catalogue import Catalogue, check_lifecycle
from connector.sandbox.clock import SandboxClock, iso_ms, to_ms
from connector.sandbox.modified_index import ModifiedIndex
from connector.sandbox.schema import (
    CREATED_PROPERTY,
    LAST_MODIFIED_PROPERTY,
    OBJECT_TYPES,
)
from connector.sandbox.stage_dates import stage_entry_stamps
from connector.sandbox.wire import ApiError, bad_request

# Ids of new records start above any seeded id so the two never collide.
_FIRST_NEW_ID = 100_000_001


@dataclass(slots=True)
class Record:
    """One CRM record. `indexed` is what search sees (None: not yet visible to search)."""

    id: str
    props: dict[str, str]
    created_ms: int
    updated_ms: int
    indexed: dict[str, str] | None = None
    index_due_ms: int | None = None


class Store:
    """All records of one sandbox portal; see the module docstring."""

    def __init__(
        self, clock: SandboxClock, *, search_lag_ms: int = 0, lifecycle_backward: str = "ignore"
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.search_lag_ms = search_lag_ms
        self.lifecycle_backward = lifecycle_backward
        self.edges = AssociationStore()
        self.owners: list[dict[str, Any]] = []
        self.owner_ids: set[str] = set()
        self.write_seq = 0
        self._records: dict[str, dict[str, Record]] = {t: {} for t in OBJECT_TYPES}
        self._order: dict[str, list[int]] = {t: [] for t in OBJECT_TYPES}
        self._modified: dict[str, ModifiedIndex] = {
            t: ModifiedIndex(LAST_MODIFIED_PROPERTY[t]) for t in OBJECT_TYPES
        }
        self._emails: dict[str, str] = {}
        self._next_id = _FIRST_NEW_ID
        self.catalogue = Catalogue(self.lock, clock.now_ms())

    # -- reading ---------------------------------------------------------------------------

    def record(self, object_type: str, record_id: str) -> Record | None:
        return self._records[object_type].get(record_id)

    def get(self, object_type: str, record_id: str) -> dict[str, str] | None:
        """A copy of one record's properties, or None."""
        with self.lock:
            found = self._records[object_type].get(record_id)
            return dict(found.props) if found else None

    def count(self, object_type: str) -> int:
        return len(self._records[object_type])

    def all_ids(self, object_type: str) -> list[str]:
        """Every id of one object type, oldest first."""
        with self.lock:
            return [str(i) for i in self._order[object_type]]

    def records(self, object_type: str) -> Iterable[Record]:
        """Records in id (creation) order. Hold `lock` while iterating."""
        table = self._records[object_type]
        for numeric in self._order[object_type]:
            rec = table.get(str(numeric))
            if rec is not None:
                yield rec

    def id_order(self, object_type: str) -> Sequence[int]:
        """Every id of one object type as a number, ascending (the list endpoint's order).
        Hold `lock` while reading it."""
        return self._order[object_type]

    def ids_after(self, object_type: str, after: int, limit: int) -> tuple[list[str], bool]:
        """Up to `limit` ids greater than `after`, and whether more remain."""
        order = self._order[object_type]
        start = bisect.bisect_right(order, after)
        chunk = order[start : start + limit]
        return [str(i) for i in chunk], start + limit < len(order)

    def associations(self, from_type: str, record_id: str, to_type: str) -> dict[str, set[int]]:
        """Associated record ids of `to_type` with their association type ids."""
        with self.lock:
            return self.edges.targets(from_type, record_id, to_type)

    def by_email(self, email: str) -> str | None:
        return self._emails.get(email.lower())

    def searchable(self, rec: Record, now_ms: int) -> dict[str, str] | None:
        """The version of `rec` that search sees now (index lag applied)."""
        if rec.index_due_ms is not None and now_ms >= rec.index_due_ms:
            return rec.props
        return rec.indexed

    def promote_due(self, object_type: str, now_ms: int) -> None:
        """Make every write whose search lag has passed the version search sees.

        Searches call this first, so that the last-modified index and `Record.indexed` agree
        with `searchable` for every record. Hold `lock`.
        """
        index = self._modified[object_type]
        table = self._records[object_type]
        for rid in index.due(now_ms):
            rec = table.get(rid)
            if rec is not None and rec.index_due_ms is not None and rec.index_due_ms <= now_ms:
                self._promote(object_type, rec)

    def _promote(self, object_type: str, rec: Record) -> None:
        rec.indexed = rec.props
        rec.index_due_ms = None
        self._modified[object_type].update(rec.id, rec.indexed)

    def modified_index(self, object_type: str, now_ms: int) -> ModifiedIndex:
        """The (last-modified, id) index of what search sees at `now_ms`. Hold `lock`."""
        self.promote_due(object_type, now_ms)
        index = self._modified[object_type]
        if not index.built:
            index.build((rec.id, rec.indexed) for rec in self._records[object_type].values())
        return index

    def pending_index(self) -> bool:
        return self.search_lag_ms > 0

    # -- validation ------------------------------------------------------------------------

    def validate(
        self, object_type: str, props: Mapping[str, Any], *, creating: bool
    ) -> dict[str, str]:
        """Check values as HubSpot does and normalise them; raise HubSpot's 400 otherwise."""
        return self.catalogue.validate(
            object_type, props, creating=creating, owner_ids=self.owner_ids
        )

    def check_lifecycle(self, current: Mapping[str, str], clean: dict[str, str]) -> None:
        """Apply the forward-only rule: drop (or reject) a backward `lifecyclestage` write."""
        check_lifecycle(current, clean, backward=self.lifecycle_backward)

    # -- writing ---------------------------------------------------------------------------

    def new_id(self) -> str:
        with self.lock:
            value = self._next_id
            self._next_id += 1
            return str(value)

    def insert(
        self,
        object_type: str,
        props: Mapping[str, str],
        *,
        record_id: str | None = None,
        created_ms: int | None = None,
        updated_ms: int | None = None,
    ) -> Record:
        """Add a record without validation (seeding, tests), stamping HubSpot's fields."""
        with self.lock:
            now = self.clock.now_ms()
            rid = record_id or self.new_id()
            if rid in self._records[object_type]:
                raise ValueError(f"{object_type} {rid} exists")
            numeric = int(rid)
            if numeric >= self._next_id:
                self._next_id = numeric + 1
            created = now if created_ms is None else created_ms
            updated = created if updated_ms is None else updated_ms
            values = dict(props)
            values.setdefault(CREATED_PROPERTY[object_type], iso_ms(created))
            values[LAST_MODIFIED_PROPERTY[object_type]] = iso_ms(updated)
            values["hs_object_id"] = rid
            rec = Record(rid, values, created, updated)
            self._index_new(object_type, rec, now)
            self._records[object_type][rid] = rec
            order = self._order[object_type]
            if not order or numeric > order[-1]:
                order.append(numeric)
            else:
                bisect.insort(order, numeric)
            if object_type == "contacts" and values.get("email"):
                self._emails[values["email"].lower()] = rid
            self.write_seq += 1
            return rec

    def _index_new(self, object_type: str, rec: Record, now: int) -> None:
        index = self._modified[object_type]
        if self.search_lag_ms <= 0:
            rec.indexed = rec.props
            index.update(rec.id, rec.indexed)
        else:
            rec.indexed = None
            rec.index_due_ms = now + self.search_lag_ms
            index.schedule(rec.id, rec.index_due_ms)

    def apply(self, object_type: str, rec: Record, clean: Mapping[str, str]) -> None:
        """Write validated values onto a record and stamp the last-modified time."""
        with self.lock:
            now = self.clock.now_ms()
            if self.search_lag_ms > 0:
                if rec.index_due_ms is not None and now >= rec.index_due_ms:
                    # The previous write's lag has passed: search sees it from now on, whether
                    # or not a search ran meanwhile, and this write is staged on top of it.
                    self._promote(object_type, rec)
                if rec.indexed is rec.props:
                    rec.indexed = dict(rec.props)
                rec.index_due_ms = now + self.search_lag_ms
                self._modified[object_type].schedule(rec.id, rec.index_due_ms)
            if object_type == "contacts" and "email" in clean:
                old = rec.props.get("email")
                if old:
                    self._emails.pop(old.lower(), None)
                if clean["email"]:
                    self._emails[clean["email"].lower()] = rec.id
            stamps = (
                stage_entry_stamps(rec.props, clean, iso_ms(now))
                if object_type == "contacts"
                else None
            )
            if stamps:
                clean = {**clean, **stamps}
            for name, value in clean.items():
                if value == "":
                    rec.props.pop(name, None)
                else:
                    rec.props[name] = value
            rec.updated_ms = now
            rec.props[LAST_MODIFIED_PROPERTY[object_type]] = iso_ms(now)
            self._modified[object_type].update(rec.id, rec.indexed)
            self.write_seq += 1

    def create(
        self, object_type: str, properties: Mapping[str, str], *, validate: bool = True
    ) -> str:
        """Create a record in-process (as the HTTP create would) and return its id."""
        with self.lock:
            clean = (
                self.validate(object_type, properties, creating=True)
                if validate
                else dict(properties)
            )
            return self.insert(object_type, {k: v for k, v in clean.items() if v != ""}).id

    def update(
        self,
        object_type: str,
        record_id: str,
        properties: Mapping[str, str],
        *,
        validate: bool = True,
    ) -> None:
        """Update a record in-process, applying HubSpot's rules and stamping lastmodifieddate."""
        with self.lock:
            rec = self._records[object_type].get(record_id)
            if rec is None:
                raise KeyError(f"{object_type} {record_id}")
            clean = (
                self.validate(object_type, properties, creating=False)
                if validate
                else dict(properties)
            )
            self.check_lifecycle(rec.props, clean)
            self.apply(object_type, rec, clean)

    def set_modified(self, object_type: str, ids: Sequence[str], instant: datetime) -> None:
        """Force the last-modified time of records to one instant (visible to search at once)."""
        ms = to_ms(instant)
        prop = LAST_MODIFIED_PROPERTY[object_type]
        with self.lock:
            for rid in ids:
                rec = self._records[object_type][rid]
                rec.updated_ms = ms
                rec.props[prop] = iso_ms(ms)
                if rec.indexed is not None and rec.indexed is not rec.props:
                    rec.indexed[prop] = iso_ms(ms)
                self._modified[object_type].update(rid, rec.indexed)
            self.write_seq += 1

    def associate(
        self, from_type: str, from_id: str, to_type: str, to_id: str, type_id: int
    ) -> None:
        """Add a typed association (and its inverse); keeps `associatedcompanyid` in step."""
        with self.lock:
            for t, rid in ((from_type, from_id), (to_type, to_id)):
                if rid not in self._records[t]:
                    raise ApiError(404, "OBJECT_NOT_FOUND", f"{t} {rid} does not exist")
            kind = BY_ID.get((from_type, type_id))
            if kind is None or kind.to_type != to_type:
                raise bad_request(
                    f"{type_id} is not a valid association type id from {from_type} to {to_type}",
                    "VALIDATION_ERROR",
                )
            self.edges.add(from_type, from_id, to_type, to_id, type_id)
            primary = (from_type == "contacts" and type_id == PRIMARY_CONTACT_COMPANY) or (
                from_type == "companies" and kind.inverse_id == PRIMARY_CONTACT_COMPANY
            )
            if primary:
                contact_id, company_id = (
                    (from_id, to_id) if from_type == "contacts" else (to_id, from_id)
                )
                contact = self._records["contacts"][contact_id]
                self.apply("contacts", contact, {"associatedcompanyid": company_id})
            self.write_seq += 1

    def set_owners(self, owners: list[dict[str, Any]]) -> None:
        with self.lock:
            self.owners = owners
            self.owner_ids = {str(o["id"]) for o in owners}

    def clear_records(self) -> None:
        """Forget every record and association (a re-seed starts from here)."""
        with self.lock:
            for t in OBJECT_TYPES:
                self._records[t].clear()
                self._order[t].clear()
                self._modified[t].clear()
            self._emails.clear()
            self.edges.clear()
            self._next_id = _FIRST_NEW_ID
            self.write_seq += 1
