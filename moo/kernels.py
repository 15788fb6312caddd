"""Numba kernels: population evaluation, the aggregate dispatcher and the vehicle repair.

Plain functions over contiguous float64/int64 arrays, no Python objects inside. Each has a
plain-numpy twin the tests compare against (`moo.objectives.evaluate` for
`evaluate_population`; `moo.dispatch` for the dispatcher and the repair).

Vehicle data is passed as one struct-of-arrays tuple built by `vehicle_arrays`:
``(e0, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, cap, soc_req, arr, dep)`` — energies in kWh,
powers in kW, slots as int64. ``soc_req`` is the requested (not effective) target used for
the satisfaction KPI.

The report vector of one schedule has `N_OUT` entries in the order of
`moo.objectives.FRONT_COLUMNS[1:]`: cost, variance, peak_valley, std_kw, peak_kw, valley_kw,
peak_valley_pct, grid_cost, degradation_cost, ev_energy_kwh, v2g_energy_kwh, satisfaction.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

N_OUT = 12
SOC_TOL = 1e-6  # same as moo.objectives.SOC_TOL: a target met within 1e-6 of capacity


@njit(cache=True, fastmath=False)
def _report(net, buy, sell, dt, deg_cost, ev_kwh, v2g_kwh, satisfaction, out):
    """Fill one report vector from a net-load row [T] and the fleet energy sums."""
    t_count = net.shape[0]
    mean = 0.0
    peak = -np.inf
    valley = np.inf
    grid_cost = 0.0
    for t in range(t_count):
        x = net[t]
        mean += x
        if x > peak:
            peak = x
        if x < valley:
            valley = x
        if x > 0.0:
            grid_cost += buy[t] * x
        else:
            grid_cost += sell[t] * x
    mean /= t_count
    var = 0.0
    for t in range(t_count):
        d = net[t] - mean
        var += d * d
    var /= t_count
    grid_cost *= dt
    degradation = deg_cost * v2g_kwh
    out[0] = grid_cost + degradation
    out[1] = var
    out[2] = peak - valley
    out[3] = np.sqrt(var)
    out[4] = peak
    out[5] = valley
    out[6] = (peak - valley) / peak * 100.0 if peak > 0.0 else np.nan
    out[7] = grid_cost
    out[8] = degradation
    out[9] = ev_kwh
    out[10] = v2g_kwh
    out[11] = satisfaction


@njit(parallel=True, cache=True, fastmath=False)
def evaluate_population(
    ev_power, bess_power, base_net, buy, sell, dt, deg_cost, e0, cap, eta_c, eta_d, soc_req, out
):
    """Report vectors of S schedules: ev_power [S, N, T], bess_power [S, T] -> out [S, N_OUT].

    One pass over the powers: net load, charged/discharged energy and each vehicle's
    departure SOC (powers outside a stay are zero, so the final energy is the departure one).
    """
    s_count, n, t_count = ev_power.shape
    for s in prange(s_count):
        net = base_net + bess_power[s]
        ev_kwh = 0.0
        v2g_kwh = 0.0
        met = 0
        for i in range(n):
            row = ev_power[s, i]
            # Branch-free sums over the slots (max/min compile to SIMD selects); the energy
            # at departure needs only the charged and discharged totals of the vehicle.
            # Branch-free sums over the slots (max/min compile to selects); the energy at
            # departure needs only the vehicle's charged and discharged totals.
            pos_sum = 0.0
            neg_sum = 0.0
            for t in range(t_count):
                p = row[t]
                net[t] += p
                pos_sum += max(p, 0.0)
                neg_sum += min(p, 0.0)
            e = e0[i] + dt * (eta_c[i] * pos_sum + neg_sum / eta_d[i])
            ev_kwh += pos_sum * dt
            v2g_kwh -= neg_sum * dt
            if e >= (soc_req[i] - SOC_TOL) * cap[i]:
                met += 1
        sat = met / n if n > 0 else 1.0
        _report(net, buy, sell, dt, deg_cost, ev_kwh, v2g_kwh, sat, out[s])


@njit(cache=True, fastmath=False)
def slot_bounds(e, t, dt, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, dep):
    """Power bounds (lo, hi) of one vehicle in slot t given its energy e before the slot.

    hi: charge limit and room below the upper SOC bound. lo: discharge limit, the lower SOC
    bound and future feasibility — after this slot the vehicle must still reach its
    effective target charging at full power for its remaining slots; where that floor is
    above the current energy, lo is a positive must-charge power.
    """
    rest = dep - t - 1
    floor = max(e_lo, e_tgt - eta_c * pc * rest * dt)
    if e >= floor:
        lo = -min(pd, (e - floor) * eta_d / dt)
    else:
        lo = min(pc, (floor - e) / (eta_c * dt))
    hi = min(pc, max((e_hi - e) / (eta_c * dt), 0.0))
    if hi < lo:
        hi = lo
    return lo, hi


@njit(cache=True, fastmath=False)
def _step(e, p, dt, eta_c, eta_d):
    if p > 0.0:
        return e + eta_c * p * dt
    return e + p * dt / eta_d


@njit(cache=True, fastmath=False)
def _bess_bounds(e, t, t_count, dt, b):
    # b = (e0, e_lo, e_hi, pc, pd, eta_c, eta_d); cyclic: must be able to get back to e0.
    return slot_bounds(e, t, dt, b[1], b[2], b[0], b[3], b[4], b[5], b[6], t_count)


@njit(cache=True, fastmath=False)
def _allocate(request, lo, hi, room, p_out):
    """Split one aggregate request among m vehicles given in priority order.

    ``room`` [m] is each vehicle's charging power to its effective target in this slot
    (negative: the discharge power that would bring it down to the target). Must-charge
    vehicles (lo > 0) get lo. Extra charging goes first to vehicles below their target, most
    urgent first, then above it, least urgent first (the latest to leave can still use the
    surplus for V2G). A discharge need is served first from energy above the targets, most
    urgent first (a surplus is lost at departure), then from below the targets, least urgent
    first (most time to recharge). So no vehicle discharges while another charges unless a
    must-charge bound forces it. The request must lie in [sum lo, sum hi].
    Returns the realised total.
    """
    m = lo.shape[0]
    base = 0.0
    for k in range(m):
        base += max(lo[k], 0.0)
    if request >= base:
        extra = request - base
        for k in range(m):
            p_out[k] = max(lo[k], 0.0)
            add = min(extra, max(min(room[k], hi[k]) - p_out[k], 0.0))
            p_out[k] += add
            extra -= add
        for k in range(m - 1, -1, -1):
            add = min(extra, hi[k] - p_out[k])
            p_out[k] += add
            extra -= add
    else:
        deficit = base - request
        for k in range(m):
            if lo[k] >= 0.0:
                p_out[k] = lo[k]
            else:
                take = min(deficit, min(-room[k], -lo[k])) if room[k] < 0.0 else 0.0
                p_out[k] = -take
                deficit -= take
        for k in range(m - 1, -1, -1):
            if lo[k] < 0.0:
                take = min(deficit, p_out[k] - lo[k])
                p_out[k] -= take
                deficit -= take
    total = 0.0
    for k in range(m):
        total += p_out[k]
    return total


@njit(cache=True, fastmath=False)
def _give_way(over, values, floors):
    """Lower ``values`` toward ``floors``, last entry first, until ``over`` kW are given up.

    The import-limit rule shared by the dispatcher (clusters) and the repair (vehicles): the
    least urgent give way first. Returns what is still over (> 0 only where the floors alone
    break the limit).
    """
    for k in range(values.shape[0] - 1, -1, -1):
        if over <= 0.0:
            break
        give = min(over, values[k] - floors[k])
        values[k] -= give
        over -= give
    return over


@njit(cache=True, fastmath=False)
def _cluster_sums(lo, hi, a, z):
    """Bounds of a cluster's aggregate power: (must, lowest, highest) over lo/hi[a:z]."""
    must = 0.0
    lowest = 0.0
    highest = 0.0
    for k in range(a, z):
        must += max(lo[k], 0.0)
        lowest += lo[k]
        highest += hi[k]
    return must, lowest, highest


