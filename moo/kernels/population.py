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
PRIORITY, SOC, LAXITY = 0, 1, 2  # dispatch rules (`moo.kernels.data.DISPATCH_RULES`)
DEFAULT_RULE = LAXITY  # docs/benchmarks.md: the best front at equal wall time
LEVEL_BINS = 128  # balancing rules: level edges (see `_level_edge`)
FAR = 1e30  # a level below (above) every vehicle's: all at their lower (upper) bound
W_MIN = 1e-9  # kWh: the smallest level scale (a vehicle without laxity left)


@njit(cache=True, fastmath=False, inline="always")
def _level_scale(rule, floor, e_hi, e_tgt):
    """Balancing rules: the energy ``a + x w`` [kWh] a vehicle is taken towards at level x.
    `SOC`: the fraction x of its upper energy bound (a = 0, w = e_hi); `LAXITY`: the fraction
    x of the way from its floor (the energy it must hold after the slot, `slot_bounds`) to
    its effective target (a = floor, w = e_tgt - floor): 0 is no laxity used, 1 the target."""
    if rule == SOC:
        return 0.0, _mx(e_hi, W_MIN)
    return floor, _mx(e_tgt - floor, W_MIN)


@njit(cache=True, fastmath=False, inline="always")
def _level_power(x, e, a, w, ic, dd, low, high):
    """Balancing rules: the power that takes a vehicle with energy e towards ``a + x w`` in
    one slot (``ic = 1 / (eta_c dt)`` charging, ``dd = eta_d / dt`` discharging), clipped
    into [low, high]."""
    de = a + x * w - e
    g = de * ic if de > 0.0 else de * dd
    return _mn(_mx(g, low), high)


@njit(cache=True, fastmath=False, inline="always")
def _level_edge(b):
    """Level of edge b (1 .. LEVEL_BINS - 1): ``u / (1 - |u|)`` at ``u = -1 + 2 b /
    LEVEL_BINS`` — even steps in ``u = x / (1 + |x|)``, finest around 0, up to +-63."""
    u = -1.0 + 2.0 * b / LEVEL_BINS
    return u / (1.0 - abs(u))


@njit(cache=True, fastmath=False, inline="always")
def _bin_of(num, w):
    """Index of the first level edge at or above x = num / w (w > 0; LEVEL_BINS: none), in
    one division, ``u = x / (1 + |x|) = num / (w + |num|)``, and branch-free."""
    k = np.ceil((num / (w + abs(num)) + 1.0) * (LEVEL_BINS / 2))
    return np.int64(_mn(_mx(k, 1.0), float(LEVEL_BINS)))


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


@njit(cache=True, fastmath=False, inline="always")
def _take(p, e, ej, s, c_dt, dt_d, dt, got_c, ev_kwh, v2g_kwh, p_lane):
    """Book a vehicle's power p for individual s: its energy after the slot, the cluster's
    realised power, the fleet's charged and discharged energy, the lane's power."""
    e_chg = e + p * c_dt
    e_dis = e + p * dt_d
    ej[s] = e_chg if p > 0.0 else e_dis
    got_c[s] += p
    ev_kwh[s] += _mx(p, 0.0) * dt
    v2g_kwh[s] -= _mn(p, 0.0) * dt
    p_lane[s] = p


@njit(cache=True, fastmath=False, inline="always")
def _level_range(rule, md_c, vrow, ej, j, t, dt, span):
    """Balancing rules, vehicle j in slot t for every individual (energies ej [nb]): its
    range on the side md_c [nb] of each request into span [2, nb] (0 charge: [must, hi];
    2 discharge: [lo, must]); returns its level scale (a, w; `_level_scale`) and the
    energy/power factors (c_dt, inv_cdt, d_dt, dt_d)."""
    floor, e_hi, e_tgt, pc, pd, c_dt, inv_cdt, d_dt, dt_d = _vehicle(vrow, j, t, dt)
    base, w = _level_scale(rule, floor, e_hi, e_tgt)
    for s in range(ej.shape[0]):
        lo, hi, must, cap1, sur = _lane(ej[s], floor, e_hi, e_tgt, pc, pd, inv_cdt, d_dt)
        charge = md_c[s] == 0.0
        span[0, s] = must if charge else lo
        span[1, s] = hi if charge else must
    return base, w, c_dt, inv_cdt, d_dt, dt_d


