"""Run directories (moo.rundir.run, moo.rundir.atomic): files recompute from themselves,
atomic file writes, tampering detected, infeasible schedules never written."""

from __future__ import annotations

import io
import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest

import moo.rundir as rundir
from models.errors import InfeasibleScheduleError
from moo.problems.baselines import baseline
from moo.rundir import run as run_module


@pytest.fixture(scope="module")
def building_run(tmp_path_factory, presets):
    sc = presets["building"]
    power = np.stack([baseline(sc, "uncoordinated"), baseline(sc, "ordered")])
    out = tmp_path_factory.mktemp("run")
    return rundir.write_run(out, sc, power, algorithm="test")


def test_run_objectives_recompute_from_the_files_alone(building_run):
    run = building_run
    assert rundir.is_complete(run)
    meta = json.loads((run / "meta.json").read_text())
    front = pd.read_csv(run / "front.csv")
    fleet = pd.read_csv(run / "scenario" / "fleet.csv")
    grid = pd.read_csv(run / "scenario" / "grid.csv")
    with np.load(run / "schedules.npz") as npz:
        ev, bess, net_file = npz["ev_power"], npz["bess_power"], npz["net_load"]
    s_count, n, t_count = ev.shape
    assert (s_count, n, t_count) == (2, len(fleet), len(grid))
    dt = 24.0 / t_count
    assert meta["dt_hours"] == dt
    base, pv = grid["base_load_kw"].to_numpy(), grid["pv_kw"].to_numpy()
    buy, sell = grid["price_buy"].to_numpy(), grid["price_sell"].to_numpy()
    for s in range(s_count):
        p = ev[s]
        net = base - pv + p.sum(axis=0) + bess[s]
        np.testing.assert_allclose(net_file[s], net, rtol=1e-12)
        grid_cost = dt * sum(
            buy[t] * max(net[t], 0.0) - sell[t] * max(-net[t], 0.0) for t in range(t_count)
        )
        discharged = dt * np.clip(-p, 0.0, None).sum()
        cost = grid_cost + meta["degradation_cost_per_kwh"] * discharged
        mean = net.sum() / t_count
        variance = sum((x - mean) ** 2 for x in net) / t_count
        cap = fleet["capacity_kwh"].to_numpy()
        e_dep = fleet["soc_init"].to_numpy() * cap + dt * (
            fleet["eta_charge"].to_numpy() * np.clip(p, 0, None).sum(axis=1)
            - np.clip(-p, 0, None).sum(axis=1) / fleet["eta_discharge"].to_numpy()
        )
        satisfaction = np.mean(e_dep / cap >= fleet["soc_target"].to_numpy() - 1e-6)
        row = front.iloc[s]
        expected = {
            "cost": cost,
            "variance": variance,
            "peak_valley": net.max() - net.min(),
            "std_kw": np.sqrt(variance),
            "peak_kw": net.max(),
            "valley_kw": net.min(),
            "peak_valley_pct": (net.max() - net.min()) / net.max() * 100,
            "grid_cost": grid_cost,
            "ev_energy_kwh": dt * np.clip(p, 0, None).sum(),
            "satisfaction": satisfaction,
        }
        for name, value in expected.items():
            assert row[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name
    assert front["cost"].iloc[1] < front["cost"].iloc[0]  # ordered is cheaper here


def test_crash_while_writing_data_leaves_no_file(tmp_path, monkeypatch):
    def crash(fd):
        raise OSError("power cut")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="power cut"):
        rundir.atomic_write_bytes(tmp_path / "front.csv", b"solution,cost\n0,1\n")
    assert list(tmp_path.iterdir()) == []


def test_tampered_file_makes_the_run_incomplete(building_run, tmp_path):
    copy = shutil.copytree(building_run, tmp_path / "copy")
    assert rundir.is_complete(copy)
    front = copy / "front.csv"
    front.write_text(front.read_text().replace("0,", "1,", 1))
    assert not rundir.is_complete(copy)


def test_infeasible_schedule_is_never_written(tmp_path, presets):
    sc = presets["building"]
    power = baseline(sc, "uncoordinated")[None].copy()
    power[0, 0, int(sc.fleet.arrival_slot[0])] = sc.fleet.p_charge_max_kw[0] + 1.0
    out = tmp_path / "bad"
    with pytest.raises(InfeasibleScheduleError, match="p_charge_max_kw"):
        rundir.write_run(out, sc, power, algorithm="bad")
    assert not (out / "meta.json").exists()
    assert not rundir.is_complete(out)


def test_a_streamed_npz_member_reads_back_as_the_whole_array(monkeypatch):
    monkeypatch.setattr(run_module, "BLOCK_VALUES", 5)  # parts written 5 floats at a time
    ev = np.random.default_rng(2).normal(size=(3, 4, 6))
    npz = run_module.NpzBuilder()
    with npz.stream("ev_power", ev.shape) as put:
        put(ev[0])
        put(ev[1:])
    npz.add("ev_solutions", np.array([4, 7, 9]))
    data = npz.getvalue()
    with np.load(io.BytesIO(data)) as back:
        assert back.files == ["ev_power", "ev_solutions"]
        np.testing.assert_array_equal(back["ev_power"], ev)
        np.testing.assert_array_equal(back["ev_solutions"], [4, 7, 9])
    short = run_module.NpzBuilder()
    with pytest.raises(ValueError, match="ev_power: 24 values streamed for shape"):
        with short.stream("ev_power", ev.shape) as put:
            put(ev[0])


@pytest.mark.parametrize("extra", [None, "nan", "text", "flag", "float32", "comma name"])
def test_csv_bytes_are_the_pandas_bytes_whichever_way_they_are_made(extra, monkeypatch):
    monkeypatch.setattr(run_module, "CSV_ROWS", 4)  # 6 rows: two blocks
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({
        "vehicle_id": np.arange(6),
        "power_kw": [0.1, -0.0, np.inf, -np.inf, 1e-300, 2.0 / 3.0],
        "energy_kwh": rng.normal(size=6) * 1e6,
        "slot": np.array([3, 2, 1, 0, 95, 7], dtype=np.int32),
    })
    if extra == "nan":
        frame.loc[2, "energy_kwh"] = np.nan
    elif extra == "text":
        frame["session_id"] = list("abcdef")
    elif extra == "flag":
        frame["v2g"] = [True, False] * 3
    elif extra == "float32":
        frame["soc"] = np.float32(0.1) * np.arange(6, dtype=np.float32)
    elif extra == "comma name":
        frame["a,b"] = 1.5
    expected = frame.to_csv(index=False, float_format="%.17g").encode()
    assert run_module.csv_bytes(frame) == expected
    assert run_module.csv_bytes(frame.iloc[:0]) == frame.iloc[:0].to_csv(
        index=False, float_format="%.17g").encode()
