"""Hand-computed cases shared by the problem tests: a two-vehicle day and a capped fleet."""

from __future__ import annotations

import numpy as np

from models.fleet import Fleet
from models.grid import Grid, TimeGrid
from models.scenario import Scenario

# --- a hand-computed two-vehicle day ------------------------------------------------------
# T = 4 slots of 6 h. Vehicle 0 (60 kWh, 10/10 kW, eta 0.9/0.8, SOC 0.5 -> target 0.6)
# is plugged all day; vehicle 1 (40 kWh, 5 kW, no V2G, eta 1, SOC 0.3 -> 0.9) slots 1-2.
DT = 6.0
P0 = [4.0, -4.0, 0.0, 3.0]
P1 = [0.0, 3.0, 1.0, 0.0]


def two_vehicle_scenario(degradation: float = 0.05) -> Scenario:
    time = TimeGrid(4)
    grid = Grid(
        clock_hour=time.slot_start_h,
        base_load_kw=np.array([100.0, 50.0, 80.0, 120.0]),
        pv_kw=np.array([0.0, 70.0, 10.0, 0.0]),
        price_buy=np.array([0.3, 0.1, 0.2, 0.3]),
        price_sell=np.array([0.1, 0.05, 0.1, 0.1]),
    )
    fleet = Fleet(
        arrival_slot=np.array([0, 1]),
        departure_slot=np.array([4, 3]),
        capacity_kwh=np.array([60.0, 40.0]),
        p_charge_max_kw=np.array([10.0, 5.0]),
        p_discharge_max_kw=np.array([10.0, 0.0]),
        eta_charge=np.array([0.9, 1.0]),
        eta_discharge=np.array([0.8, 1.0]),
        soc_init=np.array([0.5, 0.3]),
        soc_target=np.array([0.6, 0.9]),
        soc_min=np.array([0.2, 0.1]),
        soc_max=np.array([0.9, 0.9]),
        slots_per_day=4,
    )
    return Scenario("two", time, grid, fleet, degradation_cost_per_kwh=degradation)


def capped_fleet() -> Fleet:
    """Three vehicles on a 24 x 1 h grid: reachable, too short a stay, target above soc_max."""
    return Fleet(
        arrival_slot=np.array([8, 8, 0]),
        departure_slot=np.array([18, 11, 24]),
        capacity_kwh=np.array([50.0, 50.0, 50.0]),
        p_charge_max_kw=np.array([5.0, 5.0, 5.0]),
        p_discharge_max_kw=np.zeros(3),
        eta_charge=np.array([0.9, 0.9, 0.9]),
        eta_discharge=np.ones(3),
        soc_init=np.array([0.2, 0.2, 0.2]),
        soc_target=np.array([0.8, 0.8, 0.95]),
        soc_min=np.full(3, 0.1),
        soc_max=np.array([0.9, 0.9, 0.9]),
        slots_per_day=24,
    )
