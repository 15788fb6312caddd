"""Run directories (format v1, docs/model.md §9): where a run goes, how it is written, the
one strict reader.

`output` claims ``--out`` (checks, lock, atomic publish); `run` writes and reads runs;
`atomic` writes single files atomically; `export` turns a run's schedule into files for
chargers.
"""

from moo.rundir.atomic import atomic_write_bytes, atomic_write_text
from moo.rundir.output import OutputDir
from moo.rundir.run import (
    EV_STORE_VALUES,
    FORMAT,
    Run,
    ScheduleSource,
    csv_bytes,
    is_complete,
    publish_run,
    read_run,
    run_meta,
    scenario_digest,
    scenario_files,
    tool_version,
    write_run,
)

__all__ = [
    "EV_STORE_VALUES",
    "FORMAT",
    "OutputDir",
    "Run",
    "ScheduleSource",
    "atomic_write_bytes",
    "atomic_write_text",
    "csv_bytes",
    "is_complete",
    "publish_run",
    "read_run",
    "run_meta",
    "scenario_digest",
    "scenario_files",
    "tool_version",
    "write_run",
]
