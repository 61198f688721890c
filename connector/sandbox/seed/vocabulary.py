"""The seed's vocabularies: names, places, industries, titles, forms and the shares of each.

Data tables only (fake names; real industries and countries). The generator in `contacts.py`
and `companies.py` draws from them.
"""

from __future__ import annotations

from connector.sandbox.seed.base import STORY_WEIGHTS, Weighted, phrases, words

# --- built-in pools (fake names; real industries and countries) ----------------------------------


def _w(spec: str) -> Weighted[str]:
    """A weighted choice from "value:weight value:weight …" (":5" is the empty value)."""
    pairs = [token.rsplit(":", 1) for token in spec.split()]
    return Weighted([(value, float(weight)) for value, weight in pairs])


FIRST_NAMES = words(
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony "
    "Sandra Mark Ashley Steven Emily Andrew Michelle Joshua Amanda Kevin Melissa Brian Laura "
    "Oliver Amelia Harry Isla George Ava Noah Mia Jack Grace Lukas Hannah Felix Lea Jonas Anna "
    "Lucas Chloe Hugo Camille Louis Manon Liam Olivia Ethan Zoe Mateo Sofia Arjun Priya Wei "
    "Mei Kenji Yuki Omar Fatima Ahmed Layla Diego Valentina Pedro Beatriz Sven Ingrid Lars Elin"
)
LAST_NAMES = words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
    "Walker Hall Allen Young King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell "
    "Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook "
    "Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Dubois Durand Moreau "
    "Laurent Simon Michel Lefebvre Leroy Jansen DeVries Bakker Visser Smit Patel Sharma Singh "
    "Kumar Chen Wang Zhang Tanaka Sato Suzuki Kim Park Nguyen Silva Santos Costa Rossi Russo "
    "Ferrari Larsen Nilsen Johansson Andersson Kowalski Novak OBrien Murray Kelly Byrne"
)
NAME_PREFIXES = words(
    "Acme Apex Arc Atlas Aurora Beacon Blue Bold Bright Cedar Clear Cobalt Core Crest Delta "
    "Echo Ember Evergreen Falcon Firefly Flux Forge Frontier Granite Harbor Helix Horizon Iron "
    "Juniper Keystone Kinetic Lattice Legacy Lumen Maple Meridian Metro Nimbus North Nova Oak "
    "Onyx Orbit Pacific Peak Pine Pioneer Pixel Polar Prime Pulse Quantum Quartz Radiant Red "
    "Ridge River Sage Sierra Silver Solar Spark Spruce Summit Swift Terra Tidal Titan True "
    "Unity Vector Verde Vertex Vista Wave West Willow Zenith"
)
NAME_CORES = words(
    "Analytics Labs Systems Software Health Capital Logistics Media Partners Solutions Works "
    "Digital Dynamics Networks Robotics Foods Energy Bio Learning Cloud Data Security Retail "
    "Motors Consulting Insurance Finance Realty Telecom Apparel Pharma Ventures Studios Metrics "
    "Commerce Supply Care Legal Freight Markets"
)
DOMAIN_TAILS = ("", "hq", "group", "global", "labs", "app", "inc", "co")
LEGAL_SUFFIX = {"US": " Inc.", "CA": " Inc.", "GB": " Ltd", "DE": " GmbH", "FR": " SAS"}
TLDS = {"GB": ".co.uk", "DE": ".de", "FR": ".fr", "NL": ".nl", "AU": ".com.au", "CA": ".ca"}

