"""Load a generated portal (the `seed` package) into the store, keeping its own timestamps."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from connector.sandbox.associations import PRIMARY_CONTACT_COMPANY
from connector.sandbox.clock import iso_ms, to_ms
from connector.sandbox.store import Store

UNLABELED_CONTACT_COMPANY = 279


def load_portal(store: Store, *, seed: int, contacts: int, now: datetime) -> dict[str, int]:
    """Replace the store's records with a generated portal; return what was loaded, by kind."""
    from connector.sandbox.seed import generate_portal  # the generator is only needed here

    portal = generate_portal(seed=seed, contacts=contacts, now=now)
    with store.lock:
        store.clear_records()
        store.set_owners([_owner_json(o, now) for o in portal.owners])
        for company in portal.companies:
            store.insert(
                "companies",
                company.properties,
                record_id=company.id,
                created_ms=to_ms(company.created_at),
                updated_ms=to_ms(company.updated_at),
            )
        edges = store.edges
        for contact in portal.contacts:
            props = contact.properties
            if contact.company_id is not None:
                props = {**props, "associatedcompanyid": contact.company_id}
            store.insert(
                "contacts",
                props,
                record_id=contact.id,
                created_ms=to_ms(contact.created_at),
                updated_ms=to_ms(contact.updated_at),
            )
            if contact.company_id is not None:
                # Straight into the edge store: `Store.associate` would stamp lastmodifieddate.
                for type_id in (PRIMARY_CONTACT_COMPANY, UNLABELED_CONTACT_COMPANY):
                    edges.add("contacts", contact.id, "companies", contact.company_id, type_id)
    return {
        "owners": len(portal.owners),
        "companies": len(portal.companies),
        "contacts": len(portal.contacts),
    }


def _owner_json(owner: Any, now: datetime) -> dict[str, Any]:
    """A `PublicOwner` as `GET /crm/v3/owners` returns it."""
    stamp = iso_ms(to_ms(now))
    return {
        "id": owner.id,
        "email": owner.email,
        "type": "PERSON",
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": owner.user_id,
        "userIdIncludingInactive": owner.user_id,
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": owner.archived,
        "teams": [
            # Team ids are stable per name so that every seed gives the same ids.
            {"id": str(zlib.crc32(name.encode()) % 10_000_000), "name": name, "primary": i == 0}
            for i, name in enumerate(owner.teams)
        ],
    }
