"""The portal's lifecycle stage order, read from the `lifecyclestage` property's options.

Admins add, remove and reorder stages (HubSpot allows custom stages since 2022-09). The rules
protect every stage the portal orders after SQL, so the sync reads the options and keeps them
in the state store. It reads them again (at most once a run, before the run's first contact
is scored) when the stored order is a day old or was marked stale because a contact showed a
stage it does not know (an admin added one). So an idle run spends no call on it, and a busy
one at most one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from connector.hubspot.models import CrmRecord
from connector.logging import get_logger
from connector.rules.policy import DEFAULT_STAGE_ORDER, StageOrder, normal_stage
from connector.sync.ports import HubSpotPort, SyncState

LIFECYCLE_PROPERTY = "lifecyclestage"
#: State-store document: the portal's stage order and when it was read.
STAGE_ORDER_BLOB = "lifecycle_stage_order"
#: How long a stored order is trusted when no contact shows a stage it does not know.
STAGE_ORDER_MAX_AGE = timedelta(days=1)

log = get_logger(__name__)


def read_stage_order(port: HubSpotPort) -> StageOrder:
    """The stages in their display order; HubSpot's default order when the portal shows none."""
    for definition in port.read_property_definitions("contacts"):
        if definition.name != LIFECYCLE_PROPERTY:
            continue
        # Options without a display order keep their place after the ordered ones.
        ranked = sorted(
            enumerate(definition.options),
            key=lambda pair: (
                pair[1].display_order is None,
                pair[1].display_order if pair[1].display_order is not None else 0,
                pair[0],
            ),
        )
        stages = [option.value for _, option in ranked]
        if stages:
            return StageOrder.of(stages)
    log.warning("lifecycle_stage_order_unknown", fallback="HubSpot's default order")
    return DEFAULT_STAGE_ORDER


def stored_stage_order(store: SyncState, portal: str, now: datetime) -> StageOrder | None:
    """The stored order if it is younger than a day, else None."""
    stored = store.get_blob(portal, STAGE_ORDER_BLOB)
    if not stored or not isinstance(stored.get("stages"), list):
        return None
    try:
        read_at = datetime.fromisoformat(str(stored.get("read_at")))
    except ValueError:
        return None
    if read_at.tzinfo is None or now - read_at >= STAGE_ORDER_MAX_AGE or read_at > now:
        return None
    return StageOrder.of(str(s) for s in stored["stages"])


def save_stage_order(store: SyncState, portal: str, order: StageOrder, now: datetime) -> None:
    store.save_blob(
        portal, STAGE_ORDER_BLOB, {"stages": list(order.stages), "read_at": now.isoformat()}
    )


def mark_stage_order_stale(store: SyncState, portal: str, order: StageOrder) -> None:
    """Have the next run read the order again (a contact showed a stage it does not know)."""
    store.save_blob(portal, STAGE_ORDER_BLOB, {"stages": list(order.stages), "read_at": None})


def unknown_stages(order: StageOrder, records: Iterable[CrmRecord]) -> bool:
    """Whether a contact shows a stage the order does not know (maybe a new custom stage)."""
    return any(
        (stage := normal_stage(r.get(LIFECYCLE_PROPERTY))) and stage not in order.levels
        for r in records
    )
