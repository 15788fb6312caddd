"""Timestamped series (CSV) in scenario files: base load, PV and market prices per slot.

A real site brings metered load, measured PV and day-ahead prices as time series, not as
daily profiles. A ``series`` table reads one column of a CSV::

    series = { csv = "data/site.csv", column = "load_kw", timestamp_column = "timestamp",
               timezone = "Europe/Copenhagen", unit = "kW" }

- ``csv``: path relative to the scenario file; ``column``: the value column (required);
  ``timestamp_column`` (default ``"timestamp"``).
- Timestamps are ISO 8601, either all with a UTC offset (``2024-04-14T11:00:00Z``,
  ``...+02:00``; offsets may differ between rows) or all naive, read as local time in
  ``timezone`` (default: ``[time] timezone``). A naive time that does not exist (the hour
  skipped in spring) is an error; one that occurs twice (autumn) is resolved by row order.
- ``unit``: power ``"W" | "kW" | "MW"`` (default ``"kW"``); prices ``"<CUR>/kWh"`` or
  ``"<CUR>/MWh"`` (see `models.scenario`: the currency must be the scenario's).
- An empty cell means "no value at this row", so one file can hold columns of different
  resolutions (hourly prices beside 15-minute load: the price column is filled every 4th row).

Semantics: a value holds from its timestamp to the next value's (a step function; the last
value holds for one step of the series). Each slot gets the time-average of the step
function over the slot, for power and prices alike, so the energy of a slot and the cost of a
constant power over it are exact whatever the two resolutions are.

The day: the horizon starts at ``[time] start_hour`` local wall-clock time on ``[time] date``
in ``[time] timezone`` and lasts **24 h of elapsed time** (`horizon_bounds`). On a DST day
(23 or 25 local hours) the slot grid stays T slots of 24/T h: a 23-hour day's horizon ends
at 01:00 local the next day, a 25-hour day's at 23:00. Series, tariff periods and pvlib PV
follow the true instants; inline profiles, ToU ``[[grid.prices]]``, sampled arrival clock
hours and sessions (read as wall-clock times) use the nominal clock ``start_hour + t * dt``
(an hour off after the change).

Rules (each broken one is a one-line error naming the file, the row and the rule): every
timestamp parses; rows are in strictly increasing time; over the horizon the values come at
a regular step (the smallest spacing there), so a missing row is a gap; the series covers
the whole horizon (a day missing from the file is an error, not an extrapolation).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.dates import DAYS, first_outside
from models.errors import ScenarioError
from models.grid import TimeGrid
from models.schema import Table
from models.sessions import read_timezone

POWER_UNITS_KW = {"W": 1e-3, "kW": 1.0, "MW": 1e3}
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_NS_PER_H = 3_600_000_000_000


def horizon_bounds(time: TimeGrid, date: dt.date, timezone: str) -> pd.DatetimeIndex:  # [T+1]
    """Slot bounds as tz-aware instants: ``start_hour`` local on ``date``, then 24 h elapsed."""
    local = pd.Timestamp(date) + pd.Timedelta(hours=time.start_hour)
    try:
        start = local.tz_localize(timezone, ambiguous=True, nonexistent="raise")
    except Exception as exc:  # pytz/zoneinfo raise NonExistentTimeError (a ValueError) here
        raise ScenarioError(
            f"time.start_hour: {local} does not exist in {timezone} (DST change): {exc}"
        ) from None
    steps = pd.to_timedelta(np.arange(time.slots_per_day + 1) * time.dt_h, unit="h")
    return (start + steps).as_unit("ns")


@dataclass(frozen=True)
class Day:
    """The scenario's day (``[time] date``, ``timezone``) that series and tariffs need."""

    time: TimeGrid
    date: dt.date | None
    timezone: str | None

    def bounds(self, what: str) -> pd.DatetimeIndex:  # [T+1]
        """The horizon's slot bounds; ``what`` names the key that needs them in the error."""
        if self.date is None:
            raise ScenarioError(
                f"time.date: is required by {what} (set date = YYYY-MM-DD or pass --date)"
            )
        if self.timezone is None:
            raise ScenarioError(
                f"time.timezone: is required by {what} (an IANA name like 'Europe/Copenhagen')"
            )
        return horizon_bounds(self.time, self.date, self.timezone)


