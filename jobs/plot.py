"""The `plot` job: every figure that applies to a run, written by the output rule
(`plots.report.write_figures`: into RUN/figures or ``--out``, never inside another run,
never over a file that is not a figure of ours)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.errors import InputError
from moo.rundir import Run, read_run
from moo.util.spec import Spec
from plots.report import FORMATS, write_figures


@dataclass(frozen=True)
class PlotSpec(Spec):
    run_dir: str
    reference_dir: str | None = None  # a reference front to mark (an exact run)
    baseline_dirs: tuple[str, ...] = ()  # baseline runs drawn beside it
    fmt: str = "png"
    out_dir: str | None = None  # default RUN/figures

    def __post_init__(self) -> None:
        object.__setattr__(self, "baseline_dirs", tuple(self.baseline_dirs))
        if self.fmt not in FORMATS:
            raise InputError(f"unknown figure format {self.fmt!r}: use {', '.join(FORMATS)}")


@dataclass(frozen=True)
class PlotResult:
    paths: tuple[Path, ...]

    @property
    def path(self) -> Path | None:
        return self.paths[0].parent if self.paths else None

    def text(self) -> str:
        return "\n".join(f"wrote {p}" for p in self.paths)


def read_shown(run_dir: str, reference_dir: str | None, baseline_dirs: tuple[str, ...]
               ) -> tuple[Run, Run | None, list[Run]]:
    """The run a figure or page shows, its reference front and its baselines, each read once
    by the strict reader (`plots.report.check_shown` checks they fit together)."""
    reference = None if reference_dir is None else read_run(reference_dir)
    return read_run(run_dir), reference, [read_run(path) for path in baseline_dirs]


def run(spec: PlotSpec, *, report: Callable[[float], None] | None = None) -> PlotResult:
    shown, reference, baselines = read_shown(spec.run_dir, spec.reference_dir,
                                             spec.baseline_dirs)
    return PlotResult(tuple(write_figures(shown, reference=reference, baselines=baselines,
                                          fmt=spec.fmt, out_dir=spec.out_dir)))
