"""Pareto fronts with pymoo's NSGA-II / NSGA-III over the scheduling problems.

`run_front` drives the algorithm ask-and-tell so that every evaluated population goes into
the non-dominated `Archive`, the stop criteria (generations, evaluations, wall time) are
checked between generations, a progress callback sees each generation, and Ctrl-C ends the
run cleanly with the front found so far.

Seeding: the initial population holds the decision vectors of the uncoordinated and
ordered baselines, up to half of it local-search points (`Memetic`) and, with the aggregate
encoding, the lower-bound relaxation's optima rounded by the dispatcher (`RelaxSeeds`), then
uniformly random vectors (every vector is feasible after dispatch or repair). With the
relaxed seeds, `GapSearch` writes every seed the archive keeps and aims part of each
generation at the lattice weights the bound certifies worst. Huge fleets
are searched on a sketch and dispatched on the whole fleet at the end (`SketchSearch`).
With `FrontSettings.risk` the problem is `moo.uncertainty.risk.RiskProblem` (objectives:
a risk measure over training realisations), seeded the same way.

History: the archive's hypervolume after each generation in a fixed normalisation given by
the baselines, so that curves of different runs of one scenario compare: ideal 0 and nadir
the componentwise maximum of the two baselines' objectives (a non-positive range uses
``max(|nadir|, 1)`` as its scale), reference point 1.1.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

import numpy as np
import pandas as pd
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.moo.nsga3 import NSGA3
from pymoo.core.mating import Mating
from pymoo.core.population import Population
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM

from models.errors import InputError
from models.scenario import Scenario
from moo.exact.bound import BoundFront, bound_front
from moo.exact.front import DEFAULT_POINTS
from moo.kernels import population as kernels
from moo.kernels.data import DEFAULT_DISPATCH, DISPATCH_RULES
from moo.problems.baselines import ordered, uncoordinated
from moo.problems.encodings import (
    AggregateProblem,
    AggregateRepair,
    VehicleProblem,
    make_problem,
    resolve_encoding,
)
from moo.problems.scalar import ScalarProblem
from moo.problems.sketch import SKETCH_SLOTS_MAX, sketch, sketch_factor
from moo.rundir.checkpoint import FRONT, save_checkpoint
from moo.search.archive import Archive, hv_thinned
from moo.search.local import FrontSeeder, LocalSearchSettings, local_moves, seed_lattice
from moo.search.shift import shift_search
from moo.search.termination import Budget, Counts
from moo.uncertainty.risk import Risk, RiskProblem
from moo.util.lattice import das_dennis
from moo.util.normalization import Normalization

ALGORITHMS = ("nsga2", "nsga3")
HISTORY_COLUMNS = ("generation", "n_evals", "elapsed_s", "hypervolume", "n_nondominated")
FRONT_BUDGET = Budget(generations=200)  # a front run's budget unless told
MAX_SOLUTIONS = 500
WRITE_VALUES = 500_000_000  # per-vehicle floats a front run writes (and checks) by default


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


def archive_hypervolume(F: np.ndarray, box: Normalization) -> float:
    return 0.0 if len(F) == 0 else box.hypervolume(F)


class AimedMating(Mating):
    """pymoo's mating, plus the children of parent pairs named before an ``ask()``
    (``pending`` [P, 2, n_var], `GapSearch`): the next mating makes them with the same
    crossover and mutation and puts them first among the offspring, so that the repair (one
    dispatch of all offspring) and the duplicate elimination treat them like any other."""

    pending: np.ndarray | None = None

    def _do(self, problem, pop, n_offsprings, parents=None, random_state=None, **kwargs):
        aimed, self.pending = self.pending, None
        if aimed is None or not len(aimed):
            return super()._do(problem, pop, n_offsprings, parents, random_state, **kwargs)
        pairs = np.arange(2 * len(aimed)).reshape(-1, 2)
        kids = self.crossover.do(problem, Population.new(X=aimed.reshape(-1, aimed.shape[-1])),
                                 parents=pairs, random_state=random_state)
        kids = self.mutation.do(problem, kids, random_state=random_state)
        if n_offsprings <= len(kids):
            return kids[:n_offsprings]
        rest = super()._do(problem, pop, n_offsprings - len(kids), None, random_state, **kwargs)
        return Population.merge(kids, rest)


def make_algorithm(name: str, pop_size: int, initial: np.ndarray, repair, seed: int | None):
    """NSGA-II or NSGA-III with the front's operators; its mating is an `AimedMating`."""
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
        algo = NSGA2(**common)
    elif name == "nsga3":
        algo = NSGA3(ref_dirs=reference_directions(pop_size), **common)
    else:
        raise ValueError(f"unknown algorithm {name!r}: use one of {', '.join(ALGORITHMS)}")
    m = algo.mating
    algo.mating = AimedMating(m.selection, m.crossover, m.mutation, repair=m.repair,
                              eliminate_duplicates=m.eliminate_duplicates,
                              n_max_iterations=m.n_max_iterations)
    return algo


