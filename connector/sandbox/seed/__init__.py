"""Deterministic seed data that reads like a real B2B HubSpot portal.

`generate_portal(seed=…, contacts=…, now=…)` builds owners, companies and contacts whose property
values are HubSpot wire strings valid against `schema.py`. Everything is drawn from one
`random.Random(seed)`; the wall clock is never read (`now` anchors every timestamp).

Each contact follows one engagement *story* (`SeedRecord.story`, not a HubSpot property: the
ground truth that scoring tests and benchmarks can check against):

- `cold`: imported list, never visited the site; marketing emails delivered, rarely opened.
- `superficial`: one or two blog visits around one newsletter/ebook form.
- `nurturing`: steady, moderate activity up to the last couple of months.
- `gone_quiet`: was active, nothing for 6+ months (marketing still emails, nobody opens).
- `back_after_pause`: old activity, silence, then a visit in the last two weeks.
- `deep`: pricing page and a demo request in the last ten days, many page views, email
  clicks and replies, often a meeting booked.

Each contact also carries what became of it (`outcomes.py`): the dates it entered each
lifecycle stage, in both of HubSpot's date families, with reaching opportunity drawn from a
hidden propensity of fit, BANT and engagement (`hidden_propensity`, which tests recompute).

Distributions are shaped after the public lead datasets in scoring-anchors.md §6 (a minority of
engaged leads, many untouched or one-visit ones); no dataset row is bundled.
"""

from __future__ import annotations

from connector.sandbox.seed.base import (
    QUIET_DAYS,
    RECENT_DAYS,
    STORIES,
    STORY_WEIGHTS,
    SeedOwner,
    SeedPortal,
    SeedRecord,
)
from connector.sandbox.seed.contacts import generate_portal
from connector.sandbox.seed.vocabulary import (
    COMPETITOR_DOMAINS,
    COMPETITORS,
    FREE_MAIL_DOMAINS,
    GARBAGE_TEXT,
)

__all__ = [
    "COMPETITORS",
    "COMPETITOR_DOMAINS",
    "FREE_MAIL_DOMAINS",
    "GARBAGE_TEXT",
    "QUIET_DAYS",
    "RECENT_DAYS",
    "STORIES",
    "STORY_WEIGHTS",
    "SeedOwner",
    "SeedPortal",
    "SeedRecord",
    "generate_portal",
]
