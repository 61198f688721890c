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

Distributions are shaped after the public lead datasets in scoring-anchors.md §6 (a minority of
engaged leads, many untouched or one-visit ones); no dataset row is bundled.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

SECOND_MS = 1_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
PORTAL_AGE_DAYS = 3 * 365  # how far back the oldest records go
QUIET_DAYS = 183  # "gone quiet" means no engagement for at least six months
RECENT_DAYS = 14  # "recent" engagement for the deep and back-after-pause stories
CONTACTS_PER_COMPANY = 8
FIRST_CONTACT_ID = 1_001
FIRST_COMPANY_ID = 20_000_000_001

STORIES: tuple[str, ...] = (
    "cold",
    "superficial",
    "nurturing",
    "gone_quiet",
    "back_after_pause",
    "deep",
)
STORY_WEIGHTS: dict[str, float] = {
    "cold": 0.22,
    "superficial": 0.33,
    "nurturing": 0.12,
    "gone_quiet": 0.20,
    "back_after_pause": 0.07,
    "deep": 0.06,
}


@dataclass(frozen=True, slots=True)
class SeedOwner:
    """A portal user who can own records (`GET /crm/v3/owners`)."""

    id: str
    email: str
    first_name: str
    last_name: str
    user_id: int
    archived: bool
    teams: tuple[str, ...]
    role: str  # "sdr" | "ae" | "manager"


@dataclass(slots=True)
class SeedRecord:
    """A company or contact: HubSpot wire properties plus its timestamps.

    `story` is the contact's engagement story (see the module docstring); None for companies.
    """

    id: str
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime
    company_id: str | None = None
    story: str | None = None


@dataclass(slots=True)
class SeedPortal:
    """Everything the sandbox loads at start-up."""

    owners: list[SeedOwner]
    companies: list[SeedRecord]
    contacts: list[SeedRecord]


class Weighted(Generic[T]):
    """A weighted choice that costs one `random()` and one bisect per draw."""

    __slots__ = ("_cum", "_total", "values")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self._cum = list(accumulate(w for _, w in pairs))
        self._total = self._cum[-1]

    def pick(self, rnd: random.Random) -> T:
        """Draw one value."""
        return self.values[bisect(self._cum, rnd.random() * self._total)]


# --- fast wire formatting ------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HMS = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
_MILLIS = [f".{i:03d}Z" for i in range(1000)]


class _IsoFormatter:
    """Epoch milliseconds -> "2026-11-20T09:15:00.000Z", with the date part cached per day.

    strftime per value would dominate seeding 100k contacts (~20 datetimes each).
    """

    __slots__ = ("_days",)

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def __call__(self, ms: int) -> str:
        day, rem = divmod(ms, DAY_MS)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
            self._days[day] = prefix
        sec, milli = divmod(rem, SECOND_MS)
        return prefix + _HMS[sec] + _MILLIS[milli]


def _to_datetime(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def _between(rnd: random.Random, low: int, high: int) -> int:
    """A uniform instant in [low, high] (low when the range is empty)."""
    return low + int(rnd.random() * (high - low)) if high > low else low


def _words(text: str) -> list[str]:
    return text.split()


def _phrases(text: str) -> list[str]:
    return [p.strip() for p in text.split("|") if p.strip()]


# --- built-in pools (fake names; real industries and countries) ----------------------------------


def _w(spec: str) -> Weighted[str]:
    """A weighted choice from "value:weight value:weight …" (":5" is the empty value)."""
    pairs = [token.rsplit(":", 1) for token in spec.split()]
    return Weighted([(value, float(weight)) for value, weight in pairs])


_FIRST_NAMES = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony "
    "Sandra Mark Ashley Steven Emily Andrew Michelle Joshua Amanda Kevin Melissa Brian Laura "
    "Oliver Amelia Harry Isla George Ava Noah Mia Jack Grace Lukas Hannah Felix Lea Jonas Anna "
    "Lucas Chloe Hugo Camille Louis Manon Liam Olivia Ethan Zoe Mateo Sofia Arjun Priya Wei "
    "Mei Kenji Yuki Omar Fatima Ahmed Layla Diego Valentina Pedro Beatriz Sven Ingrid Lars Elin"
)
_LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
    "Walker Hall Allen Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell "
    "Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook "
    "Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Dubois Durand Moreau "
    "Laurent Simon Michel Lefebvre Leroy Jansen DeVries Bakker Visser Smit Patel Sharma Singh "
    "Kumar Chen Wang Zhang Tanaka Sato Suzuki Kim Park Nguyen Silva Santos Costa Rossi Russo "
    "Ferrari Larsen Nilsen Johansson Andersson Kowalski Novak OBrien Murray Kelly Byrne"
)
_NAME_PREFIXES = _words(
    "Acme Apex Arc Atlas Aurora Beacon Blue Bold Bright Cedar Clear Cobalt Core Crest Delta "
    "Echo Ember Evergreen Falcon Firefly Flux Forge Frontier Granite Harbor Helix Horizon Iron "
    "Juniper Keystone Kinetic Lattice Legacy Lumen Maple Meridian Metro Nimbus North Nova Oak "
    "Onyx Orbit Pacific Peak Pine Pioneer Pixel Polar Prime Pulse Quantum Quartz Radiant Red "
    "Ridge River Sage Sierra Silver Solar Spark Spruce Summit Swift Terra Tidal Titan True "
    "Unity Vector Verde Vertex Vista Wave West Willow Zenith"
)
_NAME_CORES = _words(
    "Analytics Labs Systems Software Health Capital Logistics Media Partners Solutions Works "
    "Digital Dynamics Networks Robotics Foods Energy Bio Learning Cloud Data Security Retail "
    "Motors Consulting Insurance Finance Realty Telecom Apparel Pharma Ventures Studios Metrics "
    "Commerce Supply Care Legal Freight Markets"
)
_DOMAIN_TAILS = ("", "hq", "group", "global", "labs", "app", "inc", "co")
_LEGAL_SUFFIX = {"US": " Inc.", "CA": " Inc.", "GB": " Ltd", "DE": " GmbH", "FR": " SAS"}
_TLDS = {"GB": ".co.uk", "DE": ".de", "FR": ".fr", "NL": ".nl", "AU": ".com.au", "CA": ".ca"}

