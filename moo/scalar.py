"""The weighted-sum route (SPEC §8): one scalar objective, minimised by a competitive swarm.

The scalar is ``sum_k w_k * F~_k`` over (cost, variance, peak_valley), with ``w`` the AHP
weights of an operating mode and ``F~ = (F - ideal) / (nadir - ideal)`` normalised by a
reference front run (ideal = column minimum, nadir = column maximum of its front.csv, SPEC
§7; a column that does not vary drops out). It is exactly the score `moo.decision.select`
gives the AHP-selected point of that front, so the swarm's result and the front's choice
are judged on one scale. Values below 0 mean better than the front's ideal in that mix.

`ScalarProblem` wraps a scheduling problem (the aggregate encoding and its dispatcher,
`moo.problems`): same unit-box decision vectors, same import-limit constraint, one
objective. `run_swarm` drives a pymoo algorithm (`moo.mlgcso.MLGCSO`, `moo.cso.CSO`)
ask-and-tell under a pymoo termination, recording the best scalar after each generation;
Ctrl-C ends it cleanly with the best found so far. `write_swarm` writes the best solution as
a run directory (SPEC §9) with the weights, the normalisation and the scalar in meta.json.

The initial swarm holds the decision vectors of the uncoordinated and ordered baselines
(SPEC §6) plus uniformly random vectors, as the front optimiser's initial population does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pymoo.core.problem import Problem
from pymoo.termination.max_eval import MaximumFunctionCallTermination
from pymoo.termination.max_time import TimeBasedTermination

from models.errors import InputError
from models.scenario import Scenario
from moo.ahp import Judgements
from moo.cso import CSO, DEFAULT_PHI, CompetitiveSwarm
from moo.decision import Normalization
from moo.mlgcso import MLGCSO
from moo.objectives import OBJECTIVES, evaluate
from moo.optimize import seed_vectors
from moo.problems import make_problem
from moo.rundir import Run, write_run

ALGORITHMS = {"mlgcso": MLGCSO, "cso": CSO}
HISTORY_COLUMNS = ("generation", "n_evals", "elapsed_s", "best_scalar")
DEFAULT_EVALS = 20_000
FEASIBLE_CV = 1e-9  # import-limit excess (kW) that still counts as met
INITIAL = "uncoordinated and ordered baselines, the rest uniform random"


@dataclass(frozen=True)
class SwarmBudget:
    """When a swarm run stops: after ``evals`` evaluations or ``time_limit_s`` seconds.

    The check comes after each generation, so a run may overshoot ``evals`` by at most one
    generation's learners (the exact count is recorded).
    """

    evals: int | None = None
    time_limit_s: float | None = None

    def __post_init__(self):
        if self.evals is not None and self.time_limit_s is not None:
            raise InputError("give one of --evals and --time-limit, not both")
        if self.evals is None and self.time_limit_s is None:
            object.__setattr__(self, "evals", DEFAULT_EVALS)

    def termination(self):
        """The pymoo termination criterion."""
        if self.evals is not None:
            return MaximumFunctionCallTermination(self.evals)
        return TimeBasedTermination(self.time_limit_s)

    def to_dict(self) -> dict:
        return {"evals": self.evals, "time_limit_s": self.time_limit_s}


def mode_weights(judgements: Judgements, mode: str) -> np.ndarray:  # [3]
    """The AHP weights of a mode, in the order cost, variance, peak_valley."""
    if sorted(judgements.objectives) != sorted(OBJECTIVES):
        raise InputError(
            f"judgements ({judgements.source or 'given'}) compare {list(judgements.objectives)};"
            f" the weighted sum needs exactly {list(OBJECTIVES)}"
        )
    w = dict(zip(judgements.objectives, judgements.weights(mode).weights, strict=True))
    return np.array([w[name] for name in OBJECTIVES])


def reference_normalization(reference: Run) -> Normalization:
    """Ideal and nadir of a front run: column minimum and maximum of its objectives."""
    norm = Normalization.of_front(reference.objectives)
    if not (norm.nadir > norm.ideal).any():
        raise InputError(
            f"{reference.path}: its {len(reference.front)} solution(s) do not spread in any "
            "objective, so they give no normalisation: use a front run"
        )
    return norm


class ScalarProblem(Problem):
    """``sum_k w_k * F~_k`` of a scheduling problem, normalised by a reference front."""

    def __init__(self, problem: Problem, weights, normalization: Normalization):
        self.problem = problem
        self.weights = np.asarray(weights, dtype=float)  # [3], cost, variance, peak_valley
        self.normalization = normalization
        super().__init__(
            n_var=problem.n_var,
            n_obj=1,
            n_ieq_constr=problem.n_ieq_constr,
            xl=problem.xl,
            xu=problem.xu,
        )

    def scalar(self, objectives: np.ndarray) -> np.ndarray:  # [S] from [S, 3]
        """The weighted sum of normalised objectives (cost, variance, peak_valley)."""
        return self.normalization.apply(objectives) @ self.weights

    def _evaluate(self, x, out, *args, **kwargs):
        inner = self.problem.evaluate(x, return_as_dictionary=True)
        out["F"] = self.scalar(inner["F"])[:, None]
        out["objectives"] = inner["F"]
        if self.n_ieq_constr:
            out["G"] = inner["G"]


def scalar_problem(reference: Run, weights) -> ScalarProblem:
    """The weighted sum over the reference run's scenario, aggregate encoding, normalised by
    the reference front."""
    problem, _ = make_problem(reference.scenario, "aggregate")
    return ScalarProblem(problem, weights, reference_normalization(reference))


def make_swarm(
    name: str, pop_size: int, phi: float, initial_x: np.ndarray | None, seed: int | None
) -> CompetitiveSwarm:
    """An MLGCSO or CSO instance by name."""
    if name not in ALGORITHMS:
        raise InputError(f"unknown algorithm {name!r}: use one of {', '.join(ALGORITHMS)}")
    return ALGORITHMS[name](pop_size=pop_size, phi=phi, initial_x=initial_x, seed=seed)


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
    n_evals: int
    wall_time_s: float
    interrupted: bool


def minimize_scalar(
    problem: ScalarProblem,
    scenario: Scenario,
    algorithm: str = "mlgcso",
    *,
    pop_size: int = 100,
    phi: float = DEFAULT_PHI,
    budget: SwarmBudget = SwarmBudget(),
    seed: int = 1,
    on_generation: Callable[[dict], None] | None = None,
) -> SwarmResult:
    """Run MLGCSO or CSO on the scalar problem from the baselines plus a random swarm."""
    swarm = make_swarm(algorithm, pop_size, phi, seed_vectors(problem.problem, scenario), seed)
    return run_swarm(problem, swarm, budget, on_generation)


def run_swarm(
    problem: ScalarProblem,
    algorithm: CompetitiveSwarm,
    budget: SwarmBudget,
    on_generation: Callable[[dict], None] | None = None,
) -> SwarmResult:
    """Minimise the scalar problem ask-and-tell until the budget's pymoo termination stops it."""
    algorithm.setup(problem, termination=budget.termination(), verbose=False)
    rows = []
    t0 = time.perf_counter()
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
            )
            rows.append(row)
            if on_generation is not None:
                on_generation(row)
    except KeyboardInterrupt:
        if algorithm.opt is None:
            raise
        interrupted = True
    best = algorithm.opt[0]
    parameters = {
        "encoding": problem.problem.encoding,
        "pop_size": algorithm.pop_size,
        "phi": algorithm.phi,
        "budget": budget.to_dict(),
        "initial": INITIAL,
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
        wall_time_s=time.perf_counter() - t0,
        interrupted=interrupted,
    )