@njit(cache=True, fastmath=False)
def _dispatch_one(
    req,
    req_b,
    veh,
    bess,
    has_bess,
    slot_ptr,
    slot_idx,
    slot_cluster,
    n_clusters,
    dt,
    base_net,
    limit,
    store,
    ev_out,
    realised,
    b_out,
    net,
):
    """Dispatch one individual; fills net [T], realised [K*T], b_out [T], ev_out [N, T].

    Per slot: bounds of every plugged vehicle and of the BESS; each cluster's request and
    the BESS request clipped into their bounds; where the net load would exceed ``limit``,
    the BESS and then the clusters (last first) give way down to their lower bounds; then
    each cluster's power is allocated (`_allocate`). Returns (ev_kwh, v2g_kwh, satisfaction,
    excess_kw) — excess_kw > 0 only where must-charge bounds alone break the limit.
    """
    e0, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, cap, soc_req, arr, dep = veh
    t_count = base_net.shape[0]
    e = e0.copy()
    max_m = 0
    for t in range(t_count):
        max_m = max(max_m, slot_ptr[t + 1] - slot_ptr[t])
    lo = np.empty(max_m)
    hi = np.empty(max_m)
    room = np.empty(max_m)
    p = np.empty(max_m)
    bounds = np.empty(n_clusters + 1, dtype=np.int64)
    r = np.empty(n_clusters)
    r_lo = np.empty(n_clusters)  # lowest aggregate power of each cluster in the slot
    eb = bess[0]
    ev_kwh = 0.0
    v2g_kwh = 0.0
    excess_max = 0.0
    for t in range(t_count):
        a, z = slot_ptr[t], slot_ptr[t + 1]
        m = z - a
        for k in range(m):
            i = slot_idx[a + k]
            lo[k], hi[k] = slot_bounds(
                e[i], t, dt, e_lo[i], e_hi[i], e_tgt[i], pc[i], pd[i], eta_c[i], eta_d[i], dep[i]
            )
            gap = e_tgt[i] - e[i]  # kWh to the target; negative = surplus above it
            room[k] = gap / (eta_c[i] * dt) if gap > 0.0 else gap * eta_d[i] / dt
        # cluster c owns lo/hi[bounds[c]:bounds[c+1]] (slot_idx is sorted by cluster)
        k = 0
        for c in range(n_clusters):
            bounds[c] = k
            while k < m and slot_cluster[a + k] == c:
                k += 1
        bounds[n_clusters] = m
        total = 0.0
        for c in range(n_clusters):
            _, r_lo[c], highest = _cluster_sums(lo, hi, bounds[c], bounds[c + 1])
            r[c] = min(max(req[c * t_count + t], r_lo[c]), highest)
            total += r[c]
        b = 0.0
        blo = 0.0
        if has_bess:
            blo, bhi = _bess_bounds(eb, t, t_count, dt, bess)
            b = min(max(req_b[t], blo), bhi)
        excess = base_net[t] + total + b - limit
        if excess > 0.0:
            give = min(excess, b - blo)
            b -= give
            excess = _give_way(excess - give, r, r_lo)
            excess_max = max(excess_max, excess)
        total = 0.0
        for c in range(n_clusters):
            c0, c1 = bounds[c], bounds[c + 1]
            if c1 == c0:
                realised[c * t_count + t] = 0.0
                continue
            got = _allocate(r[c], lo[c0:c1], hi[c0:c1], room[c0:c1], p[c0:c1])
            realised[c * t_count + t] = got
            total += got
        for k in range(m):
            i = slot_idx[a + k]
            e[i] = _step(e[i], p[k], dt, eta_c[i], eta_d[i])
            if p[k] > 0.0:
                ev_kwh += p[k] * dt
            else:
                v2g_kwh -= p[k] * dt
            if store:
                ev_out[i, t] = p[k]
        if has_bess:
            eb = _step(eb, b, dt, bess[5], bess[6])
        b_out[t] = b
        net[t] = base_net[t] + total + b
    met = 0
    for i in range(e.shape[0]):
        if e[i] >= (soc_req[i] - SOC_TOL) * cap[i]:
            met += 1
    sat = met / e.shape[0] if e.shape[0] > 0 else 1.0
    return ev_kwh, v2g_kwh, sat, excess_max


