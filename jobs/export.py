"""The `export` job: one solution of a run written for operation (docs/export.md).

The export directory is claimed first by the output rule (`moo.rundir.OutputDir` of kind
`EXPORT`: never inside a run, never over a run, a study, a checkpoint or a user's files;
``overwrite`` replaces a previous export only), the run is read once, the solution chosen
(by id or by a kept decision's name), checked and written whole
(`moo.rundir.export`: the formats).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.errors import InputError
from moo.rundir import OutputDir, publish_run, read_run
from moo.rundir.export import FORMATS, choose, export_files, horizon
from moo.rundir.output import EXPORT
from moo.rundir.selection import check_name
from moo.util.spec import Spec


@dataclass(frozen=True)
class ExportSpec(Spec):
    """The options of `export`: which solution of ``run_dir``, in which format, where."""

    run_dir: str
    out: str
    format: str
    solution: int | None = None  # a front.csv solution id
    selection: str | None = None  # or a kept decision: selection-<name>.json
    date: str | None = None  # the day of an undated run
    timezone: str | None = None  # its IANA time zone (default UTC)
    overwrite: bool = False

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise InputError(f"--format {self.format}: must be one of {', '.join(FORMATS)}")
        if (self.solution is None) == (self.selection is None):
            raise InputError("give exactly one of --solution K and --selection NAME")
        if self.solution is not None and type(self.solution) is not int:
            raise InputError(f"--solution {self.solution!r}: a solution id (an integer)")
        if self.selection is not None:
            check_name(self.selection, "--selection")


@dataclass(frozen=True)
class ExportResult:
    path: Path  # the export directory
    solution: int

    def text(self) -> str:
        return f"wrote {self.path}"


def run(spec: ExportSpec, *, report: Callable[[float], None] | None = None) -> ExportResult:
    """Claim ``--out``, choose and check the solution, publish the export whole."""
    with OutputDir(spec.out, kind=EXPORT, overwrite=spec.overwrite) as target:
        chosen = choose(read_run(spec.run_dir), spec.solution, spec.selection)
        files, manifest = export_files(chosen, horizon(chosen.scenario, spec.date,
                                                       spec.timezone), spec.format)
        return ExportResult(publish_run(target, files, manifest), chosen.solution)
