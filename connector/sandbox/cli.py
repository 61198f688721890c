"""`connector sandbox`: serve a seeded local HubSpot until Ctrl-C."""

from __future__ import annotations

import argparse
import sys

from connector.errors import EXIT_OK, ConfigError
from connector.sandbox.app import Sandbox
from connector.sandbox.config import ALL_SCOPES, FaultConfig, SandboxConfig
from connector.settings import Settings


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
    loaded = sandbox.loaded
    print(f"HubSpot sandbox listening on {sandbox.base_url}", file=out)
    print(
        f"  portal: {loaded['contacts']} contacts, {loaded['companies']} companies, "
        f"{loaded['owners']} owners (seed {config.seed})",
        file=out,
    )
    print(f"  tier: {config.tier}; search lag: {config.search_lag_ms} ms", file=out)
    print("Point the connector at it:", file=out)
    print(f"  export HUBSPOT_BASE_URL={sandbox.base_url}", file=out)
    print(f"  export HUBSPOT_ACCESS_TOKEN={config.token}", file=out)
    print(
        f"Admin endpoints: {sandbox.base_url}/_sandbox/counts (see docs/hubspot-behavior.md)",
        file=out,
    )
    print("Press Ctrl-C to stop.", file=out, flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        print("sandbox stopped", file=out)
    return EXIT_OK
