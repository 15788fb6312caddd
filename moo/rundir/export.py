"""Export one solution of a run for operation: tables (CSV, Parquet) or OCPP charging profiles.

`choose` picks one solution of a run (by its front.csv ``solution`` id or by a kept
decision, ``selection-<name>.json``, read by the strict reader `moo.rundir.selection`);
`export_files` re-checks it with the independent feasibility checker and builds the files
and the manifest of an export directory, which the export job (`jobs.export`) publishes
by the output rule (`moo.rundir.output`: a hidden partial directory renamed into place,
``meta.json`` last; ``--overwrite`` replaces a previous export, never a run, a study or a
user's files). `read_export` reads any export back into per-vehicle powers, which is how
the round trip is tested. The formats, every column and every OCPP field are documented in
docs/export.md.

Time. Slot t of a dated run starts at ``start + t * dt`` in elapsed time, where ``start`` is
the scenario's ``date`` at ``start_hour`` local time in its ``timezone`` (so a DST day's
horizon still spans 24 elapsed hours): `models.series.horizon_bounds`, the axis the
scenario's series were averaged on. An undated run (sampled fleets) needs ``date`` (and
optionally ``timezone``, default UTC) from the caller: every format carries real timestamps.

OCPP. One ``SetChargingProfileRequest`` per vehicle, validated with the ``ocpp`` package's
validator over its shipped official schemas (2.1 or 2.0.1) plus the rules the schemas cannot
express, before anything is written. Powers are watts at the grid side rounded to 0.1 W and
clipped to the vehicle's ratings; the rounded schedule is what the checker re-checks.
"""

from __future__ import annotations

import json
import os
import uuid
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from jsonschema.exceptions import best_match
from ocpp.messages import MessageType, get_validator

from models.dates import parse_day
from models.errors import InfeasibleScheduleError, InputError
from models.scenario import Scenario
from models.series import horizon_bounds
from moo.problems import feasibility
from moo.rundir.output import EXPORT_FORMAT
from moo.rundir.run import Run, check_files, read_meta, tool_version
from moo.rundir.selection import read_selection
from moo.util.jsontext import dumps

FORMATS = ("csv", "parquet", "ocpp21", "ocpp201")
OCPP_VERSIONS = {"ocpp21": "2.1", "ocpp201": "2.0.1"}
# The manifest (meta.json, as in a run directory: written last, lists every file's SHA-256):
# the keys `read_export` reads, with their JSON types (`moo.rundir.run.read_meta`).
MANIFEST_KEYS: dict[str, tuple[type, ...]] = {
    "export_format": (str,),
    "n_vehicles": (int,),
    "horizon_start": (str,),
    "slot_seconds": (int, float),
    "slots": (int,),
    "files": (dict,),
}
TABLE_COLUMNS = (
    "kind",
    "vehicle_id",
    "session_id",
    "station_id",
    "slot",
    "slot_start",
    "slot_end",
    "power_kw",
    "soc_end",
)
# A transactionId holds at most 36 characters (OCPP 2.x); longer session ids become a UUID.
TRANSACTION_ID_MAX = 36
# Baselines write throttled schedules with the targets relaxed (model §4); the export re-checks
# a solution under the same rules its run was written with.
THROTTLED_ALGORITHMS = ("uncoordinated", "ordered")


@dataclass(frozen=True)
class Horizon:
    """The run's slots in real time: ``start`` (timezone-aware) plus ``slots`` of ``dt``."""

    start: pd.Timestamp
    dt: pd.Timedelta
    slots: int

    @property
    def slot_start(self) -> pd.DatetimeIndex:  # [T]
        return pd.date_range(self.start, periods=self.slots, freq=self.dt)

    @property
    def slot_seconds(self) -> float:
        return self.dt.total_seconds()

    def slot_of(self, when: pd.Timestamp) -> int:
        """The slot starting at ``when`` (an error unless it is a slot boundary)."""
        k = (when - self.start) / self.dt
        if abs(k - round(k)) > 1e-6 or not 0 <= round(k) <= self.slots:
            raise InputError(f"{when.isoformat()} is not a slot boundary of the horizon")
        return int(round(k))


