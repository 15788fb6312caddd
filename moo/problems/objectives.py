"""Objectives F1–F3 and the docs/model.md §5 report columns: the plain-numpy reference.

This is the readable definition every faster evaluation (the numba kernels) is tested
against. All objectives are minimised:

- ``cost`` (F1, currency): ``dt * sum_t (buy*max(net,0) - sell*max(-net,0))``
  ``+ degradation_cost_per_kwh * dt * sum_{i,t} max(-p,0)``
- ``variance`` (F2, kW²): population variance of the net load over the T slots
- ``peak_valley`` (F3, kW): ``max_t net - min_t net``

with ``net[t] = base_load_kw[t] - pv_kw[t] + sum_i p[i,t] + b[t]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.scenario import Scenario
from moo.util.blocks import vehicle_blocks

OBJECTIVES = ("cost", "variance", "peak_valley")
KPI_COLUMNS = (
    "std_kw",
    "peak_kw",
    "valley_kw",
    "peak_valley_pct",
    "grid_cost",
    "degradation_cost",
    "ev_energy_kwh",
    "v2g_energy_kwh",
    "satisfaction",
)
FRONT_COLUMNS = ("solution", *OBJECTIVES, *KPI_COLUMNS)

# A departure SOC within this fraction of capacity below the target still counts as met
# (the docs/model.md §4 energy tolerance).
SOC_TOL = 1e-6


def net_load(
    scenario: Scenario, ev_power: np.ndarray, bess_power: np.ndarray | None = None
) -> np.ndarray:  # [S, T] kW
    """Net load seen by the grid for a batch of schedules ``ev_power`` [S, N, T]."""
    net = scenario.grid.net_base_kw[None, :] + ev_power.sum(axis=1)
    if bess_power is not None:
        net = net + bess_power
    return net


def departure_soc(
    scenario: Scenario, ev_power: np.ndarray, vehicles: slice = slice(None)
) -> np.ndarray:  # [S, n]
    """SOC of each vehicle at its departure, from the powers (zero outside the stay);
    ``vehicles``: the block of the fleet ``ev_power`` [S, n, T] holds (default: all)."""
    f, dt = scenario.fleet, scenario.dt_h
    pos = np.maximum(ev_power, 0.0).sum(axis=2)
    neg = np.maximum(-ev_power, 0.0).sum(axis=2)
    eta_c, eta_d = f.eta_charge[vehicles], f.eta_discharge[vehicles]
    delta_kwh = dt * (eta_c[None, :] * pos - neg / eta_d)
    return f.soc_init[None, vehicles] + delta_kwh / f.capacity_kwh[None, vehicles]


def evaluate(
    scenario: Scenario, ev_power: np.ndarray, bess_power: np.ndarray | None = None
) -> pd.DataFrame:
    """Objectives and report columns of each schedule, one row per solution.

    The per-vehicle sums are taken a block of vehicles at a time (`moo.util.blocks`), so
    memory beyond ``ev_power`` stays bounded for any fleet."""
    ev_power = np.asarray(ev_power, dtype=np.float64)  # [S, N, T]
    f, g, dt = scenario.fleet, scenario.grid, scenario.dt_h
    s_count, n, t_count = ev_power.shape
    ev_sum = np.zeros((s_count, t_count))  # [S, T] kW
    charged, discharged, met = np.zeros(s_count), np.zeros(s_count), np.zeros(s_count)
    for block in vehicle_blocks(n, s_count * t_count):
        p = ev_power[:, block]
        ev_sum += p.sum(axis=1)
        charged += np.maximum(p, 0.0).sum(axis=(1, 2))
        discharged += np.maximum(-p, 0.0).sum(axis=(1, 2))
        soc_dep = departure_soc(scenario, p, block)
        met += (soc_dep >= f.soc_target[None, block] - SOC_TOL).sum(axis=1)
    net = g.net_base_kw[None, :] + ev_sum
    if bess_power is not None:
        net = net + bess_power
    grid_cost = dt * (np.maximum(net, 0.0) @ g.price_buy - np.maximum(-net, 0.0) @ g.price_sell)
    v2g_kwh = dt * discharged
    degradation = scenario.degradation_cost_per_kwh * v2g_kwh
    variance = net.var(axis=1)
    peak, valley = net.max(axis=1), net.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(peak > 0, (peak - valley) / peak * 100.0, np.nan)
    return pd.DataFrame(
        {
            "solution": np.arange(len(net)),
            "cost": grid_cost + degradation,
            "variance": variance,
            "peak_valley": peak - valley,
            "std_kw": np.sqrt(variance),
            "peak_kw": peak,
            "valley_kw": valley,
            "peak_valley_pct": pct,
            "grid_cost": grid_cost,
            "degradation_cost": degradation,
            "ev_energy_kwh": dt * charged,
            "v2g_energy_kwh": v2g_kwh,
            "satisfaction": met / n if n else np.ones(len(net)),
        },
        columns=list(FRONT_COLUMNS),
    )


# Report columns a user reads after a run, with their units.
_TABLE_COLUMNS = {
    "cost": "cost [{c}]",
    "grid_cost": "grid [{c}]",
    "degradation_cost": "degr. [{c}]",
    "std_kw": "std [kW]",
    "peak_kw": "peak [kW]",
    "valley_kw": "valley [kW]",
    "peak_valley": "p-v [kW]",
    "peak_valley_pct": "p-v [%]",
    "satisfaction": "satisf.",
    "v2g_energy_kwh": "V2G [kWh]",
}


def kpi_table(front: pd.DataFrame, currency: str) -> str:
    """The KPI rows of a front as a fixed-width text table with units in the headers."""
    cols = {k: v.format(c=currency) for k, v in _TABLE_COLUMNS.items() if k in front.columns}
    table = pd.DataFrame(front)[list(cols)].rename(columns=cols)
    return table.to_string(float_format=lambda v: f"{v:,.2f}")
