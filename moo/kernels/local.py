"""Numba kernels of the local search (`moo.search.local`): energy-shift moves on the power
matrix of a fleet's units, and their plain-numpy twin.

A move takes one unit and two slots of its stay and shifts ``eps`` kWh of battery-side
energy from one slot to the other; it is made only when every bound (power, SOC path,
import limit) still holds, so a feasible schedule stays feasible, and kept when it lowers
``sum_k coef_k F_k``. `polish_many` runs `polish_one` over a population in parallel;
`objectives_reference` is the numpy twin of the kernels' objective evaluation, which the
tests compare against. Randomness: a xorshift64* stream per call seeded from the caller.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

STEP_FULL = 0.3  # share of moves that shift as much energy as feasible (LP-like optima)
STEP_DECADES = 4.0  # other moves shift emax * 10**(-U * STEP_DECADES), U uniform
SINGLE = 0.2  # share of one-slot moves (they change the departure energy)
TARGETED = 0.3  # share of moves from the unit's highest-net slot to its lowest


@njit(cache=True)
def _rand(state):
    """xorshift64* in [0, 1); ``state`` is a uint64 array [1]."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return float((x * np.uint64(2685821657736338717)) >> np.uint64(11)) / 9007199254740992.0


@njit(cache=True)
def _gain(p, dt, eta_c, eta_d):
    """Battery-side energy of a grid-side power over one slot (kWh)."""
    return dt * eta_c * p if p > 0.0 else dt * p / eta_d


@njit(cache=True)
def _power(g, dt, eta_c, eta_d):
    """Inverse of `_gain`."""
    return g / (dt * eta_c) if g > 0.0 else g * eta_d / dt


@njit(cache=True)
def _slot_cost(x, buy, sell, dt):
    return dt * (buy * x if x > 0.0 else sell * x)


@njit(cache=True)
def _extremes(net, t1, n1, t2, n2):
    """Peak, valley and their slots of ``net`` with slots t1, t2 (if >= 0) set to n1, n2."""
    hi = -np.inf
    lo = np.inf
    t_hi = t_lo = 0
    for t in range(net.shape[0]):
        x = n1 if t == t1 else (n2 if t == t2 else net[t])
        if x > hi:
            hi = x
            t_hi = t
        if x < lo:
            lo = x
            t_lo = t
    return hi, lo, t_hi, t_lo


@njit(cache=True)
def _objectives(net, P, is_ev, buy, sell, dt, deg):
    t_count = net.shape[0]
    cost = 0.0
    s = 0.0
    q = 0.0
    hi = -np.inf
    lo = np.inf
    for t in range(t_count):
        x = net[t]
        cost += _slot_cost(x, buy[t], sell[t], dt)
        s += x
        q += x * x
        hi = max(hi, x)
        lo = min(lo, x)
    for u in range(P.shape[0]):
        if is_ev[u]:
            for t in range(t_count):
                if P[u, t] < 0.0:
                    cost -= deg * dt * P[u, t]
    return cost, s, q, hi - lo


