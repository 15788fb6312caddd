"""The `plot` job: every figure that applies to a run, written by the output rule
(`plots.report.write_figures`: into RUN/figures or ``--out``, never inside another run,
never over a file that is not a figure of ours)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.errors import InputError
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


def run(spec: PlotSpec, *, report: Callable[[float], None] | None = None) -> PlotResult:
    return PlotResult(tuple(write_figures(spec.run_dir, reference_dir=spec.reference_dir,
                                          baseline_dirs=spec.baseline_dirs, fmt=spec.fmt,
                                          out_dir=spec.out_dir)))
