"""`v2g-pareto export`: tables and OCPP profiles read back reproduce the run (round trip)."""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from jobs.export import ExportSpec
from jobs.export import run as export_job
from models.errors import InputError
from models.scenario import load_scenario
from moo.problems import feasibility
from moo.problems.baselines import baseline
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.rundir import read_run, write_run
from moo.rundir import run as rundir
from moo.rundir.export import read_export, read_table, validate_profile

CALTECH_CSV = Path(__file__).parents[2] / "models" / "presets" / "data" / "caltech_2019-10-29.csv"


def export(run_dir, out, fmt, **options) -> Path:
    """The export job on ``run_dir``, as the CLI calls it; returns the export directory."""
    return export_job(ExportSpec(str(run_dir), str(out), fmt, **options)).path


def invoke(args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def building_run(tmp_path_factory):
    """A small building front (V2G, BESS) with an Economy selection."""
    out = tmp_path_factory.mktemp("b") / "run"
    result = invoke(["front", "--scenario", "building", "--pop", 20, "--generations", 5,
                     "--local-search", "off", "--out", out])
    assert result.exit_code == 0, result.output
    assert invoke(["select", out, "--mode", "economy"]).exit_code == 0
    return read_run(out)


@pytest.fixture(scope="module")
def caltech_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("c") / "run"
    result = invoke(["baseline", "--scenario", "caltech", "--method", "ordered", "--out", out])
    assert result.exit_code == 0, result.output
    return read_run(out)


def row_of(run, solution):
    return int(np.flatnonzero(run.front["solution"].to_numpy() == solution)[0])


def assert_round_trip(run, solution, back):
    """Powers within 1 W; objectives within what that difference can move them."""
    sc, row = run.scenario, row_of(run, solution)
    ev = run.ev_power(row)
    diff_kw = np.abs(back.ev_power_kw - ev)
    assert diff_kw.max() <= 1e-3
    bess = run.schedules.get("bess_power")
    bess = None if bess is None else bess[row][None]
    if back.bess_power_kw is not None:
        np.testing.assert_allclose(back.bess_power_kw, bess[0], atol=1e-9)
    got = evaluate(sc, back.ev_power_kw[None], bess).iloc[0]
    want = run.front.iloc[row]
    # Bounds from |dp|: cost moves by at most price x |dp| x dt (plus wear on discharge),
    # the net load by sum_i |dp| per slot, so peak-valley by twice that.
    dnet = diff_kw.sum(axis=0).max()
    price = max(sc.grid.price_buy.max(), sc.grid.price_sell.max()) + sc.degradation_cost_per_kwh
    assert abs(got["cost"] - want["cost"]) <= price * diff_kw.sum() * sc.dt_h + 1e-9
    assert abs(got["peak_valley"] - want["peak_valley"]) <= 2 * dnet + 1e-9
    std = np.sqrt(want["variance"])
    assert abs(got["variance"] - want["variance"]) <= 2 * (2 * std * dnet + dnet**2) + 1e-9
    for name in OBJECTIVES:
        assert got[name] == pytest.approx(want[name], rel=1e-5)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "ocpp21"])
def test_building_round_trip(building_run, tmp_path, fmt):
    out = export(building_run.path, tmp_path / "x", fmt, selection="economy",
                 date="2026-06-01", timezone="Europe/Copenhagen")
    back = read_export(out)
    chosen = json.loads((building_run.path / "selection-economy.json").read_text())["solution"]
    assert back.manifest["solution"] == chosen and back.manifest["selection"] == "economy"
    assert back.manifest["dated_by"] == "caller"
    assert back.manifest["horizon_start"] == "2026-06-01T00:00:00+02:00"
    assert_round_trip(building_run, chosen, back)


def test_ocpp201_refuses_discharge_naming_first_vehicle_and_slot(building_run, tmp_path):
    front = building_run.front
    rows = [r for r in range(len(front)) if (building_run.ev_power(r) < -1e-4).any()]
    assert rows, "the building front should use V2G"
    row = rows[0]
    i, t = np.argwhere(building_run.ev_power(row) < -1e-4)[0]
    out = tmp_path / "x"
    result = invoke(["export", building_run.path, "--solution", front["solution"].iloc[row],
                     "--format", "ocpp201", "--date", "2026-06-01", "--out", out])
    assert result.exit_code == 2
    assert f"vehicle {i} discharges" in result.output and f"in slot {t} " in result.output
    assert "2026-06-01T" in result.output and len(result.output.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.iterdir())


