"""Engagement stories: one contact's calculated engagement properties, with dates that agree."""

from __future__ import annotations

import random

from connector.sandbox.seed.base import (
    DAY_MS,
    HOUR_MS,
    QUIET_DAYS,
    RECENT_DAYS,
    IsoFormatter,
    between,
)
from connector.sandbox.seed.vocabulary import (
    BLOG,
    CAREERS,
    LIGHT_FORMS,
    MID_FORMS,
    PRICING,
    PRODUCT,
    SOURCES,
)

# --- engagement stories --------------------------------------------------------------------------


class Journey:
    """Builds one contact's calculated engagement properties so that their dates agree."""

    __slots__ = ("fmt", "latest", "now", "p", "rnd")

    def __init__(self, rnd: random.Random, fmt: IsoFormatter, now: int) -> None:
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
        first_send = between(rnd, sends[0], min(sends[1], engaged[1]))
        last_send = between(rnd, first_send, sends[1])
        self.at("hs_email_first_send_date", first_send)
        self.at("hs_email_last_send_date", last_send)
        low = max(first_send, engaged[0])
        high = max(low, min(engaged[1], self.now))
        for count, kind in ((opens, "open"), (clicks, "click"), (replies, "reply")):
            if count:
                first = between(rnd, low, high)
                last = first if count == 1 else between(rnd, first, high)
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


def story_engagement(j: Journey, story: str, created: int) -> None:
    """Fill the engagement properties of one contact according to its story."""
    rnd, now = j.rnd, j.now
    recent = now - RECENT_DAYS * DAY_MS
    if story == "cold":
        if rnd.random() < 0.6:
            j.emails(1 + rnd.randrange(20), (created, now), (created, now), 0.05, 0.0)
        j.p["hs_analytics_source"] = "OFFLINE"
        if rnd.random() < 0.1:
            t = between(rnd, created, now)
            j.sales(1, t, t, None)
        return
    if story == "superficial":
        first = between(rnd, created - 3 * DAY_MS, created)
        n = 1 + (rnd.random() < 0.4)
        landing = CAREERS if rnd.random() < 0.08 else rnd.choice(BLOG)
        last = between(rnd, created, min(created + 7 * DAY_MS, now))
        j.visits(
            first, last, n, 2, (landing, rnd.choice(BLOG)), SOURCES.pick(rnd), SOURCES.pick(rnd)
        )
        form = rnd.choice(LIGHT_FORMS)
        j.forms(1, created, created, (form, form))
        j.emails(rnd.randrange(12), (created, now), (created, created + 60 * DAY_MS), 0.2, 0.1)
        return
    if story in ("gone_quiet", "back_after_pause"):
        quiet_from = between(rnd, created + 14 * DAY_MS, now - QUIET_DAYS * DAY_MS)
        n = 3 + rnd.randrange(13)
        last_visit, last_url = quiet_from, rnd.choice(PRODUCT + BLOG)
        latest_source = SOURCES.pick(rnd)
        if story == "back_after_pause":
            last_visit, last_url = between(rnd, recent, now), rnd.choice(PRICING + PRODUCT)
            n += 1 + rnd.randrange(3)
        j.visits(
            created - rnd.randrange(10 * DAY_MS),
            last_visit,
            n,
            4,
            (rnd.choice(BLOG + PRODUCT), last_url),
            SOURCES.pick(rnd),
            latest_source,
        )
        forms = 1 + rnd.randrange(4)
        names = (rnd.choice(LIGHT_FORMS), rnd.choice(MID_FORMS))
        recent_form = between(rnd, created, quiet_from)
        if story == "back_after_pause" and rnd.random() < 0.4:
            forms, names = forms + 1, (names[0], "Webinar registration: Pipeline Visibility")
            recent_form = between(rnd, recent, now)
        j.forms(forms, created, recent_form, names)
        j.emails(10 + rnd.randrange(50), (created, now), (created, quiet_from), 0.3, 0.2)
        if rnd.random() < 0.4:
            j.sales(1 + rnd.randrange(4), between(rnd, created, quiet_from), quiet_from, None)
        return
    if story == "nurturing":
        last = between(rnd, max(created, now - 60 * DAY_MS), now)
        j.visits(
            created - rnd.randrange(5 * DAY_MS),
            last,
            3 + rnd.randrange(18),
            4,
            (rnd.choice(BLOG), rnd.choice(PRODUCT + BLOG)),
            SOURCES.pick(rnd),
            SOURCES.pick(rnd),
        )
        j.forms(
            1 + rnd.randrange(3),
            created,
            between(rnd, created, last),
            (rnd.choice(LIGHT_FORMS), rnd.choice(MID_FORMS)),
        )
        j.emails(5 + rnd.randrange(40), (created, now), (created, now), 0.45, 0.25)
        if rnd.random() < 0.3:
            j.sales(1 + rnd.randrange(3), between(rnd, created, last), last, None)
        return
    # deep: pricing page and a demo request in the last days, sales already talking to them
    last = between(rnd, max(created, now - 10 * DAY_MS), now)
    demo = between(rnd, max(created, now - 10 * DAY_MS), last)
    j.visits(
        created - rnd.randrange(20 * DAY_MS),
        last,
        6 + rnd.randrange(35),
        5,
        (rnd.choice(BLOG + PRODUCT), rnd.choice(PRICING)),
        SOURCES.pick(rnd),
        rnd.choice(("DIRECT_TRAFFIC", "PAID_SEARCH", "ORGANIC_SEARCH", "EMAIL_MARKETING")),
    )
    j.forms(2 + rnd.randrange(7), created, demo, (rnd.choice(MID_FORMS), "Demo request"))
    j.emails(
        10 + rnd.randrange(70),
        (created, now),
        (created, now),
        0.65,
        0.35,
        replies=1 + rnd.randrange(3),
    )
    meeting = between(rnd, demo, now) if rnd.random() < 0.7 else None
    j.sales(1 + rnd.randrange(6), between(rnd, demo, now), now - rnd.randrange(2 * DAY_MS), meeting)
    if rnd.random() < 0.6:
        j.at("hs_sales_email_last_replied", between(rnd, demo, now))
        j.at("hs_sales_email_last_clicked", between(rnd, demo, now))


_ACTIVITY_SIGNALS = (
    ("recent_conversion_date", "FORM_SUBMITTED"),
    ("hs_sales_email_last_opened", "EMAIL_OPEN"),
    ("hs_sales_email_last_clicked", "EMAIL_CLICK"),
    ("hs_sales_email_last_replied", "EMAIL_REPLY"),
    ("engagements_last_meeting_booked", "MEETING_BOOKED"),
    ("hs_analytics_last_visit_timestamp", "HUBSPOT_REVISIT"),
)


def last_engagement(p: dict[str, str]) -> None:
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