# iso;wire name;weight;cities;states (one state per city where the country has states). The
# tail includes places a vendor may not serve (sanctions, no local entity).
_COUNTRY_ROWS = """
US;United States;45;New York,San Francisco,Austin,Chicago,Boston,Seattle,Denver;NY,CA,TX,IL,MA,WA,CO
GB;United Kingdom;12;London,Manchester,Bristol,Edinburgh,Leeds;
DE;Germany;8;Berlin,Munich,Hamburg,Cologne,Frankfurt;
CA;Canada;6;Toronto,Vancouver,Montreal,Calgary;ON,BC,QC,AB
FR;France;5;Paris,Lyon,Toulouse,Nantes;
AU;Australia;5;Sydney,Melbourne,Brisbane,Perth;NSW,VIC,QLD,WA
NL;Netherlands;4;Amsterdam,Rotterdam,Utrecht,Eindhoven;
IN;India;3;Bangalore,Mumbai,Pune,Hyderabad;
BR;Brazil;2;Sao Paulo,Rio de Janeiro;
ES;Spain;1.5;Madrid,Barcelona;
IE;Ireland;1.5;Dublin,Cork;
IT;Italy;1.2;Milan,Rome;
SE;Sweden;1;Stockholm,Gothenburg;
SG;Singapore;1;Singapore;
MX;Mexico;1;Mexico City,Monterrey;
ZA;South Africa;0.7;Cape Town,Johannesburg;
AE;United Arab Emirates;0.6;Dubai,Abu Dhabi;
JP;Japan;0.5;Tokyo,Osaka;
NG;Nigeria;0.5;Lagos;
CN;China;0.4;Shanghai,Shenzhen;
RU;Russia;0.3;Moscow,Saint Petersburg;
BY;Belarus;0.1;Minsk;
IR;Iran;0.1;Tehran;
CU;Cuba;0.05;Havana;
"""
_COUNTRIES = [row.split(";") for row in _COUNTRY_ROWS.strip().splitlines()]
_COUNTRY_PICK = Weighted([(row, float(row[2])) for row in _COUNTRIES])
# Free-text country spellings real portals accumulate from forms and imports.
_COUNTRY_VARIANTS = {
    "United States": ("USA", "US", "U.S.", "united states"),
    "United Kingdom": ("UK", "England", "Great Britain"),
    "Germany": ("Deutschland", "DE"),
    "Netherlands": ("The Netherlands", "Holland"),
}
_PHONE_PREFIX = {"US": "+1", "CA": "+1", "GB": "+44", "DE": "+49", "FR": "+33", "AU": "+61"}

_INDUSTRIES = _w(
    "COMPUTER_SOFTWARE:14 INFORMATION_TECHNOLOGY_AND_SERVICES:12 FINANCIAL_SERVICES:7 "
    "MARKETING_AND_ADVERTISING:7 HOSPITAL_HEALTH_CARE:6 MANAGEMENT_CONSULTING:5 RETAIL:5 "
    "INTERNET:5 EDUCATION_MANAGEMENT:3 HIGHER_EDUCATION:3 REAL_ESTATE:3 INSURANCE:3 "
    "TELECOMMUNICATIONS:3 STAFFING_AND_RECRUITING:3 COMPUTER_NETWORK_SECURITY:2 BANKING:2 "
    "MACHINERY:2 AUTOMOTIVE:2 LOGISTICS_AND_SUPPLY_CHAIN:2 CONSTRUCTION:2 PHARMACEUTICALS:2 "
    "NON_PROFIT_ORGANIZATION_MANAGEMENT:2 GOVERNMENT_ADMINISTRATION:1 HOSPITALITY:1 :10"
)
_FREE_MAIL = _w(
    "gmail.com:55 yahoo.com:12 hotmail.com:10 outlook.com:10 icloud.com:5 aol.com:2 gmx.de:3 "
    "web.de:2 orange.fr:1"
)
FREE_MAIL_DOMAINS: tuple[str, ...] = tuple(_FREE_MAIL.values)
# Vendors in the same market: their staff sign up to look at the product.
COMPETITORS: tuple[tuple[str, str], ...] = tuple(
    (name, name.lower() + (".io" if name == "Outreach" else ".com"))
    for name in _words(
        "HubSpot Marketo Salesforce Pipedrive Zoho ActiveCampaign Outreach Salesloft"
    )
)
COMPETITOR_DOMAINS: frozenset[str] = frozenset(d for _, d in COMPETITORS)
COMPETITOR_CONTACT_SHARE = 0.015
NO_COMPANY_SHARE = 0.15
FREE_MAIL_AT_COMPANY_SHARE = 0.06