def slot_average(times_ns: np.ndarray, values: np.ndarray, end_ns: int,
                 bounds_ns: np.ndarray) -> np.ndarray:  # [T]
    """Time-average over each slot of the step function ``values[k]`` on ``[t_k, t_k+1)``.

    ``times_ns`` [K] increasing, the last value holds until ``end_ns``; ``bounds_ns`` [T+1]
    lie inside ``[times_ns[0], end_ns]``. The integral of a step function is piecewise linear
    between its knots, so interpolating it at the slot bounds is exact.
    """
    knots = np.append(times_ns, end_ns).astype(np.int64)
    widths_h = np.diff(knots) / _NS_PER_H
    integral = np.concatenate([[0.0], np.cumsum(values * widths_h)])  # [K+1] value x h
    # Offsets from the first knot keep the interpolation in float64 without losing ns.
    at = np.interp((bounds_ns - knots[0]) / _NS_PER_H, (knots - knots[0]) / _NS_PER_H, integral)
    out = np.diff(at) / (np.diff(bounds_ns) / _NS_PER_H)
    # A slot inside one step gets that value exactly, not a rounded quotient.
    first = np.searchsorted(knots, bounds_ns[:-1], side="right") - 1
    last = np.searchsorted(knots, bounds_ns[1:], side="left") - 1
    return np.where(first == last, values[np.clip(first, 0, len(values) - 1)], out)


def read_series(
    tbl: Table,
    day: Day,
    base_dir: Path,
    unit_factor: Callable[[str], float],
    default_unit: str | None,
) -> tuple[np.ndarray, str]:
    """Per-slot values [T] of one ``series`` table, times its unit's factor, and the unit.

    ``unit_factor(unit)`` gives the factor to the model's unit or raises the unit's error.
    """
    csv_name = tbl.string("csv")
    column = tbl.string("column")
    ts_col = tbl.string("timestamp_column", "timestamp")
    tz = read_timezone(tbl, "timezone", day.timezone)
    unit = tbl.string("unit", default_unit)
    tbl.done()
    factor = unit_factor(unit)
    bounds = day.bounds(tbl.path)
    path = base_dir / csv_name
    times_ns, values, rows = read_column(path, ts_col, column, tz, where=tbl.path)
    bounds_ns = bounds.asi8
    lo, hi, end_ns = _check_cover(times_ns, rows, bounds_ns, path, column)
    return slot_average(times_ns[lo:hi], values[lo:hi], end_ns, bounds_ns) * factor, unit


