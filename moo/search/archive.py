"""The archive of every non-dominated solution a run has evaluated.

pymoo's result holds only the final population (for NSGA-III only the reference-direction
survivors); the front we report is the non-dominated set of *everything* evaluated, so each
generation's offspring are merged into this archive (moocore's O(n log n) filter).
"""

from __future__ import annotations

import moocore
import numpy as np

from moo.util.normalization import HV_REFERENCE, Normalization


class Archive:
    """Non-dominated decision vectors ``X`` [A, n_var], objectives ``F`` [A, 3], reports."""

    def __init__(self, n_var: int, n_report: int):
        self.X = np.zeros((0, n_var))
        self.F = np.zeros((0, 3))
        self.R = np.zeros((0, n_report))

    def __len__(self) -> int:
        return len(self.F)

    def add(self, X: np.ndarray, F: np.ndarray, R: np.ndarray) -> None:
        """Merge evaluated solutions; duplicates of a kept point are dropped (first kept)."""
        ok = np.all(np.isfinite(F), axis=1)
        X_all = np.vstack([self.X, X[ok]])
        F_all = np.vstack([self.F, F[ok]])
        R_all = np.vstack([self.R, R[ok]])
        keep = moocore.is_nondominated(F_all, keep_weakly=False)
        self.X, self.F, self.R = X_all[keep], F_all[keep], R_all[keep]

    def reduced(self, max_size: int, ideal: np.ndarray, nadir: np.ndarray) -> np.ndarray:
        """Indices of at most ``max_size`` members that keep the most hypervolume
        (`hv_thinned`)."""
        return hv_thinned(self.F, max_size, ideal, nadir)


def hv_thinned(F: np.ndarray, max_size: int, ideal: np.ndarray, nadir: np.ndarray) -> np.ndarray:
    """Indices of at most ``max_size`` rows of F [A, 3] that keep the most hypervolume.

    Greedy removal of the smallest hypervolume contributions (normalised objectives,
    reference point 1.1), a few at a time; the extreme points of each objective stay.
    """
    idx = np.arange(len(F))
    if len(idx) <= max_size:
        return idx
    Fn = Normalization(ideal, nadir).apply(F)
    ref = HV_REFERENCE + np.maximum(Fn.max(axis=0) - 1.0, 0.0)
    extremes = set(np.argmin(F, axis=0).tolist())
    while len(idx) > max_size:
        contrib = moocore.hv_contributions(Fn[idx], ref=ref)
        contrib[[k for k, i in enumerate(idx) if i in extremes]] = np.inf
        drop = max(1, (len(idx) - max_size) // 4)
        idx = np.delete(idx, np.argsort(contrib, kind="stable")[:drop])
    return idx
