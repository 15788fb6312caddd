"""Energy-shift search over the aggregate encoding's requests (the polish of a relaxed seed).

The per-vehicle local search (`moo.search.local`) cannot polish a point of the aggregate
encoding: what it improves are per-vehicle schedules, and the encoding keeps only their
fleet profile, which the dispatcher shares out again its own way, losing most of the gain.
This search moves the requests themselves, so every point it tries is what the encoding
will write (docs/benchmarks.md, "Weighted-sum route": what it adds to the bound seed).

A move picks a variable ``i`` (a cluster's or the BESS's power in one slot) and a step of
``d`` kW, log-uniform between `STEP_MIN` and `STEP_MAX` of that variable's range, up or
down; with probability `PAIRED` a second variable ``j`` gives the same ``d`` kW back (a
shift between two slots, which keeps the energy asked for), otherwise the move changes the
energy asked for (one more or one less kWh of charging or V2G). Moves come in batches of
``batch``, are repaired by the dispatcher (the realised vector) and evaluated together;
the improving ones are also tried together (the best 2, 4, 8, ... of them added up: one
evaluation each), and the best of all replaces the point when it is better (feasible
before infeasible, then by the objective: Deb's rule). It stops after ``evals``
evaluations, after ``patience`` batches without an improvement, or at a deadline. Random
draws come from the generator passed in.
"""

from __future__ import annotations

import time

import numpy as np

STEP_MIN = 0.005  # smallest step, share of the variable's range
STEP_MAX = 0.2  # largest step
PAIRED = 0.75  # share of moves that give the step back in a second variable
BATCH = 64  # moves evaluated together (one vectorised dispatch)
PATIENCE = 50  # batches without an improvement before the search stops
COMBINED = (2, 4, 8, 16, 32)  # the best improving moves of a batch also tried together
FEASIBLE_CV = 1e-9  # import-limit excess (kW) that still counts as met


def request_span_kw(problem) -> np.ndarray:  # [n_var]
    """Range of each variable of an aggregate-encoding problem in kW (cluster-slot powers,
    then the BESS per slot): a unit step of the variable is this many kW."""
    core = problem.req_hi[problem.active] - problem.req_lo[problem.active]
    return np.concatenate([core, np.full(problem.n_bess, problem.bess_hi - problem.bess_lo)])


def shift_search(
    scalar,
    x: np.ndarray,
    evals: int,
    rng: np.random.Generator,
    *,
    deadline: float = np.inf,
    batch: int = BATCH,
    patience: int = PATIENCE,
) -> tuple[np.ndarray, float, int]:
    """Improve one request vector ``x`` [n_var] of a single-objective problem over the
    aggregate encoding (``scalar.problem`` is the `AggregateProblem`: its ranges and its
    repair). Returns the best vector found (repaired), its objective and the evaluations
    spent (the start point's included); ``deadline``: a ``time.perf_counter`` value."""
    inner = scalar.problem
    span = request_span_kw(inner)  # [n_var]
    n = len(span)
    best_x = inner.repair(np.atleast_2d(x))
    best_f, best_cv = score(scalar, best_x)
    best_x, best_f, best_cv = best_x[0], best_f[0], best_cv[0]
    spent, stale = 1, 0
    while spent + batch <= evals and stale < patience and time.perf_counter() < deadline:
        i = rng.integers(0, n, batch)
        j = rng.integers(0, n, batch)
        sign = rng.choice([-1.0, 1.0], batch)
        step_kw = sign * span[i] * np.exp(rng.uniform(np.log(STEP_MIN), np.log(STEP_MAX), batch))
        X = np.repeat(best_x[None], batch, axis=0)
        rows = np.arange(batch)
        X[rows, i] += step_kw / span[i]
        paired = rng.random(batch) < PAIRED
        X[rows[paired], j[paired]] -= step_kw[paired] / span[j[paired]]
        X = np.clip(X, 0.0, 1.0)
        Xr = inner.repair(X)
        f, cv = score(scalar, Xr)
        spent += batch
        # The improving moves, best first, taken together: the first 2, 4, 8, ... of them.
        better = np.flatnonzero((cv < best_cv) | ((cv == best_cv) & (f < best_f)))
        better = better[np.lexsort((f[better], cv[better]))]
        sizes = np.array([m for m in COMBINED if m <= len(better)], dtype=int)
        if len(sizes) and spent + len(sizes) <= evals:
            C = best_x + np.cumsum(X[better] - best_x, axis=0)[sizes - 1]
            C = inner.repair(np.clip(C, 0.0, 1.0))
            fc, cvc = score(scalar, C)
            spent += len(sizes)
            Xr, f, cv = np.vstack([Xr, C]), np.concatenate([f, fc]), np.concatenate([cv, cvc])
        X = Xr
        k = int(np.lexsort((f, cv))[0])
        if (cv[k], f[k]) < (best_cv, best_f):
            best_x, best_f, best_cv, stale = X[k], f[k], cv[k], 0
        else:
            stale += 1
    return best_x, float(best_f), spent


def score(scalar, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # [S], [S]
    """Objective and import-limit excess (0 within `FEASIBLE_CV`) of repaired vectors."""
    if not scalar.n_ieq_constr:
        return scalar.evaluate(X, return_values_of=["F"])[:, 0], np.zeros(len(X))
    f, g = scalar.evaluate(X, return_values_of=["F", "G"])
    cv = np.maximum(g[:, 0], 0.0)
    return f[:, 0], np.where(cv <= FEASIBLE_CV, 0.0, cv)
