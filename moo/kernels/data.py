"""From a scenario to the kernels' arrays, and the plain-numpy twin of the dispatcher.

The aggregate encoding asks for a fleet (or cluster) power per slot; the dispatcher turns
it into per-vehicle powers slot by slot. Each plugged vehicle's bounds for the slot come
from its power limits, its SOC limits and future feasibility (`moo.kernels.slot_bounds`).
A cluster's power is shared by one of three rules (`DISPATCH_RULES`):

- ``priority``: vehicles are served in a fixed priority order — earliest departure first,
  then earliest arrival, then index (EDF): extra charging goes to the most urgent vehicles
  first and discharging is taken from the least urgent ones first;
- ``soc`` (SOC balancing) and ``laxity``: water-filling — every vehicle gets the power that
  takes it towards one common level x, clipped into its bounds, at the level where the
  shares add up to the request. ``soc``: x is a fraction of the vehicle's upper energy
  bound (one state of charge for all, where soc_max is common); ``laxity``: x is the
  fraction of the way from the energy the vehicle must hold after the slot (its floor) to
  its effective target, so vehicles with little slack before they must charge get energy
  first and those with slack keep their room. The level is bracketed between two of a fixed
  set of level edges and the two allocations are mixed to the request exactly.

``laxity`` is the default (`DEFAULT_DISPATCH`): at equal wall time it gives the best fronts
(docs/benchmarks.md, "dispatch rules"). A plan is re-dispatched with the rule it was planned
with (`moo.uncertainty.plan.Plans.dispatch`).

Under every rule a vehicle discharges while another charges only when a must-charge bound
forces the latter, and every vehicle stays within its bounds: every schedule is feasible.

`dispatch_reference` is the readable numpy version the tests hold the numba kernel to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.errors import InputError
from models.scenario import Scenario
from moo.kernels import population as kernels
from moo.kernels.population import FAR, LEVEL_BINS, SOC_TOL, W_MIN, slot_bounds

DISPATCH_RULES = ("priority", "soc", "laxity")  # kernel codes PRIORITY, SOC, LAXITY
DEFAULT_DISPATCH = DISPATCH_RULES[kernels.DEFAULT_RULE]


@dataclass(frozen=True, eq=False)
class KernelData:
    """Everything the kernels need about one scenario, as contiguous arrays."""

    veh: tuple  # population kernel order: e0, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, cap, ...
    bess: np.ndarray  # [7] (e0, e_lo, e_hi, pc, pd, eta_c, eta_d); zeros without a BESS
    has_bess: bool
    cluster: np.ndarray  # [N] cluster of each vehicle
    n_clusters: int
    slot_ptr: np.ndarray  # [T+1] CSR over slots of the plugged vehicles
    slot_idx: np.ndarray  # [nnz] vehicle ids, per slot sorted by (cluster, priority)
    slot_cluster: np.ndarray  # [nnz] cluster of slot_idx
    # The dispatcher's layout: vehicles by rank = position in (cluster, priority) order.
    slot_rank: np.ndarray  # [nnz] rank of slot_idx (increasing within a slot)
    rank: np.ndarray  # [N] rank of each vehicle id
    vrow: np.ndarray  # [N, 8] by rank: e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, departure
    e_start: np.ndarray  # [N] by rank: initial energy
    sat_floor: np.ndarray  # [N] by rank: energy that counts as the requested target met
    cl_ptr: np.ndarray  # [T, K+1] each cluster's range within a slot's plugged vehicles
    base_net: np.ndarray  # [T] base load - PV
    buy: np.ndarray  # [T]
    sell: np.ndarray  # [T]
    dt: float
    deg_cost: float
    rule: int = kernels.DEFAULT_RULE  # how a cluster's power is shared (`DISPATCH_RULES`)

    def evaluate(self, ev_power: np.ndarray, bess_power: np.ndarray | None) -> np.ndarray:
        """Report vectors [S, N_OUT] of schedules ev_power [S, N, T] (numba kernel)."""
        ev_power = np.ascontiguousarray(ev_power, dtype=np.float64)
        s, _, t = ev_power.shape
        if bess_power is None:
            bess_power = np.zeros((s, t))
        out = np.zeros((s, kernels.N_OUT))
        kernels.evaluate_population(
            ev_power,
            np.ascontiguousarray(bess_power),
            self.base_net,
            self.buy,
            self.sell,
            self.dt,
            self.deg_cost,
            self.veh[0],
            self.veh[8],
            self.veh[6],
            self.veh[7],
            self.veh[9],
            out,
        )
        return out


def priority_order(scenario: Scenario) -> np.ndarray:  # [N]
    """Vehicle ids by earliest departure, then earliest arrival, then id."""
    f = scenario.fleet
    return np.lexsort((np.arange(f.n), f.arrival_slot, f.departure_slot))


def departure_clusters(scenario: Scenario, k: int) -> np.ndarray:  # [N] in 0..k-1
    """Split the fleet into k groups of similar vehicles: quantiles of the departure slot."""
    f = scenario.fleet
    if k <= 1 or f.n == 0:
        return np.zeros(f.n, dtype=np.int64)
    rank = np.empty(f.n, dtype=np.int64)
    rank[priority_order(scenario)] = np.arange(f.n)
    return (rank * k // f.n).astype(np.int64)


def dispatch_rule(name: str) -> int:
    """The kernel code of a dispatch rule name (`DISPATCH_RULES`)."""
    if name not in DISPATCH_RULES:
        raise InputError(f"unknown dispatch rule {name!r}: use one of {', '.join(DISPATCH_RULES)}")
    return DISPATCH_RULES.index(name)


def kernel_data(
    scenario: Scenario,
    clusters: int = 1,
    window_end: np.ndarray | None = None,
    dispatch: str = DEFAULT_DISPATCH,
) -> KernelData:
    """The kernels' arrays of a scenario; ``window_end`` [N] (optional) ends each vehicle's
    dispatch before its departure slot (a realised day: the car leaves before its stated
    departure, docs/model.md §12); ``dispatch``: the rule sharing a cluster's power."""
    rule = dispatch_rule(dispatch)
    f, dt = scenario.fleet, scenario.dt_h
    cap = f.capacity_kwh
    veh = (
        np.ascontiguousarray(f.soc_init * cap),
        np.ascontiguousarray(f.soc_lower * cap),
        np.ascontiguousarray(f.soc_upper * cap),
        np.ascontiguousarray(scenario.effective_target() * cap),
        f.p_charge_max_kw,
        f.p_discharge_max_kw,
        f.eta_charge,
        f.eta_discharge,
        cap,
        f.soc_target,
        f.arrival_slot,
        f.departure_slot,
    )
    b = scenario.bess
    if b is None:
        bess = np.zeros(7)
    else:
        bess = np.array(
            [
                b.soc_init * b.capacity_kwh,
                b.soc_min * b.capacity_kwh,
                b.soc_max * b.capacity_kwh,
                b.p_charge_max_kw,
                b.p_discharge_max_kw,
                b.eta_charge,
                b.eta_discharge,
            ]
        )
    cluster = departure_clusters(scenario, clusters)
    order = priority_order(scenario)
    order = order[np.argsort(cluster[order], kind="stable")]  # by cluster, then priority
    plugged = f.plugged()  # [N, T]
    if window_end is not None:
        plugged &= np.arange(scenario.slots)[None, :] < np.asarray(window_end)[:, None]
    ptr = [0]
    idx = []
    for t in range(scenario.slots):
        ids = order[plugged[order, t]]
        idx.append(ids)
        ptr.append(ptr[-1] + len(ids))
    slot_idx = np.concatenate(idx).astype(np.int64) if idx else np.zeros(0, np.int64)
    rank = np.empty(f.n, dtype=np.int64)
    rank[order] = np.arange(f.n)
    k_count = max(int(clusters), 1)
    cl_ptr = np.zeros((scenario.slots, k_count + 1), dtype=np.int64)
    for t in range(scenario.slots):
        counts = np.bincount(cluster[idx[t]], minlength=k_count) if len(idx[t]) else 0
        cl_ptr[t, 1:] = np.cumsum(counts) if len(idx[t]) else 0
    vrow = np.stack([veh[1], veh[2], veh[3], veh[4], veh[5], veh[6], veh[7], veh[11]], axis=1)
    return KernelData(
        veh=veh,
        bess=bess,
        has_bess=b is not None,
        cluster=cluster,
        n_clusters=max(int(clusters), 1),
        slot_ptr=np.asarray(ptr, dtype=np.int64),
        slot_idx=slot_idx,
        slot_cluster=cluster[slot_idx],
        slot_rank=rank[slot_idx],
        rank=rank,
        vrow=np.ascontiguousarray(vrow[order], dtype=np.float64),
        e_start=np.ascontiguousarray(veh[0][order]),
        sat_floor=np.ascontiguousarray(((veh[9] - SOC_TOL) * veh[8])[order]),
        cl_ptr=cl_ptr,
        base_net=np.ascontiguousarray(scenario.grid.net_base_kw),
        buy=scenario.grid.price_buy,
        sell=scenario.grid.price_sell,
        dt=dt,
        deg_cost=float(scenario.degradation_cost_per_kwh),
        rule=rule,
    )


