"""The syncing worker never loads the review extra's libraries."""

from __future__ import annotations

import subprocess
import sys


def test_worker_modules_do_not_import_numpy_or_sklearn() -> None:
    code = (
        "import sys\n"
        "import connector.cli, connector.sync, connector.hubspot, connector.rules\n"
        "import connector.sync.commands, connector.demo\n"
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


def test_review_without_the_extra_says_how_to_install_it() -> None:
    code = (
        "import sys\n"
        "sys.modules['numpy'] = None  # as on a plain install, without the review extra\n"
        "from connector.cli import main\n"
        "sys.exit(main(['review', '--csv', 'x.csv', '--map', 'm.yaml']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "pip install 'hubspot-lead-qualifier[review]'" in done.stderr
    assert "Traceback" not in done.stderr
