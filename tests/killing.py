"""Run a CLI command in a child process and SIGKILL it right after its first checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def kill_after_first_checkpoint(args: list[str], checkpoint: Path, timeout_s: float = 120):
    """Start ``v2g-pareto ARGS`` (one numba thread) and kill it once ``checkpoint`` exists."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NUMBA_NUM_THREADS": "1"},
    )
    deadline = time.monotonic() + timeout_s
    while not checkpoint.exists():
        assert proc.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline, f"no checkpoint within {timeout_s:.0f} s"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
