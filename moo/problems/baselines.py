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

from models.errors import ScenarioError
from models.scenario import Scenario, charge_on_arrival
from moo.kernels.baselines import ordered_fill
from moo.problems.feasibility import clock_text

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


def ordered(scenario: Scenario) -> np.ndarray:  # [N, T] kW
    """Charge-only valley filling, vehicle by vehicle, to each effective target."""
    f, g, dt = scenario.fleet, scenario.grid, scenario.dt_h
    need_kwh = np.maximum(scenario.effective_target() - f.soc_init, 0.0) * f.capacity_kwh
    grid_kwh = need_kwh / f.eta_charge
    order = np.lexsort((np.arange(f.n), f.arrival_slot, f.departure_slot))
    limit = np.inf if g.import_limit_kw is None else float(g.import_limit_kw)
    return ordered_fill(
        np.array(g.net_base_kw, dtype=np.float64),
        order.astype(np.int64),
        np.asarray(f.arrival_slot, dtype=np.int64),
        np.asarray(f.departure_slot, dtype=np.int64),
        np.asarray(f.p_charge_max_kw, dtype=np.float64),
        np.asarray(grid_kwh, dtype=np.float64),
        limit,
        float(dt),
    )


def check_baseline_limit(scenario: Scenario, method: str) -> None:
    """Refuse an import limit a baseline cannot respect, naming the slot: baselines charge
    only and leave the BESS idle, so their lowest net load is the site's own (base load
    minus PV) — a limit below it needs V2G or the BESS, which only the optimisers use."""
    g = scenario.grid
    if g.import_limit_kw is None:
        return
    bad = np.flatnonzero(g.net_base_kw > g.import_limit_kw)
    if bad.size:
        t = int(bad[np.argmax(g.net_base_kw[bad])])
        raise ScenarioError(
            f"import_limit_kw {g.import_limit_kw:g} is below the site's net load without "
            f"vehicles at slot {t} (clock {clock_text(g.clock_hour[t])}, "
            f"{g.net_base_kw[t]:.1f} kW): the {method} baseline charges only and leaves the "
            "BESS idle, so it cannot respect it (front and exact may, with V2G)"
        )


def baseline(scenario: Scenario, method: str) -> np.ndarray:  # [N, T] kW
    if method == "uncoordinated":
        return uncoordinated(scenario)
    if method == "ordered":
        return ordered(scenario)
    raise ValueError(f"unknown baseline method {method!r}")
