"""Shared fixtures: a minimal valid scenario (as a dict) and a writer for TOML files."""

from __future__ import annotations

import copy
import json
import math
import os
import re

import numpy as np
import pytest

from jobs.front import write_front
from models.scenario import build_scenario, load_scenario
from moo.rundir import csv_bytes, publish_run, run_meta, scenario_files
from moo.rundir.checkpoint import CHECKPOINT, FRONT, load_checkpoint
from moo.rundir.run import npz_bytes
from moo.search.nsga import FrontSettings, run_front
from moo.search.termination import Budget
from plots.screenshot import available, chromium_driver

PRESETS = ("building", "qingdao", "iov", "crisscross", "caltech")

MINIMAL = {
    "name": "tiny",
    "fleet_seed": 1,
    "time": {"slots_per_day": 24},
    "grid": {
        "base_load": {"kw": [100.0, 200.0]},
        "prices": [{"name": "flat", "hours": [[0, 24]], "buy": 0.2, "sell": 0.1}],
    },
    "fleet": {
        "groups": [
            {
                "count": 3,
                "capacity_kwh": 40.0,
                "p_charge_max_kw": 7.0,
                "arrival": {"dist": "normal", "mean_h": 8.0, "std_h": 1.0},
                "departure": {"dist": "normal", "mean_h": 17.0, "std_h": 1.0},
                "soc_init": {"dist": "uniform"},
            }
        ]
    },
}


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def to_toml(data: dict) -> str:
    """A scenario dict as TOML text (every table written inline, one root key per line)."""
    return "".join(f"{_toml_key(k)} = {_toml_value(v)}\n" for k, v in data.items())


@pytest.fixture(scope="session")
def presets() -> dict:
    """Every shipped preset, loaded once per test session."""
    return {name: load_scenario(name) for name in PRESETS}


@pytest.fixture
def minimal() -> dict:
    """A fresh copy of a small valid scenario to break one rule at a time."""
    return copy.deepcopy(MINIMAL)


@pytest.fixture
def write_scenario(tmp_path):
    """Write a scenario dict (or raw TOML text) to ``tmp_path`` and return the path."""

    def write(data: dict | str, name: str = "scenario.toml"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else to_toml(data))
        return path

    return write


SITE_TOML = """
name = "tiny"
description = "tiny test site"
currency = "EUR"
fleet_seed = 5
degradation_cost_per_kwh = 0.02
[time]
slots_per_day = 24
[grid.base_load]
kw = [30, 28, 28, 30, 45, 70, 90, 95, 85, 70, 55, 40]
[grid.pv]
model = "clear_sky"
peak_kw = 20
[[grid.prices]]
hours = [[7, 22]]
buy = 0.3
sell = 0.1
[[grid.prices]]
hours = [[22, 7]]
buy = 0.1
sell = 0.05
[bess]
capacity_kwh = 30
p_charge_max_kw = 10
p_discharge_max_kw = 10
[[fleet.groups]]
count = 5
capacity_kwh = 40
p_charge_max_kw = 7
arrival = { dist = "normal", mean_h = 8, std_h = 1 }
departure = { dist = "normal", mean_h = 17, std_h = 1 }
soc_init = { dist = "uniform", low = 0.3, high = 0.6 }
"""

# The small site with what is not known when its plan is made (docs/model.md §12.1).
UNCERTAIN_SITE_TOML = SITE_TOML + """
[uncertainty]
no_show = 0.2
departure_error = { std_h = 1.0 }
base_load = { sigma = 0.1, rho_h = 0.8 }
pv = { sigma = 0.3, rho_h = 0.5 }
"""


@pytest.fixture
def site_toml(tmp_path):
    """Path of a small but complete site (PV, BESS, two price periods, 5 cars) as TOML."""
    path = tmp_path / "site.toml"
    path.write_text(SITE_TOML)
    return path


def write_front_run(path, front, meta_extra: dict | None = None):
    """A run directory that passes the strict reader around a hand-made ``front`` table
    (objectives chosen by the test, not computed): the scenario is MINIMAL's, the
    schedules zeros of the right shapes. For decision methods with known answers."""
    scenario = build_scenario(copy.deepcopy(MINIMAL))
    s, n, t = len(front), scenario.fleet.n, scenario.slots
    arrays = {
        "ev_power": np.zeros((s, n, t)),
        "ev_solutions": np.arange(s),
        "net_load": np.zeros((s, t)),
    }
    files = {
        **scenario_files(scenario),
        "front.csv": csv_bytes(front),
        "schedules.npz": npz_bytes(arrays),
    }
    meta = run_meta(
        scenario, algorithm="nsga2", parameters={}, seed=1, n_evals=s, wall_time_s=0.0,
        n_solutions=s,
    )
    meta["ev_power_stored"] = "all"
    return publish_run(path, files, {**meta, **(meta_extra or {})})


def write_small_front(path, scenario, *, encoding: str, pop_size: int, generations: int,
                      seed: int = 1):
    """Run a small NSGA-II front on ``scenario`` and write it to ``path``: the reference run
    that weighted-sum and checkpoint tests start from."""
    budget = Budget(generations=generations)
    res = run_front(scenario, FrontSettings("nsga2", encoding=encoding, pop_size=pop_size,
                                            budget=budget, seed=seed))
    return write_front(path, scenario, res, algorithm="nsga2", pop_size=pop_size, clusters=1,
                       budget=budget, seed=seed)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's, driven by selenium), quit after the module; skipped
    where it is missing, except in CI, where the browser tests must run."""
    if not available():
        reason = ("chromium, chromedriver or selenium not installed (apt-get install chromium "
                  "chromium-driver; pip install -e '.[test]')")
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: the browser test must run in CI")
        pytest.skip(reason)
    driver = chromium_driver()
    try:
        yield driver
    finally:
        driver.quit()


def resumed_and_whole(scenario, tmp_path, generations: int = 4, **settings):
    """The fronts of a run of ``generations`` and of one checkpointed at half of them and
    resumed to the end (same `FrontSettings` otherwise): a resumed run must give the
    uninterrupted front."""
    whole = run_front(scenario, FrontSettings(budget=Budget(generations=generations),
                                              **settings))
    path = tmp_path / CHECKPOINT
    half = generations // 2
    run_front(scenario, FrontSettings(budget=Budget(generations=half), **settings),
              checkpoint=path, checkpoint_every=half, checkpoint_meta={})
    resumed = run_front(scenario, FrontSettings(budget=Budget(generations=generations),
                                                **settings), resume=load_checkpoint(path, FRONT))
    return resumed, whole
