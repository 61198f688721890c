"""`connector sync` in a child process that SIGKILLs itself before its N-th list request.

Usage: python -m tests.sync.rescore_kill_child N

The list endpoint is what a rules-change re-score walks the portal with, so the kill lands in
the middle of the walk: pages before it are written and their progress saved, nothing after
it runs (no `finally`, no flush), exactly as a kill from outside.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from typing import Any

from connector.cli import main
from connector.hubspot import HubSpotGateway


def arm(nth: int) -> None:
    original = HubSpotGateway.list_contacts
    seen = 0

    @functools.wraps(original)
    def dying(self: HubSpotGateway, **kwargs: Any) -> Any:
        nonlocal seen
        seen += 1
        if seen == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, **kwargs)

    setattr(HubSpotGateway, "list_contacts", dying)  # noqa: B010 (a method, replaced)


if __name__ == "__main__":
    arm(int(sys.argv[1]))
    sys.exit(main(["sync"]))