@dataclass(frozen=True)
class Chosen:
    """One solution of a run: its per-vehicle powers and what they are checked against."""

    run: Run
    solution: int  # front.csv ``solution`` id
    selection: str | None  # the name, when picked through selection-<name>.json
    ev_power_kw: np.ndarray  # [N, T]
    bess_power_kw: np.ndarray | None  # [T]

    @property
    def scenario(self) -> Scenario:
        return self.run.scenario


@dataclass(frozen=True)
class Exported:
    """What `read_export` gives back: the powers of an export directory."""

    manifest: dict
    ev_power_kw: np.ndarray  # [N, T]
    bess_power_kw: np.ndarray | None  # [T]


def choose(run: Run, solution: int | None, selection: str | None) -> Chosen:
    """The solution named by ``solution`` (front.csv id) or ``selection`` (a kept decision's
    name)."""
    if (solution is None) == (selection is None):
        raise InputError("give exactly one of --solution K and --selection NAME")
    run.require_schedules("exported (export a front, exact, swarm or baseline run)")
    if selection is not None:
        solution = read_selection(run, selection).solution
    ids = run.front["solution"].to_numpy()
    rows = np.flatnonzero(ids == solution)
    if not rows.size:
        raise InputError(
            f"--solution {solution}: not in {run.path}/front.csv "
            f"(solutions {ids.min()}..{ids.max()})"
        )
    row = int(rows[0])
    ev = run.ev_power(row)
    if ev is None:
        stored = run.schedules["ev_solutions"].tolist()
        raise InputError(
            f"--solution {solution}: its per-vehicle schedule was not stored (large fleet); "
            f"stored solutions: {', '.join(str(s) for s in stored)}"
        )
    bess = run.schedules.get("bess_power")
    return Chosen(run, int(solution), selection, np.asarray(ev, float), None if bess is None
                  else np.asarray(bess[row], float))


def horizon(scenario: Scenario, date: str | None, timezone: str | None) -> Horizon:
    """The run's slots in real time; ``date``/``timezone`` date an undated run."""
    for name, given, own in (("date", date, scenario.date), ("timezone", timezone,
                                                           scenario.timezone)):
        if given is not None and own is not None and given != own:
            raise InputError(f"--{name} {given}: the run's scenario is dated {own}")
    day = scenario.date or date
    if day is None:
        raise InputError(
            f"scenario {scenario.name!r} is undated (no sessions or series day): pass "
            "--date YYYY-MM-DD (and --timezone, default UTC) to anchor its schedule"
        )
    if scenario.date is not None and scenario.timezone is None and timezone is None:
        raise InputError(
            f"scenario {scenario.name!r} is dated {scenario.date} in local time of no named "
            "zone: pass --timezone (an IANA name such as 'America/Los_Angeles')"
        )
    tz = scenario.timezone or timezone or "UTC"
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--timezone {tz}: not an IANA time zone like 'Europe/Berlin'") from None
    day = parse_day(day, "--date" if scenario.date is None else "the run's scenario date")
    bounds = horizon_bounds(scenario.time, day, tz)  # [T+1], the scenario's own time axis
    return Horizon(bounds[0], pd.Timedelta(hours=scenario.dt_h), scenario.slots)


def export_files(chosen: Chosen, hz: Horizon, fmt: str) -> tuple[dict[str, bytes], dict]:
    """The files of an export of ``chosen`` in format ``fmt`` and its manifest (the meta.json
    keys before the files' hashes, which `moo.rundir.publish_run` adds), after the
    feasibility checker passed exactly what is written."""
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt}: must be one of {', '.join(FORMATS)}")
    if fmt in OCPP_VERSIONS:
        ev_w = _grid_watts(chosen.scenario, chosen.ev_power_kw)  # [N, T]
        _check(chosen, ev_w[None] / 1000.0)
        files, vehicles = ocpp_files(chosen, hz, ev_w, OCPP_VERSIONS[fmt])
    else:
        _check(chosen, chosen.ev_power_kw[None])
        files = {f"schedule.{fmt}": _table_bytes(schedule_table(chosen, hz), fmt)}
        vehicles = None
    return files, _manifest(chosen, hz, fmt, vehicles)


