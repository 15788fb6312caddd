"""Knee points of a front: trade-off based, as pymoo's ``HighTradeoffPoints`` meant it.

Definition (Rachmawati & Srinivasan's trade-off knee, as coded in
``pymoo/mcdm/high_tradeoff.py``), in the front's min-max normalisation ``F̃``: for a point
``i`` and a neighbour ``j``, moving from i to j *sacrifices* ``sum_k max(0, F̃_jk - F̃_ik)``
and *gains* ``sum_k max(0, F̃_ik - F̃_jk)``. The trade-off of i is

    mu_i = min_{j in N(i)} sacrifice_ij / gain_ij

the cheapest way to leave i, in units lost per unit won. ``N(i)`` is every point within
Euclidean distance ``epsilon`` of i in normalised space, and at least its ``min(2K, S-1)``
nearest points (pymoo's ``NeighborFinder`` with ``n_min_neigbors="auto"``). A knee is a point
whose mu is an upper-tail outlier: ``mu >= mean + 2 std`` over the finite mu's; if there is
none and the largest mu is more than one std above the mean, that point alone
(pymoo's ``find_outliers_upper_tail``). Duplicates of i give 0/0 and are ignored.

pymoo 0.6.x stores ``HighTradeoffPoints(epsilon=...)`` but always searches with 0.125 and
works on raw objectives; here ``epsilon`` is used and the front is normalised first. Knees
are flagged for the decision maker, never picked automatically. A front of fewer than 3
points has no knees, nor does one whose mu's are all equal (to 1e-9 relative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pymoo.core.decision_making import NeighborFinder, find_outliers_upper_tail

from moo.util.normalization import Normalization, objective_matrix

EPSILON = 0.125  # neighbourhood radius in normalised units (pymoo's default)
_EQUAL = 1e-9  # relative spread of mu below which all points trade off alike


@dataclass(frozen=True, eq=False)
class Knees:
    """The knee rows of a front, highest trade-off first, and every point's trade-off."""

    rows: tuple[int, ...]
    mu: np.ndarray  # [S] trade-off of every point (NaN where undefined)
    epsilon: float

    def to_dict(self) -> dict:
        return {
            "definition": "trade-off knee (pymoo HighTradeoffPoints with its epsilon used), "
            "normalised objectives",
            "epsilon": self.epsilon,
            "rows": list(self.rows),
            "mu": [float(self.mu[r]) for r in self.rows],
        }


def tradeoffs_mu(f_norm: np.ndarray, epsilon: float = EPSILON) -> np.ndarray:  # [S]
    """``mu_i``: the least sacrifice per unit gain from each point to its neighbours."""
    n = len(f_norm)
    finder = NeighborFinder(f_norm, epsilon=epsilon, n_min_neigbors="auto", consider_2d=False)
    mu = np.full(n, np.nan)
    for i in range(n):
        diff = f_norm[finder.find(i)] - f_norm[i]  # [J, K]
        sacrifice = np.maximum(0.0, diff).sum(axis=1)
        gain = np.maximum(0.0, -diff).sum(axis=1)
        useful = gain > 0  # a duplicate, or a point i dominates, is no way out of i
        if useful.any():
            mu[i] = (sacrifice[useful] / gain[useful]).min()
    return mu


def knees(objectives, epsilon: float = EPSILON) -> Knees:
    """The trade-off knees of a front [S, K] (see the module docstring)."""
    f = objective_matrix(objectives)
    f_norm = Normalization.of_front(f).apply(f)
    if len(f) < 3:
        return Knees((), np.full(len(f), np.nan), epsilon)
    mu = tradeoffs_mu(f_norm, epsilon)
    finite = mu[np.isfinite(mu)]
    # Equal mu's (a straight front) differ only by rounding: no outlier to speak of.
    if finite.size < 2 or finite.std() <= _EQUAL * max(1.0, abs(finite.mean())):
        return Knees((), mu, epsilon)
    found = find_outliers_upper_tail(mu)
    rows = () if found is None else tuple(int(r) for r in sorted(found, key=lambda r: -mu[r]))
    return Knees(rows, mu, epsilon)
