"""Scenario files (TOML): loading, validation and sampling into a resolved `Scenario`.

A scenario file describes one day of a site; `load_scenario` validates every key (the
error names the key path and the rule; unknown keys are errors) and samples the fleet with
``numpy.random.default_rng(fleet_seed)``. The layout, with every key, is documented in
``models/presets/building.toml``; the rules are:

- ``[time]``: ``slots_per_day`` (T), ``start_hour`` (clock hour the horizon starts at).
- ``[grid.base_load]``: ``kw = [...]`` with optional ``hours = [...]`` (clock hours of the
  values; default the mid-points of equal intervals) or ``csv = "file.csv"`` with
  ``hour_column`` / ``kw_column``; optional ``scale``. Linearly interpolated (periodic) at
  slot mid-points (docs/model.md §2).
- ``[grid.pv]``: ``model = "none" | "profile" | "clear_sky" | "pvlib"``. ``clear_sky`` is a
  half-sine between ``sunrise_h`` and ``sunset_h`` peaking at ``peak_kw``; ``pvlib`` is pvlib's
  clear-sky model for a fixed-tilt array (see `models.pv`).
- ``[[grid.prices]]``: ToU periods ``{name, hours = [[start, end], ...], buy, sell}`` that
  cover the day exactly once (a period may wrap midnight, e.g. ``[22, 6]``). Each slot's price
  is the time-average of the step function over the slot. ``sell > buy`` is rejected; prices
  may be negative.
- Dated data: ``[time] date`` and ``timezone`` name the day (``--date`` overrides the date,
  also for sessions groups and pvlib PV, which inherit ``[time]``'s day when they name
  none). ``[grid.base_load] series = {...}``, ``[grid.pv] model = "series"`` and a
  ``[grid.prices]`` *table* ``series = {...}`` read timestamped CSV series (`models.series`);
  ``[grid.tariff]`` turns the market price into buy and sell prices (`_market_prices`).
- ``[bess]`` (optional), ``[[fleet.groups]]`` (one or more; see `models.sampling` for the
  distributions, `models.sessions` for groups built from a sessions CSV).
- ``[uncertainty]`` (optional): what is not known when the plan is made, and how realised
  days are drawn (`models.uncertainty`, docs/model.md §12).

A scenario whose fleet comes from a sessions CSV is dated: ``Scenario.date`` and
``Scenario.timezone`` are that horizon's start day and zone (groups on different days are an
error); an undated scenario (sampled fleets) is a typical day with ``date = None``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import ScenarioError
from models.fleet import MIN_CAPACITY_KWH, Fleet, stay_slots
from models.grid import (
    MAX_KW,
    MAX_PRICE,
    Bess,
    Grid,
    TimeGrid,
    check_values,
    interpolate_periodic,
    step_average,
)
from models.pv import pvlib_clear_sky
from models.sampling import GroupSpec, parse_clock, parse_soc
from models.schema import Table, check_number
from models.series import POWER_UNITS_KW, Day, horizon_bounds, read_series
from models.sessions import read_date, read_timezone, sessions_group
from models.uncertainty import Uncertainty, parse_uncertainty, with_history_range


@dataclass(frozen=True, eq=False)
class Scenario:
    """One day of a site, resolved into arrays: what every optimiser and checker works on."""

    name: str
    time: TimeGrid
    grid: Grid
    fleet: Fleet
    bess: Bess | None = None
    degradation_cost_per_kwh: float = 0.0
    currency: str = "USD"
    fleet_seed: int = 0
    description: str = ""
    source: str = ""
    notes: dict = field(default_factory=dict)
    # The calendar day the horizon starts on (ISO "YYYY-MM-DD", local) and its IANA time
    # zone, when the data are dated (a sessions CSV); None for a typical, undated day.
    date: str | None = None
    timezone: str | None = None
    # What is not known when the plan is made ([uncertainty], docs/model.md §12), or None.
    uncertainty: Uncertainty | None = None

    @property
    def dt_h(self) -> float:
        return self.time.dt_h

    @property
    def slots(self) -> int:
        return self.time.slots_per_day

    def slot_bounds(self) -> pd.DatetimeIndex | None:  # [T+1] tz-aware
        """Start and end instants of every slot (`models.series.horizon_bounds`: 24 h of
        elapsed time from ``start_hour`` local), or None without a date and time zone."""
        if self.date is None or self.timezone is None:
            return None
        return horizon_bounds(self.time, dt.date.fromisoformat(self.date), self.timezone)

    def effective_target(self) -> np.ndarray:  # [N]
        return self.fleet.effective_target(self.dt_h)

    def summary_text(self) -> str:
        """`summary` as the lines ``v2g-pareto scenario show`` prints."""
        s = self.summary()
        cur = s["currency"]
        lo, mean, hi = s["base_load_kw"]
        b = s["bess"]
        limit = s["import_limit_kw"] if s["import_limit_kw"] is not None else "none"
        bess = "none" if b is None else (
            f"{b['capacity_kwh']:g} kWh, {b['p_charge_max_kw']:g}/{b['p_discharge_max_kw']:g} "
            f"kW, SOC {b['soc_init']:g} in [{b['soc_min']:g}, {b['soc_max']:g}]"
        )
        return "\n".join([
            f"scenario      {s['name']}: {s['description']}",
            f"vehicles      {s['vehicles']} ({s['v2g_vehicles']} V2G capable)",
            f"time grid     T = {s['slots']} slots, dt = {s['dt_hours']:g} h, "
            f"horizon {s['horizon']}",
            f"energy needed {s['energy_needed_kwh']:,.1f} kWh (grid side, to effective targets)",
            f"unreachable   {s['unreachable_targets']} vehicles cannot reach their requested "
            "target",
            f"base load     min {lo:,.1f} / mean {mean:,.1f} / max {hi:,.1f} kW",
            f"PV            {s['pv_kwh']:,.1f} kWh, peak {s['pv_peak_kw']:,.1f} kW",
            f"price buy     {s['price_buy'][0]:g} .. {s['price_buy'][1]:g} {cur}/kWh",
            f"price sell    {s['price_sell'][0]:g} .. {s['price_sell'][1]:g} {cur}/kWh",
            f"import limit  {limit}",
            f"BESS          {bess}",
        ])

    def summary(self) -> dict:
        """Numbers a user checks before optimising (``v2g-pareto scenario show``)."""
        f, g, dt = self.fleet, self.grid, self.dt_h
        need_kwh = (
            np.maximum(self.effective_target() - f.soc_init, 0) * f.capacity_kwh / f.eta_charge
        )
        return {
            "name": self.name,
            "description": self.description,
            "vehicles": f.n,
            "slots": self.slots,
            "dt_hours": dt,
            "horizon": (f"{self.date + ' ' if self.date else ''}{self.time.start_hour:g}:00"
                        f"{' ' + self.timezone if self.timezone else ''} + 24 h"),
            "energy_needed_kwh": float(need_kwh.sum()),
            "unreachable_targets": int(f.unreachable(dt).sum()),
            "v2g_vehicles": int((f.p_discharge_max_kw > 0).sum()),
            "base_load_kw": (
                float(g.base_load_kw.min()),
                float(g.base_load_kw.mean()),
                float(g.base_load_kw.max()),
            ),
            "pv_kwh": float(g.pv_kw.sum() * dt),
            "pv_peak_kw": float(g.pv_kw.max()),
            "price_buy": (float(g.price_buy.min()), float(g.price_buy.max())),
            "price_sell": (float(g.price_sell.min()), float(g.price_sell.max())),
            "import_limit_kw": g.import_limit_kw,
            "bess": None if self.bess is None else self.bess.to_dict(),
            "currency": self.currency,
        }

    def to_meta(self) -> dict:
        """The resolved scenario for ``meta.json`` (the arrays live in ``scenario/*.csv``)."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "slots_per_day": self.slots,
            "start_hour": self.time.start_hour,
            "dt_hours": self.dt_h,
            "currency": self.currency,
            "degradation_cost_per_kwh": self.degradation_cost_per_kwh,
            "import_limit_kw": self.grid.import_limit_kw,
            "bess": None if self.bess is None else self.bess.to_dict(),
            "fleet_seed": self.fleet_seed,
            "n_vehicles": self.fleet.n,
            "notes": self.notes,
            "date": self.date,
            "timezone": self.timezone,
        }

    @classmethod
    def from_meta(cls, meta: dict, fleet: pd.DataFrame, grid: pd.DataFrame) -> Scenario:
        """Rebuild a scenario from a run directory's ``meta.json`` scenario and its CSVs."""
        time = TimeGrid(int(meta["slots_per_day"]), float(meta["start_hour"]))
        if len(grid) != time.slots_per_day:
            raise ScenarioError(
                f"grid table: {len(grid)} rows, slots_per_day is {time.slots_per_day}"
            )
        bess = None if meta.get("bess") is None else Bess(**meta["bess"])
        return cls(
            name=meta["name"],
            time=time,
            grid=Grid.from_frame(grid, meta.get("import_limit_kw")),
            fleet=Fleet.from_frame(fleet, time.slots_per_day),
            bess=bess,
            degradation_cost_per_kwh=float(meta["degradation_cost_per_kwh"]),
            currency=meta.get("currency", ""),
            fleet_seed=int(meta.get("fleet_seed", 0)),
            description=meta.get("description", ""),
            source=meta.get("source", ""),
            notes=meta.get("notes", {}),
            date=meta.get("date"),
            timezone=meta.get("timezone"),
        )


def _presets_dir() -> Path:
    """The shipped preset scenarios, package data of `models`."""
    return Path(str(resources.files("models.presets")))


def list_presets() -> dict[str, str]:
    """Preset name → one-line description, for every ``models/presets/*.toml`` with a fleet."""
    out = {}
    for path in sorted(_presets_dir().glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        if "fleet" in data:
            out[path.stem] = str(data.get("description", "")).strip().splitlines()[0]
    return out


def resolve_scenario_path(name_or_path: str) -> Path:
    """A preset name (``building``) or a path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError(f"{name_or_path}: no such scenario file")
        return path
    preset = _presets_dir() / f"{name_or_path}.toml"
    if not preset.is_file():
        names = ", ".join(list_presets())
        raise ScenarioError(f"unknown scenario {name_or_path!r}: use a preset ({names}) or a path")
    return preset


def load_scenario(
    name_or_path: str, fleet_seed: int | None = None, scale: int = 1, date=None,
    history: tuple | None = None,
) -> Scenario:
    """Load, validate and sample a scenario; ``fleet_seed`` and ``date`` override the file's.

    ``date`` (``"YYYY-MM-DD"`` or a `datetime.date`) replaces ``[time] date`` and the date of
    every sessions group and of pvlib PV, so one file runs any day of its data.

    ``scale`` K makes K copies of the site for large-fleet studies: every group's ``count``
    (sessions groups: every session) times K, and base load, PV, BESS ratings and the import
    limit times K, so the case keeps its character (shares, shapes, prices) at K times the
    size. The fleet is sampled afresh with K times the vehicles, not copied.

    ``history`` = (first, last) dates replaces the range of ``[uncertainty.history]``
    (`models.uncertainty.with_history_range`); the nominal day is unchanged.
    """
    path = resolve_scenario_path(str(name_or_path))
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); a scenario is a TOML "
            "file"
        ) from None
    if history is not None:
        data = with_history_range(data, *history)
    return build_scenario(
        data,
        base_dir=path.parent,
        name=path.stem,
        source=str(path),
        fleet_seed=fleet_seed,
        scale=scale,
        date=date,
    )


def build_scenario(
    data: dict,
    *,
    base_dir: Path = Path("."),
    name: str = "scenario",
    source: str = "",
    fleet_seed: int | None = None,
    scale: int = 1,
    date=None,
) -> Scenario:
    """Validate a parsed scenario file and sample its fleet (``scale``, ``date``: see
    `load_scenario`)."""
    if not isinstance(scale, int) or scale < 1:
        raise ScenarioError(f"scale: must be an integer >= 1, got {scale}")
    data = _dated(data, date)
    root = Table(data, "")
    name = root.string("name", name)
    description = root.string("description", "")
    currency_given = root.has("currency")
    currency = root.string("currency", "USD")
    seed = root.number("fleet_seed", 0, ge=0, integer=True)
    if fleet_seed is not None:
        seed = check_number("fleet_seed (override)", fleet_seed, ge=0, integer=True)
    degradation = root.number("degradation_cost_per_kwh", 0.0, ge=0)

    tt = root.table("time")
    time = TimeGrid(
        tt.number("slots_per_day", integer=True, ge=1, le=1440),
        float(tt.number("start_hour", 0.0, ge=0, lt=24)),
    )
    when = Day(time, read_date(tt, "date"), read_timezone(tt, "timezone"))
    tt.done()

    gt = root.table("grid")
    import_limit = gt.number("import_limit_kw", None, gt=0)
    if import_limit is not None:
        import_limit *= scale
    copies = f" x {scale} (--scale)" if scale > 1 else ""
    base_kw = _profile(gt.table("base_load"), when, base_dir) * scale
    check_values(base_kw, f"grid.base_load{copies}", MAX_KW)
    pv_kw = _pv(gt.table("pv", {"model": "none"}), when, base_dir) * scale
    check_values(pv_kw, f"grid.pv{copies}", MAX_KW)
    if isinstance(gt.raw("prices"), dict):
        buy, sell, currency = _market_prices(
            gt.table("prices"), gt.table("tariff", {}), when, base_dir, currency, currency_given
        )
    else:
        if gt.has("tariff"):
            raise gt.error("tariff", "applies to a price series ([grid.prices] series = {...}), "
                           "not to ToU periods")
        buy, sell = _prices(gt.tables("prices"), time)
    gt.done()

    bess = _bess(root.table("bess", None), scale)

    rng = np.random.default_rng(seed)
    ft = root.table("fleet")
    groups = ft.tables("groups")
    ft.done()
    fleets, extra_kw, notes, days = [], np.zeros(time.slots_per_day), {}, {}
    for group in groups:
        fleet, dispatchable, day = _group(group, time, rng, base_dir, scale)
        if day is not None:
            days.setdefault(day, group.key_path("sessions"))
        if dispatchable:
            fleets.append(fleet)
        else:
            # Non-dispatchable vehicles charge on arrival at full power; their load is
            # part of the site's base load as far as the optimiser is concerned.
            extra_kw += charge_on_arrival(fleet, time.dt_h).sum(axis=0)
    if not fleets:
        raise ScenarioError("fleet.groups: at least one group must be dispatchable")
    if len(days) > 1:
        (first, where), (other, there) = list(days.items())[:2]
        raise ScenarioError(
            f"{there}: day {other[0]} ({other[1]}) differs from {where}: {first[0]} ({first[1]}); "
            "one scenario is one day"
        )
    date, timezone = next(iter(days), (None, None))
    if when.date is not None:
        if date is not None and date != when.date.isoformat():
            raise ScenarioError(f"{days[(date, timezone)]}: day {date} differs from "
                                f"time.date {when.date}; one scenario is one day")
        date, timezone = when.date.isoformat(), when.timezone or timezone
    if extra_kw.any():
        notes["non_dispatchable_ev_kwh"] = float(extra_kw.sum() * time.dt_h)
    uncertainty = parse_uncertainty(
        root.table("uncertainty", None), groups, time, base_dir, scale=scale,
        default_seed=int(seed), timezone=timezone, non_dispatchable_kw=extra_kw,
    )
    root.done()

    grid = Grid(time.slot_start_h, base_kw + extra_kw, pv_kw, buy, sell, import_limit)
    if scale > 1:
        notes["scale"] = scale
        name = f"{name}-x{scale}"
    return Scenario(
        name,
        time,
        grid,
        Fleet.concat(fleets),
        bess,
        float(degradation),
        currency,
        int(seed),
        description.strip(),
        source,
        notes,
        date,
        timezone,
        uncertainty,
    )


def charge_on_arrival(fleet: Fleet, dt_h: float) -> np.ndarray:  # [N, T] kW
    """Each vehicle charges at full power from arrival until soc_max or departure."""
    t = fleet.slots_per_day
    power = np.zeros((fleet.n, t))
    energy = fleet.soc_init * fleet.capacity_kwh
    full = np.maximum(fleet.soc_max, fleet.soc_init) * fleet.capacity_kwh
    for s in range(t):
        plugged = (fleet.arrival_slot <= s) & (s < fleet.departure_slot)
        room_kw = (full - energy) / (fleet.eta_charge * dt_h)
        p = np.where(plugged, np.clip(room_kw, 0.0, fleet.p_charge_max_kw), 0.0)
        power[:, s] = p
        energy = energy + fleet.eta_charge * p * dt_h
    return power


def _profile(tbl: Table, day: Day, base_dir: Path, *, ge: float | None = None) -> np.ndarray:
    """A daily profile (inline or CSV) interpolated at slot mid-points, or a timestamped
    series averaged over each slot; times ``scale``."""
    time = day.time
    scale = tbl.number("scale", 1.0, ge=0)
    if tbl.has("series"):
        for key in ("csv", "kw", "hours", "hour_column", "kw_column"):
            if tbl.has(key):
                raise tbl.error(key, "not allowed with series (the series gives the values)")
        kw, _ = read_series(tbl.table("series"), day, base_dir, _power_unit(tbl), "kW")
        tbl.done()
        if ge is not None and np.any(kw < ge):
            raise tbl.error("series", f"values must be >= {ge}, got {kw.min():g} kW in a slot")
        return kw * scale
    if tbl.has("csv"):
        csv_path = base_dir / tbl.string("csv")
        hour_col = tbl.string("hour_column", "hour")
        kw_col = tbl.string("kw_column", "kw")
        frame = _read_csv(csv_path, tbl.key_path("csv"))
        for col in (hour_col, kw_col):
            if col not in frame.columns:
                raise tbl.error("csv", f"has no column {col!r}", str(csv_path))
        hours = _numeric_column(frame, hour_col, csv_path, tbl.key_path("csv"))
        values = _numeric_column(frame, kw_col, csv_path, tbl.key_path("csv"))
        if not np.all(np.isfinite(values)) or (ge is not None and np.any(values < ge)):
            raise tbl.error("csv", f"column {kw_col!r} must be finite and >= {ge}")
    else:
        values = np.asarray(tbl.numbers("kw", ge=ge))
        default_hours = (np.arange(len(values)) + 0.5) * 24.0 / len(values)
        hours = np.asarray(tbl.numbers("hours", list(default_hours)))
        if len(hours) != len(values):
            raise tbl.error("hours", f"must have {len(values)} entries like kw", len(hours))
    tbl.done()
    if np.any(hours < 0) or np.any(hours > 24):
        raise tbl.error("hours", "must be clock hours in [0, 24]")
    hours = np.mod(hours, 24.0)
    if len(np.unique(hours)) != len(hours):
        raise tbl.error("hours", "must not repeat a clock hour (24 is 0)")
    return interpolate_periodic(hours, values, time.slot_mid_h) * scale


def _read_csv(path: Path, where: str) -> pd.DataFrame:
    """A CSV file of a scenario; anything unreadable (missing, not text, empty, malformed)
    is a `ScenarioError` naming the key and the file."""
    try:
        return pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScenarioError(f"{where}: cannot read {str(path)!r} ({exc})") from None


def _numeric_column(frame: pd.DataFrame, column: str, path: Path, where: str) -> np.ndarray:
    """One CSV column as floats [R]; a cell that is not a number names its row."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    bad = np.flatnonzero(np.isnan(values))
    if bad.size:
        raise ScenarioError(f"{where}: {str(path)!r} row {bad[0] + 1}: column {column!r} must "
                            f"be a number, got {raw.iloc[bad[0]]!r}")
    return values


def _pv(tbl: Table, day: Day, base_dir: Path) -> np.ndarray:
    time = day.time
    model = tbl.string("model", choices=("none", "profile", "clear_sky", "pvlib", "series"))
    if model == "none":
        tbl.done()
        return np.zeros(time.slots_per_day)
    if model in ("profile", "series"):
        if (model == "series") != tbl.has("series"):
            raise tbl.error("series", "is required by model = 'series' and only allowed with it")
        return _profile(tbl, day, base_dir, ge=0)
    if model == "pvlib":
        return pvlib_clear_sky(tbl, time)
    peak = tbl.number("peak_kw", ge=0)
    sunrise = tbl.number("sunrise_h", 6.0, ge=0, lt=24)
    sunset = tbl.number("sunset_h", 18.0, gt=sunrise, le=24)
    tbl.done()
    h = time.slot_mid_h
    phase = np.clip((h - sunrise) / (sunset - sunrise), 0.0, 1.0)
    # sin(pi) is 1.2e-16, not 0: the night must have no PV at all.
    return np.where((h > sunrise) & (h < sunset), peak * np.sin(np.pi * phase), 0.0)


def _prices(periods: list[Table], time: TimeGrid) -> tuple[np.ndarray, np.ndarray]:
    minutes = np.full(24 * 60, -1)
    buys, sells = [], []
    for k, tbl in enumerate(periods):
        tbl.string("name", f"period{k}")
        buy = tbl.number("buy")
        sell = tbl.number("sell", 0.0)
        if sell > buy:
            raise tbl.error("sell", f"must be <= buy ({buy}) (docs/model.md §3)", sell)
        spans = tbl.raw("hours")
        if not isinstance(spans, list) or not spans:
            raise tbl.error("hours", "must be a list of [start, end] clock hours", spans)
        for j, span in enumerate(spans):
            key = f"hours[{j}]"
            if (
                not isinstance(span, list)
                or len(span) != 2
                or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in span)
                or not all(0 <= x <= 24 for x in span)
                or span[0] == span[1]
            ):
                raise tbl.error(
                    key, "must be [start, end] with distinct clock hours in [0, 24]", span
                )
            start, end = (round(x * 60) for x in span)
            idx = np.arange(start, end if end > start else end + 24 * 60) % (24 * 60)
            clash = minutes[idx] >= 0
            if clash.any():
                other = periods[minutes[idx][clash][0]].key_path("hours")
                raise tbl.error(key, f"overlaps {other}", span)
            minutes[idx] = k
        buys.append(buy)
        sells.append(sell)
        tbl.done()
    if np.any(minutes < 0):
        gap = np.flatnonzero(minutes < 0)[0]
        raise ScenarioError(
            f"grid.prices: periods must cover the whole day; {gap // 60:02d}:{gap % 60:02d} "
            "is in no period"
        )
    bounds = np.arange(24 * 60) / 60.0
    buy = step_average(bounds, np.asarray(buys)[minutes], time)
    sell = step_average(bounds, np.asarray(sells)[minutes], time)
    return buy, sell


def _power_unit(tbl: Table):
    def factor(unit: str) -> float:
        if unit not in POWER_UNITS_KW:
            raise tbl.error("series.unit", f"must be one of {', '.join(POWER_UNITS_KW)}", unit)
        return POWER_UNITS_KW[unit]

    return factor


_PRICE_UNIT = re.compile(r"([A-Za-z]{3})/(kWh|MWh)")


def _market_prices(
    tbl: Table, tariff: Table, day: Day, base_dir: Path, currency: str, currency_given: bool
) -> tuple[np.ndarray, np.ndarray, str]:
    """Buy and sell prices [T] (currency/kWh) from a market price series and a tariff.

    ``[grid.prices] series = {csv, column, unit = "EUR/MWh" | "EUR/kWh", ...}``; the unit's
    currency is the scenario's (an explicit top-level ``currency`` must agree with it). The
    ``[grid.tariff]`` keys, all in currency/kWh except ``vat`` (a fraction), default 0::

        buy  = (price + network_fee + tax) * (1 + vat)
        sell = price - sell_fee

    ``network_fee`` is a number or ToU periods ``[{hours = [[start, end], ...], fee,
    months = [1, 2, ...]}]``: for every month the periods that list it (no ``months``: all)
    cover the local day exactly once. Fees follow the true local clock and month of every
    minute (DST-aware) and are averaged over each slot like the prices.
    """
    unit_currency = []

    def price_unit(unit: str) -> float:
        match = _PRICE_UNIT.fullmatch(unit or "")
        if match is None:
            raise tbl.error("series.unit", "must be '<currency>/kWh' or '<currency>/MWh', "
                            "e.g. 'EUR/MWh'", unit)
        if currency_given and match.group(1) != currency:
            raise tbl.error("series.unit", f"currency must be the scenario's {currency!r}", unit)
        unit_currency.append(match.group(1))
        return 1.0 if match.group(2) == "kWh" else 1e-3

    price, _ = read_series(tbl.table("series"), day, base_dir, price_unit, None)
    tbl.done()
    fee = _network_fee(tariff, day)
    tax = tariff.number("tax", 0.0)
    vat = tariff.number("vat", 0.0, ge=0, lt=1)
    sell_fee = tariff.number("sell_fee", 0.0)
    tariff.done()
    with np.errstate(over="ignore", invalid="ignore"):
        buy = (price + fee + tax) * (1.0 + vat)
        sell = price - sell_fee
    # A price out of range is named by what made it: the tariff key, or the series.
    for side, values, terms in (("buy", buy, {"network_fee": fee, "tax": tax}),
                                ("sell", sell, {"sell_fee": sell_fee})):
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(~(np.abs(values) <= MAX_PRICE))
        if bad.size:
            k = int(bad[0])
            size = {key: abs(float(np.broadcast_to(v, values.shape)[k]))
                    for key, v in terms.items()}
            key = max(size, key=size.get)
            where = tariff.key_path(key) if size[key] >= abs(price[k]) else tbl.key_path("series")
            rule = ("(price + network_fee + tax) * (1 + vat)" if side == "buy"
                    else "price - sell_fee")
            raise ScenarioError(f"{where}: gives a {side} price of {values[k]:g} in slot {k} "
                                f"({side} = {rule}); its magnitude must be <= {MAX_PRICE:g}")
    return buy, sell, unit_currency[0]


def _network_fee(tariff: Table, day: Day) -> np.ndarray:  # [T] currency/kWh
    value = tariff.raw("network_fee", 0.0)
    if not isinstance(value, list):
        return np.full(day.time.slots_per_day, float(tariff.number("network_fee", 0.0)))
    if not value or not all(isinstance(v, dict) for v in value):
        raise tariff.error("network_fee", "must be a number or a list of {hours, fee, months}")
    periods = [Table(v, f"{tariff.key_path('network_fee')}[{k}]") for k, v in enumerate(value)]
    fees = np.array([p.number("fee") for p in periods])
    which = np.full((12, 24 * 60), -1)  # [month, minute of the local day] -> period
    for k, p in enumerate(periods):
        months = p.numbers("months", list(range(1, 13)))
        if not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
            raise p.error("months", "must be month numbers 1..12", months)
        minutes = _period_minutes(p)
        for m in months:
            clash = (which[m - 1] >= 0) & minutes
            if clash.any():
                t = int(np.flatnonzero(clash)[0])
                raise p.error("hours", f"overlaps {periods[which[m - 1][t]].path} in month {m} "
                              f"at {t // 60:02d}:{t % 60:02d}")
            which[m - 1][minutes] = k
        p.done()
    missing = np.argwhere(which < 0)
    if missing.size:
        m, t = missing[0]
        raise tariff.error("network_fee", f"periods must cover every day; month {m + 1} at "
                           f"{t // 60:02d}:{t % 60:02d} is in no period")
    bounds = day.bounds(tariff.key_path("network_fee"))
    minutes = day.time.slots_per_day * max(1, round(day.time.dt_h * 60))
    at = bounds[0] + pd.to_timedelta((np.arange(minutes) + 0.5) * 24 * 60 / minutes, unit="min")
    local = at.tz_convert(day.timezone)
    fee_at = fees[which[local.month - 1, local.hour * 60 + local.minute]]
    with np.errstate(over="ignore"):  # fees beyond float range: named with the prices
        return fee_at.reshape(day.time.slots_per_day, -1).mean(axis=1)


def _period_minutes(p: Table) -> np.ndarray:  # [1440] bool: minutes of the day in the period
    spans = p.raw("hours")
    if not isinstance(spans, list) or not spans:
        raise p.error("hours", "must be a list of [start, end] clock hours", spans)
    out = np.zeros(24 * 60, bool)
    for j, span in enumerate(spans):
        if (
            not isinstance(span, list)
            or len(span) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in span)
            or not all(0 <= x <= 24 for x in span)
            or span[0] == span[1]
        ):
            raise p.error(f"hours[{j}]", "must be [start, end] with distinct clock hours in "
                          "[0, 24]", span)
        start, end = (round(x * 60) for x in span)
        idx = np.arange(start, end if end > start else end + 24 * 60) % (24 * 60)
        if out[idx].any():
            raise p.error(f"hours[{j}]", "overlaps another span of the period", span)
        out[idx] = True
    return out


def _dated(data: dict, date) -> dict:
    """The file's tables with ``date`` (``--date``) applied, and ``[time]``'s day handed down.

    ``date`` replaces ``[time] date`` and the date of every sessions group and of pvlib PV.
    Without it, a sessions group or pvlib PV that names no date takes ``[time] date`` (and
    pvlib its ``timezone``). Malformed tables are left for the validation to report.
    """
    data = copy.deepcopy(data)
    time = data.get("time")
    if not isinstance(time, dict):
        return data
    if date is not None:
        time["date"] = date if isinstance(date, str) else date.isoformat()
    dated = []
    grid = data.get("grid")
    pv = grid.get("pv") if isinstance(grid, dict) else None
    if isinstance(pv, dict) and pv.get("model") == "pvlib":
        dated.append(pv)
        if "timezone" in time:
            pv.setdefault("timezone", time["timezone"])
    fleet = data.get("fleet")
    groups = fleet.get("groups") if isinstance(fleet, dict) else None
    for group in groups if isinstance(groups, list) else []:
        if isinstance(group, dict) and isinstance(group.get("sessions"), dict):
            dated.append(group["sessions"])
    for table in dated:
        if date is not None:
            table["date"] = time["date"]
        elif "date" in time:
            table.setdefault("date", time["date"])
    return data


def _bess(tbl: Table | None, scale: int = 1) -> Bess | None:
    if tbl is None:
        return None
    bess = Bess(
        capacity_kwh=tbl.number("capacity_kwh", ge=MIN_CAPACITY_KWH) * scale,
        p_charge_max_kw=tbl.number("p_charge_max_kw", ge=0) * scale,
        p_discharge_max_kw=tbl.number("p_discharge_max_kw", ge=0) * scale,
        eta_charge=tbl.number("eta_charge", 0.95, gt=0, le=1),
        eta_discharge=tbl.number("eta_discharge", 0.95, gt=0, le=1),
        soc_init=tbl.number("soc_init", 0.5, ge=0, le=1),
        soc_min=tbl.number("soc_min", 0.1, ge=0, le=1),
        soc_max=tbl.number("soc_max", 0.9, ge=0, le=1),
    )
    tbl.done()
    return bess


# Vehicles one sampled group may have (count x scale): ten times the largest studied fleet,
# and small enough that the per-vehicle arrays can be allocated at all.
MAX_GROUP_VEHICLES = 10_000_000


def _group(tbl: Table, time: TimeGrid, rng: np.random.Generator, base_dir: Path, scale: int = 1):
    """Sample one fleet group; returns (fleet, dispatchable, (date, timezone) or None)."""
    tbl.string("name", "")
    dispatchable = tbl.boolean("dispatchable", True)
    if tbl.has("sessions"):
        fleet, sessions = sessions_group(tbl, time, rng, base_dir)
        day = (sessions.date.isoformat(), sessions.timezone)
        return (Fleet.concat([fleet] * scale) if scale > 1 else fleet), dispatchable, day

    n = tbl.number("count", integer=True, ge=1, le=MAX_GROUP_VEHICLES) * scale
    if n > MAX_GROUP_VEHICLES:
        raise tbl.error("count", f"times --scale must be <= {MAX_GROUP_VEHICLES:,}", n)
    spec = GroupSpec.parse(tbl)
    capacity, p_charge, p_discharge = spec.ratings(rng, n)
    arrival_h = parse_clock(tbl.table("arrival")).sample(rng, n)
    departure_h = parse_clock(tbl.table("departure")).sample(rng, n)
    soc_init = parse_soc(tbl.table("soc_init"), spec.soc_min, spec.soc_max).sample(rng, n)
    a, d = stay_slots(arrival_h, departure_h, time.start_hour, time.slots_per_day)
    fleet = spec.fleet(rng, a, d, capacity, p_charge, p_discharge, soc_init, time.slots_per_day)
    tbl.done()
    return fleet, dispatchable, None
