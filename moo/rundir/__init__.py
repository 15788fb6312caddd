"""Run directories (format v1, docs/model.md §9): where a run goes, how it is written, the
one strict reader.

`output` is the output rule every writer follows (`OutputDir` claims a directory: checks,
lock, atomic publish; `OutputFile` a file added beside a run); `run` writes and reads runs;
`selection` writes and strictly reads the decisions saved in a run; `atomic` writes single
files atomically; `export` turns a run's schedule into files for chargers.
"""

from moo.rundir.atomic import atomic_write_bytes, atomic_write_text
from moo.rundir.output import OutputDir, OutputFile
from moo.rundir.run import (
    EV_STORE_VALUES,
    FORMAT,
    Run,
    RunBytes,
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
    "OutputFile",
    "Run",
    "RunBytes",
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
