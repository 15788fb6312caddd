"""The two reference schedules of docs/model.md §6: uncoordinated and ordered charging.

Both leave the BESS idle (it is part of the coordinated system being compared against).

- ``uncoordinated`` (seed 004): every vehicle charges at full power from arrival until
  ``soc_max`` or departure. With ``import_limit_kw`` the plugged vehicles of a slot are
  throttled by one common factor so the net load stays at the limit; they may then miss
  their targets.
- ``ordered`` (seed 000, charge-only valley filling): vehicles are placed one after the
  other (earliest departure first, then earliest arrival, then index), each water-filling
  exactly the energy its effective target needs into the lowest net-load slots of its stay,
  on top of the vehicles placed before it. Slots of exactly equal net load share equally;
  with ``import_limit_kw`` a slot is filled only up to the limit and a vehicle that cannot fit
  its energy below it misses its target. Compiled with numba (a 100,000-vehicle fleet in
  about a second).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from models.scenario import Scenario, charge_on_arrival

METHODS = ("uncoordinated", "ordered")


def uncoordinated(scenario: Scenario) -> np.ndarray:  # [N, T] kW
    """Charge at full power on arrival (throttled proportionally under an import limit)."""
    f, g, dt = scenario.fleet, scenario.grid, scenario.dt_h
    if g.import_limit_kw is None:
        return charge_on_arrival(f, dt)
    power = np.zeros((f.n, scenario.slots))
    energy = f.soc_init * f.capacity_kwh
    full = np.maximum(f.soc_max, f.soc_init) * f.capacity_kwh
    for s in range(scenario.slots):
        plugged = (f.arrival_slot <= s) & (s < f.departure_slot)
        want = np.where(
            plugged, np.clip((full - energy) / (f.eta_charge * dt), 0.0, f.p_charge_max_kw), 0.0
        )
        headroom = max(g.import_limit_kw - g.net_base_kw[s], 0.0)
        total = want.sum()
        p = want * (headroom / total) if total > headroom else want
        power[:, s] = p
        energy = energy + f.eta_charge * p * dt
    return power


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
def _ordered(net, order, arrival, departure, p_max, grid_kwh, limit, dt):
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


def ordered(scenario: Scenario) -> np.ndarray:  # [N, T] kW
    """Charge-only valley filling, vehicle by vehicle, to each effective target."""
    f, g, dt = scenario.fleet, scenario.grid, scenario.dt_h
    need_kwh = np.maximum(scenario.effective_target() - f.soc_init, 0.0) * f.capacity_kwh
    grid_kwh = need_kwh / f.eta_charge
    order = np.lexsort((np.arange(f.n), f.arrival_slot, f.departure_slot))
    limit = np.inf if g.import_limit_kw is None else float(g.import_limit_kw)
    return _ordered(
        np.array(g.net_base_kw, dtype=np.float64),
        order.astype(np.int64),
        np.asarray(f.arrival_slot, dtype=np.int64),
        np.asarray(f.departure_slot, dtype=np.int64),
        np.asarray(f.p_charge_max_kw, dtype=np.float64),
        np.asarray(grid_kwh, dtype=np.float64),
        limit,
        float(dt),
    )


def baseline(scenario: Scenario, method: str) -> np.ndarray:  # [N, T] kW
    if method == "uncoordinated":
        return uncoordinated(scenario)
    if method == "ordered":
        return ordered(scenario)
    raise ValueError(f"unknown baseline method {method!r}")