_AREAS = _phrases("Sales|Marketing|Revenue Operations|Operations|IT|Finance|Customer Success")
_TITLES: dict[str, list[str]] = {
    "c_level": _phrases(
        "CEO|Chief Executive Officer|Founder & CEO|Co-Founder|COO|CFO|CTO|CMO|"
        "Chief Revenue Officer|President|Owner|Managing Director"
    ),
    "vp": [f"{p}{a}" for p in ("VP of ", "Vice President, ", "SVP ", "Head of ") for a in _AREAS],
    "director": [f"{p}{a}" for p in ("Director of ", "Sr. Director, ") for a in _AREAS]
    + [f"{a} Director" for a in _AREAS],
    "manager": [f"{a} Manager" for a in _AREAS]
    + [f"Senior {a} Manager" for a in _AREAS]
    + [f"Team Lead, {a}" for a in _AREAS],
    "ic": _phrases(
        "Sales Development Representative|Account Executive|Marketing Specialist|"
        "Marketing Coordinator|Software Engineer|Data Analyst|Revenue Operations Analyst|"
        "Customer Success Associate|Consultant|Business Analyst|Operations Specialist|"
        "Content Writer|BDR|Sales Rep|Designer"
    ),
    "student": _phrases("Student|Marketing Intern|MBA Candidate|PhD Student|Intern|Grad Student"),
}
_TIERS = _w("c_level:6 vp:8 director:14 manager:25 ic:37 student:5 :5")
_TIERS_NO_COMPANY = _w("c_level:8 manager:10 ic:40 student:30 :12")
_SENIORITY = {
    "c_level": "executive",
    "vp": "vp",
    "director": "director",
    "manager": "manager",
    "student": "entry",
}
_IC_SENIORITY = _w("employee:5 senior:3 entry:2")
_DECISION_ROLES: dict[str, Weighted[str]] = {
    "c_level": _w("decision_maker:7 influencer:3"),
    "vp": _w("decision_maker:6 influencer:4"),
    "director": _w("decision_maker:35 influencer:45 evaluator:20"),
    "manager": _w("influencer:40 evaluator:45 end_user:15"),
    "ic": _w("evaluator:35 end_user:55 influencer:10"),
    "student": _w("student:85 end_user:15"),
    "": _w("evaluator:3 end_user:3 influencer:2 decision_maker:1 student:1"),
}
GARBAGE_TEXT: tuple[str, ...] = ("asdf", "n/a", "-", "test", "...", "idk", "no", "qwerty", "x")

_PAINS = _phrases(
    "our lead routing is manual|we need better reporting|we have no pipeline visibility|"
    "data quality in our CRM is poor|reps waste hours on unqualified leads|"
    "leads fall through the cracks between marketing and sales|our lead scoring is a spreadsheet|"
    "follow-up on demo requests takes days|we can't tell which campaigns drive pipeline|"
    "duplicate contacts everywhere|forecasting is guesswork"
)
_OPENERS = ("", "Honestly, ", "Main issue: ", "Right now ", "Biggest problem is that ")
_CLOSERS = (".", "!", " - need help asap.", ". Looking for a tool to fix this.")
_NOT_BUYING = _phrases(
    "Just researching for a class project.|Writing my thesis on CRM adoption.|"
    "Looking for a free tool.|Comparing tools for a blog post.|Just curious."
)

