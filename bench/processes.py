"""What the benches read about a child process."""

from __future__ import annotations


def peak_rss_mb(pid: int) -> float | None:
    """The process's own high-water mark of resident memory (MB), while it runs.

    VmHWM starts afresh at exec, unlike the ru_maxrss of wait4, which counts the forked copy of
    the (sandbox-holding) bench process. None once the process is gone.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
