"""A test problem and steps shared by the swarm tests."""

from __future__ import annotations

import numpy as np
from pymoo.core.problem import Problem


class ShiftedSphere(Problem):
    """``sum (x - c)^2`` in the unit box with its optimum c inside (value 0)."""

    def __init__(self, n_var: int = 20):
        super().__init__(n_var=n_var, n_obj=1, xl=0.0, xu=1.0)
        self.centre = np.linspace(0.15, 0.85, n_var)

    def _evaluate(self, x, out, *args, **kwargs):
        out["F"] = ((x - self.centre) ** 2).sum(axis=1)


def generation(algorithm, problem):
    """One ask-evaluate-tell step; returns the evaluated infills."""
    pop = algorithm.ask()
    algorithm.evaluator.eval(problem, pop)
    algorithm.tell(infills=pop)
    return pop


def started(cls, pop_size: int, seed: int = 3):
    """An algorithm set up on a 20-D sphere with its initial swarm evaluated."""
    problem = ShiftedSphere()
    algorithm = cls(pop_size=pop_size, seed=seed)
    algorithm.setup(problem, termination=("n_eval", 10**9))
    generation(algorithm, problem)
    return algorithm, problem