@njit(cache=True, fastmath=False, error_model="numpy")
def _level_accumulate(rule, acc, md_c, vrow, E, slot_rank, a, k0, k1, t, dt, span, bins, vals):
    """Balancing rules, pass 2 of one cluster: its total power at every level edge, per
    individual, as difference arrays acc [nb, LEVEL_BINS + 1, 2]: (constant, slope in x) of
    ``sum clip(g(x), low, high)`` on the side md_c [nb] of the request (0 charge: [low, high]
    = [must, hi]; 2 discharge: [lo, must]), g the unclipped `_level_power`. On either side g
    is linear where it is not clipped (``(a + x w - e) f``, f = 1 / (eta_c dt) charging,
    eta_d / dt discharging), so each vehicle adds one piece, at the first edge at or above
    the level where g reaches low, and takes it away where g reaches high (a vehicle pinned
    at low = high adds nothing). Only the request's side is summed: half the breakpoints of
    summing both. span [2, nb], bins [2, nb] (int64) and vals [3, nb] are scratch: a
    vehicle's breakpoints are found for all individuals in branch-free loops, then added in
    another (the scattered adds would keep the first from compiling to SIMD). error_model
    "numpy": no zero-division check in the loop (it would too; `_bin_of` divides by
    w + |num| >= W_MIN > 0)."""
    acc[:, :, :] = 0.0
    nb = E.shape[1]
    for k in range(k0, k1):
        j = slot_rank[a + k]
        ej = E[j]
        base, w, c_dt, inv_cdt, d_dt, dt_d = _level_range(rule, md_c, vrow, ej, j, t, dt, span)
        for s in range(nb):
            charge = md_c[s] == 0.0
            f = inv_cdt if charge else d_dt  # kW per kWh of the side
            to_e = c_dt if charge else dt_d  # kWh per kW
            off = base - ej[s]
            low, high = span[0, s], span[1, s]
            bins[0, s] = _bin_of(low * to_e - off, w)
            bins[1, s] = _bin_of(high * to_e - off, w)
            vals[0, s] = off * f - low
            vals[1, s] = high - off * f
            vals[2, s] = w * f
        for s in range(nb):
            k_low = bins[0, s]
            k_high = bins[1, s]
            acc[s, k_low, 0] += vals[0, s]
            acc[s, k_low, 1] += vals[2, s]
            acc[s, k_high, 0] += vals[1, s]
            acc[s, k_high, 1] -= vals[2, s]


@njit(cache=True, fastmath=False)
def _level_bracket(acc, s, r, low_sum, high_sum):
    """Balancing rules: (x_a, x_b, theta) for individual s's cluster request r on its side
    (the totals run from low_sum, every vehicle at its low, to high_sum): the two
    neighbouring level edges whose totals bracket r (-FAR / FAR: every vehicle at its low /
    high), the shares being the mix ``(1 - theta) p(x_a) + theta p(x_b)``, which sums to r.
    acc: the cluster's difference arrays (`_level_accumulate`)."""
    x_prev, v_prev = -FAR, low_sum
    x_next, v_next = FAR, high_sum
    cc = 0.0
    cs = 0.0
    for b in range(1, LEVEL_BINS):
        cc += acc[s, b, 0]
        cs += acc[s, b, 1]
        x = _level_edge(b)
        v = low_sum + cc + cs * x
        if v >= r:
            x_next, v_next = x, v
            break
        x_prev, v_prev = x, v
    theta = (r - v_prev) / (v_next - v_prev) if v_next > v_prev else 0.0
    return x_prev, x_next, _mn(_mx(theta, 0.0), 1.0)