def _check(chosen: Chosen, ev_power_kw: np.ndarray) -> None:
    """The independent feasibility check of exactly what is written, under the run's rules."""
    sc = chosen.scenario
    relaxed = (
        chosen.run.meta.get("algorithm") in THROTTLED_ALGORITHMS
        and sc.grid.import_limit_kw is not None
    )
    bess = None if chosen.bess_power_kw is None else chosen.bess_power_kw[None]
    try:
        feasibility.assert_feasible(sc, ev_power_kw, bess, targets=not relaxed)
    except InfeasibleScheduleError as exc:
        raise InputError(f"solution {chosen.solution}: {exc}") from None


def _grid_watts(scenario: Scenario, ev_power_kw: np.ndarray) -> np.ndarray:  # [N, T] W
    """Powers in W on a 0.1 W grid (OCPP 2.0.1 accepts one decimal), energy kept.

    Each slot is within 0.1 W of the plan and the running sum of every vehicle's rounded
    powers stays within 0.05 W of the plan's (the rounding error is carried forward), so the
    energy delivered, hence every SOC, stays within 0.05 W x dt of the plan: rounding slot
    by slot would let up to 0.05 W x 24 h accumulate, more than the checker's 1e-6 of a
    battery. Clipped to the ratings, so rounding never exceeds one.
    """
    f = scenario.fleet
    running = np.round(np.cumsum(ev_power_kw * 1000.0, axis=1), 1)  # [N, T]
    watts = np.round(np.diff(running, axis=1, prepend=0.0), 1)
    watts = np.clip(watts, -f.p_discharge_max_kw[:, None] * 1000.0, f.p_charge_max_kw[:, None]
                    * 1000.0)
    return watts + 0.0  # no -0.0 in the files


def schedule_table(chosen: Chosen, hz: Horizon) -> pd.DataFrame:
    """One row per vehicle and plugged-in slot, per BESS slot and per site slot."""
    sc, ev = chosen.scenario, chosen.ev_power_kw
    f, dt_h = sc.fleet, sc.dt_h
    starts = hz.slot_start
    energy = feasibility.energy_trajectory(
        f.soc_init * f.capacity_kwh, ev, f.eta_charge, f.eta_discharge, dt_h
    )  # [N, T+1] kWh
    soc_end = energy[:, 1:] / f.capacity_kwh[:, None]  # [N, T]
    veh, slot = np.nonzero(f.plugged())
    blank = np.full(f.n, "", dtype=object)
    parts = [
        pd.DataFrame(
            {
                "kind": "ev",
                "vehicle_id": pd.array(veh, dtype="Int64"),
                "session_id": (blank if f.session_id is None else f.session_id)[veh],
                "station_id": (blank if f.station_id is None else f.station_id)[veh],
                "slot": slot,
                "power_kw": ev[veh, slot],
                "soc_end": soc_end[veh, slot],
            }
        )
    ]
    t = np.arange(sc.slots)
    if sc.bess is not None:
        b = sc.bess
        bess = np.zeros(sc.slots) if chosen.bess_power_kw is None else chosen.bess_power_kw
        e_b = feasibility.energy_trajectory(
            np.array(b.soc_init * b.capacity_kwh), bess, np.array(b.eta_charge),
            np.array(b.eta_discharge), dt_h,
        )
        parts.append(pd.DataFrame({"kind": "bess", "slot": t, "power_kw": bess,
                                   "soc_end": e_b[1:] / b.capacity_kwh}))
    net = sc.grid.net_base_kw + ev.sum(axis=0)
    if chosen.bess_power_kw is not None:
        net = net + chosen.bess_power_kw
    parts.append(pd.DataFrame({"kind": "site", "slot": t, "power_kw": net}))
    table = pd.concat(parts, ignore_index=True)
    table["vehicle_id"] = table["vehicle_id"].astype("Int64")
    table[["session_id", "station_id"]] = table[["session_id", "station_id"]].fillna("")
    table["slot_start"] = starts[table["slot"].to_numpy()]
    table["slot_end"] = table["slot_start"] + hz.dt
    return table[list(TABLE_COLUMNS)]


