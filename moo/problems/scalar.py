"""A scheduling problem as one objective: the weighted sum of its normalised objectives.

What the weighted-sum route (`moo.search.weighted`: MLGCSO, CSO) minimises for a decision
mode's weights, and what the front's gap search polishes for a lattice weight
(`moo.search.nsga`, `moo.search.shift`).
"""

from __future__ import annotations

import numpy as np
from pymoo.core.problem import Problem
from pymoo.core.repair import Repair

from moo.util.normalization import Normalization


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


class ScalarRepair(Repair):
    """The inner problem's repair, applied to a `ScalarProblem`'s decision vectors."""

    def __init__(self, repair: Repair):
        super().__init__()
        self.repair = repair

    def _do(self, problem, X, **kwargs):
        return self.repair._do(problem.problem, X, **kwargs)
