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
import pandas as pd

from jobs.options import budget, choice, site, whole
from models.errors import InputError, NoSolutionError, ScenarioError
from models.scenario import Scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select
from moo.kernels.data import DEFAULT_DISPATCH, DISPATCH_RULES
from moo.problems.baselines import ordered, uncoordinated
from moo.problems.encodings import ENCODINGS, resolve_encoding
from moo.problems.feasibility import load_checked
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.rundir import EV_STORE_VALUES, OutputDir, ScheduleSource, scenario_digest, write_run
from moo.rundir.checkpoint import CHECKPOINT, FRONT, check_scenario, load_checkpoint
from moo.search.nsga import (
    ALGORITHMS,
    FRONT_BUDGET,
    GAP_MODES,
    RELAX_MODES,
    SKETCH_MODES,
    FrontResult,
    FrontSettings,
    GapSearch,
    Memetic,
    RelaxSeeds,
    SketchSearch,
    default_max_solutions,
    run_front,
)
from moo.search.termination import Budget
from moo.uncertainty.risk import DETAIL_COLUMNS, Risk
from moo.util.spec import Spec

Report = Callable[[float, str], None]  # (share of the budget spent, status line)
LOCAL_SEARCH = ("auto", "on", "off")


@dataclass(frozen=True)
class FrontSpec(Spec):
    """The options of a front run (the `front` command's, and what a checkpoint records).

    ``encoding`` ``auto`` and ``max_solutions`` None are resolved per scenario when the run
    starts (`moo.problems.encodings.auto_encoding`, `default_max_solutions`); the spec keeps
    what was asked.

    ``realisations`` K (None: the deterministic front of the nominal day) makes the front
    risk-aware: each objective is ``risk`` (``mean`` or ``cvar:ALPHA``) of its values over K
    training realisations (`moo.uncertainty.risk`). A plan re-dispatched on every
    realisation is the aggregate encoding's decision, so ``encoding`` must be ``auto`` or
    ``aggregate`` (``vehicle`` is refused: one power per vehicle-slot of the nominal fleet
    means nothing on a day with other vehicles); the sketch search is not used.

    ``dispatch``: how the aggregate encoding shares a slot's cluster power among the vehicles
    (`moo.kernels.data.DISPATCH_RULES`; the vehicle encoding has no dispatcher). A risk-aware
    front dispatches the nominal day and every realisation by it; meta.json records it
    (``parameters.dispatch``) and `realise` and `replay` re-dispatch the plans by it.
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
    gap_search: str = "auto"
    realisations: int | None = None
    risk: str = "mean"
    dispatch: str = DEFAULT_DISPATCH

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
        choice("dispatch", self.dispatch, DISPATCH_RULES)
        choice("gap search", self.gap_search, GAP_MODES)
        whole("clusters", self.clusters)
        whole("pop size", self.pop_size, 4)
        whole("seed", self.seed, 0)
        whole("max solutions", self.max_solutions, optional=True)
        whole("checkpoint every", self.checkpoint_every, optional=True)
        whole("realisations", self.realisations, optional=True)
        if self.realisations is None:
            if self.risk != "mean":
                raise InputError(f"--risk {self.risk}: give --realisations K, the training "
                                 "realisations it is measured over")
        else:
            self.risk_measure()
            if self.encoding == "vehicle":
                raise InputError("--realisations needs the aggregate encoding (a plan is "
                                 "re-dispatched on each realised day; the vehicle encoding's "
                                 "per-vehicle powers fit the nominal fleet only): use "
                                 "--encoding auto or aggregate")

    def risk_measure(self) -> Risk | None:
        """The risk-aware front's measure (None: a deterministic front)."""
        if self.realisations is None:
            return None
        return Risk.parse(self.risk, self.realisations)

    def memetic(self) -> Memetic:
        """The local search. A risk-aware front keeps its seeds (nominal-day weighted-sum
        optima: good plans to start from) but not the per-generation polishing, which
        improves the nominal objectives, not the risk."""
        ls = self.local_search
        per_generation = Memetic.per_generation if self.realisations is None else 0
        return Memetic(enabled=ls != "off", max_vars=None if ls == "on" else Memetic.max_vars,
                       per_generation=per_generation)


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

    def _dispatch(self) -> str:
        rule = self.result.settings.get("dispatch")
        return "" if rule is None else f" ({rule} dispatch)"

    def _risk(self) -> str:
        risk = self.spec.risk_measure()
        if risk is None:
            return ""
        return (f"\nrisk-aware: {risk.label} over {risk.realisations} training realisations "
                "(cost with imbalance); schedules written for the nominal day")

    def text(self) -> str:
        """What the `front` command prints: size, effort, encoding, objective ranges."""
        res, currency = self.result, self.scenario.currency
        F = res.F
        return (
            f"{len(F)} solutions (archive {res.archive_size}), {res.n_evals} evaluations, "
            f"{res.wall_time_s:.1f} s, {res.settings['encoding']} encoding"
            f"{self._dispatch()}{self._sketch()}"
            f"{self._risk()}\n"
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
    record = None  # the scenario's digest formats its tables: 2 s per 100,000 vehicles
    if spec.checkpoint_every:
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
                        on_seeding=None if report is None else lambda: report(0.0, "seeding"),
                        checkpoint=Path(out) / CHECKPOINT if spec.checkpoint_every else None,
                        checkpoint_every=spec.checkpoint_every or 0, checkpoint_meta=record,
                        resume=payload)
        if len(res.F) == 0:
            raise no_solution(sc, res.interrupted)
        path = write_front(target, sc, res, algorithm=spec.algorithm, pop_size=spec.pop_size,
                           clusters=spec.clusters, budget=spec.budget, seed=spec.seed,
                           risk=how.risk)
    return FrontJob(path, sc, res, spec)


