"""Problem-specific local search: energy-shift moves on per-vehicle schedules (memetic polish).

A schedule is a power matrix over *units* — the vehicles plus, if present, the BESS as the
last unit (plugged in all day, its initial energy as the departure floor: the cyclic
condition). A move takes one unit and two slots of its stay and shifts ``eps`` kWh of
battery-side energy from one slot to the other: more charge (or less discharge) in slot
``t1``, less charge (or more discharge) in slot ``t2``. The departure energy is unchanged,
the energy path between the two slots moves by ``eps``, so a move is feasible exactly when
the powers stay in ``[-Pd, Pc]``, the path stays in the SOC bounds and the net load stays
under the import limit — all checked before the move is made, so a feasible schedule stays
feasible. Moves are accepted when they lower the weighted objective
``sum_k coef_k F_k`` (first improvement); each move's change is computed in O(T).

Per vehicle these exchanges are the cycles of a storage flow problem, so a schedule no move
improves is optimal for each vehicle given the others (block coordinate descent on a convex
objective). It is a heuristic for the fleet as a whole — the yardstick, `moo.exact.front`, is not
used. Half of the moves are targeted: from the unit's highest-net slot to its lowest (what
flattening needs); the others pick random slot pairs (what the tariff needs).

Randomness: a xorshift64* stream per call seeded from the caller's generator, so results
are deterministic per seed whatever the thread count.
"""

from __future__ import annotations

import time

import moocore
import numpy as np
from numba import njit, prange

from models.scenario import Scenario
from moo.problems.baselines import ordered
from moo.search.archive import hv_thinned
from moo.util.lattice import simplex_lattice
from moo.util.normalization import Normalization

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


