"""Numba kernels of the ordered baseline (`moo.problems.baselines.ordered`): valley filling,
vehicle by vehicle, and the plain-numpy twin of the water-fill step.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def water_fill(level_kw: np.ndarray, cap_kw: np.ndarray, energy_kwh: float, dt_h: float):
    """Powers ``p = clip(L - level, 0, cap)`` with ``sum(p) * dt = energy`` (or all of cap).

    ``g(L) = dt * sum clip(L - level, 0, cap)`` is piecewise linear and non-decreasing with
    breakpoints at ``level`` and ``level + cap``; L is found exactly on its segment.
    """
    if energy_kwh <= 0 or cap_kw.sum() == 0:
        return np.zeros_like(level_kw)
    if cap_kw.sum() * dt_h <= energy_kwh:
        return cap_kw.copy()
    points = np.unique(np.concatenate((level_kw, level_kw + cap_kw)))  # [2K] sorted
    filled = np.empty(points.shape[0])
    for k in range(points.shape[0]):
        filled[k] = dt_h * np.minimum(np.maximum(points[k] - level_kw, 0.0), cap_kw).sum()
    k = np.searchsorted(filled, energy_kwh)  # filled[k-1] < energy <= filled[k]
    lo, hi = points[k - 1], points[k]
    frac = (energy_kwh - filled[k - 1]) / (filled[k] - filled[k - 1])
    level = lo + frac * (hi - lo)
    return np.minimum(np.maximum(level - level_kw, 0.0), cap_kw)


@njit(cache=True)
def ordered_fill(net, order, arrival, departure, p_max, grid_kwh, limit, dt):
    """Vehicles in ``order`` each water-fill their grid energy into the net load of their
    stay (under ``limit``); the net load [T] is updated in place. Powers [N, T] kW."""
    power = np.zeros((arrival.shape[0], net.shape[0]))
    for i in order:
        a, d = arrival[i], departure[i]
        cap = np.full(d - a, p_max[i])
        if limit < np.inf:
            cap = np.minimum(np.maximum(limit - net[a:d], 0.0), cap)
        p = water_fill(net[a:d].copy(), cap, grid_kwh[i], dt)
        power[i, a:d] = p
        net[a:d] += p
    return power


def water_fill_reference(
    level_kw: np.ndarray, cap_kw: np.ndarray, energy_kwh: float, dt_h: float
) -> np.ndarray:
    """Plain-numpy twin of `water_fill`: the level found by bisection to 1e-12 kW."""
    if energy_kwh <= 0 or cap_kw.sum() == 0:
        return np.zeros_like(level_kw)
    if cap_kw.sum() * dt_h <= energy_kwh:
        return cap_kw.copy()

    def filled(level):
        return dt_h * np.clip(level - level_kw, 0.0, cap_kw).sum()

    lo, hi = level_kw.min(), (level_kw + cap_kw).max()
    while hi - lo > 1e-12 * max(1.0, abs(hi)):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if filled(mid) < energy_kwh else (lo, mid)
    return np.clip(hi - level_kw, 0.0, cap_kw)
