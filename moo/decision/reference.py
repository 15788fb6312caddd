"""Reference-point selection with the augmented achievement scalarising function (Wierzbicki).

In the front's min-max normalisation (`moo.util.normalization.Normalization`, ``F̃``), with
aspiration levels ``z̃`` (normalised the same way, not clipped to [0, 1]):

    ASF(F) = max_{k in A} (F̃_k - z̃_k) + RHO * sum_k F̃_k,    RHO = 1e-4

where ``A`` are the objectives given an aspiration. An objective without one has no
aspiration: it is left out of the max, so the pick comes as close to the stated levels as
the front allows, whatever that objective does; it stays in the augmentation term, so among
points equally close the better one in it wins and the pick is Pareto optimal. A coordinate
that does not vary on the front (zero range) cannot tell points apart and drops out of the
max; if no named objective varies (a one-point front), the max is 0 and the augmentation
term decides.

The point with the lowest ASF is chosen; ASF values within 1e-12 are equal and the lowest
row wins. Whether a level is met is decided in physical units (``F_k <= z_k`` at the pick),
never from the sign of the ASF: a coordinate that drops out of the max (zero range, a
one-point front) says nothing about its level, and the augmentation term shifts the sign.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from moo.decision.parse import objective_index
from moo.decision.select import _TIE_TOL
from moo.exact.scalarised import RHO
from moo.problems.objectives import OBJECTIVES
from moo.util.normalization import Normalization, objective_matrix


def aspiration_vector(levels: Mapping[str, float]) -> np.ndarray:  # [3], NaN: no aspiration
    """Aspiration levels by name as a vector in `OBJECTIVES` order."""
    z = np.full(len(OBJECTIVES), np.nan)
    for name, value in levels.items():
        z[objective_index(name, "reference point")] = value
    return z


def asf(objectives, aspiration, norm: Normalization) -> np.ndarray:  # [S]
    """Augmented ASF of every point [S, K] towards ``aspiration`` [K] (NaN: none)."""
    z = np.asarray(aspiration, float)
    named = ~np.isnan(z) & norm.varies
    f_norm = np.atleast_2d(norm.apply(objectives))  # [S, K]
    gap = f_norm[:, named] - norm.apply(np.nan_to_num(z))[named]
    worst = gap.max(axis=1) if named.any() else np.zeros(len(f_norm))
    return worst + RHO * f_norm.sum(axis=1)


@dataclass(frozen=True, eq=False)
class ReferencePick:
    """The front point closest to the aspiration levels in the ASF sense."""

    index: int  # row of the front
    aspiration: np.ndarray  # [K] physical units, NaN: no aspiration
    score: float  # ASF of the pick
    normalization: Normalization
    missed: tuple[tuple[str, float], ...] = ()  # (objective, by how much, physical units)

    @property
    def every_level_met(self) -> bool:
        return not self.missed

    def describe_levels(self) -> str:
        """One phrase: every level met, or which levels the pick misses and by how much."""
        if not self.missed:
            return "every level met"
        return "missed: " + ", ".join(f"{n} by {v:,.6g}" for n, v in self.missed)

    def to_dict(self) -> dict:
        return {
            "aspiration": {
                n: float(v) for n, v in zip(OBJECTIVES, self.aspiration, strict=True) if v == v
            },
            "asf": self.score,
            "rho": RHO,
            "missed": {n: v for n, v in self.missed},
        }


def reference_point(objectives, levels: Mapping[str, float]) -> ReferencePick:
    """Choose the point of a front [S, 3] minimising the ASF towards ``levels`` (by name)."""
    f = objective_matrix(objectives)
    norm = Normalization.of_front(f)
    z = aspiration_vector(levels)
    score = asf(f, z, norm)
    best = int(np.flatnonzero(score <= score.min() + _TIE_TOL)[0])
    missed = tuple(
        (OBJECTIVES[k], float(f[best, k] - z[k]))
        for k in np.flatnonzero(~np.isnan(z))
        if f[best, k] > z[k]
    )
    return ReferencePick(best, z, float(score[best]), norm, missed)
