"""Write a replayed day as a run directory (docs/model.md §9, §13).

The applied schedule is checked by the independent checker against the *actual* sessions
with the targets the recourse guarantees (`Realisation.checked_scenario`, §12.3) before
anything is written; where must-charge power alone exceeded the import limit on the
realised day (no policy could help), the schedule is checked without the limit and the
excess is recorded. The run holds the usual files for the realised day (its actual fleet
with the requested targets in ``scenario/fleet.csv``, the realised grid), ``front.csv`` with
the one realised row (§5 columns, then `REPLAY_COLUMNS`), ``schedules.npz`` (the applied
powers), and beside them ``steps.csv`` (the per-step log), ``sessions.csv`` (each vehicle's
arrival, stated and actual departure, requested, reachable and delivered energy) and, with
requests, ``ocpp/requests.jsonl`` (`moo.operate.ocpp`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import InfeasibleScheduleError
from moo.operate.replay import Replay
from moo.problems import feasibility
from moo.problems.objectives import net_load
from moo.rundir import OutputDir, csv_bytes, publish_run, run_meta, scenario_files
from moo.rundir.run import npz_bytes

LIMIT_TOL_KW = 1e-6


def check_applied(replay: Replay) -> float:
    """Raise `InfeasibleScheduleError` unless the applied schedule passes the checker against
    the actual sessions; returns the kW by which the import limit was exceeded (0: held)."""
    checked = replay.realisation.checked_scenario()
    ev = replay.ev_power[None]
    bess = None if replay.bess_power is None else replay.bess_power[None]
    limit = checked.grid.import_limit_kw
    excess = 0.0
    if limit is not None:
        excess = max(float((net_load(checked, ev, bess) - limit).max()), 0.0)
    feasibility.assert_feasible(checked, ev, bess, import_limit=excess <= LIMIT_TOL_KW)
    return excess


def sessions_table(replay: Replay) -> pd.DataFrame:
    """One row per vehicle of the realised day: what it said, did and got."""
    r = replay.realisation
    f, dt = r.scenario.fleet, r.scenario.dt_h
    e_end = feasibility.energy_trajectory(f.soc_init * f.capacity_kwh, replay.ev_power,
                                          f.eta_charge, f.eta_discharge, dt)[:, -1]
    return pd.DataFrame({
        "vehicle_id": np.arange(f.n),
        "arrival_slot": f.arrival_slot,
        "stated_departure_slot": r.stated_departure_slot,
        "actual_departure_slot": f.departure_slot,
        "requested_kwh": f.soc_target * f.capacity_kwh,
        "reachable_kwh": r.reachable_target_kwh(),
        "departure_kwh": e_end,
    })


def write_replay(
    out: str | os.PathLike | OutputDir,
    replay: Replay,
    *,
    parameters: dict,
    extra_meta: dict | None = None,
    ocpp_jsonl: bytes | None = None,
    overwrite: bool = False,
) -> Path:
    """Check and write a replay (module docstring); returns the run directory."""
    try:
        excess = check_applied(replay)
    except InfeasibleScheduleError as exc:
        raise InfeasibleScheduleError(f"replay {replay.policy}: {exc}") from None
    sc = replay.realisation.scenario
    ev = replay.ev_power[None]
    bess = None if replay.bess_power is None else replay.bess_power[None]
    front = pd.DataFrame([{"solution": 0, **replay.measures}])
    arrays = {"ev_power": ev, "ev_solutions": np.zeros(1, np.int64),
              "net_load": net_load(sc, ev, bess)}
    if bess is not None:
        arrays["bess_power"] = bess
    files = {
        **scenario_files(sc),
        "front.csv": csv_bytes(front),
        "schedules.npz": npz_bytes(arrays),
        "steps.csv": csv_bytes(replay.steps),
        "sessions.csv": csv_bytes(sessions_table(replay)),
    }
    if ocpp_jsonl is not None:
        files["ocpp/requests.jsonl"] = ocpp_jsonl
    meta = run_meta(sc, algorithm=f"replay-{replay.policy}", parameters=parameters, seed=None,
                    n_evals=len(replay.steps), wall_time_s=replay.wall_time_s, n_solutions=1)
    r = replay.realisation
    meta["ev_power_stored"] = "all"
    meta["replay"] = {
        "policy": replay.policy,
        "solver": replay.solver,
        "day": r.day,
        "realisation": {"stream": r.stream, "index": r.index},
        "limit_excess_kw": excess,
        "perfect_bound": None if np.isnan(replay.bound) else replay.bound,
        "measures": {k: (None if np.isnan(v) else v) for k, v in replay.measures.items()},
        **(extra_meta or {}),
    }
    return publish_run(out, files, meta, overwrite=overwrite)
