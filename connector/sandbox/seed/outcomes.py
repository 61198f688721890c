"""What became of each seeded contact: its lifecycle-stage history, drawn from a hidden propensity.

A review needs outcomes to judge the rules against, so every contact carries the dates it entered
each lifecycle stage, in both of HubSpot's families (hubspot-api.md, "Updates checked in
2026-12"): `hs_v2_date_entered_<stage>` and the older `hs_lifecyclestage_<stage>_date`.

Whether a contact reached `opportunity` is drawn from `hidden_propensity`: a logistic function of
its fit (company size, seniority, free mail, competitors), BANT answers and engagement, plus a
per-contact latent quality no property shows (the noise any real funnel has). Referral traffic
converts well on its own: a segment the rules do not read, for the review's over-filtering to find.

The seeded properties are only added to, never changed (tests and snapshots rest on them), so
the present `lifecyclestage` stays as the generator drew it. Consequences, each as HubSpot has it:
- a contact at opportunity or beyond has reached opportunity (`hidden_propensity` is 1);
- a contact drawn to convert but now below opportunity had a deal that was lost and was recycled:
  the v2 family keeps the date it entered opportunity, while the older family's "became a" date
  was cleared when the stage moved back (hubspot-api.md §4).

Everything is a pure function of (seed, contact id, the contact's and its company's properties),
so tests can recompute the propensity and draw of any contact.

The seed cannot know which contacts the connector will hand off, nor when an SDR will touch the
task. `converts_when_touched_in_time` says what a touch within the SLA adds, and the sandbox's
SDR work (`connector/sandbox/sdr_work.py`) applies it once the tasks exist: the same draw as the
seed's, against a propensity raised by `IN_TIME_LOGIT`, so a contact that converted anyway still
converts and the lift goes only to contacts touched in time.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from connector.hubspot_facts import LIFECYCLE_ORDER
from connector.sandbox.seed.base import DAY_MS, EPOCH, IsoFormatter, SeedRecord
from connector.sandbox.seed.vocabulary import COMPETITOR_DOMAINS, FREE_MAIL_DOMAINS

OPPORTUNITY = "opportunity"
#: Stages that imply the contact once reached opportunity.
_AT_OR_BEYOND_OPPORTUNITY = frozenset(("opportunity", "customer", "evangelist"))
_RANK = {stage: i for i, stage in enumerate(LIFECYCLE_ORDER)}
#: The funnel a converting contact walks, in order.
_FUNNEL = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")
#: Mean days from one stage to the next: buying cycles of a few weeks to a few months.
_MEAN_STEP_DAYS = 12.0
#: Logit of a contact with nothing known (under 2 % before any fit, BANT or engagement).
_BASE_LOGIT = -4.1
#: Spread (standard deviation, in logits) of the quality no property shows.
_LATENT_SD = 0.8
#: What a handoff touched within its SLA adds to the propensity, in logits (speed to lead).
IN_TIME_LOGIT = 1.0

_BUDGET = {"<10k": -0.4, "10k-50k": 0.2, "50k-100k": 0.5, "100k-250k": 0.7, "250k+": 0.8}
_TIMELINE = {
    "this_quarter": 0.9,
    "3_6_months": 0.5,
    "6_12_months": 0.0,
    "12_plus_months": -0.4,
    "no_plans": -1.0,
}
_ROLE = {
    "decision_maker": 0.7,
    "influencer": 0.3,
    "evaluator": 0.1,
    "end_user": -0.2,
    "student": -1.5,
}
_SENIORITY = {"executive": 0.4, "vp": 0.4, "director": 0.3, "entry": -0.3}


def stage_date_properties(stage: str) -> tuple[str, str]:
    """The (v2, legacy) names of the property holding when a contact entered `stage`."""
    return f"hs_v2_date_entered_{stage}", f"hs_lifecyclestage_{stage}_date"


def latent_quality(seed: int, contact_id: str) -> float:
    """The contact's unobserved quality: a standard normal draw fixed by (seed, id)."""
    return _rng(seed, contact_id, "latent").gauss(0.0, 1.0)


def hidden_propensity(
    seed: int,
    contact: Mapping[str, str],
    company: Mapping[str, str] | None,
) -> float:
    """The probability that this contact reaches opportunity (1 when its stage says it has).

    Args:
        seed: the portal's seed.
        contact: the contact's seeded properties (`hs_object_id` included).
        company: its primary company's properties, or None without one.
    """
    if contact.get("lifecyclestage") in _AT_OR_BEYOND_OPPORTUNITY:
        return 1.0
    logit = (
        _BASE_LOGIT
        + _fit(contact, company)
        + _bant(contact)
        + _engagement(contact)
        + _LATENT_SD * latent_quality(seed, contact["hs_object_id"])
    )
    return 1.0 / (1.0 + math.exp(-logit))


