"""What an SDR reads on a handoff task: who, why now, BANT in words, the SLA, the due time.

Two halves meet when a task is created:

- `LeadBrief`, taken from the rules' decision while the page is scored: score, label, the top
  reasons and BANT in words. No names: it may be held until the batch's tasks are created.
- `ContactCard`, the contact's name, job title and company, read from HubSpot by id at create
  time. It goes into the task's text and nowhere else: it is never logged and never stored in
  the state store (the rep sees the contact in HubSpot anyway; our logs carry contact ids).

The texts are the admin's templates (`config/sla.yaml`, placeholders in `docs/handoff.md`). No
internal key is among the placeholders: the handoff key rides on the task in a hidden property.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.hubspot.models import CrmRecord, TaskType
from connector.rules import Decision
from connector.rules.business_time import BusinessCalendar
from connector.rules.explain import bant_words, plain_reasons
from connector.rules.model import SlaTier
from connector.state import HandoffRecord
from connector.sync.ports import HubSpotPort
from connector.sync.properties import ScoreProperties

#: Contact properties the card reads (HubSpot's defaults; `company` is the contact's own text).
CARD_PROPERTIES: tuple[str, ...] = ("firstname", "lastname", "jobtitle", "company")
#: What a task says when it was created by a later run than the one that scored the lead (a
#: recovered handoff), which has the contact's reasons property but not the decision.
_NOT_KEPT = "see the contact's qualification reasons"
_ACTIONS = {TaskType.CALL: "Call", TaskType.EMAIL: "Email", TaskType.TODO: "Follow up with"}
_WHY_NOW_SEPARATOR = "; "


@dataclass(frozen=True, slots=True)
class LeadBrief:
    """Why a lead was handed off, in words, from its decision (no names, no e-mails)."""

    score: int
    label: str
    grade: str
    temperature: str
    why_now: tuple[str, ...]
    bant: str
    #: The compact reasons (with points), for templates that still show `{reasons}`.
    reasons: str
    bant_summary: str

    @classmethod
    def of(cls, decision: Decision) -> LeadBrief:
        return cls(
            score=decision.score,
            label=decision.label,
            grade=decision.grade,
            temperature=decision.temperature,
            why_now=plain_reasons(decision.reasons),
            bant=bant_words(decision.bant.dimensions),
            reasons=decision.compact_reasons,
            bant_summary=decision.bant.summary,
        )


@dataclass(frozen=True, slots=True)
class ContactCard:
    """Who the lead is, as HubSpot has it when the task is created. Never logged or stored."""

    name: str
    title: str | None
    company: str | None

    @classmethod
    def of(cls, contact_id: str, record: CrmRecord | None, company_name: str | None) -> ContactCard:
        """The card of one contact; `company_name` is its primary company's, when read."""
        get = record.get if record is not None else (lambda _name: None)
        name = " ".join(p for p in (_clean(get("firstname")), _clean(get("lastname"))) if p)
        return cls(
            name=name or f"contact {contact_id}",
            title=_clean(get("jobtitle")),
            company=_clean(get("company")) or _clean(company_name),
        )

    @property
    def short(self) -> str:
        """ "Jane Doe (Acme GmbH)", for the subject."""
        return f"{self.name} ({self.company})" if self.company else self.name

    @property
    def long(self) -> str:
        """ "Jane Doe, VP of Sales at Acme GmbH", for the body."""
        text = self.name
        if self.title:
            text += f", {self.title}"
        if self.company:
            text += f" at {self.company}" if self.title else f", {self.company}"
        return text


def due_text(due_at: datetime, calendar: BusinessCalendar) -> str:
    """The due time in the SLA calendar's zone, with the zone: "Mon 07 Dec 14:00 CET
    (Europe/Berlin)". EMEA and US SDRs read one portal's tasks; a bare time is ambiguous."""
    local = due_at.astimezone(calendar.tz)
    return f"{local.strftime('%a %d %b %H:%M %Z')} ({calendar.tz.key})"


