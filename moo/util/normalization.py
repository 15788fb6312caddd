"""Min-max normalisation of objectives and the hypervolume in that normalisation.

Every part of the toolkit that compares objectives on one scale (selection, indicators,
archive thinning, local-search weights, the exact module's weighted QPs, convergence
curves) uses `Normalization`: ``F̃ = (F - ideal) / (nadir - ideal)``, where a coordinate
whose range is zero (``nadir == ideal``) maps to 0 for every point — it cannot tell two
points apart, so it must not weigh in. The hypervolume's reference point is
`HV_REFERENCE` = 1.1 in every normalised coordinate (docs/model.md §10).
"""

from __future__ import annotations

from dataclasses import dataclass

import moocore
import numpy as np

from models.errors import InputError

HV_REFERENCE = 1.1


def objective_matrix(objectives) -> np.ndarray:  # [S, K]
    """Objectives as a finite float matrix [S, K] (S, K >= 1), or an `InputError`."""
    try:
        f = np.asarray(objectives, dtype=float)
    except (TypeError, ValueError):
        raise InputError("objectives must be numbers") from None
    if f.ndim != 2 or f.shape[0] < 1 or f.shape[1] < 1:
        raise InputError(f"objectives must be a matrix [S, K] with S, K >= 1, got {f.shape}")
    if not np.isfinite(f).all():
        s, k = np.argwhere(~np.isfinite(f))[0]
        raise InputError(f"objective {k} of solution {s} is not finite: {f[s, k]}")
    return f


@dataclass(frozen=True, eq=False)
class Normalization:
    """Min-max normalisation of objectives: ``(F - ideal) / (nadir - ideal)``."""

    ideal: np.ndarray  # [K]
    nadir: np.ndarray  # [K]

    def __post_init__(self) -> None:
        ideal = np.array(self.ideal, dtype=float)
        nadir = np.array(self.nadir, dtype=float)
        if ideal.ndim != 1 or ideal.shape != nadir.shape or ideal.size == 0:
            raise InputError(
                f"ideal and nadir must be equal-length vectors, got {ideal.shape}, {nadir.shape}"
            )
        if not (np.isfinite(ideal).all() and np.isfinite(nadir).all()):
            raise InputError("ideal and nadir must be finite")
        if (nadir < ideal).any():
            k = int(np.flatnonzero(nadir < ideal)[0])
            raise InputError(f"nadir[{k}] = {nadir[k]:g} is below ideal[{k}] = {ideal[k]:g}")
        ideal.setflags(write=False)
        nadir.setflags(write=False)
        object.__setattr__(self, "ideal", ideal)
        object.__setattr__(self, "nadir", nadir)

    @classmethod
    def of_front(cls, objectives) -> Normalization:
        """Ideal and nadir of a front [S, K]: the column minima and maxima."""
        f = objective_matrix(objectives)
        return cls(f.min(axis=0), f.max(axis=0))

    @classmethod
    def of_baselines(cls, baseline_F) -> Normalization:
        """The fixed box of a run's convergence curve (``history.csv``): ideal 0 and nadir
        the baselines' componentwise worst [B, K], so curves of different runs of one
        scenario compare. A worst at or below 0 (a baseline that earns money, or a zero
        range) cannot bound a box above 0: that coordinate's nadir is ``max(|worst|, 1)``."""
        worst = objective_matrix(baseline_F).max(axis=0)
        ideal = np.zeros_like(worst)
        return cls(ideal, np.where(worst > ideal, worst, np.maximum(np.abs(worst), 1.0)))

    @property
    def varies(self) -> np.ndarray:  # [K] bool
        """The coordinates with a non-zero range."""
        return self.nadir > self.ideal

    @property
    def span(self) -> np.ndarray:  # [K]
        """``nadir - ideal``, with 1 where the range is zero (those coordinates map to 0)."""
        return np.where(self.varies, self.nadir - self.ideal, 1.0)

    def apply(self, objectives) -> np.ndarray:  # [S, K] or [K]
        """Normalised objectives; a column with nadir == ideal maps to 0."""
        f = np.asarray(objectives, dtype=float)
        return np.where(self.varies, (f - self.ideal) / self.span, 0.0)

    def coefficients(self, weights) -> np.ndarray:  # [K]
        """``w_k / (nadir_k - ideal_k)``: the weighted normalised sum on raw objectives, up to
        a constant (a coordinate that does not vary drops out)."""
        return np.where(self.varies, np.asarray(weights, dtype=float) / self.span, 0.0)

    def scalarized(self, objectives, weights) -> np.ndarray:  # [W, S]
        """``sum_k w_k F̃_k`` of every point [S, K] for every weight vector [W, K]."""
        return np.atleast_2d(weights) @ self.apply(np.atleast_2d(objectives)).T

    def hypervolume(self, objectives) -> float:
        """Hypervolume of the normalised points, reference point `HV_REFERENCE`; points
        outside that box contribute nothing."""
        z = np.atleast_2d(self.apply(objectives))
        z = z[np.all(z < HV_REFERENCE, axis=1)]
        if len(z) == 0:
            return 0.0
        return float(moocore.hypervolume(z, ref=np.full(z.shape[1], HV_REFERENCE)))
