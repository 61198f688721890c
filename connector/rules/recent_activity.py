"""What "recent activity" means when a backfill decides whether a crossing is news.

A contact's first scoring (the first run on a portal, or a contact the connector never saw)
finds every lead that qualified at any time in the past. Handing all of them off floods the SDRs
with leads that went cold long ago. So a first-scored crossing is handed off only when the
contact did something lately; the others go to the backlog the admin can release.

The contact's last activity is the latest of the dates the rules' engagement signals read (each
signal's `at`: form submissions, visits, e-mail replies and clicks, meetings booked…) and the
contact's `createdate` (a lead created last week is news however it scores). Company dates are
left out: a colleague's visit is not this contact's activity. Pure: the caller passes `now`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from connector.rules.ruleset import RuleSet
from connector.rules.values import parse_timestamp

#: Always returned by HubSpot's search and read endpoints: no extra property to ask for.
CREATED_PROPERTY = "createdate"


def activity_properties(rules: RuleSet) -> tuple[str, ...]:
    """The contact properties that date an activity: the signals' `at` ones, then createdate."""
    names: dict[str, None] = {}
    for refs in rules.engagement.at_refs:
        for is_company, name in refs:
            if not is_company:
                names[name] = None
    names[CREATED_PROPERTY] = None
    return tuple(names)


def last_activity(
    contact: Mapping[str, str | None], properties: tuple[str, ...]
) -> datetime | None:
    """The latest readable date among `properties` of the contact, or None."""
    seconds = [parse_timestamp(contact.get(name)) for name in properties]
    known = [s for s in seconds if s is not None]
    return datetime.fromtimestamp(max(known), UTC) if known else None


def has_recent_activity(
    contact: Mapping[str, str | None],
    properties: tuple[str, ...],
    *,
    now: datetime,
    days: float | None,
) -> bool:
    """True when the contact's last activity is within `days` of `now` (None: always true).

    A date in the future (a clock skew, a scheduled activity) counts as recent.
    """
    if days is None:
        return True
    last = last_activity(contact, properties)
    return last is not None and now - last <= timedelta(days=days)