# iso;wire name;weight;cities;states (one state per city where the country has states). The
# tail includes places a vendor may not serve (sanctions, no local entity).
COUNTRY_ROWS = """
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
COUNTRIES = [row.split(";") for row in COUNTRY_ROWS.strip().splitlines()]
COUNTRY_PICK = Weighted([(row, float(row[2])) for row in COUNTRIES])
# Free-text country spellings real portals accumulate from forms and imports.
COUNTRY_VARIANTS = {
    "United States": ("USA", "US", "U.S.", "united states"),
    "United Kingdom": ("UK", "England", "Great Britain"),
    "Germany": ("Deutschland", "DE"),
    "Netherlands": ("The Netherlands", "Holland"),
}
PHONE_PREFIX = {"US": "+1", "CA": "+1", "GB": "+44", "DE": "+49", "FR": "+33", "AU": "+61"}

INDUSTRIES = _w(
    "COMPUTER_SOFTWARE:14 INFORMATION_TECHNOLOGY_AND_SERVICES:12 FINANCIAL_SERVICES:7 "
    "MARKETING_AND_ADVERTISING:7 HOSPITAL_HEALTH_CARE:6 MANAGEMENT_CONSULTING:5 RETAIL:5 "
    "INTERNET:5 EDUCATION_MANAGEMENT:3 HIGHER_EDUCATION:3 REAL_ESTATE:3 INSURANCE:3 "
    "TELECOMMUNICATIONS:3 STAFFING_AND_RECRUITING:3 COMPUTER_NETWORK_SECURITY:2 BANKING:2 "
    "MACHINERY:2 AUTOMOTIVE:2 LOGISTICS_AND_SUPPLY_CHAIN:2 CONSTRUCTION:2 PHARMACEUTICALS:2 "
    "NON_PROFIT_ORGANIZATION_MANAGEMENT:2 GOVERNMENT_ADMINISTRATION:1 HOSPITALITY:1 :10"
)
FREE_MAIL = _w(
    "gmail.com:55 yahoo.com:12 hotmail.com:10 outlook.com:10 icloud.com:5 aol.com:2 gmx.de:3 "
    "web.de:2 orange.fr:1"
)
FREE_MAIL_DOMAINS: tuple[str, ...] = tuple(FREE_MAIL.values)
# Vendors in the same market: their staff sign up to look at the product.
COMPETITORS: tuple[tuple[str, str], ...] = tuple(
    (name, name.lower() + (".io" if name == "Outreach" else ".com"))
    for name in words("HubSpot Marketo Salesforce Pipedrive Zoho ActiveCampaign Outreach Salesloft")
)
COMPETITOR_DOMAINS: frozenset[str] = frozenset(d for _, d in COMPETITORS)
COMPETITOR_CONTACT_SHARE = 0.015
NO_COMPANY_SHARE = 0.15
FREE_MAIL_AT_COMPANY_SHARE = 0.06

AREAS = phrases("Sales|Marketing|Revenue Operations|Operations|IT|Finance|Customer Success")
TITLES: dict[str, list[str]] = {
    "c_level": phrases(
        "CEO|Chief Executive Officer|Founder & CEO|Co-Founder|COO|CFO|CTO|CMO|"
        "Chief Revenue Officer|President|Owner|Managing Director"
    ),
    "vp": [f"{p}{a}" for p in ("VP of ", "Vice President, ", "SVP ", "Head of ") for a in AREAS],
    "director": [f"{p}{a}" for p in ("Director of ", "Sr. Director, ") for a in AREAS]
    + [f"{a} Director" for a in AREAS],
    "manager": [f"{a} Manager" for a in AREAS]
    + [f"Senior {a} Manager" for a in AREAS]
    + [f"Team Lead, {a}" for a in AREAS],
    "ic": phrases(
        "Sales Development Representative|Account Executive|Marketing Specialist|"
        "Marketing Coordinator|Software Engineer|Data Analyst|Revenue Operations Analyst|"
        "Customer Success Associate|Consultant|Business Analyst|Operations Specialist|"
        "Content Writer|BDR|Sales Rep|Designer"
    ),
    "student": phrases("Student|Marketing Intern|MBA Candidate|PhD Student|Intern|Grad Student"),
}
TIERS = _w("c_level:6 vp:8 director:14 manager:25 ic:37 student:5 :5")
TIERS_NO_COMPANY = _w("c_level:8 manager:10 ic:40 student:30 :12")
SENIORITY = {
    "c_level": "executive",
    "vp": "vp",
    "director": "director",
    "manager": "manager",
    "student": "entry",
}
IC_SENIORITY = _w("employee:5 senior:3 entry:2")
DECISION_ROLES: dict[str, Weighted[str]] = {
    "c_level": _w("decision_maker:7 influencer:3"),
    "vp": _w("decision_maker:6 influencer:4"),
    "director": _w("decision_maker:35 influencer:45 evaluator:20"),
    "manager": _w("influencer:40 evaluator:45 end_user:15"),
    "ic": _w("evaluator:35 end_user:55 influencer:10"),
    "student": _w("student:85 end_user:15"),
    "": _w("evaluator:3 end_user:3 influencer:2 decision_maker:1 student:1"),
}
GARBAGE_TEXT: tuple[str, ...] = ("asdf", "n/a", "-", "test", "...", "idk", "no", "qwerty", "x")

PAINS = phrases(
    "our lead routing is manual|we need better reporting|we have no pipeline visibility|"
    "data quality in our CRM is poor|reps waste hours on unqualified leads|"
    "leads fall through the cracks between marketing and sales|our lead scoring is a spreadsheet|"
    "follow-up on demo requests takes days|we can't tell which campaigns drive pipeline|"
    "duplicate contacts everywhere|forecasting is guesswork"
)
OPENERS = ("", "Honestly, ", "Main issue: ", "Right now ", "Biggest problem is that ")
CLOSERS = (".", "!", " - need help asap.", ". Looking for a tool to fix this.")
NOT_BUYING = phrases(
    "Just researching for a class project.|Writing my thesis on CRM adoption.|"
    "Looking for a free tool.|Comparing tools for a blog post.|Just curious."
)

SITE = "https://www.leadflow.example"
BLOG = [
    f"{SITE}/blog/{slug}"
    for slug in words(
        "what-is-lead-scoring bant-vs-meddic sales-pipeline-metrics crm-data-hygiene "
        "lead-routing-rules sdr-handoff-sla"
    )
]
PRODUCT = [
    f"{SITE}{path}"
    for path in words(
        "/product /product/lead-scoring /product/routing /integrations/hubspot /customers "
        "/case-studies/northwind /"
    )
]
PRICING = [f"{SITE}{s}" for s in ("/pricing", "/pricing?plan=enterprise", "/pricing#compare")]
CAREERS = f"{SITE}/careers"
LIGHT_FORMS = phrases("Newsletter signup|Ebook: Lead Scoring Playbook|Blog subscription")
MID_FORMS = phrases(
    "Webinar registration: Pipeline Visibility|Contact us|Free trial signup|"
    "Ebook: Lead Scoring Playbook"
)
BANT_FORMS = frozenset(
    phrases("Demo request|Contact us|Free trial signup|Pricing page - Talk to sales")
)
SOURCES = _w(
    "ORGANIC_SEARCH:35 PAID_SEARCH:15 SOCIAL_MEDIA:10 REFERRALS:10 DIRECT_TRAFFIC:15 "
    "EMAIL_MARKETING:8 PAID_SOCIAL:5 OTHER_CAMPAIGNS:2"
)
PRODUCT_INTEREST = _w(
    "lead_scoring:35 lead_routing:25 sales_analytics:20 data_enrichment:10 full_platform:10"
)
TIMELINES: dict[str, Weighted[str]] = {
    "deep": _w("this_quarter:55 3_6_months:35 6_12_months:10"),
    "nurturing": _w("this_quarter:10 3_6_months:30 6_12_months:35 12_plus_months:20 no_plans:5"),
    "back_after_pause": _w("this_quarter:25 3_6_months:35 6_12_months:25 12_plus_months:15"),
    "gone_quiet": _w("this_quarter:5 3_6_months:15 6_12_months:30 12_plus_months:30 no_plans:20"),
    "other": _w("this_quarter:5 3_6_months:10 6_12_months:20 12_plus_months:30 no_plans:35"),
}
STAGES: dict[str, Weighted[str]] = {
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
OWNED_SHARE = {
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
LEAD_STATUS: dict[str, Weighted[str]] = {
    "lead": _w("NEW:3 ATTEMPTED_TO_CONTACT:3 CONNECTED:2 BAD_TIMING:1 UNQUALIFIED:1"),
    "marketingqualifiedlead": _w("NEW:4 OPEN:2 ATTEMPTED_TO_CONTACT:3 IN_PROGRESS:2"),
    "salesqualifiedlead": _w("IN_PROGRESS:4 CONNECTED:3 OPEN:1"),
    "opportunity": _w("OPEN_DEAL:1"),
    "customer": _w(":3 CONNECTED:1"),
    "other": _w("UNQUALIFIED:1"),
    "subscriber": _w("NEW:1"),
}


# --- owners --------------------------------------------------------------------------------------

OWNER_DOMAIN = "leadflow.example"
OWNER_ROLES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    *((("sdr", ("SDR North America",), False),) * 3),
    *((("sdr", ("SDR EMEA",), False),) * 3),
    *((("ae", ("Account Executives",), False),) * 3),
    ("manager", ("Sales Leadership",), False),
    ("sdr", ("SDR EMEA",), True),  # left the company; still owns a few records
)


STORY_PICK = Weighted(list(STORY_WEIGHTS.items()))
NO_COMPANY_EMPLOYERS = ("Freelance", "Self-employed", "Independent consultant", "Retired")
PERSONAS = ("persona_1", "persona_2", "persona_3")
BUYING_ROLES = ("DECISION_MAKER", "BUDGET_HOLDER", "CHAMPION", "INFLUENCER")
FOLLOW_UP_STATUSES = frozenset(("ATTEMPTED_TO_CONTACT", "IN_PROGRESS", "OPEN"))
