"""Contacts of the seeded portal, and `generate_portal`, which builds the whole portal."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from connector.sandbox.seed.base import (
    CONTACTS_PER_COMPANY,
    DAY_MS,
    EPOCH,
    FIRST_CONTACT_ID,
    HOUR_MS,
    PORTAL_AGE_DAYS,
    QUIET_DAYS,
    IsoFormatter,
    SeedPortal,
    SeedRecord,
    Weighted,
    between,
    to_datetime,
)
from connector.sandbox.seed.companies import (
    Company,
    OwnersByRole,
    employee_bucket,
    finish_companies,
    place,
    seed_companies,
    seed_owners,
)
from connector.sandbox.seed.outcomes import add_outcomes
from connector.sandbox.seed.stories import Journey, last_engagement, story_engagement
from connector.sandbox.seed.vocabulary import (
    BANT_FORMS,
    BUYING_ROLES,
    CLOSERS,
    COMPETITOR_CONTACT_SHARE,
    COMPETITOR_DOMAINS,
    COUNTRY_VARIANTS,
    DECISION_ROLES,
    FIRST_NAMES,
    FOLLOW_UP_STATUSES,
    FREE_MAIL,
    FREE_MAIL_AT_COMPANY_SHARE,
    GARBAGE_TEXT,
    IC_SENIORITY,
    LAST_NAMES,
    LEAD_STATUS,
    NO_COMPANY_EMPLOYERS,
    NO_COMPANY_SHARE,
    NOT_BUYING,
    OPENERS,
    OWNED_SHARE,
    PAINS,
    PERSONAS,
    PHONE_PREFIX,
    PRODUCT_INTEREST,
    SENIORITY,
    STAGES,
    STORY_PICK,
    TIERS,
    TIERS_NO_COMPANY,
    TIMELINES,
    TITLES,
)

# --- contacts ------------------------------------------------------------------------------------


def _challenge(rnd: random.Random, tier: str) -> str:
    roll = rnd.random()
    if roll < 0.08:
        return rnd.choice(GARBAGE_TEXT)
    if tier == "student" or roll < 0.15:
        return rnd.choice(NOT_BUYING)
    text = rnd.choice(OPENERS) + rnd.choice(PAINS)
    if rnd.random() < 0.3:
        text += " and " + rnd.choice(PAINS)
    text += rnd.choice(CLOSERS)
    return text[0].upper() + text[1:]


def _budget(rnd: random.Random, employees: int | None) -> str:
    if rnd.random() < 0.3:
        return rnd.choice(("<10k", "10k-50k", "50k-100k", "100k-250k", "250k+"))
    if employees is None or employees < 25:
        return "<10k"
    if employees < 200:
        return "10k-50k"
    if employees < 1000:
        return rnd.choice(("50k-100k", "100k-250k"))
    return rnd.choice(("100k-250k", "250k+"))


def _answer_bant(
    rnd: random.Random, p: dict[str, str], story: str, tier: str, employees: int | None
) -> None:
    """Form answers, only from forms that ask them; each one is sometimes skipped."""
    asked = p.get("recent_conversion_event_name") in BANT_FORMS or rnd.random() < 0.25
    if not asked or rnd.random() < 0.2:
        return
    answers = {
        "budget_range": _budget(rnd, employees),
        "purchase_timeline": TIMELINES.get(story, TIMELINES["other"]).pick(rnd),
        "decision_role": DECISION_ROLES[tier].pick(rnd),
        "main_challenge": _challenge(rnd, tier),
        "product_interest": PRODUCT_INTEREST.pick(rnd),
    }
    for key, value in answers.items():
        if rnd.random() > 0.15:
            p[key] = value


def _email_address(
    rnd: random.Random, first: str, last: str, domain: str, free: bool, taken: set[str]
) -> str:
    local = f"{first}.{last}" if rnd.random() < 0.6 else f"{first[0]}{last}"
    if free:
        local += str(rnd.randrange(100)) if rnd.random() < 0.5 else ""
    local = local.lower().replace("'", "")
    email, n = f"{local}@{domain}", 1
    while email in taken:  # HubSpot keeps emails unique per portal
        n += 1
        email = f"{local}{n}@{domain}"
    taken.add(email)
    return email


def _phone(rnd: random.Random, iso: str) -> str:
    # 555-01xx numbers are reserved for fiction in North America; the rest follows suit.
    return (
        f"{PHONE_PREFIX.get(iso, '+1')} 555 01{rnd.randrange(100):02d} {rnd.randrange(10_000):04d}"
    )


def _created_ms(rnd: random.Random, story: str, start: int, now: int) -> int:
    if story in ("gone_quiet", "back_after_pause"):
        # Room for an active spell before six months of silence.
        return between(rnd, start, now - (QUIET_DAYS + 30) * DAY_MS)
    high = now - (2 * DAY_MS if story == "deep" else HOUR_MS)
    # Portals grow: u ** 0.6 puts more creations towards `now`.
    return start + int((rnd.random() ** 0.6) * (high - start))


def _assign_owner(
    rnd: random.Random, j: Journey, owners: OwnersByRole, stage: str, created: int
) -> None:
    p = j.p
    if rnd.random() >= OWNED_SHARE.get(stage, 0.0):
        if rnd.random() < 0.04:
            p["hs_lead_status"] = "NEW"  # set by a rep on an unowned record
        return
    if rnd.random() < 0.015:
        pool = owners.archived
    elif stage in ("opportunity", "customer", "evangelist"):
        pool = owners.aes
    else:
        pool = owners.managers if rnd.random() < 0.1 else owners.sdrs
    p["hubspot_owner_id"] = rnd.choice(pool).id
    assigned = between(rnd, created, min(j.now, created + 3 * DAY_MS))
    j.at("hubspot_owner_assigneddate", assigned)
    status = LEAD_STATUS[stage].pick(rnd) if stage in LEAD_STATUS else ""
    if status:
        p["hs_lead_status"] = status
    contacted = p.get("num_contacted_notes", "0") != "0"
    p["hs_is_unworked"] = "false" if contacted else "true"
    if status in FOLLOW_UP_STATUSES and rnd.random() < 0.4:
        # The next scheduled task lies in the future by nature; it is not an event.
        p["notes_next_activity_date"] = j.fmt(j.now + HOUR_MS + rnd.randrange(10 * DAY_MS))


def _contact(
    rnd: random.Random,
    j: Journey,
    story: str,
    created: int,
    company: Company | None,
    owners: OwnersByRole,
    taken: set[str],
) -> dict[str, str]:
    p: dict[str, str] = {}
    j.reset(p)
    tier = (TIERS if company else TIERS_NO_COMPANY).pick(rnd)
    first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
    roll = rnd.random()
    p["firstname"] = (
        rnd.choice(GARBAGE_TEXT) if roll < 0.01 else first.lower() if roll < 0.05 else first
    )
    if rnd.random() < 0.97:
        p["lastname"] = last
    if rnd.random() < 0.99:
        free = company is None or rnd.random() < FREE_MAIL_AT_COMPANY_SHARE
        domain = FREE_MAIL.pick(rnd) if free or company is None else company.domain
        p["email"] = _email_address(rnd, first, last, domain, free, taken)
        p["hs_email_domain"] = domain
    if tier:
        p["jobtitle"] = (
            rnd.choice(GARBAGE_TEXT) if rnd.random() < 0.015 else rnd.choice(TITLES[tier])
        )
        if rnd.random() < 0.35:
            p["hs_seniority"] = SENIORITY.get(tier) or IC_SENIORITY.pick(rnd)
        if tier in ("c_level", "vp", "director", "manager") and rnd.random() < 0.05:
            p["hs_buying_role"] = rnd.choice(BUYING_ROLES)
    if company is not None:
        p["company"] = company.props["name"]
        iso, country, city, state = (
            company.country_iso,
            company.country,
            company.city,
            company.state,
        )
        if rnd.random() < 0.15:
            iso, country, city, state = place(rnd)  # remote employee or a branch office
        if rnd.random() < 0.3 and "website" in company.props:
            p["website"] = company.props["website"]
        if rnd.random() < 0.3:
            p["numemployees"] = employee_bucket(
                max(1, round(company.employees * rnd.uniform(0.5, 2)))
            )
    else:
        iso, country, city, state = place(rnd)
        if rnd.random() < 0.3:
            p["company"] = rnd.choice(NO_COMPANY_EMPLOYERS)
    if rnd.random() < 0.75:
        variants = COUNTRY_VARIANTS.get(country)
        p["country"] = rnd.choice(variants) if variants and rnd.random() < 0.08 else country
        if rnd.random() < 0.7:
            p["city"] = city
        if state and rnd.random() < 0.6:
            p["state"] = state
    if rnd.random() < 0.5:
        p["phone"] = _phone(rnd, iso)
    if rnd.random() < 0.2:
        p["mobilephone"] = _phone(rnd, iso)
    if rnd.random() < 0.2:
        p["hs_persona"] = rnd.choice(PERSONAS)
    story_engagement(j, story, created)
    _answer_bant(rnd, p, story, tier, company.employees if company else None)
    stage = STAGES[story].pick(rnd)
    if tier == "student" and stage in ("subscriber", "lead") and rnd.random() < 0.5:
        stage = "other"
    if stage:
        p["lifecyclestage"] = stage
    _assign_owner(rnd, j, owners, stage, created)
    last_engagement(p)
    modified = max(created, j.latest)
    if rnd.random() < 0.3:  # edited since: an import, a workflow, a rep fixing a field
        modified = between(rnd, modified, j.now)
    p["createdate"] = j.fmt(created)
    p["lastmodifieddate"] = j.fmt(modified)
    return p


def generate_portal(*, seed: int, contacts: int, now: datetime) -> SeedPortal:
    """Build a deterministic demo portal: owners, companies and contacts.

    Args:
        seed: Seeds the only random generator used; the same seed gives the same portal.
        contacts: How many contacts to create (about one company per eight contacts).
        now: The portal's present (timezone-aware); every timestamp is at or before it,
            except `notes_next_activity_date`, which is a future task date by nature.

    Returns:
        The portal, records sorted by creation with ascending numeric ids.

    Raises:
        ValueError: `now` is naive or `contacts` is negative.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if contacts < 0:
        raise ValueError("contacts must be >= 0")
    rnd = random.Random(seed)
    fmt = IsoFormatter()
    now_ms = (now - EPOCH) // timedelta(milliseconds=1)
    start_ms = now_ms - PORTAL_AGE_DAYS * DAY_MS
    owners = seed_owners(rnd)
    by_role = OwnersByRole.of(owners)
    companies = seed_companies(rnd, round(contacts / CONTACTS_PER_COMPANY) if contacts else 0)
    competitors = [i for i, c in enumerate(companies) if c.domain in COMPETITOR_DOMAINS]
    regular = [i for i, c in enumerate(companies) if c.domain not in COMPETITOR_DOMAINS]
    # Bigger companies have more people in the CRM, but far less than proportionally.
    company_pick = (
        Weighted([(i, companies[i].employees ** 0.5) for i in regular]) if regular else None
    )
    journey = Journey(rnd, fmt, now_ms)
    taken: set[str] = set()
    drafts: list[tuple[int, int, dict[str, str], str, int | None]] = []
    for seq in range(contacts):
        story = STORY_PICK.pick(rnd)
        created = _created_ms(rnd, story, start_ms, now_ms)
        roll = rnd.random()
        company_idx: int | None = None
        if roll >= NO_COMPANY_SHARE and company_pick is not None:
            share = NO_COMPANY_SHARE + COMPETITOR_CONTACT_SHARE
            company_idx = (
                rnd.choice(competitors) if roll < share and competitors else company_pick.pick(rnd)
            )
        company = companies[company_idx] if company_idx is not None else None
        props = _contact(rnd, journey, story, created, company, by_role, taken)
        if company is not None:
            company.contacts += 1
            company.customer |= props.get("lifecyclestage") == "customer"
            first_seen = company.created_ms or created
            company.created_ms = min(first_seen, created)
        drafts.append((created, seq, props, story, company_idx))
    company_records, company_ids = finish_companies(rnd, fmt, companies, by_role, start_ms, now_ms)
    drafts.sort(key=lambda d: (d[0], d[1]))
    records: list[SeedRecord] = []
    next_id = FIRST_CONTACT_ID
    for created, _, props, story, company_idx in drafts:
        cid = str(next_id)
        next_id += 1 + (rnd.random() < 0.1)  # deleted records leave gaps
        props["hs_object_id"] = cid
        company_id = company_ids[company_idx] if company_idx is not None else None
        if company_id is not None:
            props["associatedcompanyid"] = company_id
        modified = props["lastmodifieddate"]
        records.append(
            SeedRecord(cid, props, to_datetime(created), _parse(modified), company_id, story)
        )
    # Its own random streams, so every property drawn above stays as it was before outcomes.
    add_outcomes(seed, records, {c.id: c.properties for c in company_records}, fmt)
    return SeedPortal(owners=owners, companies=company_records, contacts=records)


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))