def sla_text(tier: SlaTier) -> str:
    """The SLA named as an SLA, so the tier's name never reads like the task's priority."""
    return f"“{tier.name}” tier — first response within {tier.response_hours:g} business hours"


def task_values(
    *,
    contact_id: str,
    owner_id: str,
    tier: SlaTier,
    due_at: datetime,
    calendar: BusinessCalendar,
    routing_reason: str,
    brief: LeadBrief | None,
    card: ContactCard,
    scored: Mapping[str, str | None],
) -> Mapping[str, object]:
    """Every placeholder of the handoff templates, filled.

    Args:
        scored: the contact's score properties as HubSpot has them ("score", "grade",
            "temperature", "reasons"), the fallback for a handoff whose decision this run did
            not see (recovered after a restart).
    """
    values: dict[str, object] = {
        "contact_id": contact_id,
        "owner_id": owner_id,
        "routing_reason": routing_reason,
        "tier": tier.name,
        "response_hours": f"{tier.response_hours:g}",
        "sla": sla_text(tier),
        "due_local": due_text(due_at, calendar),
        "action": _ACTIONS.get(TaskType(tier.task_type), "Follow up with"),
        "contact": card.short,
        "contact_name": card.name,
        "company": card.company or "",
        "job_title": card.title or "",
        "who": card.long,
    }
    if brief is None:
        grade, temperature = scored.get("grade") or "", scored.get("temperature") or ""
        reasons = scored.get("reasons") or _NOT_KEPT
        values.update(
            score=scored.get("score") or "",
            label=f"{grade}-{temperature}" if grade and temperature else grade or temperature,
            grade=grade,
            temperature=temperature,
            why_now=reasons,
            reasons=reasons,
            bant="see the contact",
            bant_summary="",
        )
        return values
    values.update(
        score=brief.score,
        label=brief.label,
        grade=brief.grade,
        temperature=brief.temperature,
        why_now=_WHY_NOW_SEPARATOR.join(brief.why_now) or brief.reasons or _NOT_KEPT,
        bant=brief.bant or "not scored by the rules",
        reasons=brief.reasons,
        bant_summary=brief.bant_summary,
    )
    return values


def read_cards(
    port: HubSpotPort,
    names: ScoreProperties,
    batch: Sequence[HandoffRecord],
    *,
    also: Sequence[str] = (),
) -> dict[str, tuple[ContactCard, dict[str, str | None]]]:
    """Each contact's card and score properties ("score", "grade", …), read by id now.

    `also` names more contact properties the same read brings back, under their own names
    (escalation reads the lifecycle stage with the card rather than in a call of its own).

    One read per batch, plus one for the company names of contacts whose own company field is
    empty but that have a primary company. The cards go into the tasks' text only: never
    logged, never stored.
    """
    scored_names = {
        "score": names.score,
        "grade": names.grade,
        "temperature": names.temperature,
        "reasons": names.reasons,
        **{name: name for name in also},
    }
    read = {
        r.id: r
        for r in port.read_contacts(
            [h.contact_id for h in batch],
            [*CARD_PROPERTIES, "associatedcompanyid", *scored_names.values()],
        )
    }
    company_of: dict[str, str] = {}
    for contact_id, contact in read.items():
        company_id = contact.get("associatedcompanyid")
        if company_id and not _clean(contact.get("company")):
            company_of[contact_id] = company_id
    company_names: dict[str, str | None] = {}
    if company_of:
        company_names = {
            c.id: c.get("name")
            for c in port.read_companies(sorted(set(company_of.values())), ["name"])
        }
    out: dict[str, tuple[ContactCard, dict[str, str | None]]] = {}
    for handoff in batch:
        record = read.get(handoff.contact_id)
        company_id = company_of.get(handoff.contact_id)
        card = ContactCard.of(
            handoff.contact_id, record, company_names.get(company_id) if company_id else None
        )
        scored = {k: record.get(v) if record else None for k, v in scored_names.items()}
        out[handoff.contact_id] = (card, scored)
    return out


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return text or None
