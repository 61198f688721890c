"""The syncing worker never loads the review extra's libraries."""

from __future__ import annotations

import subprocess
import sys


def test_worker_modules_do_not_import_numpy_or_sklearn() -> None:
    code = (
        "import sys\n"
        "import connector.cli, connector.sync, connector.hubspot, connector.rules\n"
        "import connector.sync.commands, connector.sync.demo\n"
        "connector.cli.build_parser()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'sklearn'))\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
    # the check can fail: the review itself does load numpy
    review = subprocess.run(
        [sys.executable, "-c", "import sys, connector.review.stats; print('numpy' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert review.stdout.strip() == "True"
