"""The sandbox's property catalogue: HubSpot's default properties, by object type.

Internal names, types and option values are HubSpot's own, so code written against the sandbox
works unchanged against a real portal. Where the catalogue had to choose, the source is named:

- Contact property names, labels and types: a `hubspotDefined` property dump of a live portal
  (hubspot-api.md §6, and the same kind of dump found with the search tool: name -> label ->
  type lines). It gives e.g. `numemployees` as an enumeration, contact `industry` as a string,
  `hubspot_owner_id` as an enumeration, `hs_seniority`/`hs_role` ("Employment Seniority/Role")
  as enumerations and `hs_object_id` as a number.
- `lifecyclestage` and `hs_lead_status` values: hubspot-api.md §4 (HubSpot agent-cli-skills).
- `numemployees` buckets (1-5 … 1000+): the brief, matching HubSpot's default contact property.
- Company `industry` values: HubSpot's LinkedIn-derived industry enumeration, as mirrored by a
  HubSpot-integrated form (risevision common-header `COMPANY_INDUSTRY_FIELDS`) and cross-checked
  against a second copy of the same taxonomy; labels are the conventional LinkedIn ones.
- `hs_analytics_source` / `hs_latest_source` values: HubSpot's own front-end constants
  (`customer-data-objects/.../VisitSourceTypes`).
- `hs_last_sales_activity_type` values: a public typed client of the contacts API (zod enum).
- Task properties and options: hubspot-api.md §5.
- Engagement (notes, calls, emails, meetings) option values: HubSpot's engagement guides
  (developers.hubspot.com/docs/api/crm/{calls,emails,meetings}); recalled, not re-read here.
  UNCONFIRMED: `hs_seniority` and `hs_buying_role` option values, the engagement group names.

`hubspot_defined=False` marks the BANT form-answer properties a typical portal admin would have
created; `read_only=True` marks values HubSpot calculates (analytics, email counts, activity
dates…) that an API write cannot set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from connector.hubspot_facts import LIFECYCLE_ORDER

OptionList = tuple[tuple[str, str], ...]

OBJECT_TYPES: tuple[str, ...] = (
    "contacts",
    "companies",
    "tasks",
    "notes",
    "calls",
    "emails",
    "meetings",
)

PROPERTY_TYPES: frozenset[str] = frozenset(
    {"string", "number", "enumeration", "datetime", "date", "bool", "phone_number"}
)

# HubSpot's fieldType for each type when the catalogue does not say otherwise (datetime
# properties render with the "date" widget in HubSpot's own definitions).
_DEFAULT_FIELD_TYPE: Mapping[str, str] = {
    "string": "text",
    "number": "number",
    "enumeration": "select",
    "datetime": "date",
    "date": "date",
    "bool": "booleancheckbox",
    "phone_number": "phonenumber",
}

BOOL_OPTIONS: OptionList = (("true", "Yes"), ("false", "No"))


@dataclass(frozen=True, slots=True)
class PropertySpec:
    """One property definition as `GET /crm/v3/properties/{objectType}` describes it.

    `external_options` marks enumerations whose options live elsewhere (owners for
    `hubspot_owner_id`): validate them against that list, not against `options`.
    """

    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    options: OptionList = ()
    hubspot_defined: bool = True
    read_only: bool = False
    description: str = ""
    external_options: bool = False
    #: HubSpot keeps a hidden property out of its UI; the API still reads and writes it.
    hidden: bool = False

    @property
    def option_values(self) -> frozenset[str]:
        """The internal values an enumeration accepts."""
        return frozenset(value for value, _ in self.options)


def _opts(*values: str) -> OptionList:
    """Options whose label is the value in title case (for values HubSpot labels that way)."""
    return tuple((v, v.replace("_", " ").title()) for v in values)


def _spec(
    name: str,
    label: str,
    type_: str,
    group: str,
    options: OptionList = (),
    *,
    field_type: str | None = None,
    read_only: bool = False,
    custom: bool = False,
    description: str = "",
    external_options: bool = False,
) -> PropertySpec:
    if type_ == "bool" and not options:
        options = BOOL_OPTIONS
    return PropertySpec(
        name=name,
        label=label,
        type=type_,
        field_type=field_type or _DEFAULT_FIELD_TYPE[type_],
        group_name=group,
        options=options,
        hubspot_defined=not custom,
        read_only=read_only,
        description=description,
        external_options=external_options,
    )


def _calculated(group: str, rows: tuple[tuple[str, str, str], ...]) -> tuple[PropertySpec, ...]:
    """HubSpot-calculated properties: (name, label, type) rows, all read-only."""
    return tuple(_spec(n, lab, t, group, read_only=True) for n, lab, t in rows)


# ---------------------------------------------------------------------------------------------
# Option lists
# ---------------------------------------------------------------------------------------------

_LIFECYCLE_LABELS: Mapping[str, str] = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "marketingqualifiedlead": "Marketing Qualified Lead",
    "salesqualifiedlead": "Sales Qualified Lead",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "evangelist": "Evangelist",
    "other": "Other",
}
#: The stages in HubSpot's forward order (`hubspot_facts`), with their labels.
LIFECYCLE_OPTIONS: OptionList = tuple((s, _LIFECYCLE_LABELS[s]) for s in LIFECYCLE_ORDER)
LEAD_STATUS_OPTIONS: OptionList = _opts(
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
NUMEMPLOYEES_OPTIONS: OptionList = tuple(
    (v, v) for v in ("1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+")
)
TRAFFIC_SOURCE_OPTIONS: OptionList = (
    ("ORGANIC_SEARCH", "Organic Search"),
    ("PAID_SEARCH", "Paid Search"),
    ("EMAIL_MARKETING", "Email Marketing"),
    ("SOCIAL_MEDIA", "Organic Social"),
    ("REFERRALS", "Referrals"),
    ("OTHER_CAMPAIGNS", "Other Campaigns"),
    ("DIRECT_TRAFFIC", "Direct Traffic"),
    ("OFFLINE", "Offline Sources"),
    ("PAID_SOCIAL", "Paid Social"),
)
SALES_ACTIVITY_TYPE_OPTIONS: OptionList = _opts(
    "FORM_SUBMITTED",
    "EMAIL_OPEN",
    "EMAIL_CLICK",
    "EMAIL_REPLY",
    "MEETING_BOOKED",
    "HUBSPOT_REVISIT",
    "PRESENTATION_REVISIT",
    "COMPANYPROSPECTS_REVISIT",
)
SENIORITY_OPTIONS: OptionList = _opts(
    "executive", "vp", "director", "manager", "senior", "entry", "employee"
)
BUYING_ROLE_OPTIONS: OptionList = _opts(
    "BUDGET_HOLDER",
    "CHAMPION",
    "DECISION_MAKER",
    "END_USER",
    "EXECUTIVE_SPONSOR",
    "INFLUENCER",
    "LEGAL_AND_COMPLIANCE",
    "OTHER",
)
PERSONA_OPTIONS: OptionList = (
    ("persona_1", "Operations Leader"),
    ("persona_2", "Sales Manager"),
    ("persona_3", "Marketing Manager"),
)

# The BANT form answers (portal-created custom properties).
BUDGET_RANGE_OPTIONS: OptionList = (
    ("<10k", "Less than $10k"),
    ("10k-50k", "$10k-$50k"),
    ("50k-100k", "$50k-$100k"),
    ("100k-250k", "$100k-$250k"),
    ("250k+", "More than $250k"),
)
PURCHASE_TIMELINE_OPTIONS: OptionList = (
    ("this_quarter", "This quarter"),
    ("3_6_months", "In 3-6 months"),
    ("6_12_months", "In 6-12 months"),
    ("12_plus_months", "In more than 12 months"),
    ("no_plans", "No plans to buy"),
)
DECISION_ROLE_OPTIONS: OptionList = (
    ("decision_maker", "I make the decision"),
    ("influencer", "I influence the decision"),
    ("evaluator", "I evaluate options"),
    ("end_user", "I would use the product"),
    ("student", "I am a student / researching"),
)
PRODUCT_INTEREST_OPTIONS: OptionList = (
    ("lead_scoring", "Lead scoring"),
    ("lead_routing", "Lead routing"),
    ("sales_analytics", "Sales analytics"),
    ("data_enrichment", "Data enrichment"),
    ("full_platform", "The full platform"),
)

COMPANY_TYPE_OPTIONS: OptionList = _opts("PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER")

# HubSpot's company industry enumeration (value, label), in HubSpot's display order.
_INDUSTRY_ROWS = """
ACCOUNTING|Accounting;AIRLINES_AVIATION|Airlines/Aviation;ALTERNATIVE_DISPUTE_RESOLUTION|
Alternative Dispute Resolution;ALTERNATIVE_MEDICINE|Alternative Medicine;ANIMATION|Animation;
APPAREL_FASHION|Apparel & Fashion;ARCHITECTURE_PLANNING|Architecture & Planning;ARTS_AND_CRAFTS|
Arts and Crafts;AUTOMOTIVE|Automotive;AVIATION_AEROSPACE|Aviation & Aerospace;BANKING|Banking;
BIOTECHNOLOGY|Biotechnology;BROADCAST_MEDIA|Broadcast Media;BUILDING_MATERIALS|Building Materials;
BUSINESS_SUPPLIES_AND_EQUIPMENT|Business Supplies and Equipment;CAPITAL_MARKETS|Capital Markets;
CHEMICALS|Chemicals;CIVIC_SOCIAL_ORGANIZATION|Civic & Social Organization;CIVIL_ENGINEERING|
Civil Engineering;COMMERCIAL_REAL_ESTATE|Commercial Real Estate;COMPUTER_NETWORK_SECURITY|
Computer & Network Security;COMPUTER_GAMES|Computer Games;COMPUTER_HARDWARE|Computer Hardware;
COMPUTER_NETWORKING|Computer Networking;COMPUTER_SOFTWARE|Computer Software;INTERNET|Internet;
CONSTRUCTION|Construction;CONSUMER_ELECTRONICS|Consumer Electronics;CONSUMER_GOODS|Consumer Goods;
CONSUMER_SERVICES|Consumer Services;COSMETICS|Cosmetics;DAIRY|Dairy;DEFENSE_SPACE|Defense & Space;
DESIGN|Design;EDUCATION_MANAGEMENT|Education Management;E_LEARNING|E-Learning;
ELECTRICAL_ELECTRONIC_MANUFACTURING|Electrical/Electronic Manufacturing;ENTERTAINMENT|
Entertainment;ENVIRONMENTAL_SERVICES|Environmental Services;EVENTS_SERVICES|Events Services;
EXECUTIVE_OFFICE|Executive Office;FACILITIES_SERVICES|Facilities Services;FARMING|Farming;
FINANCIAL_SERVICES|Financial Services;FINE_ART|Fine Art;FISHERY|Fishery;FOOD_BEVERAGES|
Food & Beverages;FOOD_PRODUCTION|Food Production;FUND_RAISING|Fund-Raising;FURNITURE|Furniture;
GAMBLING_CASINOS|Gambling & Casinos;GLASS_CERAMICS_CONCRETE|Glass, Ceramics & Concrete;
GOVERNMENT_ADMINISTRATION|Government Administration;GOVERNMENT_RELATIONS|Government Relations;
GRAPHIC_DESIGN|Graphic Design;HEALTH_WELLNESS_AND_FITNESS|Health, Wellness and Fitness;
HIGHER_EDUCATION|Higher Education;HOSPITAL_HEALTH_CARE|Hospital & Health Care;HOSPITALITY|
Hospitality;HUMAN_RESOURCES|Human Resources;IMPORT_AND_EXPORT|Import and Export;
INDIVIDUAL_FAMILY_SERVICES|Individual & Family Services;INDUSTRIAL_AUTOMATION|
Industrial Automation;INFORMATION_SERVICES|Information Services;
INFORMATION_TECHNOLOGY_AND_SERVICES|Information Technology and Services;INSURANCE|Insurance;
INTERNATIONAL_AFFAIRS|International Affairs;INTERNATIONAL_TRADE_AND_DEVELOPMENT|
International Trade and Development;INVESTMENT_BANKING|Investment Banking;INVESTMENT_MANAGEMENT|
Investment Management;JUDICIARY|Judiciary;LAW_ENFORCEMENT|Law Enforcement;LAW_PRACTICE|
Law Practice;LEGAL_SERVICES|Legal Services;LEGISLATIVE_OFFICE|Legislative Office;
LEISURE_TRAVEL_TOURISM|Leisure, Travel & Tourism;LIBRARIES|Libraries;LOGISTICS_AND_SUPPLY_CHAIN|
Logistics and Supply Chain;LUXURY_GOODS_JEWELRY|Luxury Goods & Jewelry;MACHINERY|Machinery;
MANAGEMENT_CONSULTING|Management Consulting;MARITIME|Maritime;MARKET_RESEARCH|Market Research;
MARKETING_AND_ADVERTISING|Marketing and Advertising;MECHANICAL_OR_INDUSTRIAL_ENGINEERING|
Mechanical or Industrial Engineering;MEDIA_PRODUCTION|Media Production;MEDICAL_DEVICES|
Medical Devices;MEDICAL_PRACTICE|Medical Practice;MENTAL_HEALTH_CARE|Mental Health Care;MILITARY|
Military;MINING_METALS|Mining & Metals;MOTION_PICTURES_AND_FILM|Motion Pictures and Film;
MUSEUMS_AND_INSTITUTIONS|Museums and Institutions;MUSIC|Music;NANOTECHNOLOGY|Nanotechnology;
NEWSPAPERS|Newspapers;NON_PROFIT_ORGANIZATION_MANAGEMENT|Non-Profit Organization Management;
OIL_ENERGY|Oil & Energy;ONLINE_MEDIA|Online Media;OUTSOURCING_OFFSHORING|Outsourcing/Offshoring;
PACKAGE_FREIGHT_DELIVERY|Package/Freight Delivery;PACKAGING_AND_CONTAINERS|
Packaging and Containers;PAPER_FOREST_PRODUCTS|Paper & Forest Products;PERFORMING_ARTS|
Performing Arts;PHARMACEUTICALS|Pharmaceuticals;PHILANTHROPY|Philanthropy;PHOTOGRAPHY|
Photography;PLASTICS|Plastics;POLITICAL_ORGANIZATION|Political Organization;
PRIMARY_SECONDARY_EDUCATION|Primary/Secondary Education;PRINTING|Printing;
PROFESSIONAL_TRAINING_COACHING|Professional Training & Coaching;PROGRAM_DEVELOPMENT|
Program Development;PUBLIC_POLICY|Public Policy;PUBLIC_RELATIONS_AND_COMMUNICATIONS|
Public Relations and Communications;PUBLIC_SAFETY|Public Safety;PUBLISHING|Publishing;
RAILROAD_MANUFACTURE|Railroad Manufacture;RANCHING|Ranching;REAL_ESTATE|Real Estate;
RECREATIONAL_FACILITIES_AND_SERVICES|Recreational Facilities and Services;
RELIGIOUS_INSTITUTIONS|Religious Institutions;RENEWABLES_ENVIRONMENT|Renewables & Environment;
RESEARCH|Research;RESTAURANTS|Restaurants;RETAIL|Retail;SECURITY_AND_INVESTIGATIONS|
Security and Investigations;SEMICONDUCTORS|Semiconductors;SHIPBUILDING|Shipbuilding;
SPORTING_GOODS|Sporting Goods;SPORTS|Sports;STAFFING_AND_RECRUITING|Staffing and Recruiting;
SUPERMARKETS|Supermarkets;TELECOMMUNICATIONS|Telecommunications;TEXTILES|Textiles;THINK_TANKS|
Think Tanks;TOBACCO|Tobacco;TRANSLATION_AND_LOCALIZATION|Translation and Localization;
TRANSPORTATION_TRUCKING_RAILROAD|Transportation/Trucking/Railroad;UTILITIES|Utilities;
VENTURE_CAPITAL_PRIVATE_EQUITY|Venture Capital & Private Equity;VETERINARY|Veterinary;
WAREHOUSING|Warehousing;WHOLESALE|Wholesale;WINE_AND_SPIRITS|Wine and Spirits;WIRELESS|Wireless;
WRITING_AND_EDITING|Writing and Editing
"""
INDUSTRY_OPTIONS: OptionList = tuple(
    (value, label)
    for value, label in (
        row.split("|") for row in _INDUSTRY_ROWS.replace("\n", "").split(";") if row
    )
)

TASK_STATUS_OPTIONS: OptionList = (
    ("NOT_STARTED", "Not started"),
    ("IN_PROGRESS", "In progress"),
    ("WAITING", "Waiting"),
    ("COMPLETED", "Completed"),
    ("DEFERRED", "Deferred"),
)
TASK_PRIORITY_OPTIONS: OptionList = (
    ("NONE", "None"),
    ("LOW", "Low"),
    ("MEDIUM", "Medium"),
    ("HIGH", "High"),
)
TASK_TYPE_OPTIONS: OptionList = (("EMAIL", "Email"), ("CALL", "Call"), ("TODO", "To-do"))
CALL_DIRECTION_OPTIONS: OptionList = (("INBOUND", "Inbound"), ("OUTBOUND", "Outbound"))
CALL_STATUS_OPTIONS: OptionList = _opts(
    "BUSY",
    "CALLING_CRM_USER",
    "CANCELED",
    "COMPLETED",
    "CONNECTING",
    "FAILED",
    "IN_PROGRESS",
    "NO_ANSWER",
    "QUEUED",
    "RINGING",
)
EMAIL_DIRECTION_OPTIONS: OptionList = (
    ("EMAIL", "Sent by a user"),
    ("INCOMING_EMAIL", "Reply from the contact"),
    ("FORWARDED_EMAIL", "Forwarded"),
)
EMAIL_STATUS_OPTIONS: OptionList = _opts("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")
MEETING_OUTCOME_OPTIONS: OptionList = _opts(
    "SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"
)

# ---------------------------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------------------------

_CONTACT_INFO = "contactinformation"
_ANALYTICS = "analyticsinformation"
_CONVERSION = "conversioninformation"
_EMAIL_INFO = "emailinformation"
_ACTIVITY = "contact_activity"
_SALES = "sales_properties"
_BANT = "lead_qualification"

_OWNER = _spec(
    "hubspot_owner_id",
    "Contact owner",
    "enumeration",
    _SALES,
    external_options=True,
    description="The owner id (GET /crm/v3/owners); options are the portal's owners.",
)

_CONTACT_CORE: tuple[PropertySpec, ...] = (
    _spec("email", "Email", "string", _CONTACT_INFO),
    _spec("firstname", "First Name", "string", _CONTACT_INFO),
    _spec("lastname", "Last Name", "string", _CONTACT_INFO),
    _spec("phone", "Phone Number", "string", _CONTACT_INFO, field_type="phonenumber"),
    _spec("mobilephone", "Mobile Phone Number", "string", _CONTACT_INFO, field_type="phonenumber"),
    _spec("jobtitle", "Job Title", "string", _CONTACT_INFO),
    _spec("company", "Company Name", "string", _CONTACT_INFO),
    _spec("website", "Website URL", "string", _CONTACT_INFO),
    _spec("country", "Country/Region", "string", _CONTACT_INFO),
    _spec("city", "City", "string", _CONTACT_INFO),
    _spec("state", "State/Region", "string", _CONTACT_INFO),
    _spec("industry", "Industry", "string", _CONTACT_INFO),
    _spec(
        "numemployees", "Number of Employees", "enumeration", _CONTACT_INFO, NUMEMPLOYEES_OPTIONS
    ),
    _spec("annualrevenue", "Annual Revenue", "string", _CONTACT_INFO),
    _spec(
        "lifecyclestage",
        "Lifecycle Stage",
        "enumeration",
        _CONTACT_INFO,
        LIFECYCLE_OPTIONS,
        field_type="radio",
    ),
    _spec(
        "hs_lead_status",
        "Lead Status",
        "enumeration",
        _SALES,
        LEAD_STATUS_OPTIONS,
        field_type="radio",
    ),
    _spec("hs_persona", "Persona", "enumeration", _CONTACT_INFO, PERSONA_OPTIONS),
    _spec("hs_seniority", "Employment Seniority", "enumeration", _CONTACT_INFO, SENIORITY_OPTIONS),
    _spec(
        "hs_buying_role",
        "Buying Role",
        "enumeration",
        _SALES,
        BUYING_ROLE_OPTIONS,
        field_type="checkbox",
    ),
    _OWNER,
    _spec("hubspot_owner_assigneddate", "Owner assigned date", "datetime", _SALES, read_only=True),
    _spec("associatedcompanyid", "Primary Associated Company ID", "number", _CONTACT_INFO),
    _spec("createdate", "Create Date", "datetime", _CONTACT_INFO),
    _spec("lastmodifieddate", "Last Modified Date", "datetime", _CONTACT_INFO, read_only=True),
    _spec("hs_object_id", "Record ID", "number", _CONTACT_INFO, read_only=True),
)

_CONTACT_ANALYTICS: tuple[PropertySpec, ...] = (
    *_calculated(
        _ANALYTICS,
        (
            ("hs_analytics_num_page_views", "Number of Pageviews", "number"),
            ("hs_analytics_num_visits", "Number of Sessions", "number"),
            ("hs_analytics_average_page_views", "Average Pageviews", "number"),
            ("hs_analytics_first_timestamp", "Time First Seen", "datetime"),
            ("hs_analytics_first_visit_timestamp", "Time of First Session", "datetime"),
            ("hs_analytics_last_timestamp", "Time Last Seen", "datetime"),
            ("hs_analytics_last_visit_timestamp", "Time of Last Session", "datetime"),
            ("hs_analytics_first_url", "First Page Seen", "string"),
            ("hs_analytics_last_url", "Last Page Seen", "string"),
            ("hs_analytics_first_referrer", "First Referring Site", "string"),
            ("hs_analytics_last_referrer", "Last Referring Site", "string"),
            ("hs_latest_source_timestamp", "Latest Traffic Source Date", "datetime"),
        ),
    ),
    _spec(
        "hs_analytics_source",
        "Original Traffic Source",
        "enumeration",
        _ANALYTICS,
        TRAFFIC_SOURCE_OPTIONS,
        read_only=True,
    ),
    _spec(
        "hs_latest_source",
        "Latest Traffic Source",
        "enumeration",
        _ANALYTICS,
        TRAFFIC_SOURCE_OPTIONS,
        read_only=True,
    ),
)

_CONTACT_CONVERSIONS = _calculated(
    _CONVERSION,
    (
        ("num_conversion_events", "Number of Form Submissions", "number"),
        ("num_unique_conversion_events", "Number of Unique Forms Submitted", "number"),
        ("first_conversion_date", "First Conversion Date", "datetime"),
        ("first_conversion_event_name", "First Conversion", "string"),
        ("recent_conversion_date", "Recent Conversion Date", "datetime"),
        ("recent_conversion_event_name", "Recent Conversion", "string"),
    ),
)

_CONTACT_EMAIL = _calculated(
    _EMAIL_INFO,
    (
        ("hs_email_delivered", "Marketing emails delivered", "number"),
        ("hs_email_open", "Marketing emails opened", "number"),
        ("hs_email_click", "Marketing emails clicked", "number"),
        ("hs_email_replied", "Marketing emails replied", "number"),
        ("hs_email_bounce", "Marketing emails bounced", "number"),
        ("hs_email_first_send_date", "First marketing email send date", "datetime"),
        ("hs_email_first_open_date", "First marketing email open date", "datetime"),
        ("hs_email_first_click_date", "First marketing email click date", "datetime"),
        ("hs_email_first_reply_date", "First marketing email reply date", "datetime"),
        ("hs_email_last_send_date", "Last marketing email send date", "datetime"),
        ("hs_email_last_open_date", "Last marketing email open date", "datetime"),
        ("hs_email_last_click_date", "Last marketing email click date", "datetime"),
        ("hs_email_last_reply_date", "Last marketing email reply date", "datetime"),
        ("hs_email_domain", "Email Domain", "string"),
        ("hs_sales_email_last_opened", "Recent Sales Email Opened Date", "datetime"),
        ("hs_sales_email_last_clicked", "Recent Sales Email Clicked Date", "datetime"),
        ("hs_sales_email_last_replied", "Recent Sales Email Replied Date", "datetime"),
    ),
)

_CONTACT_ACTIVITY: tuple[PropertySpec, ...] = (
    *_calculated(
        _ACTIVITY,
        (
            ("notes_last_contacted", "Last Contacted", "datetime"),
            ("notes_last_updated", "Last Activity Date", "datetime"),
            ("notes_next_activity_date", "Next Activity Date", "datetime"),
            ("num_contacted_notes", "Number of times contacted", "number"),
            ("num_notes", "Number of Sales Activities", "number"),
            ("hs_last_sales_activity_timestamp", "Last Engagement Date", "datetime"),
            ("hs_last_sales_activity_date", "last sales activity date old", "datetime"),
            ("hs_latest_meeting_activity", "Latest meeting activity", "datetime"),
            (
                "engagements_last_meeting_booked",
                "Date of last meeting booked in meetings tool",
                "datetime",
            ),
            ("hs_time_to_first_engagement", "Lead response time", "number"),
            ("hs_sa_first_engagement_date", "Date of first engagement", "datetime"),
            ("num_associated_deals", "Number of Associated Deals", "number"),
            ("hs_sequences_is_enrolled", "Currently in Sequence", "bool"),
            ("hs_sequences_enrolled_count", "Number of sequences enrolled", "number"),
            ("hs_is_unworked", "Contact unworked", "bool"),
        ),
    ),
    _spec(
        "hs_last_sales_activity_type",
        "Last Engagement Type",
        "enumeration",
        _ACTIVITY,
        SALES_ACTIVITY_TYPE_OPTIONS,
        read_only=True,
    ),
)

_CONTACT_BANT: tuple[PropertySpec, ...] = (
    _spec(
        "budget_range",
        "Budget range",
        "enumeration",
        _BANT,
        BUDGET_RANGE_OPTIONS,
        custom=True,
        description="Form answer: the budget the visitor says they have.",
    ),
    _spec(
        "purchase_timeline",
        "Purchase timeline",
        "enumeration",
        _BANT,
        PURCHASE_TIMELINE_OPTIONS,
        custom=True,
        description="Form answer: when the visitor plans to buy.",
    ),
    _spec(
        "decision_role",
        "Role in the decision",
        "enumeration",
        _BANT,
        DECISION_ROLE_OPTIONS,
        custom=True,
        field_type="radio",
        description="Form answer: the visitor's role in the buying decision.",
    ),
    _spec(
        "main_challenge",
        "Main challenge",
        "string",
        _BANT,
        custom=True,
        field_type="textarea",
        description="Form answer: free text about their main problem.",
    ),
    _spec(
        "product_interest",
        "Product interest",
        "enumeration",
        _BANT,
        PRODUCT_INTEREST_OPTIONS,
        custom=True,
        description="Form answer: which product the visitor asked about.",
    ),
)

# When each contact entered each default lifecycle stage, in HubSpot's two families
# (hubspot-api.md, "Updates checked in 2026-12"); the seed fills them from its outcomes.
_CONTACT_STAGE_DATES: tuple[PropertySpec, ...] = tuple(
    spec
    for value, label in LIFECYCLE_OPTIONS
    for spec in (
        _spec(
            f"hs_v2_date_entered_{value}",
            f"Date entered '{label} (Lifecycle Stage Pipeline)'",
            "datetime",
            _CONTACT_INFO,
            read_only=True,
        ),
        _spec(
            f"hs_lifecyclestage_{value}_date",
            f"Became a {label} Date",
            "datetime",
            _CONTACT_INFO,
            read_only=True,
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# Companies, tasks and engagements
# ---------------------------------------------------------------------------------------------

_COMPANY_INFO = "companyinformation"

_COMPANY: tuple[PropertySpec, ...] = (
    _spec("name", "Company name", "string", _COMPANY_INFO),
    _spec("domain", "Company Domain Name", "string", _COMPANY_INFO),
    _spec("website", "Website URL", "string", _COMPANY_INFO),
    _spec("industry", "Industry", "enumeration", _COMPANY_INFO, INDUSTRY_OPTIONS),
    _spec("numberofemployees", "Number of Employees", "number", _COMPANY_INFO),
    _spec("annualrevenue", "Annual Revenue", "number", _COMPANY_INFO),
    _spec("country", "Country/Region", "string", _COMPANY_INFO),
    _spec("city", "City", "string", _COMPANY_INFO),
    _spec("state", "State/Region", "string", _COMPANY_INFO),
    _spec("type", "Type", "enumeration", _COMPANY_INFO, COMPANY_TYPE_OPTIONS),
    _spec(
        "lifecyclestage",
        "Lifecycle Stage",
        "enumeration",
        _COMPANY_INFO,
        LIFECYCLE_OPTIONS,
        field_type="radio",
    ),
    _spec("hubspot_owner_id", "Company owner", "enumeration", _COMPANY_INFO, external_options=True),
    _spec(
        "num_associated_contacts",
        "Number of Associated Contacts",
        "number",
        _COMPANY_INFO,
        read_only=True,
    ),
    _spec("createdate", "Create Date", "datetime", _COMPANY_INFO),
    _spec("hs_lastmodifieddate", "Last Modified Date", "datetime", _COMPANY_INFO, read_only=True),
    _spec("hs_object_id", "Record ID", "number", _COMPANY_INFO, read_only=True),
)


def _engagement_common(group: str, owner_label: str) -> tuple[PropertySpec, ...]:
    """The properties every engagement object (tasks, notes, calls, emails, meetings) has."""
    return (
        _spec("hs_timestamp", "Activity date", "datetime", group),
        _spec("hubspot_owner_id", owner_label, "enumeration", group, external_options=True),
        _spec("hs_createdate", "Create date", "datetime", group, read_only=True),
        _spec("hs_lastmodifieddate", "Last modified date", "datetime", group, read_only=True),
        _spec("hs_object_id", "Record ID", "number", group, read_only=True),
    )


_TASK: tuple[PropertySpec, ...] = (
    *_engagement_common("task", "Assigned to"),
    _spec("hs_task_subject", "Task Title", "string", "task"),
    _spec("hs_task_body", "Notes", "string", "task", field_type="html"),
    _spec("hs_task_status", "Task Status", "enumeration", "task", TASK_STATUS_OPTIONS),
    _spec("hs_task_priority", "Priority", "enumeration", "task", TASK_PRIORITY_OPTIONS),
    _spec("hs_task_type", "Task Type", "enumeration", "task", TASK_TYPE_OPTIONS),
    # HubSpot takes reminders as millisecond epochs in text, not as an ISO datetime.
    _spec("hs_task_reminders", "Reminders", "string", "task"),
    _spec("hs_task_completion_date", "Completed at", "datetime", "task", read_only=True),
)
_NOTE: tuple[PropertySpec, ...] = (
    *_engagement_common("note", "Activity assigned to"),
    _spec("hs_note_body", "Note body", "string", "note", field_type="html"),
)
_CALL: tuple[PropertySpec, ...] = (
    *_engagement_common("call", "Activity assigned to"),
    _spec("hs_call_title", "Call Title", "string", "call"),
    _spec("hs_call_body", "Call notes", "string", "call", field_type="html"),
    _spec("hs_call_direction", "Call direction", "enumeration", "call", CALL_DIRECTION_OPTIONS),
    _spec("hs_call_status", "Call status", "enumeration", "call", CALL_STATUS_OPTIONS),
    _spec("hs_call_duration", "Call duration (ms)", "number", "call"),
    _spec("hs_call_disposition", "Call outcome", "string", "call"),
)
_EMAIL: tuple[PropertySpec, ...] = (
    *_engagement_common("email", "Activity assigned to"),
    _spec("hs_email_subject", "Email subject", "string", "email"),
    _spec("hs_email_text", "Email text", "string", "email", field_type="textarea"),
    _spec("hs_email_html", "Email HTML", "string", "email", field_type="html"),
    _spec("hs_email_direction", "Email direction", "enumeration", "email", EMAIL_DIRECTION_OPTIONS),
    _spec("hs_email_status", "Email send status", "enumeration", "email", EMAIL_STATUS_OPTIONS),
)
_MEETING: tuple[PropertySpec, ...] = (
    *_engagement_common("meeting", "Activity assigned to"),
    _spec("hs_meeting_title", "Meeting name", "string", "meeting"),
    _spec("hs_meeting_body", "Meeting description", "string", "meeting", field_type="html"),
    _spec("hs_internal_meeting_notes", "Internal notes", "string", "meeting", field_type="html"),
    _spec("hs_meeting_location", "Location", "string", "meeting"),
    _spec("hs_meeting_start_time", "Start time", "datetime", "meeting"),
    _spec("hs_meeting_end_time", "End time", "datetime", "meeting"),
    _spec(
        "hs_meeting_outcome", "Meeting outcome", "enumeration", "meeting", MEETING_OUTCOME_OPTIONS
    ),
)

DEFAULT_PROPERTIES: Mapping[str, tuple[PropertySpec, ...]] = MappingProxyType(
    {
        "contacts": (
            _CONTACT_CORE
            + _CONTACT_ANALYTICS
            + _CONTACT_CONVERSIONS
            + _CONTACT_EMAIL
            + _CONTACT_ACTIVITY
            + _CONTACT_BANT
            + _CONTACT_STAGE_DATES
        ),
        "companies": _COMPANY,
        "tasks": _TASK,
        "notes": _NOTE,
        "calls": _CALL,
        "emails": _EMAIL,
        "meetings": _MEETING,
    }
)

DEFAULT_GROUPS: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        "contacts": (
            (_CONTACT_INFO, "Contact information"),
            (_ANALYTICS, "Web analytics history"),
            (_CONVERSION, "Conversion information"),
            (_EMAIL_INFO, "Email information"),
            (_ACTIVITY, "Contact activity"),
            (_SALES, "Sales properties"),
            (_BANT, "Lead qualification"),
        ),
        "companies": ((_COMPANY_INFO, "Company information"),),
        "tasks": (("task", "Task information"),),
        "notes": (("note", "Note information"),),
        "calls": (("call", "Call information"),),
        "emails": (("email", "Email information"),),
        "meetings": (("meeting", "Meeting information"),),
    }
)

# The property HubSpot stamps on every write; search windows filter on it (hubspot-api.md §2).
LAST_MODIFIED_PROPERTY: Mapping[str, str] = MappingProxyType(
    {t: "lastmodifieddate" if t == "contacts" else "hs_lastmodifieddate" for t in OBJECT_TYPES}
)
CREATED_PROPERTY: Mapping[str, str] = MappingProxyType(
    {t: "createdate" if t in ("contacts", "companies") else "hs_createdate" for t in OBJECT_TYPES}
)

PROPERTIES_BY_NAME: Mapping[str, Mapping[str, PropertySpec]] = MappingProxyType(
    {t: MappingProxyType({s.name: s for s in specs}) for t, specs in DEFAULT_PROPERTIES.items()}
)
