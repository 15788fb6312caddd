"""Run directories of one tiny site and the schedules drawn on it, shared by the figure tests."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from models.scenario import build_scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select_mode
from moo.problems.baselines import ordered, uncoordinated
from moo.rundir import read_run, write_run
from moo.rundir.selection import write_selection
from plots.points import baseline_points, selected_points
from tests.conftest import MINIMAL

SITE = {
    "name": "tiny-site",
    "currency": "EUR",
    "fleet_seed": 3,
    "degradation_cost_per_kwh": 0.02,
    "time": {"slots_per_day": 24, "start_hour": 0},
    "grid": {
        "base_load": {"hours": [0, 6, 12, 18], "kw": [40.0, 50.0, 90.0, 70.0]},
        "pv": {"model": "clear_sky", "peak_kw": 30.0, "sunrise_h": 6.0, "sunset_h": 19.0},
        "prices": [
            {"name": "valley", "hours": [[23, 7]], "buy": 0.1, "sell": 0.05},
            {"name": "off-peak", "hours": [[7, 17], [21, 23]], "buy": 0.2, "sell": 0.1},
            {"name": "peak", "hours": [[17, 21]], "buy": 0.3, "sell": 0.15},
        ],
    },
    "bess": {"capacity_kwh": 50.0, "p_charge_max_kw": 20.0, "p_discharge_max_kw": 20.0},
    "fleet": {  # MINIMAL's cars, one more of them, all half full
        "groups": [
            copy.deepcopy(MINIMAL["fleet"]["groups"][0])
            | {"count": 4, "soc_init": {"dist": "fixed", "value": 0.5}}
        ]
    },
}
PRICE_RUNS = 5  # valley, off-peak, peak, off-peak, valley over 00:00-24:00
V2G_KW = 3.0  # vehicle 0 of the V2G solution discharges this in its first slot
BESS_KW = 10.0  # the BESS of the V2G solution charges this at slot 2 ...
BESS_BACK_KW = BESS_KW * 0.95 * 0.95  # ... and discharges the same energy at slot 18
OBJ_LABELS = {"cost": "EUR", "variance": "kW²", "peak_valley": "kW"}


def site(**time) -> object:
    data = copy.deepcopy(SITE)
    data["time"].update(time)
    return build_scenario(data, name="tiny-site")


def v2g_solution(sc) -> tuple[np.ndarray, np.ndarray]:
    """Ordered charging, except vehicle 0 discharges V2G_KW first and the BESS cycles."""
    f, dt = sc.fleet, sc.dt_h
    ev = ordered(sc)
    a, d = int(f.arrival_slot[0]), int(f.departure_slot[0])
    ev[0] = 0.0
    ev[0, a] = -V2G_KW
    e_kwh = f.soc_init[0] * f.capacity_kwh[0] - V2G_KW * dt / f.eta_discharge[0]
    need_kwh = f.soc_target[0] * f.capacity_kwh[0] - e_kwh
    ev[0, a + 1 : d] = need_kwh / (f.eta_charge[0] * dt * (d - a - 1))
    bess = np.zeros(sc.slots)
    bess[2], bess[18] = BESS_KW, -BESS_BACK_KW
    return ev, bess


def front_schedules(sc) -> tuple[np.ndarray, np.ndarray]:  # [S, N, T], [S, T]
    unc, orde = uncoordinated(sc), ordered(sc)
    mixes = [lam * unc + (1 - lam) * orde for lam in (0.0, 0.25, 0.5, 0.75, 1.0)]
    ev_v2g, bess_v2g = v2g_solution(sc)
    bess = np.zeros((len(mixes) + 1, sc.slots))
    bess[-1] = bess_v2g
    return np.stack([*mixes, ev_v2g]), bess


def history(n: int, kind: str) -> pd.DataFrame:
    evals = np.arange(1, n + 1) * 100
    if kind == "nsga":
        return pd.DataFrame(
            {
                "generation": np.arange(1, n + 1),
                "n_evals": evals,
                "elapsed_s": evals / 1e3,
                "hypervolume": np.linspace(0.1, 0.5, n),
                "n_nondominated": np.arange(1, n + 1),
            }
        )
    return pd.DataFrame({"n_evals": evals, "best_scalar": np.linspace(0.9, 0.2, n)})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run directories of one tiny site: a front (with selections), its copy without, an
    exact-front stand-in and the two baselines."""
    root = tmp_path_factory.mktemp("runs")
    sc = site()
    ev, bess = front_schedules(sc)
    base_meta = {}
    for method, fn in (("uncoordinated", uncoordinated), ("ordered", ordered)):
        path = write_run(root / method, sc, fn(sc)[None], algorithm=method)
        base_meta[method] = read_run(path).front.iloc[0].drop("solution").to_dict()
    for name in ("front", "plain"):
        write_run(
            root / name,
            sc,
            ev,
            bess,
            algorithm="nsga2",
            seed=7,
            history=history(12, "nsga"),
            extra_meta={"baselines": base_meta},
        )
    write_run(root / "exact", sc, ev[[0, 2, 5]], bess[[0, 2, 5]], algorithm="exact")
    judgements = load_default_judgements()
    front = read_run(root / "front")
    for mode in ("economy", "response"):
        write_selection(front, mode, "ahp", select_mode(front, judgements, mode).to_dict())
    return {
        name: read_run(root / name)
        for name in ("front", "plain", "exact", "uncoordinated", "ordered")
    } | {"root": root}


def legend_texts(legend) -> list[str]:
    return [t.get_text() for t in legend.get_texts()]


def marks(runs) -> list:
    front = runs["front"]
    return baseline_points(front, [runs["uncoordinated"], runs["ordered"]]) + selected_points(front)
