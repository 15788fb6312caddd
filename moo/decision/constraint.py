"""Constraint queries on a front (epsilon-constraint): the best point within bounds.

``minimise F_m subject to F_k <= b_k / F_k >= b_k`` over the front's points, bounds in the
objectives' physical units and compared exactly. Among the points that satisfy every bound,
the one with the lowest F_m is chosen (the line printed says so, so it must hold on any
front: an augmented score ``F̃_m + RHO * sum_{j != m} F̃_j`` alone would let the rest
outweigh a small difference in F_m on a front with a wide range); ties in F_m (normalised
values within 1e-12) go to the lowest ``RHO * sum_{j != m} F̃_j`` (front min-max
normalisation, RHO = 1e-4), then to the lowest row. The same objective is minimised by the exact QP
(`moo.exact.scalarised.solve_epsilon`).

A query no point satisfies is a result, not an error: ``feasible`` is False and ``index``
is the nearest point, the one with the smallest total violation ``sum_k v_k / span_k``
(``v_k`` how far it misses bound k in physical units; ``span_k`` the front's range of that
objective, 1 where it does not vary), ties again by the score above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from moo.decision.parse import Bound, objective_index
from moo.decision.select import _TIE_TOL
from moo.exact.scalarised import RHO
from moo.problems.objectives import OBJECTIVES
from moo.util.normalization import Normalization, objective_matrix


@dataclass(frozen=True, eq=False)
class ConstraintPick:
    """The answer to a constraint query: the chosen point, or the nearest one if none fits."""

    minimise: str
    bounds: tuple[Bound, ...]
    feasible: bool
    index: int  # row of the front: the optimum, or the nearest point when infeasible
    n_satisfying: int  # front points meeting every bound
    violations: tuple[float, ...]  # per bound, at ``index``, physical units (0: met)

    def to_dict(self) -> dict:
        return {
            "minimise": self.minimise,
            "where": [str(b) for b in self.bounds],
            "feasible": self.feasible,
            "n_satisfying": self.n_satisfying,
            "violations": {str(b): v for b, v in zip(self.bounds, self.violations, strict=True)},
        }

    def describe(self) -> str:
        """One line: what was found, or the smallest violation when nothing fits."""
        if self.feasible:
            return (
                f"{self.n_satisfying} point(s) satisfy {', '.join(map(str, self.bounds))}; "
                f"lowest {self.minimise} chosen"
            )
        missed = [
            f"{b} missed by {v:,.6g}"
            for b, v in zip(self.bounds, self.violations, strict=True)
            if v > 0
        ]
        return (
            f"no point satisfies {', '.join(map(str, self.bounds))}; the nearest "
            f"(smallest violation) has {'; '.join(missed)}"
        )


def constraint_query(objectives, bounds: Sequence[Bound], minimise: str) -> ConstraintPick:
    """Best point of a front [S, 3] for ``minimise`` within ``bounds`` (or the nearest)."""
    f = objective_matrix(objectives)
    m = objective_index(minimise, "--minimise")
    norm = Normalization.of_front(f)
    f_norm = norm.apply(f)  # [S, K]
    rest = np.delete(np.arange(len(OBJECTIVES)), m)
    score = f_norm[:, m] + RHO * f_norm[:, rest].sum(axis=1)  # [S]
    viol = np.array([b.violation(f[:, b.index]) for b in bounds]).reshape(len(bounds), len(f))
    ok = ~(viol > 0).any(axis=0)  # [S]
    if ok.any():
        key = np.where(ok, f_norm[:, m], np.inf)
    else:
        key = (viol / norm.span[[b.index for b in bounds]][:, None]).sum(axis=0)
    candidates = np.flatnonzero(key <= key.min() + _TIE_TOL)
    tie = score[candidates]
    best = int(candidates[np.flatnonzero(tie <= tie.min() + _TIE_TOL)[0]])
    return ConstraintPick(
        minimise=minimise,
        bounds=tuple(bounds),
        feasible=bool(ok.any()),
        index=best,
        n_satisfying=int(ok.sum()),
        violations=tuple(float(v) for v in viol[:, best]),
    )