def _table_bytes(table: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "parquet":
        return table.to_parquet(index=False)
    text = table.copy()
    for col in ("slot_start", "slot_end"):
        text[col] = [ts.isoformat() for ts in text[col]]
    return text.to_csv(index=False, float_format="%.17g").encode()


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """A ``schedule.csv`` or ``schedule.parquet`` with timezone-aware slot times."""
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    table = pd.read_csv(path, dtype={"session_id": str, "station_id": str}, keep_default_na=False,
                        na_values={"vehicle_id": [""], "soc_end": [""]})
    for col in ("slot_start", "slot_end"):
        table[col] = pd.to_datetime(table[col], format="ISO8601", utc=True)
    table["vehicle_id"] = table["vehicle_id"].astype("Int64")
    return table


def transaction_id(session_id: str, vehicle: int, scenario: Scenario, day: str) -> str:
    """The transactionId a TxProfile must carry: the session id, or a stable UUID."""
    if 0 < len(session_id) <= TRANSACTION_ID_MAX:
        return session_id
    key = session_id or f"{scenario.name}/{day}/vehicle-{vehicle}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"v2g-pareto:{key}"))


def ocpp_files(
    chosen: Chosen, hz: Horizon, ev_w: np.ndarray, version: str
) -> tuple[dict[str, bytes], list[dict]]:
    """One validated SetChargingProfileRequest per vehicle, and the vehicle-to-EVSE map."""
    sc = chosen.scenario
    f = sc.fleet
    if version == "2.0.1":
        neg = np.argwhere(ev_w < 0)
        if neg.size:
            i, t = (int(x) for x in neg[0])
            raise InputError(
                f"ocpp201 cannot carry discharge (OCPP 2.0.1 has no V2G): vehicle {i}"
                f"{_who(f, i)} discharges {-ev_w[i, t] / 1000:.4g} kW in slot {t} "
                f"({hz.slot_start[t].isoformat()}); use --format ocpp21"
            )
    _one_transaction_per_evse(f)
    files, vehicles = {}, []
    for i in range(f.n):
        session = "" if f.session_id is None else f.session_id[i]
        station = "" if f.station_id is None else f.station_id[i]
        evse_id = evse_of(f, i)
        tx = transaction_id(session, i, sc, hz.start.date().isoformat())
        payload = charging_profile(i, evse_id, tx, hz, int(f.arrival_slot[i]),
                                   int(f.departure_slot[i]), ev_w[i], version)
        name = f"profiles/vehicle-{i:05d}.json"
        validate_profile(payload, version, name)
        files[name] = (dumps(payload, indent=1) + "\n").encode()
        vehicles.append({
            "vehicle_id": i,
            "session_id": session,
            "station_id": station,
            "charging_station": station or "site",
            "evse_id": evse_id,
            "transaction_id": tx,
            "profile_id": payload["chargingProfile"]["id"],
            "file": name,
        })
    return files, vehicles


def evse_of(fleet, vehicle: int) -> int:
    """The EVSE id of a vehicle's transaction: a station id is an OCPP charging station with
    one EVSE (ACN's are single-port); without one the site is one charging station with EVSE
    ``vehicle + 1`` per vehicle."""
    return 1 if (fleet.station_id is not None and fleet.station_id[vehicle]) else vehicle + 1


def _one_transaction_per_evse(fleet) -> None:
    """Refuse two stays at one station at once: its one EVSE holds one transaction at a
    time (real sessions never overlap; copies of a site, ``--scale``, do)."""
    if fleet.station_id is None:
        return
    order = np.lexsort((fleet.arrival_slot, fleet.station_id.astype(str)))
    for i, j in zip(order[:-1], order[1:], strict=True):
        same = fleet.station_id[i] and fleet.station_id[i] == fleet.station_id[j]
        if same and fleet.arrival_slot[j] < fleet.departure_slot[i]:
            raise InputError(
                f"vehicles {i} and {j} are both at station {fleet.station_id[i]} in slot "
                f"{fleet.arrival_slot[j]}: one EVSE holds one transaction at a time"
            )


def _who(fleet, i: int) -> str:
    ids = [f"{name} {getattr(fleet, name)[i]}" for name in ("session_id", "station_id")
           if getattr(fleet, name) is not None and getattr(fleet, name)[i]]
    return f" ({', '.join(ids)})" if ids else ""


def charging_profile(
    vehicle: int,
    evse_id: int,
    tx: str,
    hz: Horizon,
    arrival_slot: int,
    departure_slot: int,
    power_w: np.ndarray,
    version: str,
) -> dict:
    """The SetChargingProfileRequest payload of one vehicle's stay (``power_w`` [T], W)."""
    stay = power_w[arrival_slot:departure_slot]
    change = np.flatnonzero(np.r_[True, stay[1:] != stay[:-1]])
    periods = []
    for k in change:
        p = float(stay[k])
        period = {"startPeriod": int(round(k * hz.slot_seconds))}
        if version == "2.1":
            # The setpoint is the plan; limit/dischargeLimit bound any overshoot to the plan's
            # own side, so no vehicle draws or feeds more than was checked for the site.
            period.update(operationMode="CentralSetpoint", setpoint=p, limit=max(p, 0.0),
                          dischargeLimit=min(p, 0.0) + 0.0)
        else:
            period["limit"] = p
        periods.append(period)
    return {
        "evseId": evse_id,
        "chargingProfile": {
            "id": vehicle + 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "transactionId": tx,
            "chargingSchedule": [{
                "id": vehicle + 1,
                "startSchedule": hz.slot_start[arrival_slot].isoformat(),
                "duration": int(round((departure_slot - arrival_slot) * hz.slot_seconds)),
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": periods,
            }],
        },
    }


def validate_profile(payload: dict, version: str, name: str = "profile") -> None:
    """Raise `InputError` unless ``payload`` is a valid SetChargingProfileRequest.

    The schema check is the ``ocpp`` package's validator over its shipped official schema;
    then the rules of the standard the schema cannot express: a TxProfile carries a
    transactionId, an Absolute profile a startSchedule, periods start at 0 and increase
    inside ``duration``, and a 2.1 setpoint lies within ``[dischargeLimit, limit]``.
    """
    validator = get_validator(MessageType.Call, "SetChargingProfile", version)
    error = best_match(validator.iter_errors(payload))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "payload"
        raise InputError(f"{name}: not a valid OCPP {version} SetChargingProfileRequest "
                         f"({where}: {error.message})")
    profile = payload["chargingProfile"]
    rules = []
    if profile["chargingProfilePurpose"] == "TxProfile" and not profile.get("transactionId"):
        rules.append("a TxProfile must carry a transactionId")
    for schedule in profile["chargingSchedule"]:
        if profile["chargingProfileKind"] == "Absolute" and "startSchedule" not in schedule:
            rules.append("an Absolute profile needs startSchedule")
        starts = [p["startPeriod"] for p in schedule["chargingSchedulePeriod"]]
        if starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
            rules.append("startPeriod must start at 0 and increase")
        if "duration" in schedule and starts[-1] >= schedule["duration"]:
            rules.append("the last period must start before duration")
        for p in schedule["chargingSchedulePeriod"]:
            if "setpoint" in p and not (
                p.get("dischargeLimit", -np.inf) <= p["setpoint"] <= p.get("limit", np.inf)
            ):
                rules.append(f"setpoint {p['setpoint']} outside [dischargeLimit, limit]")
                break
    if rules:
        raise InputError(f"{name}: not a valid OCPP {version} SetChargingProfileRequest "
                         f"({rules[0]})")


def profile_power(payload: dict, hz: Horizon) -> np.ndarray:  # [T] W
    """A profile's power per slot of the horizon (setpoint in 2.1, limit in 2.0.1)."""
    schedule = payload["chargingProfile"]["chargingSchedule"][0]
    first = hz.slot_of(pd.Timestamp(schedule["startSchedule"]))
    last = first + int(round(schedule["duration"] / hz.slot_seconds))
    periods = schedule["chargingSchedulePeriod"]
    # startPeriod is whole seconds: map it back to the slot it was rounded from.
    period_slot = np.rint(np.array([p["startPeriod"] for p in periods]) / hz.slot_seconds)
    values = np.array([p.get("setpoint", p.get("limit")) for p in periods], float)
    power = np.zeros(hz.slots)
    k = np.arange(last - first)
    power[first:last] = values[np.searchsorted(period_slot, k, side="right") - 1]
    return power


def _manifest(chosen: Chosen, hz: Horizon, fmt: str, vehicles: list[dict] | None) -> dict:
    sc, run = chosen.scenario, chosen.run
    row = run.front.loc[run.front["solution"] == chosen.solution].iloc[0]
    manifest = {
        "format": EXPORT_FORMAT,
        "tool": "v2g-pareto",
        "export_format": fmt,
        "version": tool_version(),
        "run": str(run.path.resolve()),
        "run_meta_sha256": run.meta_sha256,
        "solution": chosen.solution,
        "selection": chosen.selection,
        "objectives": {k: float(row[k]) for k in ("cost", "variance", "peak_valley")},
        "currency": sc.currency,
        "scenario": sc.name,
        "n_vehicles": sc.fleet.n,
        "date": hz.start.date().isoformat(),
        "timezone": str(hz.start.tz),
        "dated_by": "scenario" if sc.date else "caller",
        "horizon_start": hz.start.isoformat(),
        "slot_seconds": hz.slot_seconds,
        "slots": hz.slots,
    }
    if vehicles is not None:
        manifest["ocpp_version"] = OCPP_VERSIONS[fmt]
        manifest["vehicles"] = vehicles
    return manifest


def read_export(out_dir: str | os.PathLike) -> Exported:
    """Read an export directory back into per-vehicle powers (kW) and the BESS powers."""
    out = Path(out_dir)
    manifest = read_meta(out, EXPORT_FORMAT, MANIFEST_KEYS, "export directory")
    check_files(out, manifest["files"])
    n, slots = manifest["n_vehicles"], manifest["slots"]
    hz = Horizon(pd.Timestamp(manifest["horizon_start"]),
                 pd.Timedelta(seconds=manifest["slot_seconds"]), slots)
    fmt = manifest["export_format"]
    if fmt in OCPP_VERSIONS:
        ev = np.zeros((n, slots))
        for v in manifest["vehicles"]:
            payload = json.loads((out / v["file"]).read_text())
            validate_profile(payload, manifest["ocpp_version"], v["file"])
            ev[v["vehicle_id"]] = profile_power(payload, hz) / 1000.0
        return Exported(manifest, ev, None)
    table = read_table(out / f"schedule.{fmt}")
    slot = ((table["slot_start"] - hz.start) / hz.dt).round().astype(int).to_numpy()
    if not np.array_equal(slot, table["slot"].to_numpy()):
        raise InputError(f"{out}: slot_start does not match slot")
    ev = np.zeros((n, slots))
    cars = table["kind"] == "ev"
    ev[table.loc[cars, "vehicle_id"].to_numpy(int), slot[cars]] = table.loc[cars, "power_kw"]
    bess_rows = table["kind"] == "bess"
    bess = None
    if bess_rows.any():
        bess = np.zeros(slots)
        bess[slot[bess_rows]] = table.loc[bess_rows, "power_kw"]
    return Exported(manifest, ev, bess)

