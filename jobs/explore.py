"""The `explore` job: the interactive page of a front run, written by the output rule
(`plots.explorer.write_explorer`: RUN/explore.html or ``--out``, never inside another run
or onto a run's file, never over a file that is not an explore page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jobs.plot import read_shown
from moo.util.spec import Spec
from plots.explorer import write_explorer


@dataclass(frozen=True)
class ExploreSpec(Spec):
    run_dir: str
    reference_dir: str | None = None  # a reference front to mark (an exact run)
    baseline_dirs: tuple[str, ...] = ()  # baseline runs drawn beside it
    out: str | None = None  # default RUN/explore.html

    def __post_init__(self) -> None:
        object.__setattr__(self, "baseline_dirs", tuple(self.baseline_dirs))


@dataclass(frozen=True)
class ExploreResult:
    path: Path

    def text(self) -> str:
        return f"wrote {self.path}"


def run(spec: ExploreSpec, *, report: Callable[[float], None] | None = None) -> ExploreResult:
    shown, reference, baselines = read_shown(spec.run_dir, spec.reference_dir,
                                             spec.baseline_dirs)
    return ExploreResult(write_explorer(shown, reference=reference, baselines=baselines,
                                        out=spec.out))