def test_ocpp21_profile_fields(building_run, tmp_path):
    out = export(building_run.path, tmp_path / "x", "ocpp21", solution=0, date="2026-06-01")
    back = read_export(out)
    f = building_run.scenario.fleet
    for v in back.manifest["vehicles"][:10]:
        i = v["vehicle_id"]
        payload = json.loads((out / v["file"]).read_text())
        assert payload["evseId"] == i + 1 and v["charging_station"] == "site"
        prof = payload["chargingProfile"]
        assert (prof["chargingProfilePurpose"], prof["chargingProfileKind"]) == (
            "TxProfile", "Absolute")
        assert prof["transactionId"] == str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"v2g-pareto:building/2026-06-01/vehicle-{i}"))
        sched = prof["chargingSchedule"][0]
        start = pd.Timestamp("2026-06-01T00:00:00+00:00") + f.arrival_slot[i] * pd.Timedelta(
            minutes=15)
        assert pd.Timestamp(sched["startSchedule"]) == start
        assert sched["duration"] == (f.departure_slot[i] - f.arrival_slot[i]) * 900
        assert sched["chargingRateUnit"] == "W"
        periods = sched["chargingSchedulePeriod"]
        setpoints = [p["setpoint"] for p in periods]
        # one period per power change: neighbours differ
        assert all(a != b for a, b in zip(setpoints, setpoints[1:], strict=False))
        for p in periods:
            assert p["operationMode"] == "CentralSetpoint"
            assert p["limit"] >= 0 >= p["dischargeLimit"]
            assert p["dischargeLimit"] <= p["setpoint"] <= p["limit"]


def test_caltech_ids_timestamps_and_soc(caltech_run, tmp_path):
    raw = pd.read_csv(CALTECH_CSV)
    out = export(caltech_run.path, tmp_path / "csv", "csv", solution=0)
    table = read_table(out / "schedule.csv")
    ev = table[table["kind"] == "ev"]
    first = ev.groupby("vehicle_id").first()
    # The fleet keeps the CSV's row order (every session of the file arrives on the day).
    assert first["session_id"].tolist() == raw["session_id"].tolist()
    assert first["station_id"].tolist() == raw["station_id"].tolist()
    text = (out / "schedule.csv").read_text().splitlines()
    assert ",0,2019-10-29T00:00:00-07:00,2019-10-29T00:15:00-07:00," in text[1]
    sc = caltech_run.scenario
    f = sc.fleet
    # SOC at the end of the last plugged slot is the departure SOC, from the powers by hand.
    power = caltech_run.ev_power(0)
    last = ev.groupby("vehicle_id").last()
    for i in (0, 7, 31):
        p = power[i]
        e_kwh = f.soc_init[i] * f.capacity_kwh[i] + sc.dt_h * (
            f.eta_charge[i] * p[p > 0].sum() + p[p < 0].sum() / f.eta_discharge[i])
        assert last.loc[i, "soc_end"] == pytest.approx(e_kwh / f.capacity_kwh[i], abs=1e-12)
        assert last.loc[i, "slot"] == f.departure_slot[i] - 1
    site = table[table["kind"] == "site"]
    np.testing.assert_allclose(site["power_kw"], caltech_run.schedules["net_load"][0])
    assert len(site) == 96 and (table["kind"] == "bess").sum() == 0


