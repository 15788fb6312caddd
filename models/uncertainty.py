"""The ``[uncertainty]`` table: what is not known when the plan is made, and realisations.

A *realisation* is one possible day of the site (docs/model.md §12), drawn reproducibly
from (scenario, seed, stream, index): every draw of realisation ``index`` of stream
``stream`` comes from ``numpy.random.SeedSequence([seed, stream, index])``, so the same
triple gives the same day bit for bit, and two streams (`TRAINING`, `EVALUATION`) never share
a generator state. The table (every key optional)::

    [uncertainty]
    seed = 0                                    # default: the scenario's fleet_seed
    no_show = 0.05                              # P(a vehicle does not come)
    departure_error = { std_h = 0.75, bias_h = 0.0 }
    base_load = { sigma = 0.05, rho_h = 0.9 }   # multiplicative AR(1) forecast error
    pv = { sigma = 0.2, rho_h = 0.8 }
    prices = "known"
    imbalance = { short = 1.0, long = 0.5 }     # multiples of the slot's buy price per kWh

    [uncertainty.history]                       # sessions groups only
    csv = "data/caltech_2019-09-01_2019-12-31.csv.gz"
    from = "2019-09-01"
    to = "2019-10-31"
    days = "weekdays"                           # "weekdays" | "weekends" | "all"
    estimated_departure_column = "estimated_departure"

Fleet. A *sampled* group is drawn afresh from its own distributions (count, ratings,
arrival, departure, initial SOC, V2G capability: `models.sampling`); its drawn departure is
the *stated* one, the one the operator is told, and the *actual* departure slot is the
stated slot plus ``N(bias_h, std_h)`` hours, rounded to a slot and clipped to
``[arrival + 1, T]``. A *sessions* group with ``[uncertainty.history]`` is a real day:
one day drawn uniformly (with replacement) from the days of the history that count and have
at least one session; stated departure = ``estimated_departure`` where the row has one, else
the actual one; actual = ``departure``; energy and arrival from the row; ratings drawn per
session like the group's. A sessions group without a history keeps its sessions, and gets
the no-shows and the departure error like a sampled group. Every dispatchable vehicle stays
away with probability ``no_show``. Non-dispatchable groups keep their nominal load (they
charge on arrival and are part of the base load).

Base load and PV. A realised profile is the nominal one times ``max(0, 1 + e[t])`` with
``e`` a stationary AR(1) series: ``e[0] ~ N(0, sigma²)``, ``e[t] = r·e[t-1] +
sqrt(1 - r²)·sigma·z[t]``, ``r = rho_h ** dt_h`` (``rho_h`` the correlation of the error one
hour apart). The noise scales the base load without the non-dispatchable vehicles.

Prices are known when the plan is made (day-ahead prices or a tariff): ``prices =
"known"`` is the only value, and it is written down so that a file says it.

Imbalance. Realised net import minus planned net import, per slot, ``δ[t]`` [kW]; its cost,
charged on top of the realised cost objective, is ``dt·Σ (short·buy[t]·δ⁺ + long·buy[t]·δ⁻)``
(a short position bought at ``short`` times the buy price, a long one paid back at
``long`` times; both ``>= 0``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from models.errors import ScenarioError
from models.fleet import Fleet, stay_slots
from models.grid import TimeGrid
from models.sampling import ClockDistribution, GroupSpec, SocDistribution, parse_clock, parse_soc
from models.schema import Table
from models.sessions import DEFAULT_COLUMNS, read_date, read_sessions, read_timezone

if TYPE_CHECKING:  # models.scenario imports this module to parse the table
    from models.scenario import Scenario

TRAINING = 0  # stream of the realisations a risk-aware front is optimised on
EVALUATION = 1  # stream of the out-of-sample evaluation: disjoint from TRAINING
DAY_KINDS = ("weekdays", "weekends", "all")
# Imbalance price rule (short, long) without an [uncertainty] table or key: multiples of the
# slot's buy price per kWh of deviation.
IMBALANCE_DEFAULT = (1.0, 0.5)


@dataclass(frozen=True)
class ForecastError:
    """Multiplicative AR(1) forecast error of a profile: ``sigma`` the standard deviation
    of the relative error, ``rho_h`` its correlation one hour apart."""

    sigma: float = 0.0
    rho_h: float = 0.0

    def factors(self, rng: np.random.Generator, slots: int, dt_h: float) -> np.ndarray:  # [T]
        """Multipliers ``max(0, 1 + e[t])`` of the nominal profile."""
        z = rng.standard_normal(slots)
        if self.sigma == 0.0:
            return np.ones(slots)
        r = self.rho_h**dt_h
        e = np.empty(slots)
        e[0] = self.sigma * z[0]
        step = math.sqrt(1.0 - r * r) * self.sigma
        for t in range(1, slots):
            e[t] = r * e[t - 1] + step * z[t]
        return np.maximum(1.0 + e, 0.0)


@dataclass(frozen=True)
class SampledModel:
    """A sampled dispatchable group, as the scenario file draws it."""

    count: int
    spec: GroupSpec
    arrival: ClockDistribution
    departure: ClockDistribution
    soc_init: SocDistribution


@dataclass(frozen=True, eq=False)
class SessionDays:
    """Sessions grouped by day: the days a sessions group can be, as slots of the horizon."""

    dates: tuple[str, ...]  # [D] ISO dates of the horizons' start days
    ptr: np.ndarray  # [D+1] CSR over the days
    arrival_slot: np.ndarray  # [M]
    departure_slot: np.ndarray  # [M] actual
    stated_slot: np.ndarray  # [M] stated
    energy_kwh: np.ndarray  # [M] grid side

    def day(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        s = slice(self.ptr[k], self.ptr[k + 1])
        return self.arrival_slot[s], self.departure_slot[s], self.stated_slot[s], self.energy_kwh[s]


@dataclass(frozen=True)
class SessionsModel:
    """A dispatchable sessions group: its days (a history, or the nominal day alone)."""

    spec: GroupSpec
    days: SessionDays
    history: bool  # True: a real day drawn from a history; False: the nominal sessions


@dataclass(frozen=True, eq=False)
class Uncertainty:
    """A parsed ``[uncertainty]`` table plus what realisations need, read once (no file is
    opened when a realisation is drawn, so the object travels to workers that cannot see the
    scenario's disk)."""

    seed: int
    no_show: float
    departure_bias_h: float
    departure_std_h: float
    base_load: ForecastError
    pv: ForecastError
    imbalance_short: float
    imbalance_long: float
    groups: tuple  # SampledModel | SessionsModel, in the order of the dispatchable groups
    scale: int
    non_dispatchable_kw: np.ndarray  # [T] nominal load of the non-dispatchable groups

    @property
    def imbalance(self) -> tuple[float, float]:
        """The imbalance price rule (short, long), see `imbalance_cost`."""
        return self.imbalance_short, self.imbalance_long


def imbalance_cost(delta_kw: np.ndarray, price_buy: np.ndarray, dt_h: float,
                   rule: tuple[float, float] = IMBALANCE_DEFAULT) -> np.ndarray:
    """Cost [...] of imbalances ``delta_kw`` [..., T] kW (realised minus planned net
    import) under ``rule`` = (short, long) multiples of the buy price [T] per kWh."""
    short = np.maximum(delta_kw, 0.0) * rule[0]
    long = np.maximum(-delta_kw, 0.0) * rule[1]
    return dt_h * ((short + long) * price_buy).sum(axis=-1)


@dataclass(frozen=True, eq=False)
class Realisation:
    """One realised day. ``scenario`` is the day as it happens: its fleet holds the vehicles
    that come, with their *actual* departures and requested targets, its grid the realised
    base load and PV. ``stated_departure_slot`` is what the operator was told."""

    scenario: Scenario
    stated_departure_slot: np.ndarray  # [N]
    stream: int
    index: int
    day: str | None = None  # the history day, when the fleet is a real day

    @property
    def window_end(self) -> np.ndarray:  # [N]
        """Slot before which the operator may drive a vehicle: ``min(stated, actual)`` — it
        plans for the stated departure, the car leaves at the actual one, and a car that
        stays longer than it said is not charged after its stated departure."""
        return np.minimum(self.stated_departure_slot, self.scenario.fleet.departure_slot)

    def planning_scenario(self) -> Scenario:
        """The day as the operator sees it: departures at the stated slots."""
        fleet = dataclasses.replace(self.scenario.fleet, departure_slot=self.stated_departure_slot)
        return dataclasses.replace(self.scenario, fleet=fleet)

    def reachable_target_kwh(self) -> np.ndarray:  # [N]
        """Energy at departure full-power charging could give over the *actual* stay, capped
        by the requested target and soc_max (the §4 effective target of the actual stay):
        what unmet energy is measured against."""
        s = self.scenario
        return s.fleet.effective_target(s.dt_h) * s.fleet.capacity_kwh

    def checked_scenario(self) -> Scenario:
        """The actual sessions with the targets the recourse guarantees, for
        `moo.problems.feasibility.check` (docs/model.md §12): a car leaving at or after its
        stated departure must hold the effective target of its stated stay; one leaving
        ``k`` slots early the floor the dispatcher kept, ``target − k·ηc·Pc·dt``."""
        s = self.scenario
        f = s.fleet
        stated = self.planning_scenario().fleet.effective_target(s.dt_h)
        early = np.maximum(self.stated_departure_slot - f.departure_slot, 0)
        target = stated - early * f.eta_charge * f.p_charge_max_kw * s.dt_h / f.capacity_kwh
        fleet = dataclasses.replace(f, soc_target=np.clip(target, 0.0, 1.0))
        return dataclasses.replace(s, fleet=fleet)


def parse_uncertainty(
    tbl: Table | None,
    groups: list[Table],
    time: TimeGrid,
    base_dir: Path,
    *,
    scale: int,
    default_seed: int,
    timezone: str | None,
    non_dispatchable_kw: np.ndarray,
) -> Uncertainty | None:
    """Validate an ``[uncertainty]`` table (None: the scenario has none). ``groups`` are the
    ``[[fleet.groups]]`` tables, already validated by the scenario; they are read again
    here, untouched, to keep each group's distributions or sessions."""
    if tbl is None:
        return None
    seed = tbl.number("seed", default_seed, ge=0, integer=True)
    no_show = tbl.number("no_show", 0.0, ge=0, le=1)
    dep = tbl.table("departure_error", {})
    bias_h = dep.number("bias_h", 0.0, ge=-24, le=24)
    std_h = dep.number("std_h", 0.0, ge=0, le=24)
    dep.done()
    base = _forecast(tbl.table("base_load", {}))
    pv = _forecast(tbl.table("pv", {}))
    tbl.string("prices", "known", choices=("known",))
    imb = tbl.table("imbalance", {})
    short = imb.number("short", IMBALANCE_DEFAULT[0], ge=0)
    long = imb.number("long", IMBALANCE_DEFAULT[1], ge=0)
    imb.done()
    history = tbl.table("history", None)
    models = []
    sessions_groups = []
    for group in groups:
        g = Table(group.data, group.path)
        if not g.data.get("dispatchable", True):
            continue
        if "sessions" in g.data:
            sessions_groups.append(g)
            models.append(g)
        else:
            models.append(_sampled(g, scale))
    if history is not None and len(sessions_groups) != 1:
        raise history.error("csv", "applies to the one sessions group of the fleet; the "
                            f"scenario has {len(sessions_groups)}")
    for k, g in enumerate(models):
        if isinstance(g, Table):
            models[k] = _sessions(g, history, time, base_dir, timezone)
    tbl.done()
    return Uncertainty(
        seed=int(seed),
        no_show=float(no_show),
        departure_bias_h=float(bias_h),
        departure_std_h=float(std_h),
        base_load=base,
        pv=pv,
        imbalance_short=float(short),
        imbalance_long=float(long),
        groups=tuple(models),
        scale=scale,
        non_dispatchable_kw=np.asarray(non_dispatchable_kw, float).copy(),
    )


def _forecast(tbl: Table) -> ForecastError:
    err = ForecastError(tbl.number("sigma", 0.0, ge=0, le=1), tbl.number("rho_h", 0.0, ge=0, le=1))
    tbl.done()
    return err


def _sampled(g: Table, scale: int) -> SampledModel:
    for key in ("name", "dispatchable"):
        g.raw(key, None)
    count = g.number("count", integer=True, ge=1) * scale
    spec = GroupSpec.parse(g)
    return SampledModel(
        count,
        spec,
        parse_clock(g.table("arrival")),
        parse_clock(g.table("departure")),
        parse_soc(g.table("soc_init"), spec.soc_min, spec.soc_max),
    )


def _sessions(g: Table, history: Table | None, time: TimeGrid, base_dir: Path,
              timezone: str | None) -> SessionsModel:
    for key in ("name", "dispatchable"):
        g.raw(key, None)
    spec = GroupSpec.parse(g)
    if history is None:
        s = read_sessions(g.table("sessions"), time, base_dir)
        a, d = stay_slots(s.arrival_h, s.departure_h, time.start_hour, time.slots_per_day)
        days = SessionDays((s.date.isoformat(),), np.array([0, len(a)]), a, d, d.copy(),
                           s.energy_kwh)
        return SessionsModel(spec, days, history=False)
    return SessionsModel(spec, _history(history, g.table("sessions"), time, base_dir, timezone),
                         history=True)


def _history(tbl: Table, sessions: Table, time: TimeGrid, base_dir: Path,
             timezone: str | None) -> SessionDays:
    """The days of a session history (see the module docstring) as slots of the horizon."""
    csv_name = tbl.string("csv")
    first = read_date(tbl, "from")
    last = read_date(tbl, "to")
    if last < first:
        raise tbl.error("to", f"must not be before from ({first})", str(last))
    kind = tbl.string("days", "weekdays", choices=DAY_KINDS)
    cols = {k: tbl.string(k, sessions.data.get(k, v)) for k, v in DEFAULT_COLUMNS.items()}
    est_col = tbl.string("estimated_departure_column", "estimated_departure")
    tz = read_timezone(tbl, "timezone", sessions.data.get("timezone", timezone))
    tbl.done()
    path = base_dir / csv_name
    try:
        frame = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, EOFError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise tbl.error("csv", f"cannot read {str(path)!r} ({exc})") from None
    for key, col in cols.items():
        if col not in frame.columns:
            raise tbl.error(key, f"no column {col!r} in {csv_name}")
    arrival = _local(tbl, "arrival_column", frame[cols["arrival_column"]], tz)
    departure = _local(tbl, "departure_column", frame[cols["departure_column"]], tz)
    stated = departure
    if est_col in frame.columns:
        est = frame[est_col]
        known = est.notna().to_numpy()
        if known.any():
            values = departure.to_numpy().copy()
            values[known] = _local(tbl, "estimated_departure_column", est[known], tz).to_numpy()
            stated = pd.DatetimeIndex(values)
    energy = pd.to_numeric(frame[cols["energy_column"]], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(energy) | (energy < 0))
    if bad.size:
        raise tbl.error("energy_column", f"row {bad[0] + 1} of {csv_name}: energy must be a "
                        "number >= 0", frame[cols["energy_column"]].iloc[bad[0]])
    offset = pd.Timedelta(hours=time.start_hour)
    start = (arrival - offset).normalize() + offset  # start of each row's horizon
    day_of = (start - offset).date
    dt_h = time.dt_h
    t_count = time.slots_per_day
    dates, ptr, parts = [], [0], []
    for d in pd.date_range(first, last, freq="D").date:
        weekday = d.weekday() < 5
        if (kind == "weekdays" and not weekday) or (kind == "weekends" and weekday):
            continue
        rows = np.flatnonzero(day_of == d)
        if rows.size == 0:
            continue
        h0 = pd.Timestamp(d) + offset
        hours = [((x[rows] - h0) / pd.Timedelta(hours=1)) for x in (arrival, departure, stated)]
        arr_h, dep_h, st_h = (np.asarray(h, float) for h in hours)
        a = np.minimum(np.rint(arr_h / dt_h).astype(np.int64), t_count - 1)
        dd = np.clip(np.rint(np.minimum(dep_h, 24.0) / dt_h).astype(np.int64), a + 1, t_count)
        ds = np.clip(np.rint(np.clip(st_h, 0.0, 24.0) / dt_h).astype(np.int64), a + 1, t_count)
        dates.append(d.isoformat())
        parts.append((a, dd, ds, energy[rows]))
        ptr.append(ptr[-1] + rows.size)
    if not dates:
        raise tbl.error("from", f"no session of {csv_name} arrives on {kind} from {first} "
                        f"to {last}")
    cat = [np.concatenate([p[k] for p in parts]) for k in range(4)]
    return SessionDays(tuple(dates), np.asarray(ptr, np.int64), *cat)


def _local(tbl: Table, key: str, values: pd.Series, tz: str | None) -> pd.DatetimeIndex:
    """Timestamps as naive local wall-clock times (converted to ``tz`` when they carry an
    offset and ``tz`` is given)."""
    try:
        times = pd.DatetimeIndex(pd.to_datetime(values, format="ISO8601", utc=tz is not None))
    except (ValueError, TypeError) as exc:
        raise tbl.error(key, f"column {values.name!r} must hold ISO 8601 date-times "
                        f"({str(exc).splitlines()[0]})") from None
    if times.hasnans:
        row = int(np.flatnonzero(times.isna())[0])
        raise tbl.error(key, f"row {row + 1}: missing timestamp in column {values.name!r}")
    if times.tz is not None:
        times = (times.tz_convert(tz) if tz is not None else times).tz_localize(None)
    return times


def realise(scenario: Scenario, index: int, stream: int = EVALUATION, *,
            day: int | None = None) -> Realisation:
    """Realisation ``index`` of ``stream`` of a scenario with an ``[uncertainty]`` table.

    ``day`` forces the history day (its position in `history_dates`) instead of drawing
    it. The generator is ``default_rng(SeedSequence([seed, stream, index]))``; its three
    children draw the fleet, the base-load error and the PV error, so a change in one does
    not move the others.
    """
    unc = scenario.uncertainty
    if unc is None:
        raise ScenarioError(f"{scenario.name}: the scenario has no [uncertainty] table")
    if index < 0 or stream < 0:
        raise ScenarioError(f"realisation index and stream must be >= 0, got {index}, {stream}")
    fleet_ss, base_ss, pv_ss = np.random.SeedSequence([unc.seed, stream, index]).spawn(3)
    rng = np.random.default_rng(fleet_ss)
    t_count, dt_h, start = scenario.slots, scenario.dt_h, scenario.time.start_hour
    fleets, stated, label = [], [], None
    for g in unc.groups:
        if isinstance(g, SampledModel):
            n = g.count
            cap, pc, pd_ = g.spec.ratings(rng, n)
            a, d = stay_slots(g.arrival.sample(rng, n), g.departure.sample(rng, n), start, t_count)
            soc = g.soc_init.sample(rng, n)
            fleet = g.spec.fleet(rng, a, d, cap, pc, pd_, soc, t_count)
            actual = _departure_error(unc, rng, a, d, dt_h, t_count)
            st = d
        else:
            if not g.history:
                k = 0
            else:
                k = day if day is not None else int(rng.integers(len(g.days.dates)))
            if not 0 <= k < len(g.days.dates):
                raise ScenarioError(f"history day {k}: out of range 0..{len(g.days.dates) - 1}")
            a, actual, st, energy = g.days.day(k)
            if unc.scale > 1:
                a, actual, st, energy = (np.tile(x, unc.scale) for x in (a, actual, st, energy))
            cap, pc, pd_ = g.spec.ratings(rng, len(a))
            soc = np.maximum(g.spec.soc_min, g.spec.soc_target - g.spec.eta_charge * energy / cap)
            fleet = g.spec.fleet(rng, a, st, cap, pc, pd_, soc, t_count)
            if g.history:
                label = g.days.dates[k]
            else:
                actual = _departure_error(unc, rng, a, st, dt_h, t_count)
        fleet = dataclasses.replace(fleet, departure_slot=actual)
        come = rng.uniform(size=fleet.n) >= unc.no_show
        fleets.append(_subset(fleet, come))
        stated.append(np.asarray(st)[come])
    fleet = Fleet.concat(fleets)
    grid = scenario.grid
    base = grid.base_load_kw - unc.non_dispatchable_kw
    base_f = unc.base_load.factors(np.random.default_rng(base_ss), t_count, dt_h)
    pv_f = unc.pv.factors(np.random.default_rng(pv_ss), t_count, dt_h)
    grid = dataclasses.replace(
        grid, base_load_kw=base * base_f + unc.non_dispatchable_kw, pv_kw=grid.pv_kw * pv_f
    )
    notes = {**scenario.notes, "realisation": {"stream": stream, "index": index, "day": label}}
    realised = dataclasses.replace(scenario, fleet=fleet, grid=grid, notes=notes)
    return Realisation(realised, np.concatenate(stated).astype(np.int64), stream, index, label)


def nominal(scenario: Scenario) -> Realisation:
    """The scenario's own day as a realisation: stated = actual departures, nominal profiles."""
    return Realisation(scenario, scenario.fleet.departure_slot.copy(), EVALUATION, -1,
                       scenario.date)


def _departure_error(unc: Uncertainty, rng, a, d, dt_h: float, t_count: int) -> np.ndarray:
    """Actual departure slots: stated slots plus ``N(bias_h, std_h)`` hours, clipped."""
    err_h = unc.departure_bias_h + unc.departure_std_h * rng.standard_normal(len(d))
    return np.clip(np.rint(d + err_h / dt_h).astype(np.int64), a + 1, t_count)


def _subset(fleet: Fleet, keep: np.ndarray) -> Fleet:
    """The vehicles of ``fleet`` where ``keep`` [N] is true."""
    fields = {f.name: getattr(fleet, f.name) for f in dataclasses.fields(fleet)}
    for name, value in fields.items():
        if isinstance(value, np.ndarray):
            fields[name] = value[keep]
    return Fleet(**fields)


def with_history_range(data: dict, first, last) -> dict:
    """A parsed scenario file whose ``[uncertainty.history]`` covers ``first`` .. ``last``
    (dates, inclusive) instead of its own range: how a plan made on one period is evaluated
    on the real days of another (the file itself is not changed; the copy is validated
    like the file when the scenario is built)."""
    unc = data.get("uncertainty")
    history = unc.get("history") if isinstance(unc, dict) else None
    if not isinstance(history, dict):
        raise ScenarioError("uncertainty.history: a history range is given but the scenario "
                            "has no [uncertainty.history] table (a sessions history)")
    return {**data, "uncertainty": {**unc, "history": {**history, "from": str(first),
                                                       "to": str(last)}}}


def history_dates(scenario: Scenario) -> tuple[str, ...]:
    """The days a realisation of the scenario's sessions group can be (empty without a
    history)."""
    unc = scenario.uncertainty
    for g in unc.groups if unc is not None else ():
        if isinstance(g, SessionsModel) and g.history:
            return g.days.dates
    return ()

