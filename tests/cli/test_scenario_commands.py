"""Scenario validation through the CLI: one-line messages naming the key path, exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import moo.rundir as rundir
from cli import cli
from models.scenario import load_scenario
from tests.conftest import PRESETS

SESSIONS_CSV = "arrival,departure,kwh\n2019-10-29 08:00,2019-10-29 17:00,10\n"
BAD_CSVS = {
    "neg.csv": "arrival,departure,kwh\n2019-10-29 08:00,2019-10-29 17:00,-5\n",
    "backwards.csv": "arrival,departure,kwh\n2019-10-29 17:00,2019-10-29 08:00,5\n",
    "nottime.csv": "arrival,departure,kwh\nmorning,2019-10-29 17:00,5\n",
    "header.csv": "arrival,departure,kwh\n",
}


def group(data: dict) -> dict:
    return data["fleet"]["groups"][0]


def sessions_group(data: dict) -> dict:
    data["fleet"]["groups"] = [
        {
            "sessions": {"csv": "s.csv", "energy_column": "kwh"},
            "capacity_kwh": 50.0,
            "p_charge_max_kw": 7.0,
        }
    ]
    return data


def sessions_csv(data: dict, name: str) -> None:
    sessions_group(data)["fleet"]["groups"][0]["sessions"]["csv"] = name


def bess(data: dict) -> dict:
    data["bess"] = {"capacity_kwh": 100.0, "p_charge_max_kw": 50.0, "p_discharge_max_kw": 50.0}
    return data["bess"]


def pvlib_table(data: dict) -> dict:
    data["grid"]["pv"] = {
        "model": "pvlib",
        "latitude": 34.14,
        "longitude": -118.13,
        "date": "2019-10-29",
        "timezone": "America/Los_Angeles",
        "peak_kw": 100.0,
        "tilt_deg": 20.0,
        "azimuth_deg": 180.0,
    }
    return data["grid"]["pv"]


# Each case: (id, break one rule of the minimal scenario, expected message fragment).
BAD_CASES = [
    (
        "negative std",
        lambda d: group(d)["arrival"].update(std_h=-1),
        "fleet.groups[0].arrival.std_h: must be > 0, got -1",
    ),
    ("unknown root key", lambda d: d.update(colour="red"), "colour: unknown key"),
    (
        "unknown grid key",
        lambda d: d["grid"].update(base_lod={"kw": [1.0]}),
        "grid.base_lod: unknown key",
    ),
    ("unknown group key", lambda d: group(d).update(cout=3), "fleet.groups[0].cout: unknown key"),
    (
        "unknown distribution key",
        lambda d: group(d)["arrival"].update(sd_h=1.0),
        "fleet.groups[0].arrival.sd_h: unknown key",
    ),
    (
        "unknown time key",
        lambda d: d["time"].update(slot_minutes=15),
        "time.slot_minutes: unknown key",
    ),
    (
        "unknown price key",
        lambda d: d["grid"]["prices"][0].update(export=0.1),
        "grid.prices[0].export: unknown key",
    ),
    (
        "sell above buy",
        lambda d: d["grid"]["prices"][0].update(sell=0.5),
        "grid.prices[0].sell: must be <= buy (0.2)",
    ),
    (
        "overlapping periods",
        lambda d: d["grid"].update(
            prices=[
                {"name": "a", "hours": [[0, 13]], "buy": 0.2},
                {"name": "b", "hours": [[12, 24]], "buy": 0.3},
            ]
        ),
        "grid.prices[1].hours[0]: overlaps grid.prices[0].hours",
    ),
    (
        "gap between periods",
        lambda d: d["grid"]["prices"][0].update(hours=[[0, 12], [13, 24]]),
        "grid.prices: periods must cover the whole day; 12:00 is in no period",
    ),
    (
        "bad period span",
        lambda d: d["grid"]["prices"][0].update(hours=[[0, 25]]),
        "grid.prices[0].hours[0]: must be [start, end] with distinct clock hours in [0, 24]",
    ),
    (
        "missing slots_per_day",
        lambda d: d["time"].pop("slots_per_day"),
        "time.slots_per_day: is required",
    ),
    ("missing count", lambda d: group(d).pop("count"), "fleet.groups[0].count: is required"),
    ("missing grid", lambda d: d.pop("grid"), "grid: is required"),
    (
        "missing departure",
        lambda d: group(d).pop("departure"),
        "fleet.groups[0].departure: is required",
    ),
    (
        "string for a number",
        lambda d: d["time"].update(slots_per_day="96"),
        "time.slots_per_day: must be an integer, got '96'",
    ),
    (
        "float for an integer",
        lambda d: group(d).update(count=2.5),
        "fleet.groups[0].count: must be an integer, got 2.5",
    ),
    (
        "string for a boolean",
        lambda d: group(d).update(v2g="yes"),
        "fleet.groups[0].v2g: must be true or false, got 'yes'",
    ),
    (
        "table expected",
        lambda d: group(d).update(arrival=8.0),
        "fleet.groups[0].arrival: must be a table, got 8.0",
    ),
    (
        "unknown distribution",
        lambda d: group(d)["arrival"].update(dist="poisson"),
        "fleet.groups[0].arrival.dist: must be one of fixed, uniform, normal, wrapped_normal",
    ),
    (
        "soc_max below soc_min",
        lambda d: group(d).update(soc_min=0.9, soc_max=0.5),
        "fleet.groups[0].soc_max: must be >= soc_min (0.9), got 0.5",
    ),
    (
        "soc_target above 1",
        lambda d: group(d).update(soc_target=1.5),
        "fleet.groups[0].soc_target: must be <= 1, got 1.5",
    ),
    (
        "soc_init range inverted",
        lambda d: group(d)["soc_init"].update(low=0.8, high=0.3),
        "fleet.groups[0].soc_init.high: must be > low (0.8), got 0.3",
    ),
    (
        "negative capacity",
        lambda d: group(d).update(capacity_kwh=-40.0),
        "fleet.groups[0].capacity_kwh: must be >= 0.01, got -40.0",
    ),
    (
        "uniform rating inverted",
        lambda d: group(d).update(capacity_kwh={"uniform": [80.0, 30.0]}),
        "fleet.groups[0].capacity_kwh.uniform[1]: must be > 80.0, got 30.0",
    ),
    (
        "unknown rating form",
        lambda d: group(d).update(capacity_kwh={"normal": [60.0, 5.0]}),
        "fleet.groups[0].capacity_kwh: must be a number, {uniform = [lo, hi]} or {choice = [...]}",
    ),
    (
        "choice weights length",
        lambda d: group(d).update(p_charge_max_kw={"choice": [7.0, 11.0], "weights": [1.0]}),
        "fleet.groups[0].p_charge_max_kw.weights: must have 2 entries like choice",
    ),
    (
        "base-load hours length",
        lambda d: d["grid"]["base_load"].update(hours=[0.0]),
        "grid.base_load.hours: must have 2 entries like kw",
    ),
    (
        "negative scale",
        lambda d: d["grid"]["base_load"].update(scale=-1.0),
        "grid.base_load.scale: must be >= 0, got -1.0",
    ),
    (
        "missing base-load CSV",
        lambda d: d["grid"].update(base_load={"csv": "nope.csv"}),
        "grid.base_load.csv: cannot read",
    ),
    (
        "BESS soc_init outside its range",
        lambda d: bess(d).update(soc_init=0.05),
        "bess.soc_init: must be in [soc_min, soc_max], got 0.05",
    ),
    ("unknown BESS key", lambda d: bess(d).update(cycles=3), "bess.cycles: unknown key"),
    (
        "sunset before sunrise",
        lambda d: d["grid"].update(pv={"model": "clear_sky", "peak_kw": 50.0, "sunset_h": 5.0}),
        "grid.pv.sunset_h: must be > 6.0, got 5.0",
    ),
    (
        "pvlib latitude",
        lambda d: pvlib_table(d).update(latitude=95.0),
        "grid.pv.latitude: must be <= 90, got 95.0",
    ),
    (
        "pvlib time zone",
        lambda d: pvlib_table(d).update(timezone="Mars/Olympus"),
        "grid.pv.timezone: must be an IANA time zone like 'America/Los_Angeles'",
    ),
    (
        "pvlib date",
        lambda d: pvlib_table(d).update(date="29/10/2019"),
        "grid.pv.date: must be a day YYYY-MM-DD from 1678-01-01 to 2261-12-31, got '29/10/2019'",
    ),
    (
        "missing sessions CSV",
        lambda d: sessions_group(d)["fleet"]["groups"][0]["sessions"].update(csv="none.csv"),
        "fleet.groups[0].sessions.csv: no such file",
    ),
    (
        "sessions CSV without the energy column",
        lambda d: sessions_group(d)["fleet"]["groups"][0]["sessions"].pop("energy_column"),
        "fleet.groups[0].sessions.energy_column: no column 'requested_energy (kWh)' in s.csv",
    ),
    (
        "sessions column renamed to a missing one",
        lambda d: sessions_group(d)["fleet"]["groups"][0]["sessions"].update(
            arrival_column="plug_in"
        ),
        "fleet.groups[0].sessions.arrival_column: no column 'plug_in' in s.csv",
    ),
    (
        "unknown sessions key",
        lambda d: sessions_group(d)["fleet"]["groups"][0]["sessions"].update(sheet=1),
        "fleet.groups[0].sessions.sheet: unknown key",
    ),
    (
        "count with sessions",
        lambda d: sessions_group(d)["fleet"]["groups"][0].update(count=5),
        "fleet.groups[0].count: not allowed with sessions",
    ),
    (
        "sessions date outside the data",
        lambda d: sessions_group(d)["fleet"]["groups"][0]["sessions"].update(date="2020-01-01"),
        "fleet.groups[0].sessions.date: no session of s.csv arrives in the horizon",
    ),
    (
        "negative session energy",
        lambda d: sessions_csv(d, "neg.csv"),
        "fleet.groups[0].sessions.energy_column: row 1 of neg.csv: energy must be a number >= 0",
    ),
    (
        "departure before arrival",
        lambda d: sessions_csv(d, "backwards.csv"),
        "fleet.groups[0].sessions.departure_column: row 1 of backwards.csv: departure "
        "2019-10-29 08:00:00 is not after arrival 2019-10-29 17:00:00",
    ),
    (
        "not a timestamp",
        lambda d: sessions_csv(d, "nottime.csv"),
        "fleet.groups[0].sessions.arrival_column: column 'arrival' must hold date-times "
        "(row 1: 'morning' is not an ISO 8601 date-time)",
    ),
    (
        "no sessions",
        lambda d: sessions_csv(d, "header.csv"),
        "fleet.groups[0].sessions.csv: header.csv has no sessions",
    ),
]


def invoke(args: list[str]):
    return CliRunner().invoke(cli, args)


def assert_one_line_error(result, expected: str):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert expected in lines[0], lines[0]


@pytest.mark.parametrize(("case", "mutate", "expected"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_scenario_is_one_line_exit_2(case, mutate, expected, minimal, write_scenario, tmp_path):
    (tmp_path / "s.csv").write_text(SESSIONS_CSV)
    for name, text in BAD_CSVS.items():
        (tmp_path / name).write_text(text)
    mutate(minimal)
    path = write_scenario(minimal)
    assert_one_line_error(invoke(["scenario", "show", str(path)]), expected)


BY_ID = {case[0]: case for case in BAD_CASES}
BASELINE_CASES = ["negative std", "sell above buy", "sessions CSV without the energy column"]


@pytest.mark.parametrize(
    ("case", "mutate", "expected"), [BY_ID[c] for c in BASELINE_CASES], ids=BASELINE_CASES
)
def test_bad_scenario_in_baseline_is_one_line_exit_2(
    case, mutate, expected, minimal, write_scenario, tmp_path
):
    (tmp_path / "s.csv").write_text(SESSIONS_CSV)
    for name, text in BAD_CSVS.items():
        (tmp_path / name).write_text(text)
    mutate(minimal)
    path = write_scenario(minimal)
    out = tmp_path / "run"
    result = invoke(["baseline", "--scenario", str(path), "--method", "ordered", "--out", str(out)])
    assert_one_line_error(result, expected)
    assert not (out / "meta.json").exists()


def test_malformed_toml(write_scenario):
    path = write_scenario("name = \n[time\n")
    assert_one_line_error(invoke(["scenario", "show", str(path)]), "not valid TOML")


def test_missing_scenario_file(tmp_path):
    path = tmp_path / "absent.toml"
    assert_one_line_error(invoke(["scenario", "show", str(path)]), "no such scenario file")


def test_unknown_preset_lists_the_presets():
    result = invoke(["scenario", "show", "nosuchpreset"])
    assert_one_line_error(result, "unknown scenario 'nosuchpreset'")
    assert all(name in result.output for name in PRESETS)


def test_minimal_scenario_is_valid(minimal, write_scenario):
    # The starting point of every bad case must itself pass, or the cases prove nothing.
    result = invoke(["scenario", "show", str(write_scenario(minimal))])
    assert result.exit_code == 0, result.output
    assert "vehicles      3 (3 V2G capable)" in result.output


def test_sessions_minimal_scenario_is_valid(minimal, write_scenario, tmp_path):
    (tmp_path / "s.csv").write_text(SESSIONS_CSV)
    result = invoke(["scenario", "show", str(write_scenario(sessions_group(minimal)))])
    assert result.exit_code == 0, result.output
    assert "vehicles      1 (1 V2G capable)" in result.output
    # 10 kWh requested with target 0.8: soc_init 0.8 - 0.95 * 10 / 50 = 0.61, so the
    # grid must deliver exactly the request back.
    assert "energy needed 10.0 kWh" in result.output


def test_scenarios_lists_the_five_presets():
    result = invoke(["scenarios"])
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.strip().splitlines()]
    assert set(PRESETS) <= set(names)


def test_scenario_show_building_numbers():
    result = invoke(["scenario", "show", "building"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "vehicles      50 (50 V2G capable)" in out
    assert "T = 96 slots, dt = 0.25 h" in out
    assert "unreachable   0 vehicles" in out
    # Energy needed, recomputed from the docs/model.md §4 effective target written out here.
    f = load_scenario("building").fleet
    stay_h = (f.departure_slot - f.arrival_slot) * 0.25
    reach = f.soc_init + f.eta_charge * f.p_charge_max_kw * stay_h / f.capacity_kwh
    target = np.minimum(np.minimum(f.soc_target, f.soc_max), reach)
    need = np.maximum(target - f.soc_init, 0) * f.capacity_kwh / f.eta_charge
    assert f"energy needed {need.sum():,.1f} kWh" in out
    assert "BESS          200 kWh, 100/100 kW" in out


@pytest.mark.parametrize("name", PRESETS)
def test_scenario_show_every_preset(name):
    result = invoke(["scenario", "show", name])
    assert result.exit_code == 0, result.output
    assert f"scenario      {name}:" in result.output


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("method", ["uncoordinated", "ordered"])
def test_baseline_writes_a_run_directory(name, method, tmp_path):
    out = tmp_path / f"{name}-{method}"
    result = invoke(["baseline", "--scenario", name, "--method", method, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    assert rundir.is_complete(out)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["algorithm"] == method
    assert meta["scenario"]["name"] == name
    assert meta["n_solutions"] == 1
    run = rundir.read_run(out)
    assert run.schedules["ev_power"].shape == (
        1,
        meta["scenario"]["n_vehicles"],
        run.scenario.slots,
    )
    if method == "ordered":
        assert run.schedules["ev_power"].min() >= 0.0
