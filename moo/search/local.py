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
from dataclasses import dataclass

import moocore
import numpy as np

from models.scenario import Scenario
from moo.kernels.local import polish_many
from moo.problems.baselines import ordered
from moo.search.archive import hv_thinned
from moo.util.lattice import simplex_lattice
from moo.util.normalization import Normalization


@dataclass(frozen=True)
class LocalSearchSettings:
    """The settings every user of the local search shares (fronts: `moo.search.nsga.Memetic`;
    swarms: `moo.search.weighted.LocalSearch`); moves scale with the plugged vehicle-slots
    (``nnz``, plus T for a BESS).

    Seeding: anchors and the simplex lattice of ``divisions``, ``seed_moves_per_var * nnz``
    moves (at most ``seed_moves_max``) per weight vector; with a wall-time budget the
    lattice stops after ``seed_share`` of it. Each generation polishes with
    ``generation_moves_per_var * nnz`` moves. ``enabled=False``: the plain optimiser.
    """

    enabled: bool = True
    divisions: int = 6
    seed_share: float = 0.5
    seed_moves_per_var: float = 500.0
    seed_moves_max: int = 5_000_000
    generation_moves_per_var: float = 50.0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


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
        self.norm = Normalization(np.zeros(3), np.ones(3))  # until the anchors set it

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
        self.norm = Normalization.of_front(F)  # an objective the anchors tie in drops out

    def improve(self, weights: np.ndarray, moves: int, rng: np.random.Generator):
        """Polish the best known point of each weight vector [W, 3]; returns (P, F) new."""
        weights = np.maximum(np.atleast_2d(weights), self.WEIGHT_FLOOR)
        norm = self.norm
        best = np.argmin(norm.scalarized(self.F, weights), axis=1)
        coefs = norm.coefficients(weights)  # [W, 3]
        P = self.polisher.polish(self.P[best], coefs, moves, rng)
        return P, self._add(P)


def local_moves(problem, per_var: float, cap: int | None = None) -> int:
    """Moves for a pass of the local search over one of the encodings' problems: ``per_var``
    per plugged vehicle-slot and BESS slot, at least 1, at most ``cap``."""
    nnz = int(problem.kdata.slot_ptr[-1]) + problem.n_bess
    moves = max(int(per_var * nnz), 1)
    return moves if cap is None else min(moves, cap)


ANCHOR_SHARE = 0.5  # of the seeding time a deadline leaves, for the three anchors
PROBE_MOVES = 20_000  # moves timed to estimate the local search's speed (about 50 ms)


def moves_within(polisher: Polisher, moves: int, seconds: float) -> int:
    """``moves`` capped so that the three anchors (2 x moves each, in parallel) fit in
    ``seconds``, from a timed probe on the starting schedule. The probe has its own random
    stream, so the caller's draws are those of a run without a deadline."""
    start = polisher.start()
    coefs = np.array([[1.0, 1e-3, 1e-3]])  # any weights: only the time per move matters
    polisher.polish(start, coefs, 10, np.random.default_rng(0))  # loads the compiled kernel
    t0 = time.perf_counter()
    polisher.polish(start, coefs, PROBE_MOVES, np.random.default_rng(0))
    per_move = (time.perf_counter() - t0) / PROBE_MOVES
    affordable = int(max(seconds, 0.0) / (2 * 1.5 * max(per_move, 1e-9)))  # 3 units, 2 cores
    return min(moves, max(affordable, PROBE_MOVES))


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
    points are kept). With a ``deadline``, ``moves`` is capped so that the anchors (which
    always run) take about `ANCHOR_SHARE` of the time left (`moves_within`). Returns the
    seeder (its ``P``, ``F`` are the non-dominated points found) and the number of
    local-search moves tried.
    """
    polisher = Polisher(scenario)

    def true_objectives(P):
        return problem.kdata.evaluate(*polisher.split(P))[:, :3]

    max_points = None
    if store_values is not None:
        max_points = max(16, store_values // (polisher.n_units * scenario.slots))
    seeder = FrontSeeder(polisher, true_objectives, max_points)
    if np.isfinite(deadline):
        moves = moves_within(polisher, moves, ANCHOR_SHARE * (deadline - time.perf_counter()))
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
