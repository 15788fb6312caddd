"""Numba kernels: population evaluation, the aggregate dispatcher and the vehicle repair.

Plain functions over contiguous float64/int64 arrays, no Python objects inside. Each has a
plain-numpy twin the tests compare against (`moo.problems.objectives.evaluate` for
`evaluate_population`; `moo.kernels.data` for the dispatcher and the repair).

Vehicle data is passed as one struct-of-arrays tuple built by `vehicle_arrays`:
``(e0, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, cap, soc_req, arr, dep)`` — energies in kWh,
powers in kW, slots as int64. ``soc_req`` is the requested (not effective) target used for
the satisfaction KPI.

The report vector of one schedule has `N_OUT` entries in the order of
`moo.problems.objectives.FRONT_COLUMNS[1:]`: cost, variance, peak_valley, std_kw, peak_kw,
valley_kw, peak_valley_pct, grid_cost, degradation_cost, ev_energy_kwh, v2g_energy_kwh,
satisfaction.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

N_OUT = 12
SOC_TOL = 1e-6  # same as moo.problems.objectives.SOC_TOL: a target met within 1e-6 of capacity


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


@njit(cache=True, fastmath=False, inline="always")
def _mn(a, b):
    return a if a < b else b


@njit(cache=True, fastmath=False, inline="always")
def _mx(a, b):
    return a if a > b else b


@njit(cache=True, fastmath=False)
def slot_bounds(e, t, dt, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, dep):
    """Power bounds (lo, hi) of one vehicle in slot t given its energy e before the slot.

    hi: charge limit and room below the upper SOC bound. lo: discharge limit, the lower SOC
    bound and future feasibility — after this slot the vehicle must still reach its
    effective target charging at full power for its remaining slots; where that floor is
    above the current energy, lo is a positive must-charge power. Energy-to-power
    conversions multiply by ``1 / (eta_c dt)`` and ``eta_d / dt`` (the block dispatcher's
    arithmetic, so every kernel agrees to the bit).
    """
    rest = dep - t - 1
    floor = max(e_lo, e_tgt - eta_c * pc * rest * dt)
    inv_cdt = 1.0 / (eta_c * dt)
    d_dt = eta_d / dt
    if e >= floor:
        lo = -min(pd, (e - floor) * d_dt)
    else:
        lo = min(pc, (floor - e) * inv_cdt)
    hi = min(pc, max((e_hi - e) * inv_cdt, 0.0))
    if hi < lo:
        hi = lo
    return lo, hi


@njit(cache=True, fastmath=False)
def _step(e, p, dt, eta_c, eta_d):
    """Energy after one slot at grid-side power p: ``p eta_c dt`` in, ``p dt / eta_d`` out."""
    if p > 0.0:
        return e + p * (eta_c * dt)
    return e + p * (dt / eta_d)


@njit(cache=True, fastmath=False)
def _bess_bounds(e, t, t_count, dt, b):
    # b = (e0, e_lo, e_hi, pc, pd, eta_c, eta_d); cyclic: must be able to get back to e0.
    return slot_bounds(e, t, dt, b[1], b[2], b[0], b[3], b[4], b[5], b[6], t_count)


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


BLOCK = 32  # individuals dispatched together: one vehicle's data serves all of them


@njit(cache=True, fastmath=False, inline="always")
def _vehicle(vrow, j, t, dt):
    """One vehicle's constants in slot t: (floor, e_hi, e_tgt, pc, pd, c_dt, inv_cdt, d_dt,
    dt_d) — the `slot_bounds` floor and the energy/power conversion factors."""
    e_lo, e_hi, e_tgt = vrow[j, 0], vrow[j, 1], vrow[j, 2]
    pc, pd, eta_c, eta_d = vrow[j, 3], vrow[j, 4], vrow[j, 5], vrow[j, 6]
    rest = np.int64(vrow[j, 7]) - t - 1
    floor = _mx(e_lo, e_tgt - eta_c * pc * rest * dt)
    c_dt = eta_c * dt
    return floor, e_hi, e_tgt, pc, pd, c_dt, 1.0 / c_dt, eta_d / dt, dt / eta_d


@njit(cache=True, fastmath=False, inline="always")
def _lane(e, floor, e_hi, e_tgt, pc, pd, inv_cdt, d_dt):
    """`slot_bounds` plus the allocation quantities of one vehicle-slot, branch-free:
    (lo, hi, must, cap1, sur) — ``must`` the must-charge power, ``cap1`` the extra charging
    up to the target, ``sur`` the discharge available above the target."""
    x = e - floor
    l_dis = -_mn(pd, x * d_dt)
    l_chg = _mn(pc, -x * inv_cdt)
    lo = l_dis if x >= 0.0 else l_chg
    hi = _mx(_mn(pc, _mx((e_hi - e) * inv_cdt, 0.0)), lo)
    gap = e_tgt - e  # kWh to the target; negative = surplus above it
    r_chg = gap * inv_cdt
    r_dis = gap * d_dt
    room = r_chg if gap > 0.0 else r_dis
    must = _mx(lo, 0.0)
    cap1 = _mx(_mn(room, hi) - must, 0.0)
    s_all = _mn(-room, -lo)
    sur = s_all if _mx(room, lo) < 0.0 else 0.0
    return lo, hi, must, cap1, sur


@njit(cache=True, fastmath=False)
def _dispatch_block(
    req,
    req_b,
    vrow,
    e_start,
    sat_floor,
    bess,
    has_bess,
    slot_ptr,
    slot_rank,
    slot_idx,
    cl_ptr,
    n_clusters,
    dt,
    base_net,
    limit,
    store,
    ev_out,
    s0,
    realised,
    b_out,
    net,
    kwh,
    sat,
    excess_max,
    E,
):
    """Dispatch nb individuals at once: rows of req [nb, K*T] and req_b [nb, T].

    Fills net [nb, T], realised [nb, K*T], b_out [nb, T], rows s0 .. s0+nb-1 of ev_out
    [S, N, T] (when ``store``), kwh [nb, 2] (EV energy charged, V2G energy discharged),
    sat [nb], excess_max [nb].

    Per slot: every plugged vehicle's bounds (`slot_bounds`); each cluster's request and the
    BESS request clipped into their bounds; where the net load would exceed ``limit``, the
    BESS and then the clusters (last first) give way down to their lower bounds; then the
    cluster's power is split among its vehicles by the rule of `moo.kernels.data`'s readable
    twin (must-charge vehicles get their minimum; extra charging goes first to vehicles below
    their target, most urgent first, then above it, least urgent first; a discharge need is
    served first from energy above the targets, most urgent first, then from below them,
    least urgent first), in one more pass over the vehicles.
    The sums of the first pass say whether a greedy fill ends in its forward phase (most
    urgent first: each vehicle takes what is still to place, up to its share) or spills into
    the backward phase (least urgent first: a vehicle gets what the spill leaves after the
    spare of every vehicle behind it, ``clip(L - spare behind, 0, own spare)``, the spare
    behind being the total minus a running prefix). Equal to the twin up to rounding.

    Memory layout (what makes 100k-vehicle fleets fast): vehicles are numbered by rank in
    the priority order, so a slot's plugged vehicles (``slot_rank``) are visited in
    increasing memory order; a vehicle's parameters are one 64-byte row of ``vrow`` (e_lo,
    e_hi, e_tgt, pc, pd, eta_c, eta_d, departure), read once for all nb individuals, whose
    energies sit side by side in ``E`` [N, nb]; the loops over individuals are branch-free
    so they compile to SIMD.
    """
    t_count = base_net.shape[0]
    nb = E.shape[1]
    n = E.shape[0]
    for j in range(n):
        for s in range(nb):
            E[j, s] = e_start[j]
    K = n_clusters
    # per cluster and individual: sums of lo, hi, must, cap1, sur, charge and discharge spare
    sums = np.zeros((K, 7, nb))
    mode = np.zeros((K, nb))  # 0 / 1: charge, ends forward / spills backward; 2 / 3: discharge
    rem = np.zeros((K, nb))  # forward: still to place; backward: the spill L
    tot = np.zeros((K, nb))  # backward: the total spare of the cluster
    pre = np.zeros(nb)  # backward: running spare of the vehicles before
    got = np.zeros((K, nb))
    r = np.empty(K)
    r_lo = np.empty(K)
    p_lane = np.zeros(nb)
    ev_kwh = np.zeros(nb)
    v2g_kwh = np.zeros(nb)
    eb = np.full(nb, bess[0])
    b_now = np.zeros(nb)
    excess_max[:] = 0.0
    for t in range(t_count):
        a = slot_ptr[t]
        # pass 1: bound sums per cluster (lo, hi, min(lo, 0), cap1, sur; the rest follow)
        for c in range(K):
            sm = sums[c]
            sm[:, :] = 0.0
            s_lo, s_hi, s_neg, s_cap1, s_sur = sm[0], sm[1], sm[2], sm[3], sm[4]
            for k in range(cl_ptr[t, c], cl_ptr[t, c + 1]):
                j = slot_rank[a + k]
                floor, e_hi, e_tgt, pc, pd, c_dt, inv_cdt, d_dt, dt_d = _vehicle(vrow, j, t, dt)
                ej = E[j]
                for s in range(nb):
                    e = ej[s]
                    lo, hi, must, cap1, sur = _lane(e, floor, e_hi, e_tgt, pc, pd, inv_cdt, d_dt)
                    s_lo[s] += lo
                    s_hi[s] += hi
                    s_neg[s] += _mn(lo, 0.0)
                    s_cap1[s] += cap1
                    s_sur[s] += sur
            # must = lo - min(lo, 0); charge spare = hi - must - cap1; discharge spare below
            # the surplus = -sur - min(lo, 0)
            for s in range(nb):
                must_sum = s_lo[s] - s_neg[s]
                sm[5, s] = s_hi[s] - must_sum - s_cap1[s]
                sm[6, s] = -s_sur[s] - s_neg[s]
                s_neg[s] = must_sum
        # requests, BESS, import limit and the phase each fill ends in: per individual
        for s in range(nb):
            total = 0.0
            for c in range(K):
                r_lo[c] = sums[c, 0, s]
                r[c] = min(max(req[s, c * t_count + t], r_lo[c]), sums[c, 1, s])
                total += r[c]
            b = 0.0
            blo = 0.0
            if has_bess:
                blo, bhi = _bess_bounds(eb[s], t, t_count, dt, bess)
                b = min(max(req_b[s, t], blo), bhi)
            over = base_net[t] + total + b - limit
            if over > 0.0:
                give = min(over, b - blo)
                b -= give
                over = _give_way(over - give, r, r_lo)
                excess_max[s] = max(excess_max[s], over)
            b_now[s] = b
            for c in range(K):
                got[c, s] = 0.0
                base = sums[c, 2, s]
                if r[c] >= base:
                    extra = r[c] - base
                    if extra <= sums[c, 3, s]:
                        mode[c, s], rem[c, s] = 0.0, extra
                    else:
                        mode[c, s], rem[c, s] = 1.0, extra - sums[c, 3, s]
                        tot[c, s] = sums[c, 5, s]
                else:
                    deficit = base - r[c]
                    if deficit <= sums[c, 4, s]:
                        mode[c, s], rem[c, s] = 2.0, deficit
                    else:
                        mode[c, s], rem[c, s] = 3.0, deficit - sums[c, 4, s]
                        tot[c, s] = sums[c, 6, s]
        # pass 2: each vehicle's power, in priority order
        for c in range(K):
            md_c, rem_c, tot_c, got_c = mode[c], rem[c], tot[c], got[c]
            pre[:] = 0.0
            for k in range(cl_ptr[t, c], cl_ptr[t, c + 1]):
                j = slot_rank[a + k]
                floor, e_hi, e_tgt, pc, pd, c_dt, inv_cdt, d_dt, dt_d = _vehicle(vrow, j, t, dt)
                ej = E[j]
                for s in range(nb):
                    e = ej[s]
                    lo, hi, must, cap1, sur = _lane(e, floor, e_hi, e_tgt, pc, pd, inv_cdt, d_dt)
                    md = md_c[s]
                    q = rem_c[s]
                    neg = lo < 0.0
                    p_dis = -sur if neg else lo  # discharge start: every surplus taken
                    spa = hi - (must + cap1)
                    spb = p_dis - lo if neg else 0.0
                    # forward phase (modes 0, 2)
                    add = _mn(q, cap1)
                    take_all = _mn(q, sur)
                    take = take_all if neg else 0.0
                    # backward phase (modes 1, 3)
                    spare = spa if md == 1.0 else spb
                    behind = tot_c[s] - pre[s] - spare
                    share = _mn(_mx(q - behind, 0.0), spare)
                    pre[s] += spare
                    p_fwd = must + add if md == 0.0 else -take if neg else lo
                    p_bwd = must + cap1 + share if md == 1.0 else p_dis - share
                    back = md == 1.0 or md == 3.0
                    p = p_bwd if back else p_fwd
                    used = add if md == 0.0 else take
                    rem_c[s] = q if back else q - used
                    e_chg = e + p * c_dt
                    e_dis = e + p * dt_d
                    ej[s] = e_chg if p > 0.0 else e_dis
                    got_c[s] += p
                    ev_kwh[s] += _mx(p, 0.0) * dt
                    v2g_kwh[s] -= _mn(p, 0.0) * dt
                    p_lane[s] = p
                if store:
                    for s in range(nb):
                        ev_out[s0 + s, slot_idx[a + k], t] = p_lane[s]
        for s in range(nb):
            total = 0.0
            for c in range(K):
                realised[s, c * t_count + t] = got[c, s]
                total += got[c, s]
            if has_bess:
                eb[s] = _step(eb[s], b_now[s], dt, bess[5], bess[6])
            b_out[s, t] = b_now[s]
            net[s, t] = base_net[t] + total + b_now[s]
    for s in range(nb):
        met = 0
        for j in range(n):
            if E[j, s] >= sat_floor[j]:
                met += 1
        sat[s] = met / n if n > 0 else 1.0
        kwh[s, 0] = ev_kwh[s]
        kwh[s, 1] = v2g_kwh[s]


@njit(parallel=True, cache=True, fastmath=False)
def dispatch_population(
    requests,
    requests_b,
    vrow,
    e_start,
    sat_floor,
    bess,
    has_bess,
    slot_ptr,
    slot_rank,
    slot_idx,
    cl_ptr,
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

    Individuals go in near-equal blocks of at most `BLOCK` (`_dispatch_block`), the blocks
    in parallel.
    Vehicle data comes by rank (`moo.kernels.data.KernelData.vrow` and friends); ``slot_idx``
    maps a plugged vehicle-slot back to the vehicle id of ``ev_out``.
    """
    s_count = requests.shape[0]
    n = e_start.shape[0]
    n_blocks = (s_count + BLOCK - 1) // BLOCK
    for blk in prange(n_blocks):
        s0 = blk * s_count // n_blocks
        s1 = (blk + 1) * s_count // n_blocks
        _dispatch_span(
            s0, s1, requests, requests_b, vrow, e_start, sat_floor, bess, has_bess, slot_ptr,
            slot_rank, slot_idx, cl_ptr, n_clusters, dt, base_net, buy, sell, deg_cost, limit,
            store, ev_out, realised, b_out, net_out, out, excess, np.empty((n, s1 - s0)),
        )


