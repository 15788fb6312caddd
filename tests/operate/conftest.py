"""A tiny uncertain site for the replay tests: 4 cars over 24 one-hour slots with V2G, a
BESS, PV and two price periods; efficiencies 1, so every weighted QP is convex and its
optimum global (docs/model.md §10), which the comparisons between policies rely on."""

from __future__ import annotations

import pytest

from models.scenario import build_scenario

TINY = {
    "name": "tiny-day",
    "fleet_seed": 3,
    "time": {"slots_per_day": 24},
    "grid": {
        "base_load": {"kw": [30, 28, 28, 30, 45, 70, 90, 95, 85, 70, 55, 40]},
        "pv": {"model": "clear_sky", "peak_kw": 20},
        "prices": [{"hours": [[7, 16]], "buy": 0.4, "sell": 0.1},
                   {"hours": [[16, 7]], "buy": 0.1, "sell": 0.05}],
    },
    "bess": {"capacity_kwh": 20, "p_charge_max_kw": 8, "p_discharge_max_kw": 8,
             "eta_charge": 1.0, "eta_discharge": 1.0},
    "fleet": {"groups": [{
        "count": 4, "capacity_kwh": 40, "p_charge_max_kw": 7, "eta_charge": 1.0,
        "eta_discharge": 1.0,
        "arrival": {"dist": "normal", "mean_h": 8, "std_h": 1},
        "departure": {"dist": "normal", "mean_h": 18, "std_h": 1.5},
        "soc_init": {"dist": "uniform", "low": 0.2, "high": 0.5},
    }]},
    "uncertainty": {"no_show": 0.1, "departure_error": {"bias_h": -1.0, "std_h": 2.0},
                    "base_load": {"sigma": 0.05, "rho_h": 0.8}},
}


@pytest.fixture(scope="session")
def tiny():
    return build_scenario(TINY)