@pytest.mark.parametrize("fmt", ["parquet", "ocpp21", "ocpp201"])
def test_caltech_round_trip_and_station_mapping(caltech_run, tmp_path, fmt):
    result = invoke(["export", caltech_run.path, "--solution", 0, "--format", fmt,
                     "--out", tmp_path / "x"])
    assert result.exit_code == 0, result.output
    back = read_export(tmp_path / "x")  # validates every profile again
    assert_round_trip(caltech_run, 0, back)
    assert back.manifest["horizon_start"] == "2019-10-29T00:00:00-07:00"
    if fmt == "parquet":
        table = pd.read_parquet(tmp_path / "x" / "schedule.parquet")
        assert str(table["slot_start"].dt.tz) == "America/Los_Angeles"
        return
    raw = pd.read_csv(CALTECH_CSV)
    for v, (session, station) in zip(back.manifest["vehicles"],
                                     zip(raw["session_id"], raw["station_id"], strict=True),
                                     strict=True):
        assert (v["station_id"], v["charging_station"], v["evse_id"]) == (station, station, 1)
        payload = json.loads((tmp_path / "x" / v["file"]).read_text())
        tx = payload["chargingProfile"]["transactionId"]
        # ACN session ids are 38 characters, more than a transactionId holds
        assert tx == str(uuid.uuid5(uuid.NAMESPACE_URL, f"v2g-pareto:{session}"))


def valid_payload(version="2.1"):
    period = {"startPeriod": 0, "limit": 3000.0}
    if version == "2.1":
        period.update(operationMode="CentralSetpoint", setpoint=-2000.0, limit=0.0,
                      dischargeLimit=-2000.0)
    return {
        "evseId": 1,
        "chargingProfile": {
            "id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute", "transactionId": "tx-1",
            "chargingSchedule": [{
                "id": 1, "startSchedule": "2026-06-01T08:00:00+02:00", "duration": 1800,
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": [period, {**period, "startPeriod": 900}],
            }],
        },
    }


