"""The `explore` job: the interactive page of a front run, written by the output rule
(`plots.explorer.write_explorer`: RUN/explore.html or ``--out``, never inside another run
or onto a run's file, never over a file that is not an explore page).

With ``realised`` (a `realise` directory of the run) the page draws each point's
out-of-sample spread; ``run_dir`` may also be a realised directory itself, which shows the
run it names with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jobs.plot import read_shown
from moo.rundir import read_run
from moo.rundir.output import REALISED, holds
from moo.uncertainty.realised import read_realised
from moo.util.spec import Spec
from plots.explorer import write_explorer


@dataclass(frozen=True)
class ExploreSpec(Spec):
    run_dir: str  # a front run, or a realised directory (then its run, with it)
    reference_dir: str | None = None  # a reference front to mark (an exact run)
    baseline_dirs: tuple[str, ...] = ()  # baseline runs drawn beside it
    out: str | None = None  # default RUN/explore.html
    realised: str | None = None  # the run's `realise` directory: out-of-sample spread

    def __post_init__(self) -> None:
        object.__setattr__(self, "baseline_dirs", tuple(self.baseline_dirs))


@dataclass(frozen=True)
class ExploreResult:
    path: Path

    def text(self) -> str:
        return f"wrote {self.path}"


def run(spec: ExploreSpec, *, report: Callable[[float], None] | None = None) -> ExploreResult:
    given = Path(spec.run_dir)
    if spec.realised is None and given.is_dir() and holds(given) == REALISED:
        realised = read_realised(given)  # reads the run it names, once
        shown = realised.run
        reference = None if spec.reference_dir is None else read_run(spec.reference_dir)
        baselines = [read_run(path) for path in spec.baseline_dirs]
    else:
        shown, reference, baselines = read_shown(spec.run_dir, spec.reference_dir,
                                                 spec.baseline_dirs)
        realised = None if spec.realised is None else read_realised(spec.realised, shown)
    return ExploreResult(write_explorer(shown, reference=reference, baselines=baselines,
                                        out=spec.out, realised=realised))