@njit(parallel=True, cache=True, fastmath=False)
def dispatch_population(
    requests,
    requests_b,
    veh,
    bess,
    has_bess,
    slot_ptr,
    slot_idx,
    slot_cluster,
    n_clusters,
    dt,
    base_net,
    buy,
    sell,
    deg_cost,
    limit,
    store,
    ev_out,
    realised,
    b_out,
    net_out,
    out,
    excess,
):
    """Aggregate encoding: per-cluster EV requests [S, K*T] and BESS requests [S, T] ->
    feasible per-vehicle schedules (ev_out [S, N, T] when ``store``), the realised requests
    [S, K*T], BESS powers [S, T], net load [S, T], report vectors out [S, N_OUT] and the
    import-limit excess [S] (kW; 0 when the limit holds, ``limit`` = inf when there is none).
    """
    s_count = requests.shape[0]
    for s in prange(s_count):
        row = s * np.int64(store)  # without ``store`` every individual shares row 0
        ev_kwh, v2g_kwh, sat, exc = _dispatch_one(
            requests[s],
            requests_b[s],
            veh,
            bess,
            has_bess,
            slot_ptr,
            slot_idx,
            slot_cluster,
            n_clusters,
            dt,
            base_net,
            limit,
            store,
            ev_out[row],
            realised[s],
            b_out[s],
            net_out[s],
        )
        excess[s] = exc
        _report(net_out[s], buy, sell, dt, deg_cost, ev_kwh, v2g_kwh, sat, out[s])


