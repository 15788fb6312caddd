"""The `exact` command's job: an `ExactSpec` in, the exact reference front's run out.

The scenario is loaded and checked before ``--out`` is claimed; the weighted-sum QPs
(`moo.exact.front.exact_front`) are solved into the claimed directory and written as a
run (algorithm ``exact``, ``n_evals`` = QPs solved).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jobs.options import site, whole
from models.scenario import Scenario
from moo.exact.front import DEFAULT_POINTS, ExactFront, exact_front
from moo.problems.feasibility import load_checked
from moo.rundir import OutputDir, write_run
from moo.util.spec import Spec


@dataclass(frozen=True)
class ExactSpec(Spec):
    """The options of an exact front: the scenario and ``points`` (weight vectors asked)."""

    scenario: str
    points: int = DEFAULT_POINTS
    fleet_seed: int | None = None
    scale: int = 1
    date: str | None = None

    def __post_init__(self):
        site(self)
        whole("points", self.points, 3)


@dataclass
class ExactJob:
    """A written exact front."""

    path: Path
    scenario: Scenario
    front: ExactFront

    def text(self) -> str:
        """What the `exact` command prints (the dropped weights are warnings: `front.dropped`)."""
        return self.front.text(self.scenario.currency)


def run(spec: ExactSpec, out, *, overwrite: bool = False,
        report: Callable[[float, str], None] | None = None) -> ExactJob:
    """The `exact` command: scenario checked, ``--out`` claimed, front solved and written."""
    sc = load_checked(spec.scenario, spec.fleet_seed, spec.scale, spec.date)
    with OutputDir(out, overwrite=overwrite) as target:
        front = exact_front(sc, spec.points, report)
        path = write_exact(target, sc, front)
    return ExactJob(path, sc, front)


def write_exact(out_dir, scenario: Scenario, front: ExactFront, overwrite: bool = False) -> Path:
    """Write an exact front as a run directory (algorithm "exact", n_evals = QPs solved)."""
    return write_run(
        out_dir,
        scenario,
        front.ev_power,
        front.bess_power,
        algorithm="exact",
        parameters=front.parameters(),
        n_evals=front.n_qp,
        wall_time_s=front.build_time_s + front.solve_time_s,
        extra_meta=front.meta(),
        overwrite=overwrite,
    )
