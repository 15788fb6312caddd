"""The `bound` command's job: a `BoundSpec` in, a lower-bound run out.

A bound run holds the relaxed optima and their certificates in front.csv and no
schedules (``meta["kind"] = "bound"``); it is written like every run
(`moo.rundir.publish_run`: atomically, ``--out`` rules, hashes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobs.exact import ExactSpec
from jobs.options import whole
from models.scenario import Scenario
from moo.exact.bound import BoundFront, bound_front
from moo.problems.feasibility import load_checked
from moo.rundir import OutputDir, csv_bytes, publish_run, run_meta, scenario_files
from moo.rundir.run import BOUND as KIND


@dataclass(frozen=True)
class BoundSpec(ExactSpec):
    """The options of a lower-bound front: the exact front's (the scenario, ``points``
    weight vectors) and ``groups`` vehicle groups (more: tighter, slower; None: one per
    vehicle up to `VEHICLE_SLOTS_MAX` plugged vehicle-slots, else `DEFAULT_GROUPS`)."""

    groups: int | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.groups is not None:
            whole("groups", self.groups)


@dataclass
class BoundJob:
    """A written bound run."""

    path: Path
    front: BoundFront

    def text(self) -> str:
        """What the `bound` command prints."""
        return self.front.text()


def run(spec: BoundSpec, out, *, overwrite: bool = False) -> BoundJob:
    """The `bound` command: scenario checked, ``--out`` claimed, bound solved and written."""
    sc = load_checked(spec.scenario, spec.fleet_seed, spec.scale, spec.date)
    with OutputDir(out, overwrite=overwrite) as target:
        front = bound_front(sc, spec.points, spec.groups)
        path = write_bound(target, sc, front)
    return BoundJob(path, front)


def write_bound(out_dir, scenario: Scenario, front: BoundFront, overwrite: bool = False) -> Path:
    """Write a bound run: front.csv holds the relaxed optima and their certificates, there
    are no schedules (``meta["kind"] = "bound"``); written like every run
    (`moo.rundir.publish_run`: atomically, ``--out`` rules, hashes)."""
    files = {**scenario_files(scenario), "front.csv": csv_bytes(front.table())}
    meta = run_meta(
        scenario,
        algorithm=KIND,
        parameters=front.parameters(),
        seed=None,
        n_evals=front.n_qp,
        wall_time_s=front.build_time_s + front.solve_time_s,
        n_solutions=len(front.bound),
    )
    meta.update(kind=KIND, ev_power_stored=[], **front.meta())
    return publish_run(out_dir, files, meta, overwrite=overwrite)