@njit(cache=True, fastmath=False)
def _dispatch_span(
    s0, s1, requests, requests_b, vrow, e_start, sat_floor, bess, has_bess, slot_ptr, slot_rank,
    slot_idx, cl_ptr, n_clusters, dt, base_net, buy, sell, deg_cost, limit, store, ev_out,
    realised, b_out, net_out, out, excess, E,
):
    """One block of `dispatch_population`: individuals s0 .. s1-1 dispatched
    (`_dispatch_block`) and their report vectors filled; E [N, s1-s0] is left holding each
    vehicle's final energy (by rank)."""
    nb = s1 - s0
    kwh = np.empty((nb, 2))
    sat = np.empty(nb)
    _dispatch_block(
        requests[s0:s1], requests_b[s0:s1], vrow, e_start, sat_floor, bess, has_bess, slot_ptr,
        slot_rank, slot_idx, cl_ptr, n_clusters, dt, base_net, limit, store, ev_out, s0,
        realised[s0:s1], b_out[s0:s1], net_out[s0:s1], kwh, sat, excess[s0:s1], E,
    )
    for s in range(nb):
        _report(net_out[s0 + s], buy, sell, dt, deg_cost, kwh[s, 0], kwh[s, 1], sat[s], out[s0 + s])


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


@njit(cache=True, fastmath=False)
def _shortfall(e_end, e_reach, e_request, tol_kwh, unmet, s0):
    """Rows s0 .. of unmet [S, 3] from the final energies e_end [N, nb] (by rank): kWh short
    of e_reach and of e_request summed over the vehicles short by more than tol_kwh, and
    the number short of e_reach."""
    n = e_end.shape[0]
    for s in range(e_end.shape[1]):
        short_reach = 0.0
        short_request = 0.0
        count = 0.0
        for j in range(n):
            e = e_end[j, s]
            gap = e_reach[j] - e
            if gap > tol_kwh[j]:
                short_reach += gap
                count += 1.0
            gap = e_request[j] - e
            if gap > tol_kwh[j]:
                short_request += gap
        unmet[s0 + s, 0] = short_reach
        unmet[s0 + s, 1] = short_request
        unmet[s0 + s, 2] = count