def read_column(path: Path, ts_col: str, column: str, tz: str | None,
                where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Timestamps (UTC ns, [K]), values [K] and 1-based data-row numbers [K] of the non-empty
    cells of one column."""
    try:
        frame = pd.read_csv(path, dtype={ts_col: str}, skipinitialspace=True)
    except FileNotFoundError:
        raise ScenarioError(f"{where}.csv: no such file {str(path)!r}") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScenarioError(f"{where}.csv: cannot read {str(path)!r} ({exc})") from None
    for col in (ts_col, column):
        if col not in frame.columns:
            have = ", ".join(repr(c) for c in frame.columns)
            raise ScenarioError(f"{path}: no column {col!r} (columns: {have})")
    raw = frame[column]
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    bad = np.flatnonzero(raw.notna().to_numpy() & ~np.isfinite(numbers))
    if bad.size:
        raise ScenarioError(f"{path} row {bad[0] + 1}: column {column!r} must be a number, "
                            f"got {raw.iloc[bad[0]]!r}")
    keep = np.flatnonzero(raw.notna().to_numpy())
    if keep.size == 0:
        raise ScenarioError(f"{path}: column {column!r} has no values")
    times_ns = _parse_times(frame[ts_col], path, ts_col, tz)
    times_ns, values = times_ns[keep], numbers[keep]
    back = np.flatnonzero(np.diff(times_ns) <= 0)
    if back.size:
        row = keep[back[0] + 1] + 1
        raise ScenarioError(f"{path} row {row}: timestamp {frame[ts_col].iloc[row - 1]!r} is not "
                            f"after the previous value of {column!r} (rule: rows in time order, "
                            "no duplicates)")
    return times_ns, values, keep + 1


def _parse_times(raw: pd.Series, path: Path, ts_col: str, tz: str | None) -> np.ndarray:  # [R]
    """ISO 8601 timestamps as UTC nanoseconds; the error names the row and the rule."""
    text = raw.fillna("").astype(str).str.strip()
    empty = np.flatnonzero(text.to_numpy() == "")
    if empty.size:
        raise ScenarioError(f"{path} row {empty[0] + 1}: missing timestamp in {ts_col!r}")
    bad = np.flatnonzero(
        pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce").isna().to_numpy()
    )
    if bad.size:
        raise ScenarioError(f"{path} row {bad[0] + 1}: {text.iloc[bad[0]]!r} in {ts_col!r} is "
                            "not an ISO 8601 timestamp")
    aware = text.str.contains(_OFFSET).to_numpy()
    if aware.any() and not aware.all():
        row = int(np.flatnonzero(aware != aware[0])[0])
        raise ScenarioError(f"{path} row {row + 1}: {text.iloc[row]!r} mixes naive and "
                            "UTC-offset timestamps (rule: all rows with an offset, or none)")
    index = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", utc=bool(aware[0])))
    row = first_outside(index)
    if row is not None:
        raise ScenarioError(f"{path} row {row + 1}: {text.iloc[row]!r} in {ts_col!r} is not on "
                            f"a day {DAYS} (the days a time axis can hold)")
    if not aware[0]:
        if tz is None:
            raise ScenarioError(f"{path}: timestamps in {ts_col!r} have no UTC offset; set "
                                "timezone (the series' or [time] timezone) to read them")
        try:
            index = index.tz_localize(tz, ambiguous="infer", nonexistent="NaT")
        except Exception as exc:  # pandas raises AmbiguousTimeError (a ValueError subclass)
            raise ScenarioError(f"{path}: naive timestamps in {ts_col!r} are ambiguous in {tz} "
                                f"({exc}); give UTC offsets") from None
        bad = np.flatnonzero(index.isna())
        if bad.size:
            raise ScenarioError(f"{path} row {bad[0] + 1}: {text.iloc[bad[0]]!r} does not exist "
                                f"in {tz} (skipped by the DST change)")
    return index.as_unit("ns").asi8


def _check_cover(times_ns: np.ndarray, rows: np.ndarray, bounds_ns: np.ndarray, path: Path,
                 column: str) -> tuple[int, int, int]:
    """Check the series covers the horizon at a regular step.

    Returns ``(lo, hi, end_ns)``: the values ``[lo, hi)`` span the horizon and the last of
    them holds until ``end_ns``.
    """
    start, end = int(bounds_ns[0]), int(bounds_ns[-1])
    what = f"{path} column {column!r}"

    def stamp(ns: int) -> str:
        return pd.Timestamp(ns, tz="UTC").isoformat()

    first = int(np.searchsorted(times_ns, start, side="right")) - 1
    if first < 0:
        raise ScenarioError(f"{what} row {rows[0]}: starts at {stamp(times_ns[0])}, after the "
                            f"horizon start "
                            f"{stamp(start)} (rule: the series covers the whole day)")
    stop = int(np.searchsorted(times_ns, end, side="left"))  # first value at or after the end
    window = times_ns[first:stop + 1]
    if len(window) < 2:
        if len(times_ns) < 2:
            raise ScenarioError(f"{what}: needs at least two values to know its step")
        step = int(np.diff(times_ns).min())
    else:
        step = int(np.diff(window).min())
    spacing = np.diff(window)
    gap = np.flatnonzero(spacing > step)
    if gap.size:
        k = gap[0]
        raise ScenarioError(f"{what} row {rows[first + k + 1]}: gap between {stamp(window[k])} "
                            f"and {stamp(window[k + 1])} (rule: values every "
                            f"{pd.Timedelta(step, 'ns')}, the series' step)")
    last_end = int(times_ns[-1]) + step
    if stop >= len(times_ns) and last_end < end:
        raise ScenarioError(f"{what} row {rows[-1]}: ends at {stamp(last_end)}, before the "
                            f"horizon end "
                            f"{stamp(end)} (rule: the series covers the whole day)")
    hi = min(stop + 1, len(times_ns))
    return first, hi, int(times_ns[hi - 1]) + step
