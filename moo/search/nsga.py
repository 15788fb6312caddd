"""Pareto fronts with pymoo's NSGA-II / NSGA-III over the scheduling problems.

`run_front` drives the algorithm ask-and-tell so that every evaluated population goes into
the non-dominated `Archive`, the stop criteria (generations, evaluations, wall time) are
checked between generations, a progress callback sees each generation, and Ctrl-C ends the
run cleanly with the front found so far.

Seeding: the initial population holds the decision vectors of the uncoordinated and
ordered baselines, up to half of it local-search points (`Memetic`) and, with the aggregate
encoding, the lower-bound relaxation's optima rounded by the dispatcher (`RelaxSeeds`), then
uniformly random vectors (every vector is feasible after dispatch or repair). Huge fleets
are searched on a sketch and dispatched on the whole fleet at the end (`SketchSearch`).

History: the archive's hypervolume after each generation in a fixed normalisation given by
the baselines, so that curves of different runs of one scenario compare: ideal 0 and nadir
the componentwise maximum of the two baselines' objectives (a non-positive range uses
``max(|nadir|, 1)`` as its scale), reference point 1.1.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.moo.nsga3 import NSGA3
from pymoo.core.population import Population
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM

from models.errors import InputError
from models.scenario import Scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select
from moo.exact.bound import BoundFront, bound_front
from moo.exact.front import DEFAULT_POINTS
from moo.kernels import population as kernels
from moo.problems.baselines import ordered, uncoordinated
from moo.problems.encodings import (
    AggregateProblem,
    VehicleProblem,
    make_problem,
    resolve_encoding,
)
from moo.problems.objectives import evaluate
from moo.problems.sketch import SKETCH_SLOTS_MAX, sketch, sketch_factor
from moo.rundir import EV_STORE_VALUES, ScheduleSource, write_run
from moo.rundir.checkpoint import FRONT, save_checkpoint
from moo.search.archive import Archive
from moo.search.local import FrontSeeder, LocalSearchSettings, local_moves, seed_lattice
from moo.util.lattice import das_dennis
from moo.util.normalization import Normalization

ALGORITHMS = ("nsga2", "nsga3")
HISTORY_COLUMNS = ("generation", "n_evals", "elapsed_s", "hypervolume", "n_nondominated")


@dataclass(frozen=True)
class Budget:
    """When to stop: the first of generations, evaluations and wall time reached."""

    generations: int | None = None
    evals: int | None = None
    time_limit_s: float | None = None

    def __post_init__(self):
        for name, value in (("generations", self.generations), ("evals", self.evals)):
            if value is not None and (isinstance(value, bool) or int(value) != value or value < 1):
                raise InputError(f"{name}: must be a whole number >= 1, got {value!r}")
        t = self.time_limit_s
        if t is not None and not (isinstance(t, int | float) and math.isfinite(t) and t > 0):
            raise InputError(f"time limit: must be a finite number of seconds > 0, got {t!r}")
        if self.generations is None and self.evals is None and self.time_limit_s is None:
            object.__setattr__(self, "generations", 200)

    @classmethod
    def one_of(cls, generations=None, evals=None, time_limit_s=None) -> Budget:
        """The budget of a command's options, where at most one may be given."""
        given = [name for name, v in (("--generations", generations), ("--evals", evals),
                                      ("--time-limit", time_limit_s)) if v is not None]
        if len(given) > 1:
            raise InputError(f"give one of --generations, --evals, --time-limit, not "
                             f"{' and '.join(given)}")
        return cls(generations, evals, time_limit_s)

    def spent(self, gen: int, n_evals: int, elapsed_s: float) -> float:
        """The share of the budget used (0..1): the largest over the limits given."""
        shares = [
            gen / self.generations if self.generations else 0.0,
            n_evals / self.evals if self.evals else 0.0,
            elapsed_s / self.time_limit_s if self.time_limit_s else 0.0,
        ]
        return min(max(shares), 1.0)

    def done(self, gen: int, n_evals: int, elapsed_s: float) -> bool:
        return (
            (self.generations is not None and gen >= self.generations)
            or (self.evals is not None and n_evals >= self.evals)
            or (self.time_limit_s is not None and elapsed_s >= self.time_limit_s)
        )

    def to_dict(self) -> dict:
        return {
            "generations": self.generations,
            "evals": self.evals,
            "time_limit_s": self.time_limit_s,
        }