def period(payload):
    return payload["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]


@pytest.mark.parametrize(
    "version, break_it, message",
    [
        ("2.1", lambda p: period(p).update(dischargeLimit=500.0), r"dischargeLimit.*maximum"),
        ("2.1", lambda p: period(p).update(operationMode="Discharge"), r"operationMode"),
        ("2.1", lambda p: p["chargingProfile"].pop("chargingProfileKind"), r"required"),
        ("2.1", lambda p: period(p).update(setpoint=-2500.0), r"outside \[dischargeLimit"),
        ("2.1", lambda p: p["chargingProfile"].pop("transactionId"), r"transactionId"),
        ("2.1", lambda p: p["chargingProfile"]["chargingSchedule"][0].update(duration=900),
         r"before duration"),
        ("2.0.1", lambda p: period(p).update(setpoint=1.0), r"setpoint"),
        ("2.0.1", lambda p: p.update(evseId="1"), r"evseId"),
    ],
)
def test_hand_broken_profiles_are_rejected(version, break_it, message):
    payload = valid_payload(version)
    validate_profile(copy.deepcopy(payload), version)
    break_it(payload)
    with pytest.raises(InputError, match=message):
        validate_profile(payload, version, "vehicle-00000.json")


def test_an_invalid_profile_writes_nothing(caltech_run, tmp_path, monkeypatch):
    from moo.rundir import export as module

    real = module.charging_profile

    def broken(*args):
        payload = real(*args)
        if args[0] == 3:
            period(payload)["limit"] = "6600"
        return payload

    monkeypatch.setattr(module, "charging_profile", broken)
    out = tmp_path / "x"
    with pytest.raises(InputError, match=r"profiles/vehicle-00003\.json: not a valid OCPP 2\.1"):
        export(caltech_run.path, out, "ocpp21", solution=0)
    assert not list(tmp_path.iterdir())


def test_out_directory_rules(caltech_run, building_run, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    for overwrite in (False, True):
        with pytest.raises(InputError, match="not a v2g-pareto run"):
            export(caltech_run.path, mine, "csv", solution=0, overwrite=overwrite)
    assert (mine / "notes.txt").read_text() == "keep me"
    out = export(caltech_run.path, tmp_path / "x", "csv", solution=0)
    with pytest.raises(InputError, match="give --overwrite"):
        export(caltech_run.path, out, "ocpp21", solution=0)
    export(caltech_run.path, out, "ocpp21", solution=0, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["meta.json", "profiles"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "x"]
    for target in (caltech_run.path, building_run.path):
        with pytest.raises(InputError, match="would replace the run|holds a run, not an export"):
            export(caltech_run.path, target, "csv", solution=0, overwrite=True)
    assert read_run(building_run.path).front.equals(building_run.front)


def test_dates_and_time_zones(caltech_run, building_run, tmp_path):
    with pytest.raises(InputError, match="is undated"):
        export(building_run.path, tmp_path / "a", "csv", solution=0)
    with pytest.raises(InputError, match="dated 2019-10-29"):
        export(caltech_run.path, tmp_path / "a", "csv", solution=0, date="2019-10-30")
    with pytest.raises(InputError, match="dated America/Los_Angeles"):
        export(caltech_run.path, tmp_path / "a", "csv", solution=0, timezone="UTC")
    # A DST day: 96 slots of 15 min are 24 elapsed hours, so the horizon ends at 01:00 CEST.
    out = export(building_run.path, tmp_path / "b", "csv", solution=0, date="2026-03-29",
                 timezone="Europe/Copenhagen")
    last = (out / "schedule.csv").read_text().splitlines()[-1].split(",")
    assert last[5:7] == ["2026-03-30T00:45:00+02:00", "2026-03-30T01:00:00+02:00"]
    first = (out / "schedule.csv").read_text().splitlines()[1].split(",")
    assert first[0] == "ev"
    with pytest.raises(InputError, match="not an IANA time zone"):
        export(building_run.path, tmp_path / "c", "csv", solution=0, date="2026-03-29",
               timezone="No/Where")
    with pytest.raises(InputError, match="must be a day YYYY-MM-DD"):
        export(building_run.path, tmp_path / "c", "csv", solution=0, date="2026-02-30")


def test_a_start_inside_the_dst_gap_is_refused(site_toml, tmp_path):
    site_toml.write_text(site_toml.read_text().replace("[time]", "[time]\nstart_hour = 2.5"))
    sc = load_scenario(str(site_toml))
    run = write_run(tmp_path / "run", sc, baseline(sc, "ordered")[None], algorithm="ordered")
    with pytest.raises(InputError, match=r"02:30:00 does not exist in Europe/Copenhagen"):
        export(run, tmp_path / "x", "csv", solution=0, date="2026-03-29",
               timezone="Europe/Copenhagen")
    out = export(run, tmp_path / "y", "csv", solution=0, date="2026-03-30",
                 timezone="Europe/Copenhagen")
    assert read_export(out).manifest["horizon_start"] == "2026-03-30T02:30:00+02:00"


def test_a_solution_without_stored_vehicles_is_refused(site_toml, tmp_path, monkeypatch):
    sc = load_scenario(str(site_toml))
    ev = np.stack([baseline(sc, "uncoordinated"), baseline(sc, "ordered"),
                   baseline(sc, "ordered")])
    assert feasibility.check(sc, ev).ok
    monkeypatch.setattr(rundir, "EV_STORE_VALUES", 0)
    run = write_run(tmp_path / "run", sc, ev, algorithm="test", ev_keep=np.array([0, 2]))
    with pytest.raises(InputError, match=r"--solution 1: .*not stored.*stored solutions: 0, 2$"):
        export(run, tmp_path / "x", "csv", solution=1, date="2026-06-01")
    out = export(run, tmp_path / "y", "csv", solution=2, date="2026-06-01")
    assert_round_trip(read_run(run), 2, read_export(out))


def test_two_stays_at_one_station_at_once_are_refused(tmp_path):
    sc = load_scenario("caltech", scale=2)  # two copies of every session: same stations
    run = write_run(tmp_path / "run", sc, baseline(sc, "ordered")[None], algorithm="ordered")
    with pytest.raises(InputError, match=r"both at station CA-\d+ in slot \d+: one EVSE") as err:
        export(run, tmp_path / "x", "ocpp21", solution=0)
    i, j = (int(x) for x in re.findall(r"vehicles (\d+) and (\d+)", str(err.value))[0])
    assert j == i + 50 and sc.fleet.station_id[i] in str(err.value)  # a session and its copy
    export(run, tmp_path / "y", "csv", solution=0)  # the tables carry both copies
