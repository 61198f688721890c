"""`connector explain` and `connector sla`: read-only views for a rep or a sales manager."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from connector.errors import EXIT_OK, ConfigError
from connector.hubspot_facts import BATCH_MAX_INPUTS
from connector.rules import LeadInput, evaluate, load_rules
from connector.settings import Settings
from connector.sync.output import table
from connector.sync.services import Services


def _now() -> datetime:
    return datetime.now(UTC)


def run_explain(args: argparse.Namespace, settings: Settings) -> int:
    from connector.hubspot import HubSpotGateway

    rules = load_rules(settings.rules_file)
    settings.require_token()
    gateway = HubSpotGateway.from_settings(settings)
    found = gateway.read_contacts([args.contact_id], sorted(rules.contact_properties))
    if not found:
        raise ConfigError(f"contact {args.contact_id} was not found in HubSpot")
    contact = found[0]
    company_id = (contact.get("associatedcompanyid") or "").strip()
    companies = (
        gateway.read_companies([company_id], sorted(rules.company_properties)) if company_id else []
    )
    decision = evaluate(
        LeadInput(
            contact_id=contact.id,
            contact=contact.properties,
            company=companies[0].properties if companies else None,
        ),
        rules=rules,
        now=_now(),
        prior=None,
    )
    print(f"contact {contact.id}: {decision.score}/100 {decision.label}")
    print(decision.full_reasons)
    return EXIT_OK


def run_sla(args: argparse.Namespace, settings: Settings) -> int:
    from connector.sync.sla_report import TASK_PROPERTIES, summarise

    services = Services.from_settings(settings)
    try:
        now = _now()
        handoffs = services.store.handoffs_between(
            settings.portal, now - timedelta(days=args.days), now + timedelta(seconds=1)
        )
        task_ids = sorted({h.task_id for h in handoffs if h.task_id})
        tasks = {}
        for start in range(0, len(task_ids), BATCH_MAX_INPUTS):
            chunk = task_ids[start : start + BATCH_MAX_INPUTS]
            for task in services.gateway.read_tasks(chunk, TASK_PROPERTIES):
                tasks[task.id] = task
        rows = summarise(handoffs, tasks, calendar=services.sla.build_calendar(), now=now)
    finally:
        services.close()
    print(f"SDR handoffs in the last {args.days} days: {len(handoffs)}")
    if rows:
        print(
            table(
                (
                    "owner",
                    "handoffs",
                    "touched",
                    "median h to touch",
                    "open",
                    "overdue",
                    "breached",
                ),
                [
                    (
                        r.owner_id,
                        r.handoffs,
                        r.touched,
                        "" if r.median_hours_to_touch is None else f"{r.median_hours_to_touch:.1f}",
                        r.open,
                        r.overdue,
                        r.breached,
                    )
                    for r in rows
                ],
            )
        )
        print("(time to first touch in business hours of the SLA calendar)")
    return EXIT_OK
