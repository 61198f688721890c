"""Build the run's collaborators from settings, once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.errors import ConnectorError
from connector.hubspot import HubSpotGateway
from connector.logging import get_logger
from connector.rules import RuleSet, load_rules
from connector.rules.sla_config import SlaConfig, load_sla_config
from connector.settings import Settings
from connector.state import StateStore
from connector.sync.calibration_in_force import calibration_in_force
from connector.sync.dry_run import DryRun
from connector.sync.ports import HubSpotPort, SyncState
from connector.sync.preflight import preflight
from connector.sync.properties import ScoreProperties
from connector.sync.run import RunResult, SyncOptions, SyncRun
from connector.sync.setup import SetupReport, run_setup_steps

log = get_logger(__name__)

#: A long-running worker checks the portal again before a tick after this long (the portal may
#: have lost a property, a team or a scope since its start).
RECHECK_AFTER = timedelta(days=1)


@dataclass(slots=True)
class Services:
    settings: Settings
    gateway: HubSpotGateway
    store: StateStore
    rules: RuleSet
    sla: SlaConfig
    names: ScoreProperties
    #: When the configuration was last checked against the portal (`check_portal`).
    checked_at: datetime | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        # Order matters for the one-line errors: configuration first, then the database, and
        # only then anything that talks to HubSpot.
        rules = load_rules(settings.rules_file)
        sla = load_sla_config(settings.sla_file)
        sla.check_tiers(rules.sla_tiers)
        calibration = calibration_in_force(settings.rules_file, rules)
        settings.require_token()
        store = StateStore.connect(settings.state_url)
        gateway = HubSpotGateway.from_settings(settings)
        return cls(
            settings=settings,
            gateway=gateway,
            store=store,
            rules=rules,
            sla=sla,
            names=ScoreProperties.with_prefix(settings.property_prefix, calibration=calibration),
        )

    def set_up_portal(self, *, create: bool) -> SetupReport:
        """`connector setup`'s steps on this portal: create what is missing, or only check."""
        return run_setup_steps(
            self.gateway,
            rules=self.rules,
            names=self.names,
            group=self.settings.property_group,
            create=create,
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
            rescore_per_run=s.rescore_per_run,
        )

    @classmethod
    def for_runs(cls, settings: Settings, *, dry_run: bool) -> Services:
        """The services of `sync` and `run`, checked against the portal before any write.

        `preflight` lists every problem at once (exit code 2) before a record or the cursor
        is written. A real run also needs the score properties `connector setup` creates; a
        dry run writes nothing, so it may preview a portal before setup.
        """
        services = cls.from_settings(settings)
        try:
            services.check_portal(check_own=not dry_run)
        except ConnectorError as exc:
            services.record_failed_start(exc, dry_run=dry_run)
            services.close()
            raise
        except BaseException:
            services.close()
            raise
        return services

    def record_failed_start(self, error: ConnectorError, *, dry_run: bool) -> None:
        """Record a run that failed before it started (HubSpot unreachable, a configuration that
        does not fit the portal), so `status` and its exit code show it to ops like any failed
        run. The state store redacts the text; a store that is down too only logs."""
        now = datetime.now(UTC)
        try:
            run_id = self.store.start_run(self.settings.portal, started_at=now, dry_run=dry_run)
            self.store.finish_run(
                run_id,
                finished_at=now,
                status="failed",
                summary={"error": f"before the run started: {error}", "pulled": 0, "written": 0},
            )
        except ConnectorError as store_error:
            log.error("failed_start_not_recorded", error=type(store_error).__name__)
        # Logged like a run that fails once started, so a log alert on failed runs sees it.
        # Its first line only: the problems themselves are printed once, under it, by the CLI.
        log.error("sync_run_failed_before_start", error=str(error).splitlines()[0], dry_run=dry_run)

    def close(self) -> None:
        self.store.close()

    def check_portal(self, *, check_own: bool) -> None:
        """Check the rules and the SLA file against the portal (reads only; see `preflight`).

        Every `connector sync` checks before its first write: an admin may have removed a
        property, renamed a team or narrowed the token in HubSpot since the last one. A dry run
        checks too, without the connector's own properties (it may run before `connector
        setup`).
        """
        preflight(
            self.gateway,
            rules=self.rules,
            sla=self.sla,
            own_properties=list(self.names.all()),
            own_task_properties=[self.names.task_key],
            check_own=check_own,
        )
        self.checked_at = datetime.now(UTC)

    def recheck_portal_if_stale(self, *, check_own: bool, now: datetime) -> None:
        """`connector run` checked at its start; a worker that runs for weeks checks again
        before a tick once that check is a day old (six reads a day, against every tick's)."""
        if self.checked_at is None or now - self.checked_at >= RECHECK_AFTER:
            try:
                self.check_portal(check_own=check_own)
            except ConnectorError as exc:
                self.record_failed_start(exc, dry_run=not check_own)
                raise


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