class Polisher:
    """The units of a scenario (vehicles, then the BESS) and the local search over them."""

    def __init__(self, scenario: Scenario):
        f, dt, t_count = scenario.fleet, scenario.dt_h, scenario.slots
        cap = f.capacity_kwh
        b = scenario.bess
        self.scenario = scenario
        self.n_ev = f.n
        self.has_bess = b is not None
        extra = 1 if self.has_bess else 0

        def cat(ev_values, bess_value):
            vals = np.asarray(ev_values, dtype=np.float64)
            return np.ascontiguousarray(np.concatenate([vals, [bess_value]] if extra else [vals]))

        self.a = np.concatenate([f.arrival_slot, [0] * extra]).astype(np.int64)
        self.d = np.concatenate([f.departure_slot, [t_count] * extra]).astype(np.int64)
        self.e0 = cat(f.soc_init * cap, b.soc_init * b.capacity_kwh if b else 0.0)
        self.e_lo = cat(f.soc_lower * cap, b.soc_min * b.capacity_kwh if b else 0.0)
        self.e_hi = cat(f.soc_upper * cap, b.soc_max * b.capacity_kwh if b else 0.0)
        self.e_tgt = cat(scenario.effective_target() * cap, self.e0[-1] if b else 0.0)
        self.pc = cat(f.p_charge_max_kw, b.p_charge_max_kw if b else 0.0)
        self.pd = cat(f.p_discharge_max_kw, b.p_discharge_max_kw if b else 0.0)
        self.eta_c = cat(f.eta_charge, b.eta_charge if b else 1.0)
        self.eta_d = cat(f.eta_discharge, b.eta_discharge if b else 1.0)
        self.is_ev = np.concatenate([np.ones(f.n, bool), np.zeros(extra, bool)])
        g = scenario.grid
        self.base_net = np.ascontiguousarray(g.net_base_kw, dtype=np.float64)
        self.buy = np.ascontiguousarray(g.price_buy, dtype=np.float64)
        self.sell = np.ascontiguousarray(g.price_sell, dtype=np.float64)
        self.dt = float(dt)
        self.deg = float(scenario.degradation_cost_per_kwh)
        self.limit = np.inf if g.import_limit_kw is None else float(g.import_limit_kw)
        self.n_units = f.n + extra

    def units(self, ev_power: np.ndarray, bess_power: np.ndarray | None) -> np.ndarray:
        """Stack schedules ev [S, N, T] and bess [S, T] into units [S, U, T]."""
        if not self.has_bess:
            return np.ascontiguousarray(ev_power, dtype=np.float64)
        b = np.zeros(ev_power.shape[::2]) if bess_power is None else bess_power
        return np.ascontiguousarray(np.concatenate([ev_power, b[:, None, :]], axis=1))

    def split(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Units [S, U, T] back to ev [S, N, T] and bess [S, T] (None without a BESS)."""
        if not self.has_bess:
            return P, None
        return P[:, : self.n_ev], P[:, self.n_ev]

    def polish(
        self, P: np.ndarray, coefs: np.ndarray, n_moves: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Polished copies of units P [S, U, T] for objective coefficients coefs [S, 3]."""
        P = np.array(P, dtype=np.float64, order="C", copy=True)
        coefs = np.ascontiguousarray(np.broadcast_to(coefs, (P.shape[0], 3)), dtype=np.float64)
        seeds = rng.integers(1, 2**62, size=P.shape[0]).astype(np.uint64)
        polish_many(
            P,
            self.base_net,
            self.a,
            self.d,
            self.e0,
            self.e_lo,
            self.e_hi,
            self.e_tgt,
            self.pc,
            self.pd,
            self.eta_c,
            self.eta_d,
            self.is_ev,
            self.buy,
            self.sell,
            self.dt,
            self.deg,
            self.limit,
            coefs,
            int(n_moves),
            seeds,
        )
        return P

    def start(self) -> np.ndarray:
        """A feasible starting schedule: ordered charging, BESS idle; units [1, U, T]."""
        return self.units(ordered(self.scenario)[None], None)


class FrontSeeder:
    """Weighted-sum local search over a lattice of weights: heuristic front points.

    Anchors first (each objective alone, with a floor weight on the others as a tie-break),
    from ordered charging; they give the normalisation (ideal, nadir). Then each lattice
    weight starts from the best point found so far for that weight. ``moves`` is per
    weight vector; the anchors get twice as many.
    """

    WEIGHT_FLOOR = 1e-3

    def __init__(self, polisher: Polisher, evaluate_units, max_points: int | None = None):
        """``max_points``: the store of polished schedules (each N x T) is thinned to that
        many by hypervolume contribution (extremes kept), so memory stays bounded."""
        self.polisher = polisher
        self.max_points = max_points
        self.evaluate_units = evaluate_units  # units [S, U, T] -> objectives [S, 3]
        self.P = np.zeros((0, polisher.n_units, polisher.scenario.slots))
        self.F = np.zeros((0, 3))
        self.ideal = np.zeros(3)
        self.nadir = np.ones(3)

    def _add(self, P: np.ndarray) -> np.ndarray:
        F = self.evaluate_units(P)
        P_all = np.concatenate([self.P, P])
        F_all = np.vstack([self.F, F])
        keep = np.flatnonzero(moocore.is_nondominated(F_all, keep_weakly=False))
        if self.max_points is not None and len(keep) > self.max_points:
            lo, hi = F_all[keep].min(axis=0), F_all[keep].max(axis=0)
            keep = keep[hv_thinned(F_all[keep], self.max_points, lo, hi)]
        self.P, self.F = P_all[keep], F_all[keep]
        return F

    def anchors(self, moves: int, rng: np.random.Generator) -> None:
        p0 = self.polisher.start()
        f0 = self.evaluate_units(p0)[0]
        scale = np.maximum(np.abs(f0), 1e-9)
        coefs = np.maximum(np.eye(3), self.WEIGHT_FLOOR) / scale
        F = self._add(self.polisher.polish(np.repeat(p0, 3, axis=0), coefs, 2 * moves, rng))
        self.ideal, self.nadir = F.min(axis=0), F.max(axis=0)
        self.nadir = np.where(self.nadir > self.ideal, self.nadir, self.ideal + 1.0)

    def improve(self, weights: np.ndarray, moves: int, rng: np.random.Generator):
        """Polish the best known point of each weight vector [W, 3]; returns (P, F) new."""
        weights = np.maximum(np.atleast_2d(weights), self.WEIGHT_FLOOR)
        norm = Normalization(self.ideal, self.nadir)
        best = np.argmin(norm.scalarized(self.F, weights), axis=1)
        coefs = np.array([norm.coefficients(w) for w in weights])
        P = self.polisher.polish(self.P[best], coefs, moves, rng)
        return P, self._add(P)


def local_moves(problem, per_var: float, cap: int | None = None) -> int:
    """Moves for a pass of the local search over one of the encodings' problems: ``per_var``
    per plugged vehicle-slot and BESS slot, at least 1, at most ``cap``."""
    nnz = int(problem.kdata.slot_ptr[-1]) + problem.n_bess
    moves = max(int(per_var * nnz), 1)
    return moves if cap is None else min(moves, cap)


def seed_lattice(
    problem,
    scenario: Scenario,
    divisions: int,
    moves: int,
    rng: np.random.Generator,
    deadline: float = np.inf,
    store_values: int | None = None,
) -> tuple[FrontSeeder, int]:
    """The weighted-sum local search over the lattice: anchors, then every interior weight
    of `simplex_lattice` in pairs (one per core) until ``deadline`` (perf_counter seconds).

    ``problem`` is one of the encodings' problems; its kernel data evaluates the polished
    schedules; ``store_values`` bounds the seeder's store of schedules (floats; at least 16
    points are kept). Returns the seeder (its ``P``, ``F`` are the non-dominated points found) and
    the number of local-search moves tried.
    """
    polisher = Polisher(scenario)

    def true_objectives(P):
        return problem.kdata.evaluate(*polisher.split(P))[:, :3]

    max_points = None
    if store_values is not None:
        max_points = max(16, store_values // (polisher.n_units * scenario.slots))
    seeder = FrontSeeder(polisher, true_objectives, max_points)
    seeder.anchors(moves, rng)
    n_moves = 3 * 2 * moves
    lattice = simplex_lattice(divisions, vertices_first=True)
    lattice = lattice[np.count_nonzero(lattice, axis=1) > 1]
    for k in range(0, len(lattice), 2):
        if time.perf_counter() > deadline:
            break
        seeder.improve(lattice[k : k + 2], moves, rng)
        n_moves += moves * len(lattice[k : k + 2])
    return seeder, n_moves