def settings(spec: FrontSpec, scenario: Scenario) -> FrontSettings:
    """How `run_front` searches this scenario for the spec: ``auto`` encoding and front size
    resolved for it (once), and the relaxed seeds checked against the encoding (an
    `InputError` before anything is claimed or solved). A risk-aware spec needs the
    scenario's ``[uncertainty]`` table and searches the aggregate encoding on the whole
    fleet."""
    risk = spec.risk_measure()
    if risk is None:
        encoding, sketch_mode = resolve_encoding(scenario, spec.encoding), spec.sketch
    else:
        if scenario.uncertainty is None:
            raise ScenarioError(f"{scenario.name}: --realisations needs an [uncertainty] table "
                                "in the scenario (docs/model.md §12.1)")
        encoding, sketch_mode = "aggregate", "off"
    relax = RelaxSeeds(spec.relax_seeds)
    relax.check(encoding)
    return FrontSettings(
        spec.algorithm, encoding, spec.pop_size, spec.budget, spec.seed, spec.clusters,
        spec.max_solutions or default_max_solutions(scenario), spec.memetic(), relax,
        SketchSearch(sketch_mode), risk, spec.dispatch, GapSearch(spec.gap_search))


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
    risk: Risk | None = None,
):
    """Dispatch the kept archive members into schedules and write the run directory.

    Schedules are dispatched, checked and written a chunk at a time (`ScheduleSource`); for
    large fleets the per-vehicle arrays are stored only for `representatives` (the rule in
    `moo.rundir.run`).

    A risk-aware front (``risk``) writes each plan's nominal-day schedule (checked like any
    other) and puts the risk values in front.csv's objective columns (`risk_columns`), and
    in the baselines' (the baselines' requests as plans, as the history's normalisation
    has them); meta.json says so under ``risk``.
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
    finish, risk_meta = None, {}
    if risk is not None:
        finish = risk_columns(res.problem.table(X))
        for name, row in base.items():
            risked = dict(zip(OBJECTIVES, res.baselines[name], strict=True))
            base[name] = {**risked, **{k: v for k, v in row.items() if k not in OBJECTIVES},
                          **{f"nominal_{k}": row[k] for k in OBJECTIVES}}
        risk_meta = {"risk": {
            **risk.to_meta(),
            "seed": scenario.uncertainty.seed,
            "objectives": "cost, variance, peak_valley = the measure over the training "
                          "realisations of the plan re-dispatched on each; cost = realised "
                          "grid cost + degradation + imbalance cost",
            "schedules": "the nominal day's (nominal_* columns: its objectives)",
        }}
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
            **risk_meta,
        },
        overwrite=overwrite,
        finish_front=finish,
    )


def risk_columns(table: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """front.csv of a risk-aware front: the objective columns take the risk values of
    ``table`` (`moo.uncertainty.risk.RiskProblem.table`, one row per solution), the nominal
    day's objectives move to ``nominal_cost`` … , the report columns stay the nominal
    schedule's, and the training means of `DETAIL_COLUMNS` follow."""

    def finish(front: pd.DataFrame) -> pd.DataFrame:
        front = front.copy()
        for name in OBJECTIVES:
            front[f"nominal_{name}"] = front[name]
            front[name] = table[name].to_numpy()
        for name in DETAIL_COLUMNS:
            front[name] = table[name].to_numpy()
        return front

    return finish
