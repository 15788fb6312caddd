"""The rest of the day at a re-plan, as one scenario the exact QP and the bound can solve.

At the start of slot ``t0`` the operator knows the vehicles present (plugged in at or
before ``t0``, not yet gone, not past their stated departure), each with its *stated*
departure and requested target and the energy it holds now; the forecasts of base load and
PV; the prices; the BESS's energy now; and what already happened (the net load of the slots
before ``t0``). `rest_of_day` turns that into a `Scenario` of the same T slots:

- every present vehicle becomes a vehicle plugged from ``t0`` to its stated departure, with
  its current energy as ``soc_init``, the SOC bounds of its whole stay (``soc_min`` = its
  ``min(soc_min, soc_init)``, ``soc_max`` = its ``max(soc_max, soc_init)``) and as target the
  effective target of its stated stay — the one `Realisation.checked_scenario` holds it to;
- expected arrivals (a forecast fleet, optional) keep their own stays after ``t0``; they
  shape the plan and are never applied;
- the BESS becomes the last vehicle, plugged from ``t0`` to T with its energy now, its own
  SOC bounds and as target its initial SOC of the day (the cyclic rule); it carries no
  degradation cost in the exact QP (`storage`);
- the slots before ``t0`` hold no storage: their base load is the realised net load and
  their PV zero, so variance and peak-to-valley are those of the whole day while only the
  future is decided.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from models.fleet import Fleet
from models.grid import Grid
from models.scenario import Scenario
from models.uncertainty import Realisation
from moo.exact.front import _Storage


@dataclass(frozen=True, eq=False)
class RestOfDay:
    """The day from slot ``start`` on, as the operator sees it (module docstring)."""

    scenario: Scenario  # T slots, no BESS (it is the last vehicle when ``has_bess``)
    start: int  # t0
    vehicles: np.ndarray  # [M] ids (in the realised fleet) of the first M vehicles
    expected: int  # forecast vehicles after them
    has_bess: bool

    @property
    def bess_row(self) -> int:
        """Row of the BESS in the scenario's fleet (valid when ``has_bess``)."""
        return len(self.vehicles) + self.expected

    def storage(self) -> _Storage:
        """The exact QP's storage units: the scenario's vehicles, the BESS without wear."""
        st = _Storage.of(self.scenario)
        if self.has_bess:
            st.is_ev = st.unit != self.bess_row
        return st

    def plugged_slots(self) -> int:
        return self.scenario.fleet.plugged_slots()


def present(realisation: Realisation, t0: int) -> np.ndarray:  # [N] bool
    """Vehicles the operator can drive in slot ``t0``: plugged in by then, before both
    their stated and actual departures."""
    f = realisation.scenario.fleet
    return (f.arrival_slot <= t0) & (t0 < realisation.window_end)


def rest_of_day(
    realisation: Realisation,
    forecast: Scenario,
    t0: int,
    energy_kwh: np.ndarray,
    bess_kwh: float,
    past_net_kw: np.ndarray,
    expected: Fleet | None = None,
) -> RestOfDay:
    """The rest of the day from slot ``t0``: ``energy_kwh`` [N] each realised vehicle's
    energy at the start of ``t0``, ``bess_kwh`` the BESS's, ``past_net_kw`` [t0] the net load
    already realised, ``forecast`` the day as planned (its base load, PV, prices, import
    limit and BESS), ``expected`` forecast vehicles (only those arriving after ``t0`` are
    kept)."""
    day = realisation.scenario
    f, t_n, dt = day.fleet, day.slots, day.dt_h
    ids = np.flatnonzero(present(realisation, t0))
    stated_target = realisation.planning_scenario().fleet.effective_target(dt)
    cap = f.capacity_kwh[ids]
    lower, upper = f.soc_lower[ids], f.soc_upper[ids]
    soc_now = np.clip(energy_kwh[ids] / cap, lower, upper)
    parts = [Fleet(
        arrival_slot=np.full(len(ids), t0),
        departure_slot=realisation.stated_departure_slot[ids],
        capacity_kwh=cap,
        p_charge_max_kw=f.p_charge_max_kw[ids],
        p_discharge_max_kw=f.p_discharge_max_kw[ids],
        eta_charge=f.eta_charge[ids],
        eta_discharge=f.eta_discharge[ids],
        soc_init=soc_now,
        soc_target=np.clip(stated_target[ids], lower, upper),
        soc_min=lower,
        soc_max=upper,
        slots_per_day=t_n,
    )]
    n_expected = 0
    if expected is not None and expected.n:
        later = np.flatnonzero(expected.arrival_slot > t0)
        n_expected = len(later)
        parts.append(_rows(expected, later))
    b = forecast.bess
    if b is not None:
        soc_b = float(np.clip(bess_kwh / b.capacity_kwh, b.soc_min, b.soc_max))
        one = np.ones(1)
        parts.append(Fleet(
            arrival_slot=np.array([t0]), departure_slot=np.array([t_n]),
            capacity_kwh=one * b.capacity_kwh, p_charge_max_kw=one * b.p_charge_max_kw,
            p_discharge_max_kw=one * b.p_discharge_max_kw, eta_charge=one * b.eta_charge,
            eta_discharge=one * b.eta_discharge, soc_init=one * soc_b,
            soc_target=one * b.soc_init, soc_min=one * b.soc_min, soc_max=one * b.soc_max,
            slots_per_day=t_n,
        ))
    fleet = Fleet.concat(parts)
    g = forecast.grid
    past = np.arange(t_n) < t0
    base = g.base_load_kw.copy()
    base[:t0] = past_net_kw[:t0]
    grid = Grid(g.clock_hour, base, np.where(past, 0.0, g.pv_kw), g.price_buy, g.price_sell,
                g.import_limit_kw)
    scenario = dataclasses.replace(forecast, fleet=fleet, grid=grid, bess=None, uncertainty=None)
    return RestOfDay(scenario, t0, ids, n_expected, b is not None)


def _rows(fleet: Fleet, keep: np.ndarray) -> Fleet:
    cols = {f.name: getattr(fleet, f.name) for f in dataclasses.fields(fleet)}
    return Fleet(**{k: (v[keep] if isinstance(v, np.ndarray) else v)
                    for k, v in cols.items() if k not in ("session_id", "station_id")})