_SITE = "https://www.leadflow.example"
_BLOG = [
    f"{_SITE}/blog/{slug}"
    for slug in _words(
        "what-is-lead-scoring bant-vs-meddic sales-pipeline-metrics crm-data-hygiene "
        "lead-routing-rules sdr-handoff-sla"
    )
]
_PRODUCT = [
    f"{_SITE}{path}"
    for path in _words(
        "/product /product/lead-scoring /product/routing /integrations/hubspot /customers "
        "/case-studies/northwind /"
    )
]
_PRICING = [f"{_SITE}{s}" for s in ("/pricing", "/pricing?plan=enterprise", "/pricing#compare")]
_CAREERS = f"{_SITE}/careers"
_LIGHT_FORMS = _phrases("Newsletter signup|Ebook: Lead Scoring Playbook|Blog subscription")
_MID_FORMS = _phrases(
    "Webinar registration: Pipeline Visibility|Contact us|Free trial signup|"
    "Ebook: Lead Scoring Playbook"
)
_BANT_FORMS = frozenset(
    _phrases("Demo request|Contact us|Free trial signup|Pricing page - Talk to sales")
)
_SOURCES = _w(
    "ORGANIC_SEARCH:35 PAID_SEARCH:15 SOCIAL_MEDIA:10 REFERRALS:10 DIRECT_TRAFFIC:15 "
    "EMAIL_MARKETING:8 PAID_SOCIAL:5 OTHER_CAMPAIGNS:2"
)
_PRODUCT_INTEREST = _w(
    "lead_scoring:35 lead_routing:25 sales_analytics:20 data_enrichment:10 full_platform:10"
)
_TIMELINES: dict[str, Weighted[str]] = {
    "deep": _w("this_quarter:55 3_6_months:35 6_12_months:10"),
    "nurturing": _w("this_quarter:10 3_6_months:30 6_12_months:35 12_plus_months:20 no_plans:5"),
    "back_after_pause": _w("this_quarter:25 3_6_months:35 6_12_months:25 12_plus_months:15"),
    "gone_quiet": _w("this_quarter:5 3_6_months:15 6_12_months:30 12_plus_months:30 no_plans:20"),
    "other": _w("this_quarter:5 3_6_months:10 6_12_months:20 12_plus_months:30 no_plans:35"),
}
_STAGES: dict[str, Weighted[str]] = {
    "cold": _w("subscriber:55 lead:35 other:5 :5"),
    "superficial": _w("subscriber:70 lead:27 marketingqualifiedlead:3"),
    "nurturing": _w("subscriber:25 lead:50 marketingqualifiedlead:20 salesqualifiedlead:5"),
    "gone_quiet": _w(
        "subscriber:25 lead:45 marketingqualifiedlead:10 opportunity:5 customer:8 other:7"
    ),
    "back_after_pause": _w("lead:50 marketingqualifiedlead:30 salesqualifiedlead:10 customer:10"),
    "deep": _w("lead:8 marketingqualifiedlead:30 salesqualifiedlead:30 opportunity:25 customer:7"),
}
# Share of contacts at each stage that a rep owns (HubSpot leaves most subscribers unowned).
_OWNED_SHARE = {
    "": 0.0,
    "subscriber": 0.03,
    "lead": 0.15,
    "marketingqualifiedlead": 0.6,
    "salesqualifiedlead": 0.95,
    "opportunity": 1.0,
    "customer": 1.0,
    "other": 0.1,
    "evangelist": 0.9,
}
_LEAD_STATUS: dict[str, Weighted[str]] = {
    "lead": _w("NEW:3 ATTEMPTED_TO_CONTACT:3 CONNECTED:2 BAD_TIMING:1 UNQUALIFIED:1"),
    "marketingqualifiedlead": _w("NEW:4 OPEN:2 ATTEMPTED_TO_CONTACT:3 IN_PROGRESS:2"),
    "salesqualifiedlead": _w("IN_PROGRESS:4 CONNECTED:3 OPEN:1"),
    "opportunity": _w("OPEN_DEAL:1"),
    "customer": _w(":3 CONNECTED:1"),
    "other": _w("UNQUALIFIED:1"),
    "subscriber": _w("NEW:1"),
}


# --- owners --------------------------------------------------------------------------------------

_OWNER_DOMAIN = "leadflow.example"
_OWNER_ROLES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    *((("sdr", ("SDR North America",), False),) * 3),
    *((("sdr", ("SDR EMEA",), False),) * 3),
    *((("ae", ("Account Executives",), False),) * 3),
    ("manager", ("Sales Leadership",), False),
    ("sdr", ("SDR EMEA",), True),  # left the company; still owns a few records
)


def _owners(rnd: random.Random) -> list[SeedOwner]:
    owners: list[SeedOwner] = []
    next_id = 40_000_000 + rnd.randrange(1_000_000)
    for n, (role, teams, archived) in enumerate(_OWNER_ROLES):
        first, last = rnd.choice(_FIRST_NAMES), rnd.choice(_LAST_NAMES)
        next_id += 1 + rnd.randrange(5_000)
        owners.append(
            SeedOwner(
                id=str(next_id),
                email=f"{first.lower()}.{last.lower()}{n}@{_OWNER_DOMAIN}",
                first_name=first,
                last_name=last,
                user_id=9_000_000 + next_id % 1_000_000,
                archived=archived,
                teams=teams,
                role=role,
            )
        )
    return owners


# --- companies -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Company:
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


def _place(rnd: random.Random) -> tuple[str, str, str, str]:
    iso, name, _, cities, states = _COUNTRY_PICK.pick(rnd)
    city_list, state_list = cities.split(","), states.split(",") if states else []
    i = rnd.randrange(len(city_list))
    return iso, name, city_list[i], state_list[i] if state_list else ""