@njit(parallel=True, cache=True, fastmath=False)
def realise_population(
    requests, requests_b, vrow, e_start, sat_floor, e_reach, e_request, tol_kwh, bess, has_bess,
    slot_ptr, slot_rank, slot_idx, cl_ptr, n_clusters, dt, base_net, buy, sell, deg_cost, limit,
    net_out, out, excess, unmet,
):
    """Plans on a realised day (docs/model.md §12): `dispatch_population` without the
    per-vehicle schedules, plus what each vehicle lacks when it leaves.

    The CSR over slots lists a vehicle only up to the end of its window (the earlier of its
    stated and actual departures), so the energy left in the dispatcher's state is its
    energy at the actual departure. e_reach [N] and e_request [N] (by rank, kWh) are the
    targets reachable over the actual stay and the requested ones; unmet [S, 3] gets the
    kWh short of each summed over the vehicles short by more than tol_kwh [N] (`SOC_TOL`
    of capacity), and the number of vehicles short of e_reach.
    """
    s_count = requests.shape[0]
    n = e_start.shape[0]
    n_blocks = (s_count + BLOCK - 1) // BLOCK
    no_store = np.zeros((1, 1, 1))
    realised = np.empty(requests.shape)
    b_out = np.empty(requests_b.shape)
    for blk in prange(n_blocks):
        s0 = blk * s_count // n_blocks
        s1 = (blk + 1) * s_count // n_blocks
        e_end = np.empty((n, s1 - s0))
        _dispatch_span(
            s0, s1, requests, requests_b, vrow, e_start, sat_floor, bess, has_bess, slot_ptr,
            slot_rank, slot_idx, cl_ptr, n_clusters, dt, base_net, buy, sell, deg_cost, limit,
            False, no_store, realised, b_out, net_out, out, excess, e_end,
        )
        _shortfall(e_end, e_reach, e_request, tol_kwh, unmet, s0)


