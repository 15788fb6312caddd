"""How sure an AHP pick is: the experts' own picks, the weight change that flips it, a map.

For a front [S, K] and the weights w0 that picked row i (`moo.decision.select.select`, same
normalisation and tie-breaking):

- **expert picks**: the row each kept (consistent) expert's own weights pick;
- **smallest change**: the smallest L1 distance ``||w - w0||_1`` over the simplex at which
  another point scores at least as well as i (the infimum of the changes that flip the pick;
  at exactly that w the tie-break may still keep i). For ``"weighted-sum"`` it is exact: per
  competing point j the LP ``min ||w - w0||_1 s.t. w . (F̃_j - F̃_i) <= 0, w >= 0, sum w = 1``
  solved in closed form (a fractional knapsack, see `_flip`), the least over j; points with
  the objectives of i are not competitors. For ``"tchebycheff"`` (not linear in w) it is the
  least distance over the weight map's grid, so exact to the grid step only. None when no
  weight vector picks another point (a one-point front).
- **weight map**: every weight vector of the simplex lattice (`moo.util.lattice`) with step
  `STEP` = 0.01 (5151 vectors for three objectives) and the row it picks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from moo.decision.ahp import GroupPriority
from moo.decision.select import _TIE_TOL, select
from moo.util.lattice import simplex_lattice
from moo.util.normalization import Normalization, objective_matrix

STEP = 0.01
_SAME = 1e-12  # normalised objectives closer than this are one point
_EXACT = "LP per competing point, closed form (exact)"


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """The robustness of one AHP pick (see the module docstring)."""

    row: int  # the pick under the group weights
    weights: np.ndarray  # [K] group weights
    method: str
    expert_names: tuple[str, ...]
    expert_weights: np.ndarray  # [E, K]
    expert_rows: tuple[int, ...]
    min_l1: float | None
    flip_weights: np.ndarray | None  # [K] nearest weight vector where another point ties
    flip_row: int | None  # that point
    exact: bool  # LP (True) or grid search (False)
    grid: np.ndarray  # [G, K]
    grid_rows: np.ndarray  # [G]

    def to_dict(self, ids, objectives: tuple[str, ...]) -> dict:
        """JSON form; ``ids`` [S] map front rows to their ``solution`` ids."""

        def named(w) -> dict[str, float]:
            return {n: float(v) for n, v in zip(objectives, w, strict=True)}

        return {
            "experts": [
                {"name": n, "weights": named(w), "solution": int(ids[r])}
                for n, w, r in zip(
                    self.expert_names, self.expert_weights, self.expert_rows, strict=True
                )
            ],
            "min_l1_change": self.min_l1,
            "min_l1_method": _EXACT if self.exact else f"grid {STEP}",
            "flip_weights": None if self.flip_weights is None else named(self.flip_weights),
            "flip_solution": None if self.flip_row is None else int(ids[self.flip_row]),
            "weight_map": {
                "objectives": list(objectives),
                "step": STEP,
                "weights": np.round(self.grid, 6).tolist(),
                "solution": [int(ids[r]) for r in self.grid_rows],
            },
        }


def grid_picks(objectives, weights: np.ndarray, method: str) -> np.ndarray:  # [G]
    """`select`'s pick for every weight vector [G, K] at once, with its tie rule: scores within
    1e-12 of the best tie, then the lowest weighted sum, then the lowest row."""
    f_norm = Normalization.of_front(objectives).apply(objectives)  # [S, K]
    w = weights / weights.sum(axis=1, keepdims=True)
    weighted = w @ f_norm.T  # [G, S]
    if method == "weighted-sum":
        score = weighted
    else:
        score = (w[:, None, :] * f_norm[None, :, :]).max(axis=2)
    tied = score <= score.min(axis=1, keepdims=True) + _TIE_TOL
    sums = np.where(tied, weighted, np.inf)
    tied &= sums <= sums.min(axis=1, keepdims=True) + _TIE_TOL
    return np.argmax(tied, axis=1)


def _flip(f_norm: np.ndarray, row: int, w0: np.ndarray):
    """(distance, weights, competitor) of the least L1 move making another point tie.

    For one competitor j with ``d = F̃_j - F̃_i`` and ``g = w0 . d >= 0`` the LP ``min
    ||w - w0||_1 s.t. w . d <= 0, w on the simplex`` is a fractional knapsack: moving mass
    ``m`` from component a to the component b with the smallest ``d`` costs ``2m`` in L1 and
    lowers ``w . d`` by ``m (d_a - d_b)``, and no other move does better per unit; so the
    optimum empties sources in order of decreasing ``d_a`` until ``w . d`` reaches 0
    (infeasible if it cannot: j is worse at every weight).
    """
    best = (np.inf, None, None)
    for j in range(len(f_norm)):
        d = f_norm[j] - f_norm[row]
        if np.abs(d).max() <= _SAME:
            continue  # a copy of the pick is not another point
        gap = max(float(w0 @ d), 0.0)
        b = int(np.argmin(d))
        w, moved = w0.copy(), 0.0
        for a in np.argsort(-d, kind="stable"):
            if gap <= 0.0 or d[a] <= d[b]:
                break
            take = min(w[a], gap / (d[a] - d[b]))
            w[a] -= take
            w[b] += take
            moved += take
            gap -= take * (d[a] - d[b])
        if gap <= 1e-15 and 2.0 * moved < best[0] - 1e-12:
            best = (2.0 * moved, w, j)
    return best


def sensitivity(objectives, group: GroupPriority, method: str = "weighted-sum") -> Sensitivity:
    """Expert picks, the smallest flipping weight change and the weight map of a front."""
    f = objective_matrix(objectives)
    w0 = np.asarray(group.weights, float)
    row = select(f, w0, method).index
    kept = group.kept
    expert_w = np.array([e.priority.weights for e in kept]).reshape(len(kept), f.shape[1])
    grid = simplex_lattice(int(round(1.0 / STEP)), objectives=f.shape[1])  # [G, K]
    grid_rows = grid_picks(f, grid, method)
    if method == "weighted-sum":
        dist, flip_w, flip_row = _flip(Normalization.of_front(f).apply(f), row, w0)
    else:
        other = grid_rows != row
        l1 = np.abs(grid - w0).sum(axis=1)
        dist, flip_w, flip_row = np.inf, None, None
        if other.any():
            g = np.flatnonzero(other)[int(np.argmin(l1[other]))]
            dist, flip_w, flip_row = float(l1[g]), grid[g], int(grid_rows[g])
    return Sensitivity(
        row=row,
        weights=w0,
        method=method,
        expert_names=tuple(e.name for e in kept),
        expert_weights=expert_w,
        expert_rows=tuple(select(f, w, method).index for w in expert_w),
        min_l1=None if not np.isfinite(dist) else dist,
        flip_weights=flip_w,
        flip_row=flip_row,
        exact=method == "weighted-sum",
        grid=grid,
        grid_rows=grid_rows,
    )