def _companies(rnd: random.Random, count: int) -> list[_Company]:
    companies: list[_Company] = []
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
        companies.append(_Company(props, 5000, iso, country, city, state, domain))
    while len(companies) < count:
        iso, country, city, state = _place(rnd)
        base = rnd.choice(_NAME_PREFIXES) + rnd.choice(_NAME_CORES)
        domain = ""
        for tail in rnd.sample(_DOMAIN_TAILS, len(_DOMAIN_TAILS)):
            candidate = (base + tail).lower() + _TLDS.get(iso, ".com")
            if candidate not in seen:
                domain = candidate
                break
        if not domain:
            continue  # every spelling of this name is taken: draw another name
        seen.add(domain)
        # Company sizes are heavy-tailed: median ~55 employees, a few with tens of thousands.
        employees = max(1, min(250_000, round(rnd.lognormvariate(4.0, 1.6))))
        props = {
            "name": base + _LEGAL_SUFFIX.get(iso, ""),
            "domain": domain,
            "country": country,
            "city": city,
            "type": "PROSPECT",
        }
        if state:
            props["state"] = state
        if rnd.random() < 0.7:
            props["website"] = f"https://www.{domain}"
        industry = _INDUSTRIES.pick(rnd)
        if industry:
            props["industry"] = industry
        if rnd.random() < 0.9:
            props["numberofemployees"] = str(employees)
        if rnd.random() < 0.8:
            # Revenue tracks size: ~$150k per employee with wide per-company spread.
            revenue = employees * 150_000 * rnd.lognormvariate(0.0, 0.6)
            props["annualrevenue"] = str(max(10_000, int(round(revenue, -3))))
        companies.append(_Company(props, employees, iso, country, city, state, domain))
    return companies


def _bucket(employees: int) -> str:
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


# --- engagement stories --------------------------------------------------------------------------


class _Journey:
    """Builds one contact's calculated engagement properties so that their dates agree."""

    __slots__ = ("fmt", "latest", "now", "p", "rnd")

    def __init__(self, rnd: random.Random, fmt: _IsoFormatter, now: int) -> None:
        self.rnd, self.fmt, self.now = rnd, fmt, now
        self.p: dict[str, str] = {}
        self.latest = 0

    def reset(self, props: dict[str, str]) -> None:
        self.p, self.latest = props, 0

    def at(self, key: str, ms: int, *more_keys: str) -> None:
        """Set one instant (formatted once) on one or more properties."""
        ms = min(ms, self.now)
        text = self.fmt(ms)
        self.p[key] = text
        for other in more_keys:
            self.p[other] = text
        self.latest = max(self.latest, ms)

    def visits(
        self,
        first: int,
        last: int,
        n: int,
        per_visit: int,
        urls: tuple[str, str],
        source: str,
        latest_source: str,
    ) -> None:
        pages = n + self.rnd.randrange(n * per_visit + 1)
        p = self.p
        p["hs_analytics_num_visits"] = str(n)
        p["hs_analytics_num_page_views"] = str(pages)
        p["hs_analytics_average_page_views"] = f"{pages / n:.2f}".rstrip("0").rstrip(".")
        last = max(first, last) if n > 1 else first
        self.at("hs_analytics_first_timestamp", first, "hs_analytics_first_visit_timestamp")
        self.at(
            "hs_analytics_last_timestamp",
            last,
            "hs_analytics_last_visit_timestamp",
            "hs_latest_source_timestamp",
        )
        p["hs_analytics_first_url"], p["hs_analytics_last_url"] = urls
        p["hs_analytics_source"], p["hs_latest_source"] = source, latest_source

    def forms(self, n: int, first: int, recent: int, names: tuple[str, str]) -> None:
        first_name, recent_name = names if n > 1 else (names[0], names[0])
        recent = max(first, recent) if n > 1 else first
        floor = 1 if first_name == recent_name else 2
        unique = min(n, max(floor, 1 + self.rnd.randrange(n)))
        self.p["num_conversion_events"] = str(n)
        self.p["num_unique_conversion_events"] = str(unique)
        self.at("first_conversion_date", first)
        self.at("recent_conversion_date", recent)
        self.p["first_conversion_event_name"] = first_name
        self.p["recent_conversion_event_name"] = recent_name

    def emails(
        self,
        delivered: int,
        sends: tuple[int, int],
        engaged: tuple[int, int],
        open_rate: float,
        click_rate: float,
        replies: int = 0,
    ) -> None:
        if delivered <= 0:
            return
        rnd, p = self.rnd, self.p
        # Rates vary ±50% per contact; one draw each instead of one per email keeps seeding fast.
        opens = min(delivered, round(delivered * open_rate * (0.5 + rnd.random())))
        clicks = min(opens, round(opens * click_rate * (0.5 + rnd.random())))
        replies = min(replies, opens)
        p["hs_email_delivered"], p["hs_email_open"] = str(delivered), str(opens)
        p["hs_email_click"], p["hs_email_replied"] = str(clicks), str(replies)
        p["hs_email_bounce"] = "1" if rnd.random() < 0.02 else "0"
        # The first send falls while the contact was still engaging, so opens can follow it.
        first_send = _between(rnd, sends[0], min(sends[1], engaged[1]))
        last_send = _between(rnd, first_send, sends[1])
        self.at("hs_email_first_send_date", first_send)
        self.at("hs_email_last_send_date", last_send)
        low = max(first_send, engaged[0])
        high = max(low, min(engaged[1], self.now))
        for count, kind in ((opens, "open"), (clicks, "click"), (replies, "reply")):
            if count:
                first = _between(rnd, low, high)
                last = first if count == 1 else _between(rnd, first, high)
                self.at(f"hs_email_first_{kind}_date", first)
                self.at(f"hs_email_last_{kind}_date", last)
                low = first  # a click follows its open; a reply follows its click or open

    def sales(self, contacted: int, first: int, last: int, meeting: int | None) -> None:
        p = self.p
        p["num_contacted_notes"] = str(contacted)
        p["num_notes"] = str(contacted + self.rnd.randrange(4))
        if contacted:
            self.at("hs_sa_first_engagement_date", first)
            self.at("notes_last_contacted", max(first, last))
            # The contact opens the rep's last email a little after it was sent.
            opened = max(first, last) + self.rnd.randrange(6 * HOUR_MS)
            self.at("hs_sales_email_last_opened", opened)
        if meeting is not None:
            self.at("engagements_last_meeting_booked", meeting, "hs_latest_meeting_activity")
        if contacted or meeting is not None:
            self.at("notes_last_updated", max(first, last, meeting or 0))