@njit(cache=True, fastmath=False)
def _level_share(rule, md_c, xa_c, xb_c, th_c, got_c, vrow, E, slot_rank, slot_idx, a, k0, k1,
                 t, dt, ev_kwh, v2g_kwh, p_lane, store, ev_out, s0, span):
    """Balancing rules, pass 3 of one cluster: each vehicle's power (the mix of its powers
    at the two bracketing levels), its energy after the slot, the cluster's realised power.
    span [2, nb]: scratch (`_level_range`)."""
    for k in range(k0, k1):
        j = slot_rank[a + k]
        ej = E[j]
        base, w, c_dt, inv_cdt, d_dt, dt_d = _level_range(rule, md_c, vrow, ej, j, t, dt, span)
        for s in range(E.shape[1]):
            e, low, high = ej[s], span[0, s], span[1, s]
            pa = _level_power(xa_c[s], e, base, w, inv_cdt, d_dt, low, high)
            pb = _level_power(xb_c[s], e, base, w, inv_cdt, d_dt, low, high)
            p = _mn(_mx(pa + th_c[s] * (pb - pa), low), high)
            _take(p, e, ej, s, c_dt, dt_d, dt, got_c, ev_kwh, v2g_kwh, p_lane)
        if store:
            for s in range(E.shape[1]):
                ev_out[s0 + s, slot_idx[a + k], t] = p_lane[s]


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
    rule,
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

    ``rule`` `SOC` or `LAXITY` shares a cluster's power by water-filling towards one common
    level instead: every vehicle at the power that takes it towards the same level x
    (`_level_scale`: a fraction of its upper energy bound, or of the way from its floor to
    its target), clipped into its bounds — on the charge side (request at least the
    must-charge sum) into [must, hi], on the discharge side into [lo, must], so no vehicle
    discharges while another charges unless forced, as under the priority rule. Once the
    sums have fixed each request and its side, one more pass over the vehicles brackets the
    level between two level edges (`_level_accumulate`, `_level_bracket`, that side only)
    and the last pass mixes the two edges' powers to the request: a convex combination of
    two allocations within every vehicle's bounds.
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
    balance = rule != PRIORITY
    acc = np.zeros((nb, LEVEL_BINS + 1 if balance else 0, 2))
    span = np.zeros((2, nb if balance else 0))
    bins = np.zeros((2, nb if balance else 0), dtype=np.int64)
    vals = np.zeros((3, nb if balance else 0))
    x_a = np.zeros((K, nb))
    x_b = np.zeros((K, nb))
    theta = np.zeros((K, nb))
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
                if balance:  # the side now, the level once the side's totals are in
                    mode[c, s] = 0.0 if r[c] >= sums[c, 2, s] else 2.0
                    rem[c, s] = r[c]
                    continue
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
        if balance:  # pass 2: the level of each cluster request on its side
            for c in range(K):
                _level_accumulate(rule, acc, mode[c], vrow, E, slot_rank, a, cl_ptr[t, c],
                                  cl_ptr[t, c + 1], t, dt, span, bins, vals)
                for s in range(nb):
                    charge = mode[c, s] == 0.0
                    x_a[c, s], x_b[c, s], theta[c, s] = _level_bracket(
                        acc, s, rem[c, s], sums[c, 2, s] if charge else sums[c, 0, s],
                        sums[c, 1, s] if charge else sums[c, 2, s])
        # last pass: each vehicle's power (the priority rule: in priority order)
        for c in range(K):
            if balance:
                _level_share(rule, mode[c], x_a[c], x_b[c], theta[c], got[c], vrow, E,
                             slot_rank, slot_idx, a, cl_ptr[t, c], cl_ptr[t, c + 1], t, dt,
                             ev_kwh, v2g_kwh, p_lane, store, ev_out, s0, span)
                continue
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
                    _take(p, e, ej, s, c_dt, dt_d, dt, got_c, ev_kwh, v2g_kwh, p_lane)
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
    rule=DEFAULT_RULE,
    threads=1,
):
    """Aggregate encoding: per-cluster EV requests [S, K*T] and BESS requests [S, T] ->
    feasible per-vehicle schedules (ev_out [S, N, T] when ``store``), the realised requests
    [S, K*T], BESS powers [S, T], net load [S, T], report vectors out [S, N_OUT] and the
    import-limit excess [S] (kW; 0 when the limit holds, ``limit`` = inf when there is none).

    ``rule``: `PRIORITY`, `SOC` or `LAXITY` (`_dispatch_block`). Individuals go in near-equal blocks
    of at most `BLOCK` (`_dispatch_block`), the blocks in parallel; at least ``threads``
    blocks while there are as many individuals (a writer dispatches a huge fleet's schedules
    a few at a time, which one block would leave on one core).
    Vehicle data comes by rank (`moo.kernels.data.KernelData.vrow` and friends); ``slot_idx``
    maps a plugged vehicle-slot back to the vehicle id of ``ev_out``.
    """
    s_count = requests.shape[0]
    n = e_start.shape[0]
    n_blocks = max((s_count + BLOCK - 1) // BLOCK, min(s_count, threads))
    for blk in prange(n_blocks):
        s0 = blk * s_count // n_blocks
        s1 = (blk + 1) * s_count // n_blocks
        _dispatch_span(
            s0, s1, requests, requests_b, vrow, e_start, sat_floor, bess, has_bess, slot_ptr,
            slot_rank, slot_idx, cl_ptr, n_clusters, dt, base_net, buy, sell, deg_cost, limit,
            store, ev_out, realised, b_out, net_out, out, excess, np.empty((n, s1 - s0)), rule,
        )


@njit(cache=True, fastmath=False)
def _dispatch_span(
    s0, s1, requests, requests_b, vrow, e_start, sat_floor, bess, has_bess, slot_ptr, slot_rank,
    slot_idx, cl_ptr, n_clusters, dt, base_net, buy, sell, deg_cost, limit, store, ev_out,
    realised, b_out, net_out, out, excess, E, rule,
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
        realised[s0:s1], b_out[s0:s1], net_out[s0:s1], kwh, sat, excess[s0:s1], E, rule,
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
    net_out, out, excess, unmet, rule=DEFAULT_RULE,
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
            False, no_store, realised, b_out, net_out, out, excess, e_end, rule,
        )
        _shortfall(e_end, e_reach, e_request, tol_kwh, unmet, s0)


@njit(parallel=True, cache=True, fastmath=False)
def realise_days(
    requests, requests_b, v_ptr, vrow, e_start, sat_floor, e_reach, e_request, tol_kwh, bess,
    has_bess, s_ptr, slot_ptr, slot_rank, slot_idx, cl_ptr, n_clusters, dt, base_net, buy,
    sell, deg_cost, limit, net_out, out, excess, unmet, rule=DEFAULT_RULE,
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
            realised, b_out, net_out[d, s0:s1], out[d, s0:s1], excess[d, s0:s1], e_end, rule,
        )
        _shortfall(e_end, e_reach[v0:v1], e_request[v0:v1], tol_kwh[v0:v1], unmet[d], s0)
