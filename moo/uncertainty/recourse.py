"""A plan on a realised day: the dispatcher's recourse and the realised measures
(docs/model.md §12).

The operator dispatches the plan with what it knows: the vehicles that came, with their
*stated* departures (priorities, departure clusters, must-charge floors and effective
targets all use them), and the realised base load and PV as they happen. A vehicle is driven
only up to the earlier of its stated and actual departures (`Realisation.window_end`).
The numba dispatcher of the aggregate encoding does the rest: each cluster's request is
clipped into its vehicles' bounds, so a vehicle that needs more than the plan gives gets
its must-charge power, and every schedule is feasible for the actual sessions
(`Realisation.checked_scenario` states the targets it guarantees). Each plan is dispatched
by its own rule (`Plans.dispatch`).

`realise_plans` is the fast path (no per-vehicle schedules kept; `realise_population`);
`realised_schedules` keeps them (for the checker); `realise_reference` is the plain-numpy
twin the tests hold both to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.uncertainty import IMBALANCE_DEFAULT, Realisation, imbalance_cost
from moo.kernels import population as kernels
from moo.kernels.data import (
    DEFAULT_DISPATCH,
    KernelData,
    dispatch_reference,
    dispatch_rule,
    kernel_data,
)
from moo.kernels.population import SOC_TOL
from moo.problems.objectives import FRONT_COLUMNS, evaluate
from moo.uncertainty.plan import Plans

REPORT = FRONT_COLUMNS[1:]  # the kernels' report vector
# Measures of one plan on one realised day, per (solution, realisation), in this order.
MEASURES = (
    *REPORT,
    "imbalance_kwh",  # dt·Σ|realised − planned net import|
    "imbalance_cost",  # imbalance_cost(realised − planned net import) [currency]
    "total_cost",  # cost + imbalance_cost [currency]
    "unmet_kwh",  # kWh short of the targets reachable over the actual stays
    "unmet_request_kwh",  # kWh short of the requested targets
    "unmet_vehicles",  # vehicles short of the reachable target
    "limit_excess_kw",  # kW by which must-charge alone exceeded the import limit (0: held)
)


def realised_data(realisation: Realisation, clusters: int,
                  dispatch: str = DEFAULT_DISPATCH) -> KernelData:
    """The dispatcher's arrays for a realised day, as the operator sees it."""
    return kernel_data(realisation.planning_scenario(), clusters, realisation.window_end,
                       dispatch)


def _limit(realisation: Realisation) -> float:
    limit = realisation.scenario.grid.import_limit_kw
    return np.inf if limit is None else float(limit)


def _rule(realisation: Realisation) -> tuple[float, float]:
    unc = realisation.scenario.uncertainty
    return IMBALANCE_DEFAULT if unc is None else unc.imbalance


def _targets(realisation: Realisation, data: KernelData) -> tuple[np.ndarray, ...]:
    """Reachable and requested target energies and the tolerance [N] kWh, by rank."""
    f = realisation.scenario.fleet
    rank = np.empty(f.n, np.int64)
    order = np.empty(f.n, np.int64)
    rank[data.slot_idx] = data.slot_rank
    order[rank] = np.arange(f.n)  # vehicle id of each rank (every vehicle has a slot)
    reach = realisation.reachable_target_kwh()[order]
    request = (f.soc_target * f.capacity_kwh)[order]
    return (np.ascontiguousarray(reach), np.ascontiguousarray(request),
            np.ascontiguousarray(SOC_TOL * f.capacity_kwh[order]))


def _finish(plans: Plans, realisation: Realisation, report, net, unmet, excess) -> np.ndarray:
    s = realisation.scenario
    delta = net - plans.net_kw
    imb_cost = imbalance_cost(delta, s.grid.price_buy, s.dt_h, _rule(realisation))
    extra = np.column_stack([
        s.dt_h * np.abs(delta).sum(axis=1),
        imb_cost,
        report[:, 0] + imb_cost,
        unmet,
        excess,
    ])
    return np.hstack([report, extra])


