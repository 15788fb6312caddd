"""The `front` command's job: a `FrontSpec` in, a front run directory out.

Order of work, so that bad input costs nothing and nothing is left half-done: the scenario
is loaded and checked (including an import limit no schedule can respect) before the
output is claimed (`moo.rundir.OutputDir`: checked, locked), and the output is claimed
before the optimiser starts. The spec is recorded in checkpoints with the SHA-256 of the
resolved scenario, so ``--resume`` refuses a scenario file that changed. A run that ends
without a feasible schedule (too small a budget, an interrupt before the first one)
writes nothing and raises `NoSolutionError`.

Storage rule for large fleets (`moo.rundir.run`): the per-vehicle schedules are stored
for the `representatives` this job names, which include the shipped AHP picks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jobs.options import budget, choice, site, whole
from models.errors import InputError, NoSolutionError
from models.scenario import Scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select
from moo.problems.baselines import ordered, uncoordinated
from moo.problems.encodings import ENCODINGS, resolve_encoding
from moo.problems.feasibility import load_checked
from moo.problems.objectives import evaluate
from moo.rundir import EV_STORE_VALUES, OutputDir, ScheduleSource, scenario_digest, write_run
from moo.rundir.checkpoint import CHECKPOINT, FRONT, check_scenario, load_checkpoint
from moo.search.nsga import (
    ALGORITHMS,
    FRONT_BUDGET,
    RELAX_MODES,
    SKETCH_MODES,
    FrontResult,
    FrontSettings,
    Memetic,
    RelaxSeeds,
    SketchSearch,
    default_max_solutions,
    run_front,
)
from moo.search.termination import Budget
from moo.util.spec import Spec

Report = Callable[[float, str], None]  # (share of the budget spent, status line)
LOCAL_SEARCH = ("auto", "on", "off")


@dataclass(frozen=True)
class FrontSpec(Spec):
    """The options of a front run (the `front` command's, and what a checkpoint records).

    ``encoding`` ``auto`` and ``max_solutions`` None are resolved per scenario when the run
    starts (`moo.problems.encodings.auto_encoding`, `default_max_solutions`); the spec keeps
    what was asked.
    """

    scenario: str
    fleet_seed: int | None = None
    scale: int = 1
    date: str | None = None
    algorithm: str = "nsga2"
    encoding: str = "auto"
    clusters: int = 1
    pop_size: int = 100
    budget: Budget = FRONT_BUDGET
    seed: int = 1
    max_solutions: int | None = None
    checkpoint_every: int | None = None
    local_search: str = "auto"
    relax_seeds: str = "auto"
    sketch: str = "auto"

    def __post_init__(self):
        site(self)
        if self.budget is None:
            object.__setattr__(self, "budget", FRONT_BUDGET)
        budget(self.budget)
        choice("algorithm", self.algorithm, ALGORITHMS)
        choice("encoding", self.encoding, ENCODINGS)
        choice("local search", self.local_search, LOCAL_SEARCH)
        choice("relax seeds", self.relax_seeds, RELAX_MODES)
        choice("sketch", self.sketch, SKETCH_MODES)
        whole("clusters", self.clusters)
        whole("pop size", self.pop_size, 4)
        whole("seed", self.seed, 0)
        whole("max solutions", self.max_solutions, optional=True)
        whole("checkpoint every", self.checkpoint_every, optional=True)

    def memetic(self) -> Memetic:
        ls = self.local_search
        return Memetic(enabled=ls != "off", max_vars=None if ls == "on" else Memetic.max_vars)


@dataclass
class FrontJob:
    """A finished front run: where it is and what it found."""

    path: Path
    scenario: Scenario
    result: FrontResult
    spec: FrontSpec

    def _sketch(self) -> str:
        sk = self.result.settings.get("sketch", {})
        if sk.get("factor", 1) <= 1:
            return ""
        return (f", searched on a sketch of {sk['vehicles']:,} vehicles (1 in {sk['factor']}), "
                "front dispatched on the whole fleet")

    def text(self) -> str:
        """What the `front` command prints: size, effort, encoding, objective ranges."""
        res, currency = self.result, self.scenario.currency
        F = res.F
        return (
            f"{len(F)} solutions (archive {res.archive_size}), {res.n_evals} evaluations, "
            f"{res.wall_time_s:.1f} s, {res.settings['encoding']} encoding{self._sketch()}\n"
            f"cost {F[:, 0].min():,.2f} .. {F[:, 0].max():,.2f} {currency}; "
            f"std {np.sqrt(F[:, 1].min()):,.1f} .. {np.sqrt(F[:, 1].max()):,.1f} kW; "
            f"peak-valley {F[:, 2].min():,.1f} .. {F[:, 2].max():,.1f} kW"
        )


def no_solution(scenario: Scenario, interrupted: bool) -> NoSolutionError:
    """The error of a run that found no feasible schedule (nothing is written)."""
    if interrupted:
        return NoSolutionError("interrupted before the first feasible schedule: nothing written")
    why = "no feasible schedule within the budget"
    if scenario.grid.import_limit_kw is not None:
        why += f" (import_limit_kw {scenario.grid.import_limit_kw:g} may be too tight)"
    return NoSolutionError(f"{why}: nothing written; give a larger budget")


def run(
    spec: FrontSpec | None,
    out: str | Path | None,
    *,
    resume: str | Path | None = None,
    overwrite: bool = False,
    report: Report | None = None,
) -> FrontJob:
    """Run a front from ``spec`` into ``out``, or continue the checkpointed run in
    ``resume``."""
    payload = None
    if resume is not None:
        payload = load_checkpoint(Path(resume) / CHECKPOINT, FRONT)
        recorded = dict(payload["run"])
        recorded.pop("scenario_sha256", None)
        spec, out = FrontSpec.from_dict(recorded), resume
    elif spec is None or out is None:
        raise InputError("give --scenario and --out (or --resume RUN_DIR)")
    sc = load_checked(spec.scenario, spec.fleet_seed, spec.scale, spec.date)
    record = {**spec.to_dict(), "scenario_sha256": scenario_digest(sc)}
    if payload is not None:
        check_scenario(Path(resume) / CHECKPOINT, payload["run"], sc)
    how = settings(spec, sc)

    def on_generation(row: dict) -> None:
        if report is not None:
            report(row["budget_share"], f"gen {row['generation']} front {row['n_nondominated']} "
                                        f"HV {row['hypervolume']:.5f}")

    with OutputDir(out, overwrite=overwrite, resume=payload is not None) as target:
        res = run_front(sc, how, on_generation=on_generation,
                        checkpoint=Path(out) / CHECKPOINT if spec.checkpoint_every else None,
                        checkpoint_every=spec.checkpoint_every or 0, checkpoint_meta=record,
                        resume=payload)
        if len(res.F) == 0:
            raise no_solution(sc, res.interrupted)
        path = write_front(target, sc, res, algorithm=spec.algorithm, pop_size=spec.pop_size,
                           clusters=spec.clusters, budget=spec.budget, seed=spec.seed)
    return FrontJob(path, sc, res, spec)


def settings(spec: FrontSpec, scenario: Scenario) -> FrontSettings:
    """How `run_front` searches this scenario for the spec: ``auto`` encoding and front size
    resolved for it (once), and the relaxed seeds checked against the encoding (an
    `InputError` before anything is claimed or solved)."""
    encoding = resolve_encoding(scenario, spec.encoding)
    relax = RelaxSeeds(spec.relax_seeds)
    relax.check(encoding)
    return FrontSettings(
        spec.algorithm, encoding, spec.pop_size, spec.budget, spec.seed, spec.clusters,
        spec.max_solutions or default_max_solutions(scenario), spec.memetic(), relax,
        SketchSearch(spec.sketch))


def representatives(F: np.ndarray, n_max: int) -> np.ndarray:
    """Solutions of a front F [S, 3] whose per-vehicle schedules a large-fleet run stores:
    the minimum of each objective, the Economy and Response picks of the shipped AHP
    judgements (`moo.decision.select`), then evenly spaced solutions in cost order up to
    ``n_max`` in all."""
    if len(F) == 0:
        return np.zeros(0, dtype=np.int64)
    chosen = list(np.argmin(F, axis=0))
    judgements = load_default_judgements()
    for mode in ("economy", "response"):
        chosen.append(select(F, judgements.objective_weights(mode)).index)
    by_cost = np.argsort(F[:, 0], kind="stable")
    chosen = set(int(i) for i in chosen)
    for m in range(2, len(F) + 1):  # finer and finer even spacing until n_max are named
        if len(chosen) >= min(n_max, len(F)):
            break
        for i in by_cost[np.linspace(0, len(F) - 1, m).round().astype(int)]:
            if len(chosen) < n_max:
                chosen.add(int(i))
    chosen = sorted(chosen)
    return np.unique(np.asarray(chosen, dtype=np.int64))


def write_front(
    out,
    scenario: Scenario,
    res: FrontResult,
    *,
    algorithm: str,
    pop_size: int,
    clusters: int,
    budget: Budget,
    seed: int,
    overwrite: bool = False,
):
    """Dispatch the kept archive members into schedules and write the run directory.

    Schedules are dispatched, checked and written a chunk at a time (`ScheduleSource`); for
    large fleets the per-vehicle arrays are stored only for `representatives` (the rule in
    `moo.rundir.run`).
    """
    X = res.X

    def get(idx):
        ev, bess, _ = res.problem.schedules(X[idx])
        return ev, bess

    per_solution = max(scenario.fleet.n * scenario.slots, 1)
    keep = representatives(res.F, max(EV_STORE_VALUES // per_solution, 5))
    base = {
        name: evaluate(scenario, fn(scenario)[None]).iloc[0].drop("solution").to_dict()
        for name, fn in (("uncoordinated", uncoordinated), ("ordered", ordered))
    }
    return write_run(
        out,
        scenario,
        ScheduleSource(len(X), get),
        algorithm=algorithm,
        ev_keep=keep,
        parameters={
            "pop_size": pop_size,
            "clusters": clusters,
            "budget": budget.to_dict(),
            "max_solutions": len(res.F),
            **res.settings,
        },
        seed=seed,
        n_evals=res.n_evals,
        wall_time_s=res.wall_time_s,
        history=res.history,
        extra_meta={
            "normalization": {
                **res.normalization,
                "kind": "history: ideal 0, nadir max of baselines",
            },
            "baselines": base,
            "archive_size": res.archive_size,
            "interrupted": res.interrupted,
        },
        overwrite=overwrite,
    )