def converts_when_touched_in_time(
    seed: int, contact: Mapping[str, str], company: Mapping[str, str] | None
) -> bool:
    """Whether the contact reaches opportunity when its handoff is touched within the SLA.

    The seed's own draw (`add_outcomes`), compared with the propensity a timely touch gives:
    True for every contact the seed converted, and for some more.
    """
    p = hidden_propensity(seed, contact, company)
    if p >= 1.0:
        return True
    p = max(p, 1e-12)
    lifted = 1.0 / (1.0 + math.exp(-(math.log(p / (1.0 - p)) + IN_TIME_LOGIT)))
    return _rng(seed, contact["hs_object_id"], "history").random() < lifted


def _fit(contact: Mapping[str, str], company: Mapping[str, str] | None) -> float:
    points = _SENIORITY.get(contact.get("hs_seniority", ""), 0.0)
    domain = contact.get("hs_email_domain", "")
    if domain in COMPETITOR_DOMAINS:
        return points - 3.0
    if domain in FREE_MAIL_DOMAINS:
        points -= 0.5
    if company is None:
        return points - 0.4
    employees = _number(company.get("numberofemployees"))
    if employees is not None:
        points += -0.6 if employees < 10 else 0.6 if employees <= 1000 else 0.4
    return points


def _bant(contact: Mapping[str, str]) -> float:
    return (
        _BUDGET.get(contact.get("budget_range", ""), 0.0)
        + _TIMELINE.get(contact.get("purchase_timeline", ""), 0.0)
        + _ROLE.get(contact.get("decision_role", ""), 0.0)
    )


def _engagement(contact: Mapping[str, str]) -> float:
    views = _number(contact.get("hs_analytics_num_page_views")) or 0.0
    points = min(1.2, 0.3 * math.log1p(views))
    if "Demo request" in (contact.get("recent_conversion_event_name") or ""):
        points += 0.8
    if contact.get("engagements_last_meeting_booked"):
        points += 0.8
    if contact.get("hs_sales_email_last_replied"):
        points += 0.5
    if contact.get("hs_analytics_source") == "REFERRALS":
        points += 1.2  # referred leads buy without browsing: the rules' blind spot
    return points


def add_outcomes(
    seed: int,
    contacts: Sequence[SeedRecord],
    companies: Mapping[str, Mapping[str, str]],
    fmt: IsoFormatter,
) -> None:
    """Add each contact's stage-entry dates (both families) to its properties, in place."""
    for record in contacts:
        company = companies.get(record.company_id) if record.company_id else None
        p = record.properties
        stage = p.get("lifecyclestage", "")
        if not stage:
            continue
        rnd = _rng(seed, record.id, "history")
        converted = rnd.random() < hidden_propensity(seed, p, company)
        created = _ms(p["createdate"])
        last = max(created, _ms(p["lastmodifieddate"]))
        path = _path(stage, converted)
        entered = _entry_times(rnd, path, created, last)
        for name, at in zip(path, entered, strict=True):
            v2, legacy = stage_date_properties(name)
            p[v2] = fmt(at)
            if _RANK[name] <= _RANK[stage]:
                p[legacy] = fmt(at)  # cleared by HubSpot for stages above the present one


def _path(stage: str, converted: bool) -> list[str]:
    """The stages the contact entered, in the order it entered them."""
    if stage in _AT_OR_BEYOND_OPPORTUNITY:
        return [*_FUNNEL[: _FUNNEL.index(stage) + 1]] if stage in _FUNNEL else [*_FUNNEL, stage]
    if not converted:
        if stage in _FUNNEL:
            return [*_FUNNEL[: _FUNNEL.index(stage) + 1]]
        return ["lead", stage] if stage == "other" else [stage]
    # Converted, now below opportunity: the deal was lost and the contact recycled to `stage`.
    path = [*_FUNNEL[: _FUNNEL.index(OPPORTUNITY) + 1]]
    if stage == "subscriber":
        return [stage, *path]
    return path if stage in path else [*path, stage]


def _entry_times(rnd: random.Random, path: Sequence[str], created: int, last: int) -> list[int]:
    """Entry instants in [created, last], non-decreasing, the first at creation."""
    times = [created]
    at = created
    for _ in path[1:]:
        at += int(rnd.expovariate(1.0 / _MEAN_STEP_DAYS) * DAY_MS)
        times.append(at)
    if times[-1] > last:  # the history must fit before the record's last modification
        span = times[-1] - created
        times = [created + (t - created) * (last - created) // span for t in times]
    return times


def _rng(seed: int, contact_id: str, purpose: str) -> random.Random:
    digest = hashlib.blake2b(f"{seed}:{contact_id}:{purpose}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _ms(iso: str) -> int:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