def write_swarm(
    out, scenario: Scenario, res: SwarmResult, *, mode: str, reference_run, judgements_source: str
) -> Path:
    """Dispatch the best solution into schedules and write the run directory.

    meta.json adds ``mode``, ``weights`` (objective -> weight), ``normalization`` (objective
    names, ideal, nadir), ``scalar`` (recomputable from front.csv with those) and
    ``reference_run``.
    """
    if not res.feasible:
        raise InputError(
            f"no schedule within import_limit_kw found in {res.n_evals} evaluations "
            "(best exceeds it); give a larger budget"
        )
    problem = res.problem
    ev, bess, _ = problem.problem.schedules(res.x[None])
    objectives = evaluate(scenario, ev, bess)[list(OBJECTIVES)].to_numpy()  # as front.csv
    norm = problem.normalization
    return write_run(
        out,
        scenario,
        ev,
        bess,
        algorithm=res.algorithm,
        parameters=res.parameters,
        seed=res.seed,
        n_evals=res.n_evals,
        wall_time_s=res.wall_time_s,
        history=res.history,
        extra_meta={
            "mode": mode,
            "judgements": judgements_source,
            "weights": dict(zip(OBJECTIVES, problem.weights.tolist(), strict=True)),
            "normalization": {
                "objectives": list(OBJECTIVES),
                "ideal": norm.ideal.tolist(),
                "nadir": norm.nadir.tolist(),
                "kind": "reference front: column min / max",
            },
            "scalar": float(problem.scalar(objectives)[0]),
            "reference_run": str(Path(reference_run).resolve()),
            "interrupted": res.interrupted,
        },
    )
