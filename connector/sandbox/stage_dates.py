"""HubSpot stamps when a contact enters a lifecycle stage; the sandbox does too.

Two families of read-only properties (hubspot-api.md §4 and "Updates checked in 2026-12"):
`hs_v2_date_entered_<stage>` and the older `hs_lifecyclestage_<stage>_date` ("Became a … date"),
which HubSpot clears for the stages above the new one when a stage is moved back. Only the
default stages have properties in the sandbox's catalogue, so custom stages get no date.
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.hubspot_facts import LIFECYCLE_ORDER

_RANK = {stage: i for i, stage in enumerate(LIFECYCLE_ORDER)}


def stage_entry_stamps(
    current: Mapping[str, str], clean: Mapping[str, str], now_iso: str
) -> dict[str, str]:
    """The date properties a write of `clean` onto a contact holding `current` changes.

    An empty value clears the property (as in a write).
    """
    stage = clean.get("lifecyclestage")
    if not stage or stage == current.get("lifecyclestage") or stage not in _RANK:
        return {}
    stamps: dict[str, str] = {}
    for name in (f"hs_v2_date_entered_{stage}", f"hs_lifecyclestage_{stage}_date"):
        if not current.get(name):
            stamps[name] = now_iso
    for higher, rank in _RANK.items():
        legacy = f"hs_lifecyclestage_{higher}_date"
        if rank > _RANK[stage] and current.get(legacy):
            stamps[legacy] = ""
    return stamps
