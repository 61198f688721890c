"""`connector sandbox`: serve a seeded local HubSpot until Ctrl-C."""

from __future__ import annotations

import argparse
import math
import sys

from connector.errors import EXIT_OK, ConfigError
from connector.hubspot_facts import API_BUDGETS
from connector.sandbox.app import Sandbox
from connector.sandbox.config import ALL_SCOPES, FaultConfig, SandboxConfig
from connector.settings import Settings

#: The most the connector's settings accept (`CONNECTOR_REQUESTS_PER_10S`, `…_SEARCH_PER_SECOND`):
#: what an unlimited sandbox is given.
_MOST_PER_10S = 1000
_MOST_SEARCH_PER_SECOND = 50


def build_config(args: argparse.Namespace) -> SandboxConfig:
    """The sandbox configuration from the command line's arguments."""
    scopes_arg = getattr(args, "scopes", None)
    scopes = frozenset(s for s in scopes_arg.split(",") if s) if scopes_arg else ALL_SCOPES
    fault_rate = float(getattr(args, "fault_rate", 0.0) or 0.0)
    if not 0.0 <= fault_rate <= 1.0:
        raise ConfigError("--fault-rate must be between 0 and 1, e.g. 0.05 for 5% of requests")
    try:
        return SandboxConfig(
            seed=args.seed,
            contacts=args.contacts,
            token=args.token,
            scopes=scopes,
            tier=args.tier,
            search_lag_ms=args.search_lag_ms,
            port=args.port,
            faults=FaultConfig(seed=args.seed, error_rate=fault_rate),
        )
    except ValueError as exc:
        raise ConfigError(f"sandbox: {exc}") from None


def connector_settings(config: SandboxConfig, base_url: str) -> list[tuple[str, str]]:
    """The connector settings that suit this sandbox, as (variable, value) pairs.

    The window lag covers the sandbox's search lag (rounded up to whole seconds, the setting's
    unit): with less, a run's cursor could pass contacts search does not show yet. The budgets
    are the tier's, so the connector paces itself as it would against that portal.
    """
    budget = API_BUDGETS[config.tier]
    per_10s = budget.per_ten_seconds or _MOST_PER_10S
    search = budget.search_per_second or _MOST_SEARCH_PER_SECOND
    pairs = [
        ("HUBSPOT_BASE_URL", base_url),
        ("HUBSPOT_ACCESS_TOKEN", config.token),
        ("CONNECTOR_SEARCH_LAG_SECONDS", str(math.ceil(config.search_lag_ms / 1000))),
        ("CONNECTOR_REQUESTS_PER_10S", str(min(per_10s, _MOST_PER_10S))),
        ("CONNECTOR_SEARCH_PER_SECOND", str(min(search, _MOST_SEARCH_PER_SECOND))),
    ]
    if budget.per_day is not None:
        pairs.append(("CONNECTOR_DAILY_LIMIT", str(budget.per_day)))
    return pairs


def banner_lines(sandbox: Sandbox, config: SandboxConfig) -> list[str]:
    """What the sandbox prints when it starts: the portal, and the settings to point at it."""
    loaded = sandbox.loaded
    return [
        f"HubSpot sandbox listening on {sandbox.base_url}",
        f"  portal: {loaded['contacts']} contacts, {loaded['companies']} companies, "
        f"{loaded['owners']} owners (seed {config.seed})",
        f"  tier: {config.tier}; search lag: {config.search_lag_ms} ms",
        "Point the connector at it (or put these in .env, without `export`):",
        *(
            f"  export {name}={value}"
            for name, value in connector_settings(config, sandbox.base_url)
        ),
        f"Admin endpoints: {sandbox.base_url}/_sandbox/counts (see docs/hubspot-behavior.md)",
    ]


def run_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the sandbox on 127.0.0.1 until interrupted.

    Args:
        args: port, contacts, seed, token, tier, search_lag_ms, fault_rate (and scopes).
        settings: The connector's settings (unused: the sandbox is configured by its flags).

    Returns:
        0 after Ctrl-C.
    """
    del settings
    config = build_config(args)
    sandbox = Sandbox(config)
    try:
        sandbox.bind()
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on 127.0.0.1:{config.port} ({exc.strerror}); pick another --port"
        ) from None
    out = sys.stdout
    for line in banner_lines(sandbox, config):
        print(line, file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        print("sandbox stopped", file=out)
    return EXIT_OK
