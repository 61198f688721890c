"""Owners and companies of the seeded portal."""

from __future__ import annotations

import random
from dataclasses import dataclass

from connector.sandbox.seed.base import (
    FIRST_COMPANY_ID,
    HOUR_MS,
    IsoFormatter,
    SeedOwner,
    SeedRecord,
    between,
    to_datetime,
)
from connector.sandbox.seed.vocabulary import (
    COMPETITOR_DOMAINS,
    COMPETITORS,
    COUNTRY_PICK,
    DOMAIN_TAILS,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    LEGAL_SUFFIX,
    NAME_CORES,
    NAME_PREFIXES,
    OWNER_DOMAIN,
    OWNER_ROLES,
    TLDS,
)

# --- owners --------------------------------------------------------------------------------------


def seed_owners(rnd: random.Random) -> list[SeedOwner]:
    owners: list[SeedOwner] = []
    next_id = 40_000_000 + rnd.randrange(1_000_000)
    for n, (role, teams, archived) in enumerate(OWNER_ROLES):
        first, last = rnd.choice(FIRST_NAMES), rnd.choice(LAST_NAMES)
        next_id += 1 + rnd.randrange(5_000)
        owners.append(
            SeedOwner(
                id=str(next_id),
                email=f"{first.lower()}.{last.lower()}{n}@{OWNER_DOMAIN}",
                first_name=first,
                last_name=last,
                user_id=9_000_000 + next_id % 1_000_000,
                archived=archived,
                teams=teams,
                role=role,
            )
        )
    return owners


@dataclass(slots=True)
class OwnersByRole:
    sdrs: list[SeedOwner]
    aes: list[SeedOwner]
    managers: list[SeedOwner]
    archived: list[SeedOwner]

    @classmethod
    def of(cls, owners: list[SeedOwner]) -> OwnersByRole:
        active = [o for o in owners if not o.archived]
        return cls(
            sdrs=[o for o in active if o.role == "sdr"],
            aes=[o for o in active if o.role == "ae"],
            managers=[o for o in active if o.role == "manager"],
            archived=[o for o in owners if o.archived],
        )


# --- companies -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Company:
    props: dict[str, str]
    employees: int
    country_iso: str
    country: str
    city: str
    state: str
    domain: str
    created_ms: int = 0
    contacts: int = 0
    customer: bool = False


def place(rnd: random.Random) -> tuple[str, str, str, str]:
    iso, name, _, cities, states = COUNTRY_PICK.pick(rnd)
    city_list, state_list = cities.split(","), states.split(",") if states else []
    i = rnd.randrange(len(city_list))
    return iso, name, city_list[i], state_list[i] if state_list else ""


def seed_companies(rnd: random.Random, count: int) -> list[Company]:
    companies: list[Company] = []
    seen: set[str] = set(COMPETITOR_DOMAINS)
    for name, domain in COMPETITORS[: max(1, count // 40)] if count else ():
        iso, country, city, state = "US", "United States", "San Francisco", "CA"
        props = {
            "name": name,
            "domain": domain,
            "website": f"https://www.{domain}",
            "industry": "COMPUTER_SOFTWARE",
            "numberofemployees": "5000",
            "country": country,
            "city": city,
            "state": state,
            "type": "OTHER",
        }
        companies.append(Company(props, 5000, iso, country, city, state, domain))
    while len(companies) < count:
        iso, country, city, state = place(rnd)
        base = rnd.choice(NAME_PREFIXES) + rnd.choice(NAME_CORES)
        domain = ""
        for tail in rnd.sample(DOMAIN_TAILS, len(DOMAIN_TAILS)):
            candidate = (base + tail).lower() + TLDS.get(iso, ".com")
            if candidate not in seen:
                domain = candidate
                break
        if not domain:
            continue  # every spelling of this name is taken: draw another name
        seen.add(domain)
        # Company sizes are heavy-tailed: median ~55 employees, a few with tens of thousands.
        employees = max(1, min(250_000, round(rnd.lognormvariate(4.0, 1.6))))
        props = {
            "name": base + LEGAL_SUFFIX.get(iso, ""),
            "domain": domain,
            "country": country,
            "city": city,
            "type": "PROSPECT",
        }
        if state:
            props["state"] = state
        if rnd.random() < 0.7:
            props["website"] = f"https://www.{domain}"
        industry = INDUSTRIES.pick(rnd)
        if industry:
            props["industry"] = industry
        if rnd.random() < 0.9:
            props["numberofemployees"] = str(employees)
        if rnd.random() < 0.8:
            # Revenue tracks size: ~$150k per employee with wide per-company spread.
            revenue = employees * 150_000 * rnd.lognormvariate(0.0, 0.6)
            props["annualrevenue"] = str(max(10_000, int(round(revenue, -3))))
        companies.append(Company(props, employees, iso, country, city, state, domain))
    return companies


def employee_bucket(employees: int) -> str:
    for limit, label in (
        (5, "1-5"),
        (25, "5-25"),
        (50, "25-50"),
        (100, "50-100"),
        (500, "100-500"),
        (1000, "500-1000"),
    ):
        if employees <= limit:
            return label
    return "1000+"


def finish_companies(
    rnd: random.Random,
    fmt: IsoFormatter,
    companies: list[Company],
    owners: OwnersByRole,
    start: int,
    now: int,
) -> tuple[list[SeedRecord], list[str]]:
    """Stamp creation (just before the first contact), ids in creation order, derived fields."""
    for company in companies:
        if company.contacts:
            company.created_ms = max(start, company.created_ms - rnd.randrange(HOUR_MS))
        else:
            company.created_ms = between(rnd, start, now - HOUR_MS)
    order = sorted(range(len(companies)), key=lambda i: (companies[i].created_ms, i))
    ids = [""] * len(companies)
    records: list[SeedRecord] = []
    next_id = FIRST_COMPANY_ID
    for i in order:
        company, cid = companies[i], str(next_id)
        next_id += 1 + (rnd.random() < 0.1)
        ids[i] = cid
        p = company.props
        p["hs_object_id"] = cid
        p["num_associated_contacts"] = str(company.contacts)
        if company.customer:
            p["lifecyclestage"] = "customer"
        elif company.contacts:
            p["lifecyclestage"] = "lead"
        if rnd.random() < 0.4:
            p["hubspot_owner_id"] = rnd.choice(owners.aes).id
        modified = between(rnd, company.created_ms, now)
        p["createdate"] = fmt(company.created_ms)
        p["hs_lastmodifieddate"] = fmt(modified)
        records.append(SeedRecord(cid, p, to_datetime(company.created_ms), to_datetime(modified)))
    return records, ids
