"""Build the run's collaborators from settings, once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from connector.errors import ConfigError
from connector.hubspot import HubSpotGateway
from connector.rules import RuleSet, load_rules
from connector.rules.sla_config import SlaConfig, load_sla_config
from connector.settings import Settings
from connector.state import StateStore
from connector.sync.dry_run import DryRun
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.properties import ScoreProperties
from connector.sync.run import RunResult, SyncOptions, SyncRun
from connector.sync.sources import Budgets

#: State-store document recording that the score properties exist in HubSpot.
SETUP_BLOB = "setup"


@dataclass(slots=True)
class Services:
    settings: Settings
    gateway: HubSpotGateway
    store: StateStore
    rules: RuleSet
    sla: SlaConfig
    names: ScoreProperties

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        # Order matters for the one-line errors: configuration first, then the database, and
        # only then anything that talks to HubSpot.
        rules = load_rules(settings.rules_file)
        sla = load_sla_config(settings.sla_file)
        sla.check_tiers(rules.sla_tiers)
        settings.require_token()
        store = StateStore.connect(settings.state_url)
        gateway = HubSpotGateway.from_settings(settings)
        return cls(
            settings=settings,
            gateway=gateway,
            store=store,
            rules=rules,
            sla=sla,
            names=ScoreProperties.with_prefix(settings.property_prefix),
        )

    def sync_options(self, *, dry_run: bool) -> SyncOptions:
        s = self.settings
        return SyncOptions(
            portal=s.portal,
            names=self.names,
            lag=timedelta(seconds=s.search_lag_seconds),
            dry_run=dry_run,
            write_threads=s.write_threads,
            lease_ttl=timedelta(seconds=s.lease_ttl_seconds),
            budgets=Budgets(
                burst_per_second=s.requests_per_10s / 10, search_per_second=s.search_per_second
            ),
        )

    @classmethod
    def for_runs(cls, settings: Settings, *, dry_run: bool) -> Services:
        """The services of `sync` and `run`: a real run first checks that `connector setup`
        created the score properties; a dry run writes nothing, so it may preview a portal
        before setup."""
        services = cls.from_settings(settings)
        if not dry_run:
            try:
                services.ensure_properties()
            except BaseException:
                services.close()
                raise
        return services

    def close(self) -> None:
        self.store.close()

    def ensure_properties(self) -> None:
        """Stop with one line when `connector setup` has not created the score properties.

        Checked against HubSpot once, then remembered in the state store, so later runs spend
        no call on it. Without the properties every write would be rejected record by record.
        """
        portal, wanted = self.settings.portal, list(self.names.all())
        stored = self.store.get_blob(portal, SETUP_BLOB)
        if stored is not None and stored.get("properties") == wanted:
            return
        existing = {p.name for p in self.gateway.read_property_definitions("contacts")}
        missing = [name for name in wanted if name not in existing]
        if missing:
            raise ConfigError(
                f"HubSpot has no contact properties {', '.join(missing)}: "
                "run `connector setup` first (it creates them)"
            )
        self.remember_setup()

    def remember_setup(self) -> None:
        self.store.save_blob(
            self.settings.portal, SETUP_BLOB, {"properties": list(self.names.all())}
        )


@dataclass(slots=True)
class WiredRun:
    """A run, and for a dry run the seams it wrote through, which make its report."""

    run: SyncRun
    dry: DryRun | None = None

    def execute(self) -> RunResult:
        result = self.run.execute()
        if self.dry is not None:
            result.changes = self.dry.report()
        return result


def build_run(
    services: Services,
    *,
    dry_run: bool,
    clock: Callable[[], datetime],
    stop: threading.Event | None = None,
) -> WiredRun:
    """One run of every stage the product performs; the one place a dry run is chosen.

    A dry run gets a port that records HubSpot writes and a store that keeps state writes to
    itself; its stages are exactly a real run's.
    """
    options = services.sync_options(dry_run=dry_run)

    def run(port: HubSpotPort, store: SyncState) -> SyncRun:
        return SyncRun(
            port=port,
            store=store,
            rules=services.rules,
            sla=services.sla,
            options=options,
            clock=clock,
            stop=stop,
        )

    if not dry_run:
        return WiredRun(run(services.gateway, services.store))
    dry = DryRun.over(services.gateway, services.store)
    return WiredRun(run(dry.port, dry.store), dry)