def operators(algo) -> dict:
    """The variation operators a pymoo algorithm runs, as meta.json records them (read from
    the operator objects, so the record is what ran)."""
    if algo is None:
        return {}
    cx, mut = algo.mating.crossover, algo.mating.mutation
    return {"crossover": f"{type(cx).__name__}(prob={cx.prob.value:g}, eta={cx.eta.value:g})",
            "mutation": f"{type(mut).__name__}(eta={mut.eta.value:g})"}


def seed_vectors(problem, scenario: Scenario) -> np.ndarray:
    """Decision vectors of the uncoordinated and ordered baselines (one schedule [N, T]
    held at a time: 768 MB each for a million vehicles)."""
    return np.vstack([problem.profile_to_x(fn(scenario)[None], None)
                      for fn in (uncoordinated, ordered)])


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
class AggregateSeeding:
    """A seeding only the aggregate encoding has (``mode``: auto, on, off): ``auto`` makes
    it whenever the encoding is aggregate, ``on`` with another encoding is refused (`check`).
    ``option`` is its command-line option, named in the messages."""

    option: ClassVar[str]
    mode: str = "auto"

    def __post_init__(self):
        if self.mode not in RELAX_MODES:
            raise InputError(f"{self.option[2:].replace('-', ' ')}: use one of "
                             f"{', '.join(RELAX_MODES)}, got {self.mode!r}")

    def active(self, problem) -> bool:
        """Whether the seeding is made for this scheduling problem."""
        return self.mode != "off" and isinstance(problem, AggregateProblem)

    def check(self, encoding: str) -> None:
        if self.mode == "on" and encoding != "aggregate":
            raise InputError(f"{self.option} on needs the aggregate encoding "
                             f"(this run uses {encoding}); use auto or off")

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RelaxSeeds(AggregateSeeding):
    """Relax-and-round seeds of the aggregate encoding (`AggregateSeeding`).

    The lower-bound relaxation (`moo.exact.bound.bound_front`, ``points`` lattice weights) is
    solved once; each relaxed optimum's fleet EV and BESS profile becomes a request vector
    (`AggregateProblem.fleet_to_x`), which the dispatcher rounds to feasible per-vehicle
    schedules. They join the archive and up to half of the first population, beside the
    local-search seeds. ``auto`` is on whenever the encoding is aggregate: on iov x 10 the
    rounded seeds alone reach a certified HV ratio the plain NSGA-II does not reach in 200
    generations (README, "Certified quality"). With a wall-time budget the lattice stops
    after ``seed_share`` of it. The vehicle encoding has its own seeds (the local search).
    """

    option: ClassVar[str] = "--relax-seeds"
    points: int = DEFAULT_POINTS
    seed_share: float = 0.25


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

    Only the ``candidates`` x ``max_solutions`` archive members that keep the most of the
    sketch's hypervolume (`hv_thinned`; 0: all of them) go to the whole fleet, beside the
    relaxed seeds: the written front keeps ``max_solutions`` anyway, and each whole-fleet
    dispatch costs ``m`` sketch ones (a million vehicles: 20 written of about 650 members).
    Measured in docs/benchmarks.md, "A million vehicles".
    """

    mode: str = "auto"
    max_slots: int = SKETCH_SLOTS_MAX
    candidates: int = 4

    def __post_init__(self):
        if self.mode not in SKETCH_MODES:
            raise InputError(f"sketch: use one of {', '.join(SKETCH_MODES)}, got {self.mode!r}")

    def factor(self, scenario: Scenario, encoding: str) -> int:
        if self.mode == "off" or encoding != "aggregate":
            return 1
        return sketch_factor(scenario, self.max_slots)

    def members(self, F: np.ndarray, max_solutions: int) -> np.ndarray:
        """Indices of the archive members [A, 3] (the sketch's objectives) to dispatch on the
        whole fleet."""
        if self.candidates <= 0:
            return np.arange(len(F))
        return hv_thinned(F, self.candidates * max_solutions, F.min(axis=0), F.max(axis=0))

    def to_dict(self) -> dict:
        return dict(self.__dict__)


GAP_MODES = ("auto", "off")


@dataclass(frozen=True)
class GapSearch:
    """Points where the certificate needs them (``mode``: auto, off; ``auto`` acts whenever
    the relaxed seeds are made, so with the aggregate encoding).

    Kept seeds: the written front holds every rounded relaxed seed the archive still holds
    (non-dominated), beside the ``max_solutions`` members the hypervolume thinning keeps —
    at most one extra point per lattice weight, each its weight's relax-and-round optimum.

    Aimed offspring: each generation measures the archive's certified gap per lattice
    weight (`moo.exact.bound.Certificate.gaps`, whose largest ``compare --bound`` reports)
    and takes the ``weights`` weights with the largest gaps; for each, ``matings`` pairs —
    the archive's best point for that weight and one of its next ``parents`` best — go
    through the algorithm's own crossover, mutation and repair, and their children replace
    the first offspring of the generation. The evaluations stay those of a generation; part
    of them moves to where the gap is. Not for a risk-aware front (its objectives are not
    the ones the bound certifies), and not beside the local search (`Memetic`, small fleets):
    on iov's 1,000 vehicles the aimed offspring cost the front 0.014 of certified HV ratio
    (0.938 against 0.952 with ``--gap-search off``; with the priority rule and no local
    search they had lifted it by 0.002-0.006 at 10,000 and 100,000). Few aimed offspring
    (8 of 100 by default), so that the rest keeps the front's spread; measured in
    docs/benchmarks.md, "Points where the certificate needs them".

    Polish: after the generations, for the ``polish_weights`` lattice weights with the
    largest certified gaps, the archive's best point for that weight is polished in the
    encoding by `moo.search.shift.shift_search` (``polish_evals`` evaluations each, of the
    searched problem: the sketch's when there is one) for that weighted sum in the bound's
    normalisation; the written front keeps the archive's best point for each polished
    weight (and the sketch hands each to the whole fleet). The worst gaps are at the cost
    end, where the dispatcher's rounding loses what no request of the genetic operators
    finds back in 200 generations; on iov x 10 a polish of 5,000 evaluations halves them
    (measured in docs/benchmarks.md, "Points where the certificate needs them").
    """

    mode: str = "auto"
    weights: int = 4
    matings: int = 2
    parents: int = 5
    polish_weights: int = 4
    polish_evals: int = 2_500

    def __post_init__(self):
        if self.mode not in GAP_MODES:
            raise InputError(f"gap search: use one of {', '.join(GAP_MODES)}, got {self.mode!r}")

    def active(self, relaxed: BoundFront | None, risk: Risk | None) -> bool:
        """Whether the generations aim at the worst gaps: a relaxed bound is known and the
        objectives are the ones it certifies (a risk-aware front's are not). The kept seeds
        need only ``mode`` auto."""
        return self.mode != "off" and relaxed is not None and risk is None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class FrontState:
    """Everything a front run carries between generations (and a checkpoint stores)."""

    problem: object  # the searched problem (of the sketch when ``sketch`` > 1)
    repair: object
    seeds: np.ndarray  # [2, n_var] the baselines' decision vectors
    baseline_F: np.ndarray  # [2, 3] the whole fleet's baselines: history's normalisation
    sketch: int  # the sketch factor m (1: the whole fleet)
    rng: np.random.Generator
    archive: Archive
    rows: list = field(default_factory=list)  # history rows
    gen: int = 0
    n_evals: int = 0
    relaxed: BoundFront | None = None
    seed_F: np.ndarray | None = None  # [R, 3] the rounded relaxed seeds' objectives
    polished: dict | None = None  # the gap search's polish (`_polish`): weights, gaps, evals
    seeder: FrontSeeder | None = None
    algo: object = None  # the pymoo algorithm once seeded
    elapsed_s: float = 0.0

    @classmethod
    def start(cls, scenario: Scenario, encoding: str, clusters: int, sketch_search: SketchSearch,
              seed: int, risk: Risk | None = None,
              dispatch: str = DEFAULT_DISPATCH) -> FrontState:
        m = 1 if risk is not None else sketch_search.factor(scenario, encoding)
        searched = sketch(scenario, m)
        if risk is not None:
            problem, repair = RiskProblem(searched, clusters, risk, dispatch), AggregateRepair()
        else:
            problem, repair = make_problem(searched, encoding, clusters, dispatch)
        seeds = seed_vectors(problem, searched)
        baseline_F = problem.evaluate(seeds, return_values_of=["F"])
        if m > 1:
            whole = make_problem(scenario, encoding, clusters, dispatch)[0]
            baseline_F = whole.evaluate(seed_vectors(whole, scenario), return_values_of=["F"])
        return cls(problem, repair, seeds, baseline_F, m, np.random.default_rng(seed),
                   Archive(problem.n_var, kernels.N_OUT))


@dataclass(frozen=True)
class FrontSettings:
    """How a front is searched: algorithm (``nsga2``, ``nsga3``), encoding (``auto``:
    `resolve_encoding`), population, budget, seed, departure clusters of the aggregate
    encoding, archive members kept, and the seeding and sketch parts. ``risk``: a
    risk-aware front (`moo.uncertainty.risk.RiskProblem`: the aggregate encoding, whose
    ``auto`` it resolves to, searched on the whole fleet, never a sketch)."""

    algorithm: str = "nsga2"
    encoding: str = "auto"
    pop_size: int = 100
    budget: Budget = FRONT_BUDGET
    seed: int = 1
    clusters: int = 1
    max_solutions: int = MAX_SOLUTIONS
    memetic: Memetic = Memetic()
    relax: RelaxSeeds = RelaxSeeds()
    sketch_search: SketchSearch = SketchSearch()
    risk: Risk | None = None
    dispatch: str = DEFAULT_DISPATCH
    gap_search: GapSearch = GapSearch()


def run_front(
    scenario: Scenario,
    settings: FrontSettings = FrontSettings(),
    *,
    relaxed: BoundFront | None = None,
    on_generation: Callable[[dict], None] | None = None,
    on_seeding: Callable[[], None] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    checkpoint_meta: dict | None = None,
    resume: dict | None = None,
) -> FrontResult:
    """Run NSGA-II/III as ``settings`` say and return the non-dominated set of everything it
    evaluated.

    ``relaxed``: the scenario's lower-bound front when the caller already has it (a study
    computes it anyway); the relaxed seeds then come from it instead of a second solve.

    The budget (`Budget.termination`, pymoo's) counts the generations, every evaluation
    (seeds included) and the wall time from the start, seeding included; ``on_generation``
    gets each history row with ``budget_share``, the share of the budget spent;
    ``on_seeding`` is called when the seeding starts (an interrupt from then on ends the run
    as an interrupt at any generation does). With
    ``checkpoint`` and ``checkpoint_every`` N, the whole optimiser state (`FrontState`) is
    written there atomically after every N generations, with ``checkpoint_meta`` (what the
    caller needs to resume, e.g. its spec); ``resume`` (a payload from `load_checkpoint`)
    continues such a run where it stopped, giving the same front as an uninterrupted run
    with the same seed and a generation or evaluation budget.
    """
    budget, memetic, relax = settings.budget, settings.memetic, settings.relax
    if resume is not None:
        state: FrontState = resume["state"]
        t0 = time.perf_counter() - state.elapsed_s
    else:
        t0 = time.perf_counter()
        encoding = resolve_encoding(scenario, settings.encoding)
        if settings.risk is not None and settings.encoding == "auto":
            encoding = "aggregate"
        if settings.risk is not None and encoding != "aggregate":
            raise InputError("a risk-aware front re-dispatches each plan on its realisations: "
                             "it needs the aggregate encoding")
        state = FrontState.start(scenario, encoding, settings.clusters, settings.sketch_search,
                                 settings.seed, settings.risk, settings.dispatch)
    problem, archive, m = state.problem, state.archive, state.sketch
    box = Normalization.of_baselines(state.baseline_F)
    units = np.array([m, m * m, m], dtype=float)  # sketch objectives -> whole-fleet units
    termination = budget.termination()

    def spent() -> float:
        counts = Counts(state.gen, state.n_evals, time.perf_counter() - t0)
        return termination.update(counts)

    interrupted, gap, aiming = False, False, False
    try:
        if state.algo is None:
            if on_seeding is not None:
                on_seeding()
            _seed_algorithm(state, scenario, settings, t0, relaxed)
        algo = state.algo
        gap = settings.gap_search.active(state.relaxed, settings.risk)
        aiming = (gap and state.seeder is None  # `GapSearch`: not beside the local search
                  and isinstance(algo.mating, AimedMating))  # not in an older checkpoint
        while spent() < 1.0:
            if aiming:
                _aim(state, settings.gap_search, units)
            pop = algo.ask()
            if state.seeder is not None and memetic.per_generation > 0:
                pop = _inject(pop, problem, state.seeder, memetic, state.rng)
            algo.evaluator.eval(problem, pop)
            algo.tell(infills=pop)
            state.gen += 1
            state.n_evals += len(pop)
            feasible = _feasible(pop, problem)
            archive.add(pop.get("X")[feasible], pop.get("F")[feasible], pop.get("report")[feasible])
            row = dict(
                generation=state.gen,
                n_evals=state.n_evals,
                elapsed_s=time.perf_counter() - t0,
                hypervolume=archive_hypervolume(archive.F * units, box),
                n_nondominated=len(archive),
            )
            state.rows.append(row)
            if checkpoint is not None and checkpoint_every and state.gen % checkpoint_every == 0:
                state.elapsed_s = time.perf_counter() - t0
                save_checkpoint(checkpoint, state, checkpoint_meta, FRONT)
            if on_generation is not None:
                on_generation({**row, "budget_share": min(spent(), 1.0)})
        if gap and state.polished is None:
            _polish(state, settings.gap_search, units)
    except KeyboardInterrupt:
        interrupted = True
    if m > 1:
        t_whole = time.perf_counter()
        problem, archive, n_whole = _on_whole_fleet(problem, scenario, archive, state,
                                                    settings)
        state.n_evals += n_whole
        whole_fleet = {"candidates_dispatched": n_whole,
                       "whole_fleet_s": round(time.perf_counter() - t_whole, 3)}
    wall = time.perf_counter() - t0
    keep = np.unique(np.concatenate([
        archive.reduced(
            settings.max_solutions,
            archive.F.min(axis=0) if len(archive) else box.ideal,
            archive.F.max(axis=0) if len(archive) else box.nadir,
        ),
        seeds_kept(archive.F, state.seed_F if settings.gap_search.mode != "off" else None),
        best_for(archive.F, state, np.ones(3)),
    ]))
    order = keep[np.argsort(archive.F[keep, 0], kind="stable")]  # by cost, for reading
    baseline_F = state.baseline_F
    return FrontResult(
        problem=problem,
        X=archive.X[order],
        F=archive.F[order],
        report=archive.R[order],
        history=pd.DataFrame(state.rows, columns=list(HISTORY_COLUMNS)),
        n_evals=state.n_evals,
        wall_time_s=wall,
        archive_size=len(archive),
        interrupted=interrupted,
        baselines={"uncoordinated": baseline_F[0].tolist(), "ordered": baseline_F[1].tolist()},
        normalization={"ideal": box.ideal.tolist(), "nadir": box.nadir.tolist()},
        settings={
            "encoding": "vehicle" if isinstance(problem, VehicleProblem) else "aggregate",
            **({} if isinstance(problem, VehicleProblem)
               else {"dispatch": DISPATCH_RULES[problem.kdata.rule]}),
            **operators(state.algo),
            "memetic": {**memetic.to_dict(), "active": memetic.active(state.problem)},
            "relax_seeds": {**relax.to_dict(), "active": state.relaxed is not None,
                            "weights": 0 if state.relaxed is None else len(state.relaxed.bound),
                            "in_front": len(seeds_kept(archive.F[order], state.seed_F))},
            "gap_search": {**settings.gap_search.to_dict(), "active": gap, "aimed": aiming,
                           **({"polish": state.polished} if state.polished else {})},
            "sketch": {**settings.sketch_search.to_dict(), "factor": m,
                       "vehicles": len(state.problem.kdata.veh[0]),
                       **(whole_fleet if m > 1 else {})},
            **({"risk": settings.risk.to_meta()} if settings.risk is not None else {}),
        },
    )


def _seed_algorithm(state: FrontState, scenario, settings: FrontSettings, t0: float,
                    relaxed: BoundFront | None) -> None:
    """The first population (baselines, local-search and relaxed seeds, random rest) and
    the pymoo algorithm set up on it; the seeding's evaluations count in ``state.n_evals``."""
    problem, rng, m = state.problem, state.rng, state.sketch
    memetic, relax, budget = settings.memetic, settings.relax, settings.budget
    pop_size = settings.pop_size
    extra = np.zeros((0, problem.n_var))
    if memetic.active(problem):
        deadline = np.inf
        if budget.time_limit_s is not None:
            deadline = t0 + memetic.seed_share * budget.time_limit_s
        state.seeder, extra, state.n_evals = _memetic_seeds(
            problem, problem.scenario, memetic, rng, state.archive, deadline
        )
    if relax.active(problem):
        if relaxed is None:
            deadline = np.inf
            if budget.time_limit_s is not None:
                deadline = time.perf_counter() + relax.seed_share * budget.time_limit_s
            relaxed = bound_front(scenario, relax.points, deadline=deadline, columns=False)
        state.relaxed = relaxed
        rounded, state.seed_F = _relaxed_seeds(problem, relaxed, m, state.archive)
        extra = np.vstack([extra, rounded])
        state.n_evals += len(rounded)
    seeds = state.seeds
    n_seed = min(len(extra), max(pop_size // 2 - len(seeds), 0))
    pick = np.linspace(0, len(extra) - 1, n_seed).round().astype(int) if n_seed else []
    initial = np.vstack(
        [
            seeds,
            extra[pick],
            rng.uniform(size=(max(pop_size - len(seeds) - n_seed, 0), problem.n_var)),
        ]
    )
    algo = make_algorithm(settings.algorithm, pop_size, initial, state.repair, settings.seed)
    algo.setup(problem, verbose=False)
    state.algo = algo


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


def _relaxed_seeds(problem, relaxed, m: int, archive: Archive):
    """Relax and round: the relaxed optima's profiles (of the whole fleet: divided by the
    sketch factor ``m``) as request vectors, repaired (what the dispatcher realised),
    evaluated into the archive; returns the repaired vectors and the feasible ones'
    objectives."""
    X = problem.repair(problem.fleet_to_x(relaxed.ev_kw / m, relaxed.bess_kw / m))
    return X, _add_feasible(problem, X, archive)


def _add_feasible(problem, X: np.ndarray, archive: Archive) -> np.ndarray:
    """Evaluate X (already repaired), add the feasible ones to the archive and return
    their objectives [S', 3]."""
    out = problem.evaluate(
        X, return_values_of=["F", "report", "G"] if problem.n_ieq_constr else ["F", "report"]
    )
    ok = out[2][:, 0] <= 1e-9 if problem.n_ieq_constr else np.ones(len(X), bool)
    archive.add(X[ok], out[0][ok], out[1][ok])
    return out[0][ok]


def _on_whole_fleet(problem, scenario, archive: Archive, state: FrontState,
                    settings: FrontSettings):
    """A sketch search's archive dispatched on the whole fleet: each candidate member's
    requests times the sketch factor (`SketchSearch.members`) and each relaxed seed's
    profile as whole-fleet requests, repaired and evaluated. Returns the whole-fleet
    problem, its archive and the evaluations spent."""
    m = state.sketch
    whole, _ = make_problem(scenario, "aggregate", settings.clusters, settings.dispatch)
    members = np.union1d(settings.sketch_search.members(archive.F, settings.max_solutions),
                         best_for(archive.F, state, np.array([m, m * m, m], dtype=float)))
    x_sketch = archive.X[members]
    req, _ = problem.requests(x_sketch)
    X = whole.realised_x(req * m, problem.bess_power(x_sketch) * m)
    result = Archive(whole.n_var, kernels.N_OUT)
    for chunk in np.array_split(np.arange(len(X)), max(1, len(X) // 100)) if len(X) else []:
        _add_feasible(whole, whole.repair(X[chunk]), result)
    n = len(X)
    if state.relaxed is not None:  # the seeds rounded on the whole fleet replace the sketch's
        X = whole.fleet_to_x(state.relaxed.ev_kw, state.relaxed.bess_kw)
        state.seed_F = _add_feasible(whole, whole.repair(X), result)
        n += len(X)
    return whole, result, n


def _inject(pop, problem, seeder: FrontSeeder, memetic: Memetic, rng) -> Population:
    """Replace the last offspring by polished archive points for random weight vectors."""
    k = min(memetic.per_generation, len(pop))
    weights = rng.dirichlet(np.ones(3), size=k)
    moves = local_moves(problem, memetic.generation_moves_per_var, memetic.generation_moves_max)
    P, _ = seeder.improve(weights, moves, rng)
    X = pop.get("X").copy()
    X[len(X) - k :] = problem.profile_to_x(*seeder.polisher.split(P))
    return Population.new(X=X)


def seeds_kept(F: np.ndarray, seed_F: np.ndarray | None) -> np.ndarray:
    """Indices of the archive members F [A, 3] that are rounded relaxed seeds (objectives
    in seed_F [R, 3]; the archive holds the very values it was given): the written front
    keeps them beside the hypervolume-thinned members, at most one per lattice weight."""
    if seed_F is None or not len(seed_F) or not len(F):
        return np.zeros(0, dtype=np.int64)
    seeds = {row.tobytes() for row in np.ascontiguousarray(seed_F, dtype=np.float64)}
    F = np.ascontiguousarray(F, dtype=np.float64)
    return np.array([i for i, row in enumerate(F) if row.tobytes() in seeds], dtype=np.int64)


def best_for(F: np.ndarray, state: FrontState, units: np.ndarray) -> np.ndarray:
    """Indices of the archive members F [A, 3] (times ``units``: whole-fleet units) best for
    each lattice weight the gap search polished (none when it did not)."""
    if not state.polished or not len(F):
        return np.zeros(0, dtype=np.int64)
    cert = state.relaxed.certificate()
    weights = cert.weights[state.polished["weights"]]
    return np.unique(np.argmin(cert.normalization.scalarized(F * units, weights), axis=1))


def _polish(state: FrontState, gap_search: GapSearch, units: np.ndarray) -> None:
    """The gap search's polish (`GapSearch`): the archive's best point for each of the
    weights with the largest certified gaps, improved by `shift_search` for that weighted
    sum (in the searched problem's units) and added to the archive; records what it did in
    ``state.polished`` and counts its evaluations."""
    archive = state.archive
    if not len(archive) or gap_search.polish_weights <= 0 or gap_search.polish_evals <= 0:
        return
    cert, before, worst, scores = _worst_gaps(state, units, gap_search.polish_weights)
    searched = Normalization(cert.normalization.ideal / units, cert.normalization.nadir / units)
    X, spent = [], 0
    for w, row in zip(worst, scores, strict=True):
        scalar = ScalarProblem(state.problem, cert.weights[w], searched)
        x, _, n = shift_search(scalar, archive.X[int(np.argmin(row))], gap_search.polish_evals,
                               state.rng)
        X.append(x)
        spent += n
    _add_feasible(state.problem, np.array(X), archive)
    state.n_evals += spent
    after = cert.gaps(archive.F * units)
    state.polished = {"weights": worst.tolist(), "evals": spent,
                      "gap_before": before[worst].tolist(), "gap_after": after[worst].tolist()}


def _worst_gaps(state: FrontState, units: np.ndarray, k: int):
    """The certificate, the archive's certified gap per lattice weight [W] (objectives times
    ``units``: whole-fleet units), the ``k`` weights with the largest gaps (`worst_weights`)
    and every member's weighted score for each of them [k, A]."""
    cert = state.relaxed.certificate()
    F = state.archive.F * units
    gaps = cert.gaps(F)
    worst = worst_weights(gaps, k)
    return cert, gaps, worst, cert.normalization.scalarized(F, cert.weights[worst])


def worst_weights(gaps: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` lattice weights with the largest certified gaps [W] (ties: the
    lattice order), largest first."""
    return np.argsort(-np.asarray(gaps, float), kind="stable")[: max(k, 0)]


def _aim(state: FrontState, gap_search: GapSearch, units: np.ndarray) -> None:
    """Name the parents of the next generation's aimed matings (`GapSearch`): for each
    lattice weight where the archive's certified gap is largest, its best point and one of
    its next best (`AimedMating.pending`)."""
    archive, rng = state.archive, state.rng
    if len(archive) < 2:
        return
    scores = _worst_gaps(state, units, gap_search.weights)[3]  # [k, A]
    pairs = []
    for row in scores:
        best = np.argsort(row, kind="stable")[: gap_search.parents + 1]
        pairs += [[best[0], rng.choice(best[1:])] for _ in range(gap_search.matings)]
    state.algo.mating.pending = archive.X[np.array(pairs)]  # [P, 2, n_var]


def _feasible(pop, problem) -> np.ndarray:
    if not problem.n_ieq_constr:
        return np.ones(len(pop), dtype=bool)
    return pop.get("G")[:, 0] <= 1e-9


def default_max_solutions(scenario: Scenario) -> int:
    """How many front members a run writes unless told: 500, fewer for large fleets so
    that dispatching and checking them stays bounded (S x N x T <= 5e8: 52 solutions for
    100,000 vehicles x 96 slots), never fewer than 20."""
    per_solution = max(scenario.fleet.n * scenario.slots, 1)
    return int(min(MAX_SOLUTIONS, max(20, WRITE_VALUES // per_solution)))
