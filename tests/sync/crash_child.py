"""A `connector` command in a child process that signals itself at a named point.

Usage: python -m tests.sync.crash_child SIGNAL POINT N [COMMAND ...]   (default command: sync)

At the N-th time the process reaches POINT it sends itself SIGNAL: KILL leaves it exactly as a
kill from outside would (no `finally`, no flush, no commit), TERM asks it to stop as a platform
does on deploy; either at a known place instead of a random instant. The points:

- `pull`: before the N-th search request of a window or of a backfill's search half (earlier
  pages scored, reserved and being written);
- `score-write`: after HubSpot accepted the N-th batch of score properties (memory not saved);
- `proof-pending`: after the N-th batch of pending proofs (no task exists yet);
- `task-create`: after HubSpot created the N-th batch of tasks (proofs still pending, ledger
  not confirmed: between create and record);
- `proof-final`: after the N-th batch of final proofs (the ledger not yet confirmed).
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from connector.cli import main
from connector.hubspot import HubSpotGateway
from connector.hubspot.models import RecordUpdate

HANDOFF = "qualification_handoff"


def _proofs(updates: Sequence[RecordUpdate], *, pending: bool) -> bool:
    values = [u.properties.get(HANDOFF) for u in updates]
    return any(v is not None and ("|pending|" in v) == pending for v in values)


#: point -> (gateway methods, kill before or after the call, which calls count)
POINTS: dict[str, tuple[tuple[str, ...], str, Callable[[Any], bool]]] = {
    "pull": (("search_contacts_modified", "search_contacts_by_id"), "before", lambda _: True),
    "score-write": (
        ("update_contacts",),
        "after",
        lambda updates: all(HANDOFF not in u.properties for u in updates),
    ),
    "proof-pending": (("update_contacts",), "after", lambda u: _proofs(u, pending=True)),
    "task-create": (("create_tasks",), "after", lambda _: True),
    "proof-final": (("update_contacts",), "after", lambda u: _proofs(u, pending=False)),
}


def arm(signum: signal.Signals, point: str, nth: int) -> None:
    methods, when, counts = POINTS[point]
    seen = 0
    lock = threading.Lock()  # score writes come from the writer's threads

    def reached() -> bool:
        nonlocal seen
        with lock:
            seen += 1
            return seen == nth

    for method in methods:
        _arm_one(method, when, counts, reached, signum)


def _arm_one(
    method: str,
    when: str,
    counts: Callable[[Any], bool],
    reached: Callable[[], bool],
    signum: signal.Signals,
) -> None:
    original = getattr(HubSpotGateway, method)

    @functools.wraps(original)
    def dying(self: HubSpotGateway, *args: Any, **kwargs: Any) -> Any:
        fire = counts(args[0] if args else None) and reached()
        if fire and when == "before":
            _signal_self(signum)
        result = original(self, *args, **kwargs)
        if fire and when == "after":
            _signal_self(signum)
        return result

    setattr(HubSpotGateway, method, dying)


def _signal_self(signum: signal.Signals) -> None:
    if signum == signal.SIGSTOP:
        # To this thread: it stops on the way back from the call. Sent to the process, another
        # thread may take the stop while this one runs on for a moment (through its next fence
        # check, even), which is not the place the test names.
        signal.pthread_kill(threading.get_ident(), signum)
    else:
        os.kill(os.getpid(), signum)


if __name__ == "__main__":
    arm(signal.Signals[f"SIG{sys.argv[1]}"], sys.argv[2], int(sys.argv[3]))
    sys.exit(main(sys.argv[4:] or ["sync"]))