def _story_engagement(j: _Journey, story: str, created: int) -> None:
    """Fill the engagement properties of one contact according to its story."""
    rnd, now = j.rnd, j.now
    recent = now - RECENT_DAYS * DAY_MS
    if story == "cold":
        if rnd.random() < 0.6:
            j.emails(1 + rnd.randrange(20), (created, now), (created, now), 0.05, 0.0)
        j.p["hs_analytics_source"] = "OFFLINE"
        if rnd.random() < 0.1:
            t = _between(rnd, created, now)
            j.sales(1, t, t, None)
        return
    if story == "superficial":
        first = _between(rnd, created - 3 * DAY_MS, created)
        n = 1 + (rnd.random() < 0.4)
        landing = _CAREERS if rnd.random() < 0.08 else rnd.choice(_BLOG)
        last = _between(rnd, created, min(created + 7 * DAY_MS, now))
        j.visits(
            first, last, n, 2, (landing, rnd.choice(_BLOG)), _SOURCES.pick(rnd), _SOURCES.pick(rnd)
        )
        form = rnd.choice(_LIGHT_FORMS)
        j.forms(1, created, created, (form, form))
        j.emails(rnd.randrange(12), (created, now), (created, created + 60 * DAY_MS), 0.2, 0.1)
        return
    if story in ("gone_quiet", "back_after_pause"):
        quiet_from = _between(rnd, created + 14 * DAY_MS, now - QUIET_DAYS * DAY_MS)
        n = 3 + rnd.randrange(13)
        last_visit, last_url = quiet_from, rnd.choice(_PRODUCT + _BLOG)
        latest_source = _SOURCES.pick(rnd)
        if story == "back_after_pause":
            last_visit, last_url = _between(rnd, recent, now), rnd.choice(_PRICING + _PRODUCT)
            n += 1 + rnd.randrange(3)
        j.visits(
            created - rnd.randrange(10 * DAY_MS),
            last_visit,
            n,
            4,
            (rnd.choice(_BLOG + _PRODUCT), last_url),
            _SOURCES.pick(rnd),
            latest_source,
        )
        forms = 1 + rnd.randrange(4)
        names = (rnd.choice(_LIGHT_FORMS), rnd.choice(_MID_FORMS))
        recent_form = _between(rnd, created, quiet_from)
        if story == "back_after_pause" and rnd.random() < 0.4:
            forms, names = forms + 1, (names[0], "Webinar registration: Pipeline Visibility")
            recent_form = _between(rnd, recent, now)
        j.forms(forms, created, recent_form, names)
        j.emails(10 + rnd.randrange(50), (created, now), (created, quiet_from), 0.3, 0.2)
        if rnd.random() < 0.4:
            j.sales(1 + rnd.randrange(4), _between(rnd, created, quiet_from), quiet_from, None)
        return
    if story == "nurturing":
        last = _between(rnd, max(created, now - 60 * DAY_MS), now)
        j.visits(
            created - rnd.randrange(5 * DAY_MS),
            last,
            3 + rnd.randrange(18),
            4,
            (rnd.choice(_BLOG), rnd.choice(_PRODUCT + _BLOG)),
            _SOURCES.pick(rnd),
            _SOURCES.pick(rnd),
        )
        j.forms(
            1 + rnd.randrange(3),
            created,
            _between(rnd, created, last),
            (rnd.choice(_LIGHT_FORMS), rnd.choice(_MID_FORMS)),
        )
        j.emails(5 + rnd.randrange(40), (created, now), (created, now), 0.45, 0.25)
        if rnd.random() < 0.3:
            j.sales(1 + rnd.randrange(3), _between(rnd, created, last), last, None)
        return
    # deep: pricing page and a demo request in the last days, sales already talking to them
    last = _between(rnd, max(created, now - 10 * DAY_MS), now)
    demo = _between(rnd, max(created, now - 10 * DAY_MS), last)
    j.visits(
        created - rnd.randrange(20 * DAY_MS),
        last,
        6 + rnd.randrange(35),
        5,
        (rnd.choice(_BLOG + _PRODUCT), rnd.choice(_PRICING)),
        _SOURCES.pick(rnd),
        rnd.choice(("DIRECT_TRAFFIC", "PAID_SEARCH", "ORGANIC_SEARCH", "EMAIL_MARKETING")),
    )
    j.forms(2 + rnd.randrange(7), created, demo, (rnd.choice(_MID_FORMS), "Demo request"))
    j.emails(
        10 + rnd.randrange(70),
        (created, now),
        (created, now),
        0.65,
        0.35,
        replies=1 + rnd.randrange(3),
    )
    meeting = _between(rnd, demo, now) if rnd.random() < 0.7 else None
    j.sales(
        1 + rnd.randrange(6), _between(rnd, demo, now), now - rnd.randrange(2 * DAY_MS), meeting
    )
    if rnd.random() < 0.6:
        j.at("hs_sales_email_last_replied", _between(rnd, demo, now))
        j.at("hs_sales_email_last_clicked", _between(rnd, demo, now))


