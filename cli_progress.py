"""Progress of a long command on stderr: the share of its budget spent and the time left.

Beside the CLI (click stays out of the library): jobs report ``(share, status)`` through
the ``report`` callback they are given, and this module renders it.

On a terminal it is click's progress bar (percentage, estimated time left, a short status
such as the generation and the front's hypervolume); otherwise — a log file, CI — a plain
line every ``every_s`` seconds, so logs stay readable. The estimate assumes the rest of the
budget goes as fast as what has been spent.
"""

from __future__ import annotations

import sys
import time

import click

STEPS = 1000  # resolution of the bar


class Progress:
    """Report ``update(fraction, status)`` calls; `close` ends the bar (idempotent)."""

    def __init__(self, label: str, every_s: float = 5.0, stream=None):
        self.label = label
        self.every_s = every_s
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()
        self.last_line = -float("inf")
        self.status = ""
        self.done = 0
        self.bar = None
        if self.tty:
            self.bar = click.progressbar(
                length=STEPS,
                label=label,
                file=self.stream,
                show_eta=True,
                show_percent=True,
                item_show_func=lambda _: self.status,
            )
            self.bar.__enter__()

    def update(self, fraction: float, status: str = "") -> None:
        """The share of the budget spent so far (0..1) and a one-line status."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        self.status = status
        if self.bar is not None:
            step = int(fraction * STEPS)
            if step > self.done:
                self.bar.update(step - self.done, current_item=status)
                self.done = step
            else:
                self.bar.render_progress()
            return
        elapsed = time.perf_counter() - self.t0
        if elapsed - self.last_line >= self.every_s or fraction >= 1.0:
            self.last_line = elapsed
            left = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
            eta = f", ~{left:.0f} s left" if fraction > 0 else ""
            click.echo(
                f"{self.label} {100 * fraction:5.1f} %{eta}  {status}".rstrip(), file=self.stream
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def run_with_progress(label: str, run):
    """``run(report)`` with a `Progress` on stderr, closed whatever happens."""
    progress = Progress(label)
    try:
        return run(progress.update)
    finally:
        progress.close()