@njit(parallel=True, cache=True, fastmath=False)
def repair_population(
    powers, powers_b, veh, bess, has_bess, var_ptr, var_idx, dt, base_net, limit, excess
):
    """Vehicle encoding: clip each vehicle-slot power into its slot bounds, slot by slot.

    powers [S, V] holds one power per plugged vehicle-slot; ``var_ptr``/``var_idx`` list the
    vehicles of each slot's variables (CSR over slots, priority order). Modified in place, as
    is powers_b [S, T] for the BESS. Where the net load would exceed ``limit`` the BESS and
    then the vehicles (least urgent first) give way down to their lower bounds; excess [S]
    gets what must-charge bounds alone leave above the limit. The result is feasible: the
    bounds carry future feasibility.
    """
    e0, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, cap, soc_req, arr, dep = veh
    t_count = var_ptr.shape[0] - 1
    max_m = 0
    for t in range(t_count):
        max_m = max(max_m, var_ptr[t + 1] - var_ptr[t])
    for s in prange(powers.shape[0]):
        e = e0.copy()
        lo = np.empty(max_m)
        eb = bess[0]
        excess[s] = 0.0
        for t in range(t_count):
            a = var_ptr[t]
            m = var_ptr[t + 1] - a
            total = 0.0
            for k in range(m):
                i = var_idx[a + k]
                lo[k], hi = slot_bounds(
                    e[i],
                    t,
                    dt,
                    e_lo[i],
                    e_hi[i],
                    e_tgt[i],
                    pc[i],
                    pd[i],
                    eta_c[i],
                    eta_d[i],
                    dep[i],
                )
                powers[s, a + k] = min(max(powers[s, a + k], lo[k]), hi)
                total += powers[s, a + k]
            b = 0.0
            blo = 0.0
            if has_bess:
                blo, bhi = _bess_bounds(eb, t, t_count, dt, bess)
                b = min(max(powers_b[s, t], blo), bhi)
            over = base_net[t] + total + b - limit
            if over > 0.0:
                give = min(over, b - blo)
                b -= give
                over = _give_way(over - give, powers[s, a : a + m], lo[:m])
                excess[s] = max(excess[s], over)
            for k in range(m):
                i = var_idx[a + k]
                e[i] = _step(e[i], powers[s, a + k], dt, eta_c[i], eta_d[i])
            if has_bess:
                powers_b[s, t] = b
                eb = _step(eb, b, dt, bess[5], bess[6])