_ACTIVITY_SIGNALS = (
    ("recent_conversion_date", "FORM_SUBMITTED"),
    ("hs_sales_email_last_opened", "EMAIL_OPEN"),
    ("hs_sales_email_last_clicked", "EMAIL_CLICK"),
    ("hs_sales_email_last_replied", "EMAIL_REPLY"),
    ("engagements_last_meeting_booked", "MEETING_BOOKED"),
    ("hs_analytics_last_visit_timestamp", "HUBSPOT_REVISIT"),
)


def _last_engagement(p: dict[str, str]) -> None:
    """HubSpot's "Last Engagement Date/Type": the latest of the contact's own signals."""
    best, kind = "", ""
    for key, signal in _ACTIVITY_SIGNALS:
        value = p.get(key, "")
        if value > best:  # same ISO format everywhere, so text order is time order
            best, kind = value, signal
    if best:
        p["hs_last_sales_activity_timestamp"] = best
        p["hs_last_sales_activity_date"] = best
        p["hs_last_sales_activity_type"] = kind


# --- contacts ------------------------------------------------------------------------------------


def _challenge(rnd: random.Random, tier: str) -> str:
    roll = rnd.random()
    if roll < 0.08:
        return rnd.choice(GARBAGE_TEXT)
    if tier == "student" or roll < 0.15:
        return rnd.choice(_NOT_BUYING)
    text = rnd.choice(_OPENERS) + rnd.choice(_PAINS)
    if rnd.random() < 0.3:
        text += " and " + rnd.choice(_PAINS)
    text += rnd.choice(_CLOSERS)
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
    asked = p.get("recent_conversion_event_name") in _BANT_FORMS or rnd.random() < 0.25
    if not asked or rnd.random() < 0.2:
        return
    answers = {
        "budget_range": _budget(rnd, employees),
        "purchase_timeline": _TIMELINES.get(story, _TIMELINES["other"]).pick(rnd),
        "decision_role": _DECISION_ROLES[tier].pick(rnd),
        "main_challenge": _challenge(rnd, tier),
        "product_interest": _PRODUCT_INTEREST.pick(rnd),
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
        f"{_PHONE_PREFIX.get(iso, '+1')} 555 01{rnd.randrange(100):02d} {rnd.randrange(10_000):04d}"
    )


_STORY_PICK = Weighted(list(STORY_WEIGHTS.items()))
_NO_COMPANY_EMPLOYERS = ("Freelance", "Self-employed", "Independent consultant", "Retired")
_PERSONAS = ("persona_1", "persona_2", "persona_3")
_BUYING_ROLES = ("DECISION_MAKER", "BUDGET_HOLDER", "CHAMPION", "INFLUENCER")
_FOLLOW_UP_STATUSES = frozenset(("ATTEMPTED_TO_CONTACT", "IN_PROGRESS", "OPEN"))


def _created_ms(rnd: random.Random, story: str, start: int, now: int) -> int:
    if story in ("gone_quiet", "back_after_pause"):
        # Room for an active spell before six months of silence.
        return _between(rnd, start, now - (QUIET_DAYS + 30) * DAY_MS)
    high = now - (2 * DAY_MS if story == "deep" else HOUR_MS)
    # Portals grow: u ** 0.6 puts more creations towards `now`.
    return start + int((rnd.random() ** 0.6) * (high - start))


@dataclass(slots=True)
class _Owners:
    sdrs: list[SeedOwner]
    aes: list[SeedOwner]
    managers: list[SeedOwner]
    archived: list[SeedOwner]

    @classmethod
    def of(cls, owners: list[SeedOwner]) -> _Owners:
        active = [o for o in owners if not o.archived]
        return cls(
            sdrs=[o for o in active if o.role == "sdr"],
            aes=[o for o in active if o.role == "ae"],
            managers=[o for o in active if o.role == "manager"],
            archived=[o for o in owners if o.archived],
        )


def _assign_owner(
    rnd: random.Random, j: _Journey, owners: _Owners, stage: str, created: int
) -> None:
    p = j.p
    if rnd.random() >= _OWNED_SHARE.get(stage, 0.0):
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
    assigned = _between(rnd, created, min(j.now, created + 3 * DAY_MS))
    j.at("hubspot_owner_assigneddate", assigned)
    status = _LEAD_STATUS[stage].pick(rnd) if stage in _LEAD_STATUS else ""
    if status:
        p["hs_lead_status"] = status
    contacted = p.get("num_contacted_notes", "0") != "0"
    p["hs_is_unworked"] = "false" if contacted else "true"
    if status in _FOLLOW_UP_STATUSES and rnd.random() < 0.4:
        # The next scheduled task lies in the future by nature; it is not an event.
        p["notes_next_activity_date"] = j.fmt(j.now + HOUR_MS + rnd.randrange(10 * DAY_MS))


