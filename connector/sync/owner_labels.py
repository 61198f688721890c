"""Owners as people read them: names from HubSpot's owners API, not the ids tasks carry."""

from __future__ import annotations

from collections.abc import Iterable

from connector.hubspot.models import Owner


def owner_labels(owners: Iterable[Owner]) -> dict[str, str]:
    """Owner id -> "First Last", or the owner's e-mail when HubSpot has no name for them.

    Owners are the portal's users (staff), not contacts: their names may be shown.
    """
    labels: dict[str, str] = {}
    for owner in owners:
        name = " ".join(p for p in (owner.first_name, owner.last_name) if p and p.strip())
        labels[owner.id] = name.strip() or owner.email or owner.id
    return labels