@njit(cache=True)
def polish_one(
    P,
    base_net,
    a,
    d,
    e0,
    e_lo,
    e_hi,
    e_tgt,
    pc,
    pd,
    eta_c,
    eta_d,
    is_ev,
    buy,
    sell,
    dt,
    deg,
    limit,
    coef,
    n_moves,
    seed,
):
    """Improve one schedule P [U, T] in place for ``coef . (cost, variance, peak_valley)``.

    Returns the number of accepted moves.
    """
    n_units, t_count = P.shape
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed) | np.uint64(1)
    E = np.zeros((n_units, t_count))  # energy after each slot of the stay
    net = base_net.copy()
    units = np.empty(n_units, dtype=np.int64)
    n_mov = 0
    for u in range(n_units):
        e = e0[u]
        for t in range(a[u], d[u]):
            e += _gain(P[u, t], dt, eta_c[u], eta_d[u])
            E[u, t] = e
            net[t] += P[u, t]
        if d[u] - a[u] >= 2 and pc[u] + pd[u] > 0.0:
            units[n_mov] = u
            n_mov += 1
    if n_mov == 0:
        return 0
    cost, s, q, pv = _objectives(net, P, is_ev, buy, sell, dt, deg)
    var = q / t_count - (s / t_count) ** 2
    _, _, t_hi, t_lo = _extremes(net, -1, 0.0, -1, 0.0)
    th_new = t_hi
    tl_new = t_lo
    accepted = 0
    for it in range(n_moves):
        if it % 4096 == 4095:  # refresh the running sums against drift
            cost, s, q, pv = _objectives(net, P, is_ev, buy, sell, dt, deg)
            var = q / t_count - (s / t_count) ** 2
        u = units[min(int(_rand(state) * n_mov), n_mov - 1)]
        au, du = a[u], d[u]
        length = du - au
        r = _rand(state)
        if r < SINGLE:
            # One slot only: the departure energy moves (down to the effective target).
            t1 = au + min(int(_rand(state) * length), length - 1)
            t2 = -1
            if _rand(state) < 0.5:
                t1, t2 = t2, t1
        elif r < SINGLE + TARGETED:
            t1 = au
            t2 = au
            for t in range(au, du):
                if net[t] < net[t1]:
                    t1 = t
                if net[t] > net[t2]:
                    t2 = t
            if t1 == t2:
                continue
        else:
            t1 = au + min(int(_rand(state) * length), length - 1)
            t2 = au + min(int(_rand(state) * (length - 1)), length - 2)
            if t2 >= t1:
                t2 += 1
        # t1 gains eps kWh (battery side), t2 loses it; -1 = no such slot.
        emax = np.inf
        p1 = p2 = g1 = g2 = 0.0
        if t1 >= 0:
            p1 = P[u, t1]
            g1 = _gain(p1, dt, eta_c[u], eta_d[u])
            emax = min(emax, _gain(pc[u], dt, eta_c[u], eta_d[u]) - g1)
        if t2 >= 0:
            p2 = P[u, t2]
            g2 = _gain(p2, dt, eta_c[u], eta_d[u])
            emax = min(emax, g2 - _gain(-pd[u], dt, eta_c[u], eta_d[u]))
        first = du
        if t1 >= 0:
            first = t1
        if t2 >= 0 and t2 < first:
            first = t2
        for t in range(first, du):
            sign = (1 if (t1 >= 0 and t >= t1) else 0) - (1 if (t2 >= 0 and t >= t2) else 0)
            if sign > 0:
                emax = min(emax, e_hi[u] - E[u, t])
            elif sign < 0:
                emax = min(emax, E[u, t] - e_lo[u])
                if t == du - 1:
                    emax = min(emax, E[u, t] - e_tgt[u])
        emax -= 1e-12
        if emax <= 1e-12:
            continue
        if _rand(state) < STEP_FULL:
            eps = emax
        else:
            eps = emax * 10.0 ** (-STEP_DECADES * _rand(state))
        q1 = p1
        q2 = p2
        n1 = n2 = 0.0
        dcost = 0.0
        s_new = s
        q_new = q
        if t1 >= 0:
            q1 = min(max(_power(g1 + eps, dt, eta_c[u], eta_d[u]), -pd[u]), pc[u])
            n1 = net[t1] + q1 - p1
            if n1 > limit:
                continue
            dcost += _slot_cost(n1, buy[t1], sell[t1], dt) - _slot_cost(
                net[t1], buy[t1], sell[t1], dt
            )
            s_new += n1 - net[t1]
            q_new += n1 * n1 - net[t1] * net[t1]
        if t2 >= 0:
            q2 = min(max(_power(g2 - eps, dt, eta_c[u], eta_d[u]), -pd[u]), pc[u])
            n2 = net[t2] + q2 - p2
            dcost += _slot_cost(n2, buy[t2], sell[t2], dt) - _slot_cost(
                net[t2], buy[t2], sell[t2], dt
            )
            s_new += n2 - net[t2]
            q_new += n2 * n2 - net[t2] * net[t2]
        if is_ev[u]:
            dcost += deg * dt * (max(-q1, 0.0) - max(-p1, 0.0) + max(-q2, 0.0) - max(-p2, 0.0))
        var_new = q_new / t_count - (s_new / t_count) ** 2
        pv_new = pv
        if coef[2] != 0.0:
            # O(1) unless a changed slot held the peak or the valley.
            if t_hi == t1 or t_hi == t2 or t_lo == t1 or t_lo == t2:
                hi_new, lo_new, th_new, tl_new = _extremes(net, t1, n1, t2, n2)
            else:
                hi_new, lo_new, th_new, tl_new = net[t_hi], net[t_lo], t_hi, t_lo
                if t1 >= 0 and n1 > hi_new:
                    hi_new, th_new = n1, t1
                if t1 >= 0 and n1 < lo_new:
                    lo_new, tl_new = n1, t1
                if t2 >= 0 and n2 > hi_new:
                    hi_new, th_new = n2, t2
                if t2 >= 0 and n2 < lo_new:
                    lo_new, tl_new = n2, t2
            pv_new = hi_new - lo_new
        dj = coef[0] * dcost + coef[1] * (var_new - var) + coef[2] * (pv_new - pv)
        if not dj < 0.0:
            continue
        accepted += 1
        # The realised energy changes (clipping may shave the last ulp).
        d1 = _gain(q1, dt, eta_c[u], eta_d[u]) - g1 if t1 >= 0 else 0.0
        d2 = g2 - _gain(q2, dt, eta_c[u], eta_d[u]) if t2 >= 0 else 0.0
        for t in range(first, du):
            if t1 >= 0 and t >= t1:
                E[u, t] += d1
            if t2 >= 0 and t >= t2:
                E[u, t] -= d2
        if t1 >= 0:
            P[u, t1] = q1
            net[t1] = n1
        if t2 >= 0:
            P[u, t2] = q2
            net[t2] = n2
        cost += dcost
        s = s_new
        q = q_new
        var = var_new
        if coef[2] != 0.0:
            pv = pv_new
            t_hi = th_new
            t_lo = tl_new
    return accepted


@njit(parallel=True, cache=True)
def polish_many(
    P,
    base_net,
    a,
    d,
    e0,
    e_lo,
    e_hi,
    e_tgt,
    pc,
    pd,
    eta_c,
    eta_d,
    is_ev,
    buy,
    sell,
    dt,
    deg,
    limit,
    coefs,
    n_moves,
    seeds,
):
    """`polish_one` for schedules P [S, U, T] with coefficients coefs [S, 3], in parallel."""
    for k in prange(P.shape[0]):
        polish_one(
            P[k],
            base_net,
            a,
            d,
            e0,
            e_lo,
            e_hi,
            e_tgt,
            pc,
            pd,
            eta_c,
            eta_d,
            is_ev,
            buy,
            sell,
            dt,
            deg,
            limit,
            coefs[k],
            n_moves,
            seeds[k],
        )


def objectives_reference(net, P, is_ev, buy, sell, dt, deg) -> tuple:
    """Plain-numpy twin of `_objectives`: (cost, sum of net load, sum of its squares,
    peak-to-valley) of one schedule from its net load [T] and unit powers [U, T]."""
    grid = (np.where(net > 0, buy, sell) * net).sum() * dt
    discharge = np.where(P[is_ev] < 0, -P[is_ev], 0.0).sum() * dt
    return grid + deg * discharge, net.sum(), (net * net).sum(), net.max() - net.min()
