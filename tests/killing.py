"""Child processes of the tests: run a CLI command and SIGKILL it right after its first
checkpoint; every child starts with Ctrl-C at its default disposition."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def default_signals() -> None:
    """``preexec_fn`` of every child a test starts: SIGINT and SIGQUIT back to their
    defaults. A shell starts a background job (`pytest ... &`, as CI systems do) with them
    ignored, and a child inherits that; Python then installs no KeyboardInterrupt handler,
    so a test that sends Ctrl-C would find it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def kill_after_first_checkpoint(args: list[str], checkpoint: Path, timeout_s: float = 120):
    """Start ``v2g-pareto ARGS`` (one numba thread) and kill it once ``checkpoint`` exists."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NUMBA_NUM_THREADS": "1"},
        preexec_fn=default_signals,
    )
    deadline = time.monotonic() + timeout_s
    while not checkpoint.exists():
        assert proc.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline, f"no checkpoint within {timeout_s:.0f} s"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