@dataclass(frozen=True, eq=False)
class RealisedDay:
    """A realised day's dispatcher arrays and targets, built once and used for any number
    of plan populations (a risk-aware front evaluates every generation on the same days)."""

    realisation: Realisation
    data: KernelData
    reach_kwh: np.ndarray  # [N] by rank: target reachable over the actual stay
    request_kwh: np.ndarray  # [N] by rank: requested target
    tol_kwh: np.ndarray  # [N] by rank

    @classmethod
    def of(cls, realisation: Realisation, clusters: int) -> RealisedDay:
        data = realised_data(realisation, clusters)
        return cls(realisation, data, *_targets(realisation, data))

    def measures(self, plans: Plans) -> np.ndarray:  # [S, len(MEASURES)]
        """The measures of every plan on this day (numba, no schedules kept; the plans'
        rule)."""
        d, r = self.data, self.realisation
        s, t = plans.n, r.scenario.slots
        net = np.zeros((s, t))
        out = np.zeros((s, kernels.N_OUT))
        excess = np.zeros(s)
        unmet = np.zeros((s, 3))
        kernels.realise_population(
            plans.requests(), plans.bess_kw, d.vrow, d.e_start, d.sat_floor, self.reach_kwh,
            self.request_kwh, self.tol_kwh, d.bess, d.has_bess, d.slot_ptr, d.slot_rank,
            d.slot_idx, d.cl_ptr, d.n_clusters, d.dt, d.base_net, d.buy, d.sell, d.deg_cost,
            _limit(r), net, out, excess, unmet, dispatch_rule(plans.dispatch),
        )
        return _finish(plans, r, out, net, unmet, excess)


@dataclass(frozen=True, eq=False)
class RealisedDays:
    """Several realised days stacked for `moo.kernels.population.realise_days`: every plan
    on every day in one parallel region (a risk-aware front's generation)."""

    days: tuple[RealisedDay, ...]
    arrays: tuple  # the stacked kernel inputs, in realise_days's order

    @classmethod
    def of(cls, days) -> RealisedDays:
        days = tuple(days)
        if not days:
            raise ValueError("no realised days")
        ds = [day.data for day in days]
        counts = [len(d.e_start) for d in ds]
        nnz = [len(d.slot_rank) for d in ds]
        v_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        s_ptr = np.concatenate([[0], np.cumsum(nnz)]).astype(np.int64)

        def cat(arrays):
            return np.ascontiguousarray(np.concatenate(arrays))

        arrays = (
            v_ptr, cat([d.vrow for d in ds]).reshape(-1, 8), cat([d.e_start for d in ds]),
            cat([d.sat_floor for d in ds]), cat([day.reach_kwh for day in days]),
            cat([day.request_kwh for day in days]), cat([day.tol_kwh for day in days]),
            s_ptr, np.ascontiguousarray(np.stack([d.slot_ptr for d in ds])),
            cat([d.slot_rank for d in ds]), cat([d.slot_idx for d in ds]),
            np.ascontiguousarray(np.stack([d.cl_ptr for d in ds])),
            np.ascontiguousarray(np.stack([d.base_net for d in ds])),
        )
        return cls(days, arrays)

    def measures(self, plans: Plans) -> np.ndarray:  # [D, S, len(MEASURES)]
        """The measures of every plan on every day (equal to `RealisedDay.measures` per
        day)."""
        (v_ptr, vrow, e_start, sat_floor, reach, request, tol, s_ptr, slot_ptr, slot_rank,
         slot_idx, cl_ptr, base_net) = self.arrays
        d0 = self.days[0]
        d = d0.data
        n_days, s, t = len(self.days), plans.n, d0.realisation.scenario.slots
        net = np.zeros((n_days, s, t))
        out = np.zeros((n_days, s, kernels.N_OUT))
        excess = np.zeros((n_days, s))
        unmet = np.zeros((n_days, s, 3))
        kernels.realise_days(
            plans.requests(), plans.bess_kw, v_ptr, vrow, e_start, sat_floor, reach, request,
            tol, d.bess, d.has_bess, s_ptr, slot_ptr, slot_rank, slot_idx, cl_ptr, d.n_clusters,
            d.dt, base_net, d.buy, d.sell, d.deg_cost, _limit(d0.realisation), net, out, excess,
            unmet, dispatch_rule(plans.dispatch),
        )
        return np.stack([_finish(plans, day.realisation, out[k], net[k], unmet[k], excess[k])
                         for k, day in enumerate(self.days)])