def _contact(
    rnd: random.Random,
    j: _Journey,
    story: str,
    created: int,
    company: _Company | None,
    owners: _Owners,
    taken: set[str],
) -> dict[str, str]:
    p: dict[str, str] = {}
    j.reset(p)
    tier = (_TIERS if company else _TIERS_NO_COMPANY).pick(rnd)
    first, last = rnd.choice(_FIRST_NAMES), rnd.choice(_LAST_NAMES)
    roll = rnd.random()
    p["firstname"] = (
        rnd.choice(GARBAGE_TEXT) if roll < 0.01 else first.lower() if roll < 0.05 else first
    )
    if rnd.random() < 0.97:
        p["lastname"] = last
    if rnd.random() < 0.99:
        free = company is None or rnd.random() < FREE_MAIL_AT_COMPANY_SHARE
        domain = _FREE_MAIL.pick(rnd) if free or company is None else company.domain
        p["email"] = _email_address(rnd, first, last, domain, free, taken)
        p["hs_email_domain"] = domain
    if tier:
        p["jobtitle"] = (
            rnd.choice(GARBAGE_TEXT) if rnd.random() < 0.015 else rnd.choice(_TITLES[tier])
        )
        if rnd.random() < 0.35:
            p["hs_seniority"] = _SENIORITY.get(tier) or _IC_SENIORITY.pick(rnd)
        if tier in ("c_level", "vp", "director", "manager") and rnd.random() < 0.05:
            p["hs_buying_role"] = rnd.choice(_BUYING_ROLES)
    if company is not None:
        p["company"] = company.props["name"]
        iso, country, city, state = (
            company.country_iso,
            company.country,
            company.city,
            company.state,
        )
        if rnd.random() < 0.15:
            iso, country, city, state = _place(rnd)  # remote employee or a branch office
        if rnd.random() < 0.3 and "website" in company.props:
            p["website"] = company.props["website"]
        if rnd.random() < 0.3:
            p["numemployees"] = _bucket(max(1, round(company.employees * rnd.uniform(0.5, 2))))
    else:
        iso, country, city, state = _place(rnd)
        if rnd.random() < 0.3:
            p["company"] = rnd.choice(_NO_COMPANY_EMPLOYERS)
    if rnd.random() < 0.75:
        variants = _COUNTRY_VARIANTS.get(country)
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
        p["hs_persona"] = rnd.choice(_PERSONAS)
    _story_engagement(j, story, created)
    _answer_bant(rnd, p, story, tier, company.employees if company else None)
    stage = _STAGES[story].pick(rnd)
    if tier == "student" and stage in ("subscriber", "lead") and rnd.random() < 0.5:
        stage = "other"
    if stage:
        p["lifecyclestage"] = stage
    _assign_owner(rnd, j, owners, stage, created)
    _last_engagement(p)
    modified = max(created, j.latest)
    if rnd.random() < 0.3:  # edited since: an import, a workflow, a rep fixing a field
        modified = _between(rnd, modified, j.now)
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
    fmt = _IsoFormatter()
    now_ms = (now - _EPOCH) // timedelta(milliseconds=1)
    start_ms = now_ms - PORTAL_AGE_DAYS * DAY_MS
    owners = _owners(rnd)
    by_role = _Owners.of(owners)
    companies = _companies(rnd, round(contacts / CONTACTS_PER_COMPANY) if contacts else 0)
    competitors = [i for i, c in enumerate(companies) if c.domain in COMPETITOR_DOMAINS]
    regular = [i for i, c in enumerate(companies) if c.domain not in COMPETITOR_DOMAINS]
    # Bigger companies have more people in the CRM, but far less than proportionally.
    company_pick = (
        Weighted([(i, companies[i].employees ** 0.5) for i in regular]) if regular else None
    )
    journey = _Journey(rnd, fmt, now_ms)
    taken: set[str] = set()
    drafts: list[tuple[int, int, dict[str, str], str, int | None]] = []
    for seq in range(contacts):
        story = _STORY_PICK.pick(rnd)
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
    company_records, company_ids = _finish_companies(rnd, fmt, companies, by_role, start_ms, now_ms)
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
            SeedRecord(cid, props, _to_datetime(created), _parse(modified), company_id, story)
        )
    return SeedPortal(owners=owners, companies=company_records, contacts=records)


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _finish_companies(
    rnd: random.Random,
    fmt: _IsoFormatter,
    companies: list[_Company],
    owners: _Owners,
    start: int,
    now: int,
) -> tuple[list[SeedRecord], list[str]]:
    """Stamp creation (just before the first contact), ids in creation order, derived fields."""
    for company in companies:
        if company.contacts:
            company.created_ms = max(start, company.created_ms - rnd.randrange(HOUR_MS))
        else:
            company.created_ms = _between(rnd, start, now - HOUR_MS)
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
        modified = _between(rnd, company.created_ms, now)
        p["createdate"] = fmt(company.created_ms)
        p["hs_lastmodifieddate"] = fmt(modified)
        records.append(SeedRecord(cid, p, _to_datetime(company.created_ms), _to_datetime(modified)))
    return records, ids
