"""Run directories (format v1): the atomic writer, the one strict reader, checkpoints.

`write_run` checks every schedule and writes a run atomically; `read_run` verifies format,
hashes, files and columns and is the only reader every command uses.
"""

from moo.rundir.run import (
    FORMAT,
    Run,
    ScheduleSource,
    atomic_write_bytes,
    atomic_write_text,
    is_complete,
    read_run,
    write_run,
)

__all__ = [
    "FORMAT",
    "Run",
    "ScheduleSource",
    "atomic_write_bytes",
    "atomic_write_text",
    "is_complete",
    "read_run",
    "write_run",
]