def realise_plans(plans: Plans, realisation: Realisation) -> np.ndarray:  # [S, len(MEASURES)]
    """The measures of every plan on one realised day (numba, no schedules kept)."""
    return RealisedDay.of(realisation, plans.clusters).measures(plans)


def realised_schedules(plans: Plans, realisation: Realisation):
    """Per-vehicle schedules of the plans on a realised day: ev_power [S, N, T] kW,
    bess_power [S, T] kW or None, measures [S, len(MEASURES)]."""
    d = realised_data(realisation, plans.clusters, plans.dispatch)
    s, t, n = plans.n, realisation.scenario.slots, realisation.scenario.fleet.n
    ev = np.zeros((s, n, t))
    realised = np.zeros((s, plans.clusters * t))
    b_out = np.zeros((s, t))
    net = np.zeros((s, t))
    out = np.zeros((s, kernels.N_OUT))
    excess = np.zeros(s)
    kernels.dispatch_population(
        plans.requests(), plans.bess_kw, d.vrow, d.e_start, d.sat_floor, d.bess, d.has_bess,
        d.slot_ptr, d.slot_rank, d.slot_idx, d.cl_ptr, d.n_clusters, d.dt, d.base_net, d.buy,
        d.sell, d.deg_cost, _limit(realisation), True, ev, realised, b_out, net, out, excess,
        d.rule,
    )
    unmet = _unmet(realisation, ev)
    bess = b_out if d.has_bess else None
    return ev, bess, _finish(plans, realisation, out, net, unmet, excess)


def _unmet(realisation: Realisation, ev_power: np.ndarray) -> np.ndarray:  # [S, 3]
    """kWh short of the reachable and the requested targets, vehicles short (numpy)."""
    f, dt = realisation.scenario.fleet, realisation.scenario.dt_h
    pos = np.maximum(ev_power, 0.0).sum(axis=2)
    neg = np.maximum(-ev_power, 0.0).sum(axis=2)
    e_end = f.soc_init * f.capacity_kwh + dt * (f.eta_charge * pos - neg / f.eta_discharge)
    tol = SOC_TOL * f.capacity_kwh
    gap_reach = realisation.reachable_target_kwh() - e_end
    gap_request = f.soc_target * f.capacity_kwh - e_end
    short = gap_reach > tol
    return np.column_stack([
        np.where(short, gap_reach, 0.0).sum(axis=1),
        np.where(gap_request > tol, gap_request, 0.0).sum(axis=1),
        short.sum(axis=1).astype(float),
    ])


def realise_reference(plans: Plans, realisation: Realisation):
    """Plain-numpy twin of `realised_schedules` (`dispatch_reference`, `evaluate`)."""
    d = realised_data(realisation, plans.clusters, plans.dispatch)
    evs, bs = [], []
    for k in range(plans.n):
        ev, b, _ = dispatch_reference(d, plans.requests()[k], plans.bess_kw[k],
                                      _limit(realisation))
        evs.append(ev)
        bs.append(b)
    ev = np.stack(evs)
    bess = np.stack(bs) if d.has_bess else None
    report = evaluate(realisation.scenario, ev, bess)[list(REPORT)].to_numpy()
    net = realisation.scenario.grid.net_base_kw + ev.sum(axis=1) + (0 if bess is None else bess)
    excess = np.zeros(plans.n)
    return ev, bess, _finish(plans, realisation, report, net, _unmet(realisation, ev), excess)
