"""The weighted-sum route (docs/model.md §8): one scalar objective, minimised by a swarm.

The scalar is ``sum_k w_k * F~_k`` over (cost, variance, peak_valley), with ``w`` the AHP
weights of an operating mode and ``F~ = (F - ideal) / (nadir - ideal)`` normalised by a
reference front run (ideal = column minimum, nadir = column maximum of its front.csv, docs/model.md
§7; a column that does not vary drops out). It is exactly the score `moo.decision.select`
gives the AHP-selected point of that front, so the swarm's result and the front's choice
are judged on one scale. Values below 0 mean better than the front's ideal in that mix.

`ScalarProblem` wraps a scheduling problem of either encoding (`moo.problems.encodings`; by default
the reference front's, so both routes search the same space): same unit-box decision
vectors, same import-limit constraint, one objective. The encoding's repair goes to the
swarm (`moo.search.cso.CompetitiveSwarm`), which keeps the repaired positions, as NSGA keeps its
repaired offspring. `run_swarm` drives a pymoo algorithm (`moo.search.mlgcso.MLGCSO`,
`moo.search.cso.CSO`) ask-and-tell under a pymoo termination, recording the best scalar after each
generation; Ctrl-C ends it cleanly with the best found so far, and with a checkpoint path
the whole state is written atomically every N generations (`resume_swarm` continues it).
The `mlgcso` job (`jobs.swarm`) writes the best solution as a run directory (docs/model.md §9)
with the weights, the normalisation and the scalar in meta.json.

Seeding, shared with the front optimiser (`moo.search.nsga`): the initial swarm holds the
decision vectors of the uncoordinated and ordered baselines (docs/model.md §6), then, with the local
search on (`LocalSearch`, default), the points of the same feasibility-preserving local
search NSGA-II/III are seeded with (`moo.search.local.FrontSeeder`: its three anchors and its
simplex lattice of weights) plus that search run for the mode's own weights, best first;
the rest is uniformly random. Each generation the local search also polishes the best
particle (a memetic swarm). The local search minimises ``sum_k coef_k F_k`` on the raw
objectives; with ``coef_k = w_k / (nadir_k - ideal_k)`` it is the scalar up to a constant.
On the aggregate encoding (`BoundSeed`, default ``auto``) the initial swarm also holds the
lower bound's optimum for the mode's own weights, right after the baselines (`bound_seed`):
one QP of the bound's relaxation (`moo.exact.bound.BoundModel`, the scalar's coefficients,
so the same normalisation), its fleet EV and BESS profile made a request vector by
`AggregateProblem.fleet_to_x` as the front's relaxed seeds are (`moo.search.nsga.RelaxSeeds`),
rounded under each dispatch rule (the best rule is the one the swarm then searches with) and
polished by the energy-shift search over the requests (`moo.search.shift`). The QP's value
is a certified lower bound on the scalar, recorded in meta.json beside the result. Neither
the reference front's solutions nor the exact solver (`moo.exact.front`, the yardstick) seed
anything.

Counting: ``n_evals`` (what ``--evals`` budgets) counts full evaluations of decision
vectors through the problem: the bound seed's roundings and polish, the initial swarm
(seeds included), the learners, and the polished best particle of each generation.
Local-search moves are not evaluations (each is an O(T) update of one unit's energy path);
they are counted separately (``local_moves`` in history.csv and meta.json), and the wall
time includes them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import pandas as pd
from pymoo.core.repair import Repair

from models.errors import InputError
from models.scenario import Scenario
from moo.exact.bound import BoundModel
from moo.kernels.data import DISPATCH_RULES
from moo.problems.encodings import AggregateProblem, make_problem
from moo.problems.scalar import ScalarProblem, ScalarRepair
from moo.rundir import Run
from moo.rundir.checkpoint import SWARM, save_checkpoint
from moo.search.cso import CSO, DEFAULT_PHI, CompetitiveSwarm
from moo.search.local import LocalSearchSettings, Polisher, local_moves, seed_lattice
from moo.search.mlgcso import MLGCSO
from moo.search.nsga import RELAX_MODES, AggregateSeeding, seed_vectors
from moo.search.shift import FEASIBLE_CV, score, shift_search
from moo.search.termination import Budget, Counts
from moo.util.normalization import Normalization

ALGORITHMS = {"mlgcso": MLGCSO, "cso": CSO}
HISTORY_COLUMNS = ("generation", "n_evals", "elapsed_s", "best_scalar", "local_moves")
SWARM_BUDGET = Budget(evals=20_000)  # a swarm run's budget unless told
INITIAL = "uncoordinated and ordered baselines, the rest uniform random"
INITIAL_LS = (
    "uncoordinated and ordered baselines, local-search points (front seeder's anchors and "
    "lattice, then the mode's weights; best first), the rest uniform random"
)
INITIAL_BOUND = "the bound's optimum for the mode's weights, rounded by the dispatcher"
BOUND_SEED_MODES = RELAX_MODES  # `BoundSeed.mode`


def reference_normalization(reference: Run) -> Normalization:
    """Ideal and nadir of a front run: column minimum and maximum of its objectives."""
    norm = Normalization.of_front(reference.objectives)
    if not (norm.nadir > norm.ideal).any():
        raise InputError(
            f"{reference.path}: its {len(reference.front)} solution(s) do not spread in any "
            "objective, so they give no normalisation: use a front run"
        )
    return norm


def scalar_problem(
    reference: Run, weights, encoding: str = "auto"
) -> tuple[ScalarProblem, ScalarRepair]:
    """The weighted sum over the reference run's scenario, normalised by the reference
    front, in ``encoding`` (``auto``: the one that gives the best fronts for the fleet's
    size, `moo.problems.encodings.auto_encoding`), and the encoding's repair. A bound run
    (no schedules, points no schedule reaches) is an `InputError`."""
    reference.require_schedules("the reference of a weighted-sum search")
    problem, repair = make_problem(reference.scenario, encoding)
    scalar = ScalarProblem(problem, weights, reference_normalization(reference))
    return scalar, ScalarRepair(repair)


@dataclass(frozen=True)
class LocalSearch(LocalSearchSettings):
    """The local-search part of a swarm run (`LocalSearchSettings`, plus what swarms add):
    after the lattice, ``mode_rounds`` improvements for the mode's own weights, all of it
    ``restarts`` times from independent random streams; each generation the best particle
    is polished (``generation_moves_per_var`` 0: no polish). ``enabled=False`` is the plain
    swarm of the papers (baselines plus random particles).
    """

    mode_rounds: int = 4
    restarts: int = 2


class Polish:
    """Local search of decision vectors for the scalar's coefficients (the swarm's memetic
    step): decode, polish the schedules, encode; counts the moves it tries."""

    def __init__(self, problem: ScalarProblem, scenario: Scenario, moves: int):
        self.problem = problem
        self.polisher = Polisher(scenario)
        self.coef = scalar_coefficients(problem)
        self.moves = moves  # per vector
        self.n_moves = 0

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        inner = self.problem.problem
        ev, bess, _ = inner.schedules(X)
        P = self.polisher.polish(self.polisher.units(ev, bess), self.coef, self.moves, rng)
        self.n_moves += self.moves * len(X)
        return inner.profile_to_x(*self.polisher.split(P))


def scalar_coefficients(problem: ScalarProblem) -> np.ndarray:  # [3]
    """``w_k / (nadir_k - ideal_k)``: the scalar on raw objectives, up to a constant (a
    column that does not vary drops out)."""
    return problem.normalization.coefficients(problem.weights)


def local_search_seeds(
    problem: ScalarProblem,
    scenario: Scenario,
    settings: LocalSearch,
    rng: np.random.Generator,
    deadline: float = np.inf,
) -> tuple[np.ndarray, int]:
    """Decision vectors of the front seeder's points for the scalar, best first, and the
    number of local-search moves tried (no evaluations: the swarm evaluates them).

    ``settings.restarts`` independent seeders (streams spawned from ``rng``) pool their
    points: the coordinate moves can stall at a kink of the peak-to-valley objective (about
    one stream in ten on building's Response mode ends 0.02 above the optimum), and a
    second, independent start makes that rare.
    """
    points, scalars, n_moves = [], [], 0
    for stream in rng.spawn(max(settings.restarts, 1)):
        X, f, moves = _one_seeder(problem, scenario, settings, stream, deadline)
        points.append(X)
        scalars.append(f)
        n_moves += moves
    order = np.argsort(np.concatenate(scalars), kind="stable")
    return np.vstack(points)[order], n_moves


def _one_seeder(problem, scenario, settings, rng, deadline):
    inner = problem.problem
    moves = local_moves(inner, settings.seed_moves_per_var, settings.seed_moves_max)
    seeder, n_moves = seed_lattice(inner, scenario, settings.divisions, moves, rng, deadline)
    # The mode's coefficients in the seeder's own normalisation (improve() divides by it).
    target = scalar_coefficients(problem) * seeder.norm.span
    if target.sum() > 0:
        for _ in range(settings.mode_rounds):
            seeder.improve(target / target.sum(), moves, rng)
            n_moves += moves
    return inner.profile_to_x(*seeder.polisher.split(seeder.P)), problem.scalar(seeder.F), n_moves


@dataclass(frozen=True)
class BoundSeed(AggregateSeeding):
    """The lower bound's optimum for the swarm's own weights as a seed (`bound_seed`; its
    mode as `AggregateSeeding`'s), polished in the encoding by
    `moo.search.shift.shift_search` with up to ``polish_share`` of the budget (evaluations
    or wall time; at most ``polish_evals``).

    ``auto`` is on whenever the encoding is aggregate. There the local-search points are
    per-vehicle schedules the dispatcher shares out again its own way, and without this seed
    the study's swarms on eva ended 0.028 (Economy) and 0.099 (Response) above the exact
    weighted optimum (docs/benchmarks.md, "Weighted-sum route"). The polish gets half the
    budget, the local-search seeding's share: on the aggregate encoding the swarm's own
    moves and the local-search points improved on the polished seed by at most 0.0002 in
    the measured runs, while at 10,000 vehicles the polish still gains with every
    evaluation. With the bound seed the local search skips its rounds for the mode's own
    weights (the seed is that point). The vehicle
    encoding is left as it was: its local search polishes the schedules themselves.
    """

    option: ClassVar[str] = "--bound-seed"
    polish_share: float = 0.5
    polish_evals: int = 20_000


def bound_seed(
    problem: ScalarProblem,
    scenario: Scenario,
    evals: int,
    rng: np.random.Generator,
    deadline: float = np.inf,
) -> tuple[ScalarProblem, np.ndarray, dict, int]:
    """Relax, round and polish for the scalar's own weights on the aggregate encoding.

    1. One QP of the lower-bound relaxation (`moo.exact.bound.BoundModel`, its default
       grouping) minimises ``sum_k coef_k F_k`` with `scalar_coefficients`: the scalar up
       to the constant ``coef . ideal``, so its value minus that constant is a certified
       lower bound on the scalar of every schedule (``bound`` in the record).
    2. The relaxed optimum's fleet EV and BESS profile becomes a request
       (`AggregateProblem.fleet_to_x`, the path of the front's relaxed seeds,
       `moo.search.nsga`), rounded by the dispatcher under each rule of `DISPATCH_RULES`
       (same clusters); the rule whose schedules score best is kept (ties: the problem's
       own), and the swarm searches the encoding with that rule. Which rule rounds a
       profile best depends on the scenario and the weights: on crisscross's Economy weights
       ``laxity`` comes within 0.01 of the exact optimum where ``priority`` stays 0.05 above
       it, on eva's ``priority`` is the best (docs/benchmarks.md, "Weighted-sum route").
    3. The rounded request is polished by `moo.search.shift.shift_search` with what is
       left of ``evals`` (full evaluations) until ``deadline``.

    Returns the problem the swarm searches (``problem`` or the same scalar over the chosen
    rule), the polished vector [1, n_var] (repaired), what meta.json records of it and the
    evaluations spent.
    """
    t0 = time.perf_counter()
    model = BoundModel(scenario)
    coef = scalar_coefficients(problem)
    value, relaxed = model.minimise(coef)
    ev_kw, bess_kw = model.profiles(model.last_x)  # [T], [T]
    qp_s = time.perf_counter() - t0
    own = problem.problem
    rules = [DISPATCH_RULES[own.kdata.rule]]
    rules += [r for r in DISPATCH_RULES if r not in rules]
    scalars, rounded = [], []
    for rule in rules:
        inner = own if rule == rules[0] else AggregateProblem(
            scenario, own.kdata.n_clusters, rule)
        candidate = ScalarProblem(inner, problem.weights, problem.normalization)
        x = inner.repair(inner.fleet_to_x(ev_kw[None], bess_kw[None]))
        f, cv = score(candidate, x)
        scalars.append(candidate)
        rounded.append((cv[0], f[0], x))
    k = min(range(len(rules)), key=lambda i: rounded[i][:2])  # first of equals: own rule
    chosen, x = scalars[k], rounded[k][2]
    x, f, spent = shift_search(chosen, x[0], evals - len(rules), rng, deadline=deadline)
    record = {
        "bound": float(value - coef @ problem.normalization.ideal),
        "relaxed_scalar": float(problem.scalar(relaxed[None])[0]),
        "n_groups": model.n_groups,
        "qp_time_s": qp_s,
        "rounded": {rule: float(r[1]) for rule, r in zip(rules, rounded, strict=True)},
        "dispatch": rules[k],
        "polished_scalar": f,
        "polish_evals": spent,
        "time_s": time.perf_counter() - t0,
    }
    return chosen, x[None], record, len(rules) + spent


def make_swarm(
    name: str,
    pop_size: int,
    phi: float,
    initial_x: np.ndarray | None,
    seed: int | None,
    repair: Repair | None = None,
    local_search: Callable | None = None,
) -> CompetitiveSwarm:
    """An MLGCSO or CSO instance by name."""
    if name not in ALGORITHMS:
        raise InputError(f"unknown algorithm {name!r}: use one of {', '.join(ALGORITHMS)}")
    return ALGORITHMS[name](
        pop_size=pop_size,
        phi=phi,
        initial_x=initial_x,
        seed=seed,
        repair=repair,
        local_search=local_search,
    )


@dataclass
class SwarmResult:
    """The best solution of a swarm run and how the run got there."""

    algorithm: str  # "mlgcso" or "cso"
    parameters: dict  # meta.json's parameters
    problem: ScalarProblem
    seed: int | None
    x: np.ndarray  # [n_var]
    objectives: np.ndarray  # [3] cost, variance, peak_valley
    scalar: float
    feasible: bool  # meets the import limit (always true without one)
    history: pd.DataFrame
    n_evals: int  # full evaluations through the problem (what the budget counts)
    local_moves: int  # local-search moves tried (not evaluations)
    wall_time_s: float  # seeding included
    interrupted: bool


def minimize_scalar(
    problem: ScalarProblem,
    scenario: Scenario,
    algorithm: str = "mlgcso",
    *,
    pop_size: int = 100,
    phi: float = DEFAULT_PHI,
    budget: Budget = SWARM_BUDGET,
    seed: int = 1,
    repair: Repair | None = None,
    local_search: LocalSearch = LocalSearch(),
    bound: BoundSeed = BoundSeed(),
    on_generation: Callable[[dict], None] | None = None,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    checkpoint_meta: dict | None = None,
) -> SwarmResult:
    """Run MLGCSO or CSO on the scalar problem from the baselines, the bound's optimum (if
    ``bound.active``), the local-search points (if ``local_search.enabled``) and a random
    rest of the swarm.

    ``repair``: the encoding's (from `scalar_problem`). The wall-time budget counts from the
    start, seeding included, and the evaluation budget the bound seed's evaluations. With
    the bound seed the swarm may search ``problem``'s scalar under another dispatch rule
    (`bound_seed`); the result's ``problem`` is the one searched. Checkpoints as in
    `run_swarm`.
    """
    t0 = time.perf_counter()
    # Own streams, so that the swarm's draws do not depend on the seeding's.
    ls_stream, bound_stream = np.random.SeedSequence(seed).spawn(2)
    seed_moves, polish, bound_record, seed_evals = 0, None, None, 0
    x_bound = np.zeros((0, problem.n_var))
    bound.check(problem.problem.encoding)
    if bound.active(problem.problem):
        evals, deadline = bound.polish_evals, np.inf
        if budget.evals is not None:
            evals = min(evals, int(bound.polish_share * budget.evals))
        if budget.time_limit_s is not None:
            deadline = t0 + bound.polish_share * budget.time_limit_s
        problem, x_bound, bound_record, seed_evals = bound_seed(
            problem, scenario, evals, np.random.default_rng(bound_stream), deadline)
    initial = np.vstack([seed_vectors(problem.problem, scenario), x_bound])
    if local_search.enabled:
        if bound_record is not None:
            # The bound seed is the mode's own point, polished in the encoding; the local
            # search's rounds for the mode polish schedules the dispatcher shares out again
            # (the eva study's swarms ended 0.028 above the exact optimum with them alone).
            local_search = replace(local_search, mode_rounds=0)
        deadline = np.inf
        if budget.time_limit_s is not None:
            deadline = t0 + local_search.seed_share * budget.time_limit_s
        rng = np.random.default_rng(ls_stream)
        extra, seed_moves = local_search_seeds(problem, scenario, local_search, rng, deadline)
        initial = np.vstack([initial, extra[: max(pop_size // 2 - len(initial), 0)]])
        if local_search.generation_moves_per_var > 0:
            moves = local_moves(problem.problem, local_search.generation_moves_per_var)
            polish = Polish(problem, scenario, moves)
    swarm = make_swarm(algorithm, pop_size, phi, initial[:pop_size], seed, repair, polish)
    return run_swarm(
        problem,
        swarm,
        budget,
        on_generation,
        local_search=local_search,
        bound=(bound, bound_record),
        seed_moves=seed_moves,
        seed_evals=seed_evals,
        seed_s=time.perf_counter() - t0,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        checkpoint_meta=checkpoint_meta,
    )


def run_swarm(
    problem: ScalarProblem,
    algorithm: CompetitiveSwarm,
    budget: Budget,
    on_generation: Callable[[dict], None] | None = None,
    *,
    local_search: LocalSearch = LocalSearch(enabled=False),
    bound: tuple[BoundSeed, dict | None] = (BoundSeed("off"), None),
    seed_moves: int = 0,
    seed_evals: int = 0,
    seed_s: float = 0.0,
    checkpoint: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    checkpoint_meta: dict | None = None,
    resume: dict | None = None,
) -> SwarmResult:
    """Minimise the scalar problem ask-and-tell until the budget's pymoo termination stops it.

    ``local_search``, ``bound`` (the setting and `bound_seed`'s record, None when it made
    no seed), ``seed_moves``, ``seed_evals`` and ``seed_s`` describe the seeding that made
    the algorithm's initial swarm (recorded; ``seed_evals``, evaluations outside the
    swarm, count in ``n_evals`` and ``seed_s`` against a time limit). With
    ``checkpoint`` and ``checkpoint_every`` N the whole state is written there atomically
    after every N generations, with ``checkpoint_meta`` (what the caller needs to resume);
    ``resume`` (a payload from `load_checkpoint`) continues such a run, giving the same
    result as an uninterrupted run with the same seed and an evaluation budget.
    """
    if resume is not None:
        state = resume["state"]
        problem, algorithm, budget = state["problem"], state["algorithm"], state["budget"]
        t0 = time.perf_counter() - state["elapsed_s"]
        # pymoo's time termination counts from start_time: shift it past the pause.
        algorithm.start_time = time.time() - (state["elapsed_s"] - state["seed_s"])
    else:
        t0 = time.perf_counter() - seed_s
        algorithm.setup(problem, termination=budget.termination(seed_s), verbose=False)
        algorithm.evaluator.n_eval += seed_evals  # pymoo's evaluation limit reads this count
        state = dict(
            problem=problem,
            algorithm=algorithm,
            budget=budget,
            local_search=local_search,
            bound=bound,
            seed_moves=seed_moves,
            seed_s=seed_s,
            rows=[],
            elapsed_s=seed_s,
        )
    rows, polish = state["rows"], algorithm.local_search
    share = state["budget"].termination()  # the share shown: seeding included, as the stop

    def moves() -> int:
        return state["seed_moves"] + (polish.n_moves if polish is not None else 0)

    interrupted = False
    try:
        while algorithm.has_next():
            pop = algorithm.ask()
            algorithm.evaluator.eval(problem, pop)
            algorithm.tell(infills=pop)
            row = dict(
                generation=len(rows),
                n_evals=algorithm.evaluator.n_eval,
                elapsed_s=time.perf_counter() - t0,
                best_scalar=float(algorithm.opt[0].F[0]),
                local_moves=moves(),
            )
            rows.append(row)
            if checkpoint is not None and checkpoint_every and len(rows) % checkpoint_every == 0:
                state["elapsed_s"] = time.perf_counter() - t0
                save_checkpoint(checkpoint, state, checkpoint_meta, SWARM)
            if on_generation is not None:
                spent = Counts(algorithm.n_gen, row["n_evals"], row["elapsed_s"])
                on_generation({**row, "budget_share": min(share.update(spent), 1.0)})
    except KeyboardInterrupt:
        if algorithm.opt is None:
            raise
        interrupted = True
    best = algorithm.opt[0]
    ls = state["local_search"]
    # A checkpoint written before the bound seed existed had none.
    bound_setting, bound_record = state.get("bound", (BoundSeed("off"), None))
    initial = INITIAL_LS if ls.enabled else INITIAL
    if bound_record is not None:
        initial = initial.replace("baselines, ", f"baselines, {INITIAL_BOUND}, ", 1)
    parameters = {
        "encoding": problem.problem.encoding,
        **({"dispatch": DISPATCH_RULES[problem.problem.kdata.rule]}
           if isinstance(problem.problem, AggregateProblem) else {}),
        "pop_size": algorithm.pop_size,
        "phi": algorithm.phi,
        "budget": state["budget"].to_dict(),
        "initial": initial,
        "bound_seed": {**bound_setting.to_dict(), "active": bound_record is not None,
                       **(bound_record or {})},
        "local_search": {
            **ls.to_dict(),
            "coefficients": scalar_coefficients(problem).tolist() if ls.enabled else None,
            "seed_moves": state["seed_moves"],
            "seed_time_s": state["seed_s"],
            "moves": moves(),
            "counting": "moves are not evaluations; n_evals counts full evaluations only",
        },
    }
    return SwarmResult(
        algorithm=type(algorithm).__name__.lower(),
        parameters=parameters,
        problem=problem,
        seed=algorithm.seed,
        x=best.X,
        objectives=best.get("objectives"),
        scalar=float(best.F[0]),
        feasible=bool(best.CV[0] <= FEASIBLE_CV),
        history=pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)),
        n_evals=algorithm.evaluator.n_eval,
        local_moves=moves(),
        wall_time_s=time.perf_counter() - t0,
        interrupted=interrupted,
    )
