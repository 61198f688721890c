"""Loopback-only admin endpoints under `/_sandbox/`: counts, reset, seed, faults, clock and the
SDRs' work on the handoff tasks (`sdr-work`).

They need no token and never count against rate limits (see docs/hubspot-behavior.md).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from connector.sandbox.clock import iso_ms
from connector.sandbox.config import FaultConfig
from connector.sandbox.loader import load_portal
from connector.sandbox.portal import Portal
from connector.sandbox.routing import Reply
from connector.sandbox.sdr_work import work_open_tasks
from connector.sandbox.wire import bad_request, not_found

ADMIN_PREFIX = "/_sandbox/"


def handle_admin(portal: Portal, method: str, path: str, body: Any) -> Reply:
    """Dispatch one admin call."""
    name = path[len(ADMIN_PREFIX) :].strip("/")
    payload = body if isinstance(body, dict) else {}
    if name == "health" and method == "GET":
        return Reply(200, {"ok": True})
    if name == "counts" and method == "GET":
        return Reply(200, {"counts": _counts(portal)})
    if name == "reset" and method == "POST":
        portal.reset_counts()
        portal.limiter.reset()
        portal.faults.configure(portal.faults.config)
        if payload.get("data"):
            loaded = _reseed(portal, portal.config.seed, portal.config.contacts)
            return Reply(200, {"reset": True, "loaded": loaded})
        return Reply(200, {"reset": True})
    if name == "seed" and method == "POST":
        seed = int(payload.get("seed", portal.config.seed))
        contacts = int(payload.get("contacts", portal.config.contacts))
        return Reply(200, {"loaded": _reseed(portal, seed, contacts)})
    if name == "faults/release-late" and method == "POST":
        return Reply(200, {"released": portal.late.release()})
    if name == "faults":
        return _faults(portal, method, payload)
    if name == "clock":
        return _clock(portal, method, payload)
    if name == "sdr-work" and method == "POST":
        # the SDRs work the open handoff tasks on the sandbox clock (connector/sandbox/sdr_work.py)
        work = work_open_tasks(portal.store, int(payload.get("seed", portal.config.seed)))
        return Reply(200, {**dataclasses.asdict(work), "now": iso_ms(portal.clock.now_ms())})
    raise not_found(f"No admin endpoint {method} {path}")


def _counts(portal: Portal) -> list[dict[str, Any]]:
    return [
        {"method": m, "path": p, "status": s, "count": n}
        for (m, p, s), n in sorted(portal.request_counts().items())
    ]


def _reseed(portal: Portal, seed: int, contacts: int) -> dict[str, int]:
    portal.search_cache.clear()
    return load_portal(portal.store, seed=seed, contacts=contacts, now=portal.clock.now())


def _faults(portal: Portal, method: str, payload: dict[str, Any]) -> Reply:
    if method in ("PUT", "POST"):
        known = {f.name for f in dataclasses.fields(FaultConfig)}
        unknown = set(payload) - known
        if unknown:
            raise bad_request(f"Unknown fault settings: {', '.join(sorted(unknown))}")
        values = dict(payload)
        for name in ("only_paths", "error_statuses"):
            if name in values:
                values[name] = tuple(values[name])
        portal.faults.configure(FaultConfig(**values))
    elif method == "DELETE":
        portal.faults.clear()
    elif method != "GET":
        raise not_found(f"No admin endpoint {method} faults")
    config = dataclasses.asdict(portal.faults.config)
    config["only_paths"] = list(config["only_paths"])
    config["error_statuses"] = list(config["error_statuses"])
    return Reply(200, {"faults": config, "history": portal.faults.history[-100:]})


def _clock(portal: Portal, method: str, payload: dict[str, Any]) -> Reply:
    clock = portal.clock
    if method == "POST":
        if payload.get("unfreeze"):
            clock.unfreeze()
        if "freeze" in payload:
            raw = payload["freeze"]
            clock.freeze(datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None)
        if "advanceMs" in payload:
            clock.advance(timedelta(milliseconds=int(payload["advanceMs"])))
    elif method != "GET":
        raise not_found(f"No admin endpoint {method} clock")
    return Reply(200, {"now": iso_ms(clock.now_ms()), "frozen": clock.frozen})
