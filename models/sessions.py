"""A fleet group built from a table of charging sessions (CSV) instead of distributions.

This is how an aggregator usually brings its own data: one row per session with an arrival
time, a departure time and an energy. A group with a ``sessions`` table is read here
(`models.scenario` dispatches on that key)::

    [[fleet.groups]]
    name = "campus"
    sessions = { csv = "data/sessions.csv", date = "2019-10-29" }
    capacity_kwh = { choice = [40, 60, 75] }   # rating spec, sampled per session
    p_charge_max_kw = 6.6                      # rating spec
    p_discharge_max_kw = "charge"              # rating spec or "charge" (default)
    v2g = true                                 # default true
    v2g_share = 0.5                            # default 1.0
    eta_charge = 0.95                          # default 0.95 (also eta_discharge)
    soc_min = 0.1                              # defaults 0.2 / 0.9 / 0.8
    soc_max = 0.95
    soc_target = 0.9

The ``sessions`` table: ``csv`` (path relative to the scenario file, required),
``arrival_column`` (default ``"arrival"``), ``departure_column`` (``"departure"``),
``energy_column`` (``"requested_energy (kWh)"``, the ACN-Data name), ``date`` (optional,
``"YYYY-MM-DD"`` or a TOML date), ``timezone`` (optional IANA name), and ``session_column`` /
``station_column`` (defaults ``"session_id"`` / ``"station_id"``, the ACN-Data names): when
the CSV has them, each vehicle carries its session and station id into the run's
``scenario/fleet.csv`` and on to the charger schedules (``v2g-pareto export``); a default
column the CSV lacks is simply not carried, a named one it lacks is an error.

Time. Timestamps are read as local wall-clock time: with ``timezone`` given, timestamps that
carry a UTC offset are converted to it and naive ones are taken as already local; without
it, each timestamp's own offset is kept (all rows must then share one offset). The horizon
is the 24 h starting at ``start_hour`` on ``date``; the group holds the sessions that
*arrive* inside it (a session plugged in since the day before belongs to that day's
schedule). Without ``date`` the horizon is the one holding the earliest arrival and every
session must arrive inside it. A stay running past the horizon end gets ``d = T`` (the
target then applies at the horizon end, docs/model.md §3); slots come from
`models.fleet.stay_slots`.

Energy and SOC. The energy column is the grid-side energy the driver asked for (what the
charger meters). Its battery side, ``eta_charge * energy``, is what the stay must add, so
the vehicle arrives with::

    soc_init = max(soc_min, soc_target - eta_charge * energy / capacity)

A request larger than the window ``soc_target - soc_min`` is capped to the window (the
battery cannot take more); an energy of 0 gives ``soc_init = soc_target``. Since
``0 <= soc_min`` and ``soc_target <= 1``, ``soc_init`` is in ``[0, 1]``. The CSV carries no
capacity, charger rating or V2G capability: those are the group's stated assumptions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.dates import DAYS, first_outside, parse_day
from models.errors import InputError, ScenarioError
from models.fleet import Fleet, stay_slots
from models.grid import TimeGrid
from models.sampling import GroupSpec
from models.schema import Table

DEFAULT_COLUMNS = {
    "arrival_column": "arrival",
    "departure_column": "departure",
    "energy_column": "requested_energy (kWh)",
}
# Optional id columns: carried when present (see the module docstring).
ID_COLUMNS = {"session_column": "session_id", "station_column": "station_id"}
# Keys of a distribution group that a sessions group takes from its CSV instead.
_FROM_CSV = {
    "count": "one vehicle per session row",
    "arrival": "arrival times come from the CSV",
    "departure": "departure times come from the CSV",
    "soc_init": "derived from the session energy",
}


def read_date(tbl: Table, key: str, default=None) -> dt.date | None:
    """A calendar day given as ``"YYYY-MM-DD"`` or as a TOML date literal (`models.dates`)."""
    value = tbl.raw(key, default)
    if value is None and default is None:
        return None
    try:
        return parse_day(value, tbl.key_path(key))
    except InputError as exc:
        raise ScenarioError(str(exc)) from None


def read_timezone(tbl: Table, key: str, default=None) -> str | None:
    """An IANA time-zone name such as ``"America/Los_Angeles"``."""
    name = tbl.string(key, default)
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise tbl.error(key, "must be an IANA time zone like 'America/Los_Angeles'", name) from None
    return name


@dataclass(frozen=True)
class Sessions:
    """The sessions of one horizon: stays as clock hours (clipped to it), energies, ids."""

    arrival_h: np.ndarray  # [n] clock hours from the horizon's start day
    departure_h: np.ndarray  # [n]
    energy_kwh: np.ndarray  # [n] grid side
    ids: dict[str, np.ndarray]  # "session_id" / "station_id" -> [n] str, those the CSV has
    date: dt.date  # the horizon's start day (local)
    timezone: str | None  # IANA name, when the table gives one


def sessions_group(
    tbl: Table, time: TimeGrid, rng: np.random.Generator, base_dir: Path
) -> tuple[Fleet, Sessions]:
    """Build the fleet of one ``[[fleet.groups]]`` table that has a ``sessions`` key."""
    for key, why in _FROM_CSV.items():
        if tbl.has(key):
            raise tbl.error(key, f"not allowed with sessions ({why})")
    spec = GroupSpec.parse(tbl)
    sessions = read_sessions(tbl.table("sessions"), time, base_dir)
    tbl.done()

    energy_kwh = sessions.energy_kwh
    capacity, p_charge, p_discharge = spec.ratings(rng, len(energy_kwh))
    soc_init = np.maximum(spec.soc_min, spec.soc_target - spec.eta_charge * energy_kwh / capacity)
    a, d = stay_slots(sessions.arrival_h, sessions.departure_h, time.start_hour, time.slots_per_day)
    fleet = spec.fleet(rng, a, d, capacity, p_charge, p_discharge, soc_init, time.slots_per_day)
    return dataclasses.replace(fleet, **sessions.ids), sessions


def read_sessions(tbl: Table, time: TimeGrid, base_dir: Path) -> Sessions:
    """The sessions of the horizon (see `Sessions`)."""
    csv_name = tbl.string("csv")
    columns = {key: tbl.string(key, default) for key, default in DEFAULT_COLUMNS.items()}
    id_columns = {key: tbl.string(key, default) for key, default in ID_COLUMNS.items()}
    named_ids = {key for key in ID_COLUMNS if tbl.has(key)}
    date = read_date(tbl, "date")
    tz = read_timezone(tbl, "timezone")
    tbl.done()

    path = base_dir / csv_name
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise tbl.error("csv", "no such file", str(path)) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise tbl.error("csv", f"cannot read {str(path)!r} ({exc})") from None
    for key, col in columns.items():
        if col not in frame.columns:
            have = ", ".join(repr(c) for c in frame.columns)
            raise tbl.error(key, f"no column {col!r} in {csv_name} (columns: {have})")
    for key in named_ids:
        if id_columns[key] not in frame.columns:
            have = ", ".join(repr(c) for c in frame.columns)
            raise tbl.error(key, f"no column {id_columns[key]!r} in {csv_name} (columns: {have})")
    if frame.empty:
        raise tbl.error("csv", f"{csv_name} has no sessions")

    arrival = _local_times(tbl, "arrival_column", frame[columns["arrival_column"]], tz)
    departure = _local_times(tbl, "departure_column", frame[columns["departure_column"]], tz)
    energy = pd.to_numeric(frame[columns["energy_column"]], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(energy) | (energy < 0))
    if bad.size:
        raw = frame[columns["energy_column"]].iloc[bad[0]]
        raise tbl.error(
            "energy_column", f"row {bad[0] + 1} of {csv_name}: energy must be a number >= 0", raw
        )
    bad = np.flatnonzero(departure <= arrival)
    if bad.size:
        raise tbl.error(
            "departure_column",
            f"row {bad[0] + 1} of {csv_name}: departure {departure[bad[0]]} is not after "
            f"arrival {arrival[bad[0]]}",
        )

    day = pd.Timedelta(hours=24)
    offset = pd.Timedelta(hours=time.start_hour)
    if date is not None:
        start = pd.Timestamp(date) + offset
        keep = (arrival >= start) & (arrival < start + day)
        if not keep.any():
            raise tbl.error("date", f"no session of {csv_name} arrives in the horizon", str(date))
    else:
        first = arrival.min()
        start = (first - offset).normalize() + offset
        keep = arrival < start + day
        if not keep.all():
            raise tbl.error(
                "date",
                f"is required: the arrivals of {csv_name} span more than one 24 h horizon "
                f"({first} .. {arrival.max()}); set date = YYYY-MM-DD to pick one day",
            )
    arrival_off = (arrival[keep] - start) / pd.Timedelta(hours=1)
    departure_off = np.minimum((departure[keep] - start) / pd.Timedelta(hours=1), 24.0)
    # Clock hours for stay_slots: a departure at or past the horizon end maps to the
    # horizon start, which stay_slots reads as "runs past the end" (d = T).
    arrival_h = time.start_hour + np.asarray(arrival_off, float)
    departure_h = time.start_hour + np.asarray(departure_off, float)
    keep = np.asarray(keep)
    ids = {
        ID_COLUMNS[key]: frame[col].fillna("").astype(str).to_numpy()[keep]
        for key, col in id_columns.items()
        if col in frame.columns
    }
    return Sessions(
        arrival_h, departure_h, energy[keep], ids, (start - offset).date(), tz
    )


def _local_times(tbl: Table, key: str, values: pd.Series, tz: str | None) -> pd.DatetimeIndex:
    """Timestamps as naive local wall-clock times (see the module docstring)."""
    times, problem = _to_datetime(values, utc=False)
    if problem is not None and "mixed timezones" in problem.lower():
        if tz is None:
            raise tbl.error(
                key,
                "timestamps carry different UTC offsets; set sessions.timezone "
                "(e.g. 'America/Los_Angeles') to read them as local time",
            )
        times, problem = _to_datetime(values, utc=True)
    if problem is not None:
        raise tbl.error(key, f"column {values.name!r} must hold date-times ({problem})")
    if times.hasnans:
        row = int(np.flatnonzero(times.isna())[0])
        raise tbl.error(key, f"row {row + 1}: missing timestamp in column {values.name!r}")
    row = first_outside(times)
    if row is not None:
        raise tbl.error(key, f"row {row + 1}: {values.iloc[row]!r} in column {values.name!r} is "
                        f"not on a day {DAYS} (the days a time axis can hold)")
    if times.tz is not None:
        times = times.tz_convert(tz) if tz is not None else times
        times = times.tz_localize(None)
    return times


def _to_datetime(values: pd.Series, utc: bool) -> tuple[pd.DatetimeIndex | None, str | None]:
    if pd.api.types.is_numeric_dtype(values):
        return None, "numbers, not date-times"
    try:
        return pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601", utc=utc)), None
    except (ValueError, TypeError) as exc:
        problem = str(exc).splitlines()[0]
    if "mixed timezones" in problem.lower():
        return None, problem
    parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    bad = np.flatnonzero(parsed.isna() & values.notna())
    if bad.size:
        return None, f"row {bad[0] + 1}: {values.iloc[bad[0]]!r} is not an ISO 8601 date-time"
    return None, problem