@njit(parallel=True, cache=True, fastmath=False)
def realise_days(
    requests, requests_b, v_ptr, vrow, e_start, sat_floor, e_reach, e_request, tol_kwh, bess,
    has_bess, s_ptr, slot_ptr, slot_rank, slot_idx, cl_ptr, n_clusters, dt, base_net, buy,
    sell, deg_cost, limit, net_out, out, excess, unmet,
):
    """`realise_population` on D realised days at once, in one parallel region (a day's
    work for a population is small; one region per day would wait D times for both
    cores). Day d's vehicles are rows ``v_ptr[d]:v_ptr[d+1]`` of the per-vehicle arrays
    (vrow [ΣN, 8], e_start, sat_floor, e_reach, e_request, tol_kwh [ΣN]), its plugged
    vehicle-slots entries ``s_ptr[d]:s_ptr[d+1]`` of slot_rank / slot_idx, and slot_ptr
    [D, T+1], cl_ptr [D, T, K+1], base_net [D, T] its own. Outputs per day: net_out
    [D, S, T], out [D, S, N_OUT], excess [D, S], unmet [D, S, 3]. The plain twin: one
    `realise_population` per day.
    """
    s_count = requests.shape[0]
    d_count = slot_ptr.shape[0]
    n_blocks = (s_count + BLOCK - 1) // BLOCK
    no_store = np.zeros((1, 1, 1))
    for task in prange(d_count * n_blocks):
        d = task // n_blocks
        blk = task % n_blocks
        v0, v1 = v_ptr[d], v_ptr[d + 1]
        a0, a1 = s_ptr[d], s_ptr[d + 1]
        n = v1 - v0
        s0 = blk * s_count // n_blocks
        s1 = (blk + 1) * s_count // n_blocks
        e_end = np.empty((n, s1 - s0))
        realised = np.empty((s1 - s0, requests.shape[1]))
        b_out = np.empty((s1 - s0, requests_b.shape[1]))
        _dispatch_span(
            0, s1 - s0, requests[s0:s1], requests_b[s0:s1], vrow[v0:v1], e_start[v0:v1],
            sat_floor[v0:v1], bess, has_bess, slot_ptr[d], slot_rank[a0:a1], slot_idx[a0:a1],
            cl_ptr[d], n_clusters, dt, base_net[d], buy, sell, deg_cost, limit, False, no_store,
            realised, b_out, net_out[d, s0:s1], out[d, s0:s1], excess[d, s0:s1], e_end,
        )
        _shortfall(e_end, e_reach[v0:v1], e_request[v0:v1], tol_kwh[v0:v1], unmet[d], s0)