def cluster_power_bounds(data: KernelData, t_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Static bounds of each cluster's aggregate power per slot, [K*T] each (kW)."""
    k = data.n_clusters
    lo = np.zeros(k * t_count)
    hi = np.zeros(k * t_count)
    pc, pd = data.veh[4], data.veh[5]
    for t in range(t_count):
        ids = data.slot_idx[data.slot_ptr[t] : data.slot_ptr[t + 1]]
        c = data.cluster[ids]
        np.add.at(lo, c * t_count + t, -pd[ids])
        np.add.at(hi, c * t_count + t, pc[ids])
    return lo, hi


def _fill(amount: float, capacity: np.ndarray) -> np.ndarray:
    """Greedy fill of ``amount`` into ``capacity`` [m] in order: earlier entries first."""
    before = np.concatenate([[0.0], np.cumsum(capacity)[:-1]])
    return np.clip(amount - before, 0.0, capacity)


def _level_share(r, e, a, w, lo, hi, inv_cdt, d_dt) -> np.ndarray:  # [m] kW
    """Balancing rules for one cluster-slot: the powers towards one common level x (energy
    ``a + x w``), clipped into [must, hi] (charge side) or [lo, must] (discharge side), at
    the level where they sum to r — bracketed on the kernel's level edges between -FAR and
    FAR and mixed between the two bracketing edges."""
    must = np.maximum(lo, 0.0)
    low, high = (must, hi) if r >= must.sum() else (lo, must)
    u = -1.0 + 2.0 * np.arange(1, LEVEL_BINS) / LEVEL_BINS
    levels = np.concatenate([[-FAR], u / (1.0 - np.abs(u)), [FAR]])
    de = a + levels[:, None] * w - e  # [levels, m] kWh
    powers = np.clip(np.where(de > 0, de * inv_cdt, de * d_dt), low, high)
    total = powers.sum(axis=1)
    above = np.flatnonzero(total[1:-1] >= r)
    b = int(above[0]) + 1 if len(above) else len(levels) - 1
    span = total[b] - total[b - 1]
    theta = float(np.clip((r - total[b - 1]) / span, 0.0, 1.0)) if span > 0 else 0.0
    return np.clip(powers[b - 1] + theta * (powers[b] - powers[b - 1]), low, high)


def dispatch_reference(
    data: KernelData, request: np.ndarray, request_b: np.ndarray, limit: float = np.inf
):
    """Numpy twin of the numba dispatcher for one individual.

    request [K*T] kW per cluster and slot, request_b [T] kW. Returns ev_power [N, T],
    bess_power [T] and the realised requests [K*T].
    """
    e0, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, cap, soc_req, arr, dep = data.veh
    n, t_count, k_count = len(e0), len(data.base_net), data.n_clusters
    b6 = data.bess
    e = e0.copy()
    ev = np.zeros((n, t_count))
    bess_power = np.zeros(t_count)
    realised = np.zeros(k_count * t_count)
    eb = b6[0]
    for t in range(t_count):
        ids_all = data.slot_idx[data.slot_ptr[t] : data.slot_ptr[t + 1]]
        bnd = np.array(
            [
                slot_bounds(
                    e[i],
                    t,
                    data.dt,
                    e_lo[i],
                    e_hi[i],
                    e_tgt[i],
                    pc[i],
                    pd[i],
                    eta_c[i],
                    eta_d[i],
                    dep[i],
                )
                for i in ids_all
            ]
        ).reshape(-1, 2)
        groups = [data.cluster[ids_all] == c for c in range(k_count)]
        r = np.array(
            [
                np.clip(request[c * t_count + t], bnd[g, 0].sum(), bnd[g, 1].sum())
                for c, g in enumerate(groups)
            ]
        )
        blo = b = 0.0
        if data.has_bess:
            blo, bhi = slot_bounds(
                eb, t, data.dt, b6[1], b6[2], b6[0], b6[3], b6[4], b6[5], b6[6], t_count
            )
            b = min(max(request_b[t], blo), bhi)
        over = data.base_net[t] + r.sum() + b - limit
        if over > 0:
            give = min(over, b - blo)
            b, over = b - give, over - give
            for c in range(k_count - 1, -1, -1):
                give = min(max(over, 0.0), r[c] - bnd[groups[c], 0].sum())
                r[c], over = r[c] - give, over - give
        for c, g in enumerate(groups):
            ids, lo, hi = ids_all[g], bnd[g, 0], bnd[g, 1]  # priority order
            if len(ids) == 0:
                continue
            inv_cdt, d_dt = 1.0 / (eta_c[ids] * data.dt), eta_d[ids] / data.dt
            if data.rule != kernels.PRIORITY:
                if data.rule == kernels.SOC:
                    a, w = 0.0, np.maximum(e_hi[ids], W_MIN)
                else:
                    rest = dep[ids] - t - 1
                    a = np.maximum(e_lo[ids], e_tgt[ids] - eta_c[ids] * pc[ids] * rest * data.dt)
                    w = np.maximum(e_tgt[ids] - a, W_MIN)
                p = _level_share(r[c], e[ids], a, w, lo, hi, inv_cdt, d_dt)
                ev[ids, t] = p
                realised[c * t_count + t] = p.sum()
                e[ids] += np.where(p > 0, p * (eta_c[ids] * data.dt), p * (data.dt / eta_d[ids]))
                continue
            gap = e_tgt[ids] - e[ids]  # kWh to the target, negative = surplus
            room = np.where(gap > 0, gap * inv_cdt, gap * d_dt)
            must = np.maximum(lo, 0.0)
            if r[c] >= must.sum():
                first = np.maximum(np.minimum(room, hi) - must, 0.0)  # up to the target
                p = must + _fill(r[c] - must.sum(), first)
                p = p + _fill(r[c] - p.sum(), (hi - p)[::-1])[::-1]  # above it, latest first
            else:
                surplus = np.where((lo < 0) & (room < 0), np.minimum(-room, -lo), 0.0)
                take = _fill(must.sum() - r[c], surplus)  # surplus, most urgent first
                rest = np.where(lo < 0, -lo, 0.0) - take
                take = take + _fill(must.sum() - r[c] - take.sum(), rest[::-1])[::-1]
                p = np.where(lo >= 0, lo, -take)
            ev[ids, t] = p
            realised[c * t_count + t] = p.sum()
            e[ids] += np.where(p > 0, p * (eta_c[ids] * data.dt), p * (data.dt / eta_d[ids]))
        if data.has_bess:
            bess_power[t] = b
            eb += b * (b6[5] * data.dt) if b > 0 else b * (data.dt / b6[6])
    return ev, bess_power, realised
