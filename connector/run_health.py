"""How health is judged from the run history: `connector status`'s exit code and the worker's
`/readyz` agree because both ask here."""

from __future__ import annotations

from collections.abc import Sequence

from connector.state import RunRecord

#: Runs `status` and `/readyz` look through for the newest real one (an admin's dry runs first).
HEALTH_LOOKBACK = 50


def newest_real_run(runs: Sequence[RunRecord]) -> RunRecord | None:
    """The run health is judged on: a dry run is an admin's preview, not the worker's work, so
    a failed one must not page ops nor make a platform pull the worker."""
    return next((r for r in runs if not r.dry_run), None)


def needs_attention(run: RunRecord) -> bool:
    """Whether the newest run should make `status` exit 1: it failed, or it was left unfinished
    (a crash, a kill, a state-store outage: the next start recorded why). A run stopped on
    request (SIGTERM on deploy) or by another worker taking the portal is not an alert."""
    return run.status == "failed" or (run.status == "interrupted" and "reason" in run.summary)