@dataclass
class FrontResult:
    """What a front run produced: the archive subset to write and how it got there."""

    problem: object
    X: np.ndarray  # [S, n_var]
    F: np.ndarray  # [S, 3]
    report: np.ndarray  # [S, N_OUT]
    history: pd.DataFrame
    n_evals: int
    wall_time_s: float
    archive_size: int
    interrupted: bool
    baselines: dict = field(default_factory=dict)
    normalization: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)


@lru_cache(maxsize=16)
def reference_directions(pop_size: int) -> np.ndarray:
    """Das-Dennis directions for 3 objectives: the most partitions with at most pop_size."""
    p = 1
    while (p + 2) * (p + 3) // 2 <= pop_size:
        p += 1
    return das_dennis(p)


def history_normalization(baseline_F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    nadir = baseline_F.max(axis=0)
    ideal = np.zeros(3)
    nadir = np.where(nadir > ideal, nadir, np.maximum(np.abs(nadir), 1.0))
    return ideal, nadir


def archive_hypervolume(F: np.ndarray, ideal: np.ndarray, nadir: np.ndarray) -> float:
    if len(F) == 0:
        return 0.0
    return Normalization(ideal, nadir).hypervolume(F)


def make_algorithm(name: str, pop_size: int, initial: np.ndarray, repair, seed: int | None):
    common = dict(
        pop_size=pop_size,
        sampling=Population.new(X=initial),
        crossover=SBX(prob=0.9, eta=15),
        mutation=PM(eta=20),
        repair=repair,
        eliminate_duplicates=True,
        seed=seed,
    )
    if name == "nsga2":
        return NSGA2(**common)
    if name == "nsga3":
        return NSGA3(ref_dirs=reference_directions(pop_size), **common)
    raise ValueError(f"unknown algorithm {name!r}: use one of {', '.join(ALGORITHMS)}")


def seed_vectors(problem, scenario: Scenario) -> np.ndarray:
    """Decision vectors of the uncoordinated and ordered baselines."""
    ev = np.stack([uncoordinated(scenario), ordered(scenario)])
    return problem.profile_to_x(ev, None)


@dataclass(frozen=True)
class Memetic(LocalSearchSettings):
    """The local-search part of a front run (`LocalSearchSettings`, plus what fronts add).

    Each generation ``per_generation`` random weight vectors (Dirichlet(1, 1, 1)) each polish
    the best archive point for it (at most ``generation_moves_max`` moves); the results
    replace the last offspring. The store of polished schedules (each (N + 1) x T floats) is
    thinned by hypervolume contribution to at most ``store_values`` floats (400 MB; never
    below 16 points).

    Large fleets: with more than ``max_vars`` plugged vehicle-slots the local search is
    switched off (``max_vars=None``: never). There its moves per variable become too few to
    matter while each costs O(T) and each stored point N x T floats; the aggregate
    encoding's dispatcher carries those runs.
    """

    per_generation: int = 2
    generation_moves_max: int = 2_500_000
    store_values: int = 50_000_000
    max_vars: int | None = 200_000

    def active(self, problem) -> bool:
        """Whether the local search runs on this problem."""
        nnz = int(problem.kdata.slot_ptr[-1])
        return self.enabled and (self.max_vars is None or nnz <= self.max_vars)





RELAX_MODES = ("auto", "on", "off")


@dataclass(frozen=True)
class RelaxSeeds:
    """Relax-and-round seeds of the aggregate encoding (``mode``: auto, on, off).

    The lower-bound relaxation (`moo.exact.bound.bound_front`, ``points`` lattice weights) is
    solved once; each relaxed optimum's fleet EV and BESS profile becomes a request vector
    (`AggregateProblem.fleet_to_x`), which the dispatcher rounds to feasible per-vehicle
    schedules. They join the archive and up to half of the first population, beside the
    local-search seeds. ``auto`` is on whenever the encoding is aggregate: on iov x 10 the
    rounded seeds alone reach a certified HV ratio the plain NSGA-II does not reach in 200
    generations (README, "Certified quality"). With a wall-time budget the lattice stops
    after ``seed_share`` of it. The vehicle encoding has its own seeds (the local search).
    """

    mode: str = "auto"
    points: int = DEFAULT_POINTS
    seed_share: float = 0.25

    def __post_init__(self):
        if self.mode not in RELAX_MODES:
            raise InputError(f"relax seeds: use one of {', '.join(RELAX_MODES)}, got {self.mode!r}")

    def active(self, problem) -> bool:
        """Whether relaxed seeds are made for this problem (``on`` with the vehicle
        encoding is refused by `check`)."""
        return self.mode != "off" and isinstance(problem, AggregateProblem)

    def check(self, encoding: str) -> None:
        if self.mode == "on" and encoding != "aggregate":
            raise InputError("--relax-seeds on needs the aggregate encoding "
                             f"(this run uses {encoding}); use auto or off")

    def to_dict(self) -> dict:
        return dict(self.__dict__)


SKETCH_MODES = ("auto", "off")


@dataclass(frozen=True)
class SketchSearch:
    """Search a large fleet on its sketch (`moo.problems.sketch`), then dispatch the result on
    the whole fleet (``mode``: auto, off).

    ``auto``: with the aggregate encoding and more than ``max_slots`` plugged vehicle-slots,
    the generations run on a sketch of one vehicle in ``m`` (`sketch_factor`); every archive
    member and every relaxed seed is then dispatched on the whole fleet and the front is
    taken from those whole-fleet evaluations, so what is written and certified is exact. On
    iov x 100 (m = 5) the whole command took 188 s instead of 483 s, at a higher certified
    HV ratio (README, "Certified quality"). The history's hypervolume is measured on the
    sketch (objectives scaled back by ``m``, ``m**2``, ``m``).
    """

    mode: str = "auto"
    max_slots: int = SKETCH_SLOTS_MAX

    def __post_init__(self):
        if self.mode not in SKETCH_MODES:
            raise InputError(f"sketch: use one of {', '.join(SKETCH_MODES)}, got {self.mode!r}")

    def factor(self, scenario: Scenario, encoding: str) -> int:
        if self.mode == "off" or encoding != "aggregate":
            return 1
        return sketch_factor(scenario, self.max_slots)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def run_front(
    scenario: Scenario,
    algorithm: str = "nsga2",
    *,
    encoding: str = "auto",
    pop_size: int = 100,
    budget: Budget = Budget(),
    seed: int = 1,
    clusters: int = 1,
    max_solutions: int = 500,
    on_generation: Callable[[dict], None] | None = None,
    memetic: Memetic = Memetic(),
    relax: RelaxSeeds = RelaxSeeds(),
    relaxed: BoundFront | None = None,
    sketch_search: SketchSearch = SketchSearch(),
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    checkpoint_meta: dict | None = None,
    resume: dict | None = None,
) -> FrontResult:
    """Run NSGA-II/III and return the non-dominated set of everything it evaluated.

    ``relaxed``: the scenario's lower-bound front when the caller already has it (a study
    computes it anyway); the relaxed seeds then come from it instead of a second solve.

    The wall-time budget counts from the start, seeding included. With ``checkpoint`` and
    ``checkpoint_every`` N, the whole optimiser state is written there atomically after
    every N generations, with ``checkpoint_meta`` (what the caller needs to resume, e.g.
    its arguments); ``resume`` (a payload from `load_checkpoint`) continues such a run
    where it stopped, giving the same front as an uninterrupted run with the same seed and
    a generation or evaluation budget.
    """
    if resume is not None:
        state = resume["state"]
        t0 = time.perf_counter() - state["elapsed_s"]
    else:
        t0 = time.perf_counter()
        encoding = resolve_encoding(scenario, encoding)
        m = sketch_search.factor(scenario, encoding)
        searched = sketch(scenario, m)
        problem, repair = make_problem(searched, encoding, clusters)
        seeds = seed_vectors(problem, searched)
        baseline_F = problem.evaluate(seeds, return_values_of=["F"])
        if m > 1:  # the whole fleet's baselines: the normalisation of history and meta
            whole = make_problem(scenario, encoding, clusters)[0]
            baseline_F = whole.evaluate(seed_vectors(whole, scenario), return_values_of=["F"])
        state = dict(
            problem=problem,
            repair=repair,
            seeds=seeds,
            baseline_F=baseline_F,
            sketch=m,
            relaxed=None,
            rng=np.random.default_rng(seed),
            archive=Archive(problem.n_var, kernels.N_OUT),
            rows=[],
            gen=0,
            n_evals=0,
            seeder=None,
            algo=None,
            elapsed_s=0.0,
        )
    problem, rng, archive, rows = state["problem"], state["rng"], state["archive"], state["rows"]
    ideal, nadir = history_normalization(state["baseline_F"])
    m = state.get("sketch", 1)
    units = np.array([m, m * m, m], dtype=float)  # sketch objectives -> whole-fleet units
    interrupted = False
    try:
        if state["algo"] is None:
            extra = np.zeros((0, problem.n_var))
            if memetic.active(problem):
                deadline = np.inf
                if budget.time_limit_s is not None:
                    deadline = t0 + memetic.seed_share * budget.time_limit_s
                state["seeder"], extra, state["n_evals"] = _memetic_seeds(
                    problem, problem.scenario, memetic, rng, archive, deadline
                )
            if relax.active(problem):
                if relaxed is None:
                    deadline = np.inf
                    if budget.time_limit_s is not None:
                        deadline = time.perf_counter() + relax.seed_share * budget.time_limit_s
                    relaxed = bound_front(scenario, relax.points, deadline=deadline, columns=False)
                state["relaxed"] = relaxed
                relaxed = _relaxed_seeds(problem, state["relaxed"], m, archive)
                extra = np.vstack([extra, relaxed])
                state["n_evals"] += len(relaxed)
            seeds = state["seeds"]
            n_seed = min(len(extra), max(pop_size // 2 - len(seeds), 0))
            pick = np.linspace(0, len(extra) - 1, n_seed).round().astype(int) if n_seed else []
            initial = np.vstack(
                [
                    seeds,
                    extra[pick],
                    rng.uniform(size=(max(pop_size - len(seeds) - n_seed, 0), problem.n_var)),
                ]
            )
            algo = make_algorithm(algorithm, pop_size, initial, state["repair"], seed)
            algo.setup(problem, verbose=False)
            state["algo"] = algo
        algo, seeder = state["algo"], state["seeder"]
        while not budget.done(state["gen"], state["n_evals"], time.perf_counter() - t0):
            pop = algo.ask()
            if seeder is not None and memetic.per_generation > 0:
                pop = _inject(pop, problem, seeder, memetic, rng)
            algo.evaluator.eval(problem, pop)
            algo.tell(infills=pop)
            state["gen"] += 1
            state["n_evals"] += len(pop)
            feasible = _feasible(pop, problem)
            archive.add(pop.get("X")[feasible], pop.get("F")[feasible], pop.get("report")[feasible])
            row = dict(
                generation=state["gen"],
                n_evals=state["n_evals"],
                elapsed_s=time.perf_counter() - t0,
                hypervolume=archive_hypervolume(archive.F * units, ideal, nadir),
                n_nondominated=len(archive),
            )
            rows.append(row)
            if checkpoint is not None and checkpoint_every and state["gen"] % checkpoint_every == 0:
                state["elapsed_s"] = time.perf_counter() - t0
                save_checkpoint(checkpoint, state, checkpoint_meta, FRONT)
            if on_generation is not None:
                on_generation(row)
    except KeyboardInterrupt:
        interrupted = True
    if m > 1:
        problem, archive, n_whole = _on_whole_fleet(problem, scenario, archive, state, clusters)
        state["n_evals"] += n_whole
    wall = time.perf_counter() - t0
    keep = archive.reduced(
        max_solutions,
        archive.F.min(axis=0) if len(archive) else ideal,
        archive.F.max(axis=0) if len(archive) else nadir,
    )
    order = keep[np.argsort(archive.F[keep, 0], kind="stable")]  # by cost, for reading
    baseline_F = state["baseline_F"]
    return FrontResult(
        problem=problem,
        X=archive.X[order],
        F=archive.F[order],
        report=archive.R[order],
        history=pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)),
        n_evals=state["n_evals"],
        wall_time_s=wall,
        archive_size=len(archive),
        interrupted=interrupted,
        baselines={"uncoordinated": baseline_F[0].tolist(), "ordered": baseline_F[1].tolist()},
        normalization={"ideal": ideal.tolist(), "nadir": nadir.tolist()},
        settings={
            "encoding": "vehicle" if isinstance(problem, VehicleProblem) else "aggregate",
            "memetic": {**memetic.to_dict(), "active": memetic.active(state["problem"])},
            "relax_seeds": {**relax.to_dict(), "active": state.get("relaxed") is not None},
            "sketch": {**sketch_search.to_dict(), "factor": m,
                       "vehicles": len(state["problem"].kdata.veh[0])},
        },
    )


def _memetic_seeds(problem, scenario, memetic: Memetic, rng, archive: Archive, deadline: float):
    """Weighted-sum local-search points, evaluated through the problem into the archive.

    Returns the seeder, their decision vectors and the number of evaluations.
    """
    moves = local_moves(problem, memetic.seed_moves_per_var, memetic.seed_moves_max)
    seeder, _ = seed_lattice(
        problem, scenario, memetic.divisions, moves, rng, deadline, memetic.store_values
    )
    X = problem.profile_to_x(*seeder.polisher.split(seeder.P))
    _add_feasible(problem, X, archive)
    return seeder, X, len(X)


def _relaxed_seeds(problem, relaxed, m: int, archive: Archive) -> np.ndarray:
    """Relax and round: the relaxed optima's profiles (of the whole fleet: divided by the
    sketch factor ``m``) as request vectors, repaired (what the dispatcher realised),
    evaluated into the archive; returns the repaired vectors."""
    X = problem.repair(problem.fleet_to_x(relaxed.ev_kw / m, relaxed.bess_kw / m))
    _add_feasible(problem, X, archive)
    return X


def _add_feasible(problem, X: np.ndarray, archive: Archive) -> None:
    """Evaluate X (already repaired) and add the feasible ones to the archive."""
    out = problem.evaluate(
        X, return_values_of=["F", "report", "G"] if problem.n_ieq_constr else ["F", "report"]
    )
    ok = out[2][:, 0] <= 1e-9 if problem.n_ieq_constr else np.ones(len(X), bool)
    archive.add(X[ok], out[0][ok], out[1][ok])


def _on_whole_fleet(problem, scenario, archive: Archive, state: dict, clusters: int):
    """A sketch search's archive dispatched on the whole fleet: each member's requests times
    the sketch factor (and each relaxed seed's profile) as whole-fleet requests, repaired and
    evaluated. Returns the whole-fleet problem, its archive and the evaluations spent."""
    m = state["sketch"]
    whole, _ = make_problem(scenario, "aggregate", clusters)
    req, _ = problem.requests(archive.X)
    X = whole.realised_x(req * m, problem.bess_power(archive.X) * m)
    if state.get("relaxed") is not None:
        X = np.vstack([X, whole.fleet_to_x(state["relaxed"].ev_kw, state["relaxed"].bess_kw)])
    result = Archive(whole.n_var, kernels.N_OUT)
    for chunk in np.array_split(np.arange(len(X)), max(1, len(X) // 100)) if len(X) else []:
        _add_feasible(whole, whole.repair(X[chunk]), result)
    return whole, result, len(X)


def _inject(pop, problem, seeder: FrontSeeder, memetic: Memetic, rng) -> Population:
    """Replace the last offspring by polished archive points for random weight vectors."""
    k = min(memetic.per_generation, len(pop))
    weights = rng.dirichlet(np.ones(3), size=k)
    moves = local_moves(problem, memetic.generation_moves_per_var, memetic.generation_moves_max)
    P, _ = seeder.improve(weights, moves, rng)
    X = pop.get("X").copy()
    X[len(X) - k :] = problem.profile_to_x(*seeder.polisher.split(P))
    return Population.new(X=X)


def _feasible(pop, problem) -> np.ndarray:
    if not problem.n_ieq_constr:
        return np.ones(len(pop), dtype=bool)
    return pop.get("G")[:, 0] <= 1e-9


MAX_SOLUTIONS = 500
WRITE_VALUES = 500_000_000  # per-vehicle floats a front run writes (and checks) by default


def default_max_solutions(scenario: Scenario) -> int:
    """How many front members a run writes unless told: 500, fewer for large fleets so
    that dispatching and checking them stays bounded (S x N x T <= 5e8: 52 solutions for
    100,000 vehicles x 96 slots), never fewer than 20."""
    per_solution = max(scenario.fleet.n * scenario.slots, 1)
    return int(min(MAX_SOLUTIONS, max(20, WRITE_VALUES // per_solution)))


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
            "crossover": "SBX(prob=0.9, eta=15)",
            "mutation": "PM(eta=20)",
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
