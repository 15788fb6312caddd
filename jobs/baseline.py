"""The `baseline` command's job: a `BaselineSpec` in, a reference-schedule run out.

A baseline (docs/model.md §6: uncoordinated full power on arrival, or ordered charge-only
valley filling) is one schedule, written as a run directory of one solution; with an
import limit its departure targets are not required (the baseline ignores the limit and
is checked against what it is).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from jobs.options import choice, site
from models.scenario import Scenario
from moo.problems.baselines import METHODS, baseline, check_baseline_limit
from moo.problems.feasibility import load_checked
from moo.problems.objectives import kpi_table
from moo.rundir import OutputDir, Run, read_run, write_run
from moo.util.spec import Spec


@dataclass(frozen=True)
class BaselineSpec(Spec):
    """The options of a baseline run: the scenario and the method."""

    scenario: str
    method: str
    fleet_seed: int | None = None
    scale: int = 1
    date: str | None = None

    def __post_init__(self):
        site(self)
        choice("method", self.method, METHODS)


@dataclass
class BaselineJob:
    """A written baseline run."""

    path: Path
    run: Run

    def text(self) -> str:
        """What the `baseline` command prints: the KPI table of the schedule."""
        return kpi_table(self.run.front, self.run.scenario.currency)


def run(spec: BaselineSpec, out: str | Path, *, overwrite: bool = False) -> BaselineJob:
    """A reference schedule (docs/model.md §6) written as a run directory."""
    t0 = time.perf_counter()
    sc = load_checked(spec.scenario, spec.fleet_seed, spec.scale, spec.date)
    check_baseline_limit(sc, spec.method)
    with OutputDir(out, overwrite=overwrite) as target:
        path = write_baseline(target, sc, spec.method, t0)
    return BaselineJob(path, read_run(path))


def write_baseline(out, scenario: Scenario, method: str, t0: float | None = None) -> Path:
    """The baseline schedule as a run directory; with an import limit the departure targets
    are not required (the baseline ignores the limit). ``t0``: when the work started
    (``time.perf_counter``), for the recorded wall time."""
    power = baseline(scenario, method)
    throttled = scenario.grid.import_limit_kw is not None
    wall = 0.0 if t0 is None else time.perf_counter() - t0
    return write_run(out, scenario, power[None], algorithm=method, n_evals=1,
                     wall_time_s=wall, targets=not throttled)
