"""Lower-bound front: an aggregate-flexibility relaxation solved per weight (docs/model.md §10.1).

The vehicles are partitioned into groups (by arrival/departure slot pair; pairs are binned
when there are more than ``groups`` of them). Each group becomes one storage unit of the
exact module's QP (`moo.exact.front.ExactModel` with its own `_Storage`) over the slots
from its first arrival to its last departure:

- per-slot power bounds: the sums of its plugged members' ``Pc`` and ``Pd`` [kW];
- energy bounds after each slot: the sums of its members' *reachable-energy envelopes*
  [kWh] — per vehicle the highest energy full-power charging from arrival reaches (capped
  by its upper SOC bound) and the lowest energy it may hold (its lower SOC bound, full-power
  discharge from arrival, and the energy from which full-power charging still meets its
  effective target); before arrival a vehicle holds its initial energy, after departure
  its energy is somewhere within its departure envelope;
- efficiencies relaxed: the lower-bound recursion uses the group's largest ``ηc`` and
  ``ηd`` (the most energy any member's powers can store), the upper-bound one its smallest
  (the least), and charge and discharge may coexist (the convex hull, as in the exact
  module's relaxation).

The BESS is one unit with the exact module's relaxation; the import limit and the objective
definitions (cost with import/export split, the variance's diagonal quadratic, the
peak-to-valley epigraph) are the exact module's. Every schedule of the model maps to a
point of this QP with the same objectives, so each weighted optimum here is a lower bound
on the true one (the argument is in docs/model.md §10.1).

The bound front: minimise each objective alone (the ideal: certified lower bounds), then
the exact module's lexicographic second stage (the nadir: only a scale), then every weight
of the exact module's simplex lattice. Each weight ``w`` yields a certificate ``b_w``: every
schedule has ``sum_k w_k F̃_k >= b_w`` in the bound's normalisation. The region those
half-spaces and the box ``[0, 1.1]^3`` enclose contains everything the true front dominates
in that box, so its volume (`outer_hypervolume`) bounds the true front's hypervolume from
above; ``HV(run) / outer volume`` is a certified lower bound on the run's HV ratio.

A bound run directory (``meta["kind"] == "bound"``) holds the relaxed points and their
certificates in front.csv and no schedules; it is never a reference or seed for an
optimiser (`moo.rundir.Run.require_schedules`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import clarabel
import numpy as np
import pandas as pd
from scipy import optimize, sparse
from scipy.spatial import ConvexHull, HalfspaceIntersection

from models.errors import InputError
from models.scenario import Scenario
from moo.exact.front import (
    DEFAULT_POINTS,
    LEX_TOL,
    TOL,
    WEIGHT_FLOOR,
    ExactModel,
    _Problem,
    _settings,
    _solved,
    _Storage,
    divisions_for,
    payoff_spread,
)
from moo.problems.objectives import OBJECTIVES, SOC_TOL
from moo.rundir import Run
from moo.rundir.run import BOUND_WEIGHT_COLUMNS as WEIGHT_COLUMNS
from moo.util.lattice import simplex_lattice, spread_order
from moo.util.normalization import HV_REFERENCE, Normalization

DEFAULT_GROUPS = 24  # 100,000 iov vehicles: about 0.4 s per QP; more groups barely tighten it
# Plugged vehicle-slots up to which the auto grouping keeps one group per vehicle: building
# (1,910) and caltech (1,018) in 0.1-0.2 s per QP, qingdao (3,397) in about 1 s, where 24
# groups take 0.05 s but leave a per-weight gap of 0.03; eva (12,281) and iov are grouped.
VEHICLE_SLOTS_MAX = 4_000
CUT_SLOPES = 4  # per group: slopes of the charge/discharge cuts (facets of the exact hull)
CHUNK_VEHICLES = 20_000  # envelopes are built this many vehicles at a time ([n, T] floats)


def vehicle_groups(scenario: Scenario, groups: int | None = None) -> np.ndarray:  # [N]
    """Group index of each vehicle.

    ``groups=None`` (auto): one group per vehicle (the per-vehicle relaxation, the tightest)
    while the fleet has at most `VEHICLE_SLOTS_MAX` plugged vehicle-slots, else
    `DEFAULT_GROUPS` groups as below. An integer: the vehicles' (arrival, departure) slot
    pairs, binned coarser (bins of ``w`` slots for the smallest ``w``) until at most
    ``groups`` groups remain.
    """
    f, t_n = scenario.fleet, scenario.slots
    if groups is None:
        if f.plugged_slots() <= VEHICLE_SLOTS_MAX:
            return np.arange(f.n, dtype=np.int64)
        groups = DEFAULT_GROUPS
    if groups < 1:
        raise InputError(f"groups must be >= 1, got {groups}")
    for width in range(1, t_n + 1):
        key = (f.arrival_slot // width) * (t_n + 1) + (f.departure_slot - 1) // width
        uniq, index = np.unique(key, return_inverse=True)
        if len(uniq) <= groups:
            return split_by_need(scenario, index.astype(np.int64), groups // len(uniq))
    return np.zeros(f.n, np.int64)  # one slot-wide bin holds every vehicle: T >= 1 groups


def split_by_need(scenario: Scenario, group: np.ndarray, parts: int) -> np.ndarray:  # [N]
    """Each group split into up to ``parts`` groups of consecutive energy need: the slots
    of full-power charging its effective target needs, ``(Etgt - E0) / (ηc Pc Δt)`` (a
    group pools its members' envelopes, which is loosest where their needs differ)."""
    if parts <= 1 or len(group) == 0:
        return group
    f = scenario.fleet
    cap = f.capacity_kwh
    gain = f.eta_charge * f.p_charge_max_kw * scenario.dt_h
    need = (np.maximum(f.soc_lower, scenario.effective_target()) - f.soc_init) * cap
    need = need / np.where(gain > 0, gain, 1.0)
    order = np.lexsort((need, group))
    size = np.bincount(group)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    pos = np.empty(len(group), np.int64)
    pos[order] = np.arange(len(group)) - np.repeat(start, size)
    part = pos * parts // size[group]  # quantile of need within the group
    return np.unique(group * parts + part, return_inverse=True)[1].astype(np.int64)


def cut_slopes(scenario: Scenario, group: np.ndarray) -> np.ndarray:  # [G, R]
    """The slopes ``lambda`` of each group's no-simultaneous-charge-and-discharge cuts
    ``lambda c_g + u_g <= sum_i max(lambda Pc_i, Pd_i)`` (docs/model.md §10.1): the distinct
    ratios ``Pd_i / Pc_i`` of its V2G members (the facets of the exact hull), at most
    `CUT_SLOPES` of them (evenly spaced in the sorted list; any slope >= 0 is valid);
    NaN pads a group with fewer."""
    f = scenario.fleet
    g_n = int(group.max()) + 1 if f.n else 0
    out = np.full((g_n, CUT_SLOPES), np.nan)
    v2g = (f.p_discharge_max_kw > 0) & (f.p_charge_max_kw > 0)
    ratio = np.zeros(f.n)
    ratio[v2g] = f.p_discharge_max_kw[v2g] / f.p_charge_max_kw[v2g]
    pairs = np.unique(np.column_stack([group[v2g], ratio[v2g]]), axis=0)  # sorted by group
    if not len(pairs):
        return out
    starts = np.searchsorted(pairs[:, 0], np.arange(g_n))
    ends = np.searchsorted(pairs[:, 0], np.arange(g_n), side="right")
    for g in np.flatnonzero(ends > starts):
        mine = pairs[starts[g] : ends[g], 1]
        pick = np.unique(np.round(np.linspace(0, len(mine) - 1, CUT_SLOPES)).astype(int))
        out[g, : len(pick)] = mine[pick]
    return out


def envelopes(scenario: Scenario, start: int = 0, stop: int | None = None):
    """Reachable-energy envelopes of vehicles ``start:stop`` after every slot [kWh].

    Returns ``(e_lo [n, T], e_hi [n, T])``: in every feasible schedule each vehicle's
    energy after slot t lies in ``[e_lo, e_hi]`` (docs/model.md §10.1). Outside the stay
    they are the initial energy (before) and the departure envelope (after).
    """
    f, dt, t_n = scenario.fleet, scenario.dt_h, scenario.slots
    sl = slice(start, stop)
    a, d = f.arrival_slot[sl, None], f.departure_slot[sl, None]
    cap = f.capacity_kwh[sl, None]
    e0 = f.soc_init[sl, None] * cap
    lower = f.soc_lower[sl, None] * cap
    target = np.maximum(f.soc_lower, scenario.effective_target())[sl, None] * cap
    gain = dt * f.eta_charge[sl, None] * f.p_charge_max_kw[sl, None]  # kWh per slot charging
    loss = dt * f.p_discharge_max_kw[sl, None] / f.eta_discharge[sl, None]
    done = np.clip(np.arange(t_n)[None, :] - a + 1, 0, d - a)  # slots of the stay so far
    e_hi = np.minimum(f.soc_upper[sl, None] * cap, e0 + gain * done)
    e_lo = np.maximum(np.maximum(lower, e0 - loss * done), target - gain * (d - a - done))
    e_lo = np.where(done == 0, e0, e_lo)
    # e_hi >= e_lo holds exactly (the effective target is reachable); rounding may not.
    return e_lo, np.maximum(e_hi, e_lo)


@dataclass(frozen=True)
class Cuts:
    """Rows ``lam * c[k] + u[k] <= rhs`` over storage slots ``k`` (docs/model.md §10.1)."""

    slot: np.ndarray  # [R] storage slot k (a row of `_Storage`; it can discharge)
    lam: np.ndarray  # [R] slope on the charge power
    rhs_kw: np.ndarray  # [R] sum over the plugged members of max(lam Pc_i, Pd_i)


def group_storage(
    scenario: Scenario, group: np.ndarray
) -> tuple[_Storage, np.ndarray, np.ndarray, Cuts]:
    """The groups (and the BESS, last) as storage units of the exact module's QP.

    Returns ``(storage, alpha [K], beta [Kv], cuts)``: the slopes of the upper-bound
    recursion (the groups' smallest efficiencies; the BESS's own) and the
    no-simultaneous-charge-and-discharge cuts of every slot that can discharge.
    """
    f, t_n = scenario.fleet, scenario.slots
    g_n = int(group.max()) + 1 if f.n else 0
    slopes = cut_slopes(scenario, group)  # [G, R]
    names = [f"cut{r}" for r in range(CUT_SLOPES)]
    sums = {k: np.zeros((g_n, t_n)) for k in ("pc", "pd", "lo", "hi", *names)}  # [G, T]
    for start in range(0, f.n, CHUNK_VEHICLES):
        stop = min(f.n, start + CHUNK_VEHICLES)
        gi = group[start:stop]
        onehot = sparse.csr_matrix(
            (np.ones(len(gi)), (gi, np.arange(len(gi)))), shape=(g_n, len(gi))
        )
        t = np.arange(t_n)
        plugged = (t >= f.arrival_slot[start:stop, None]) & (t < f.departure_slot[start:stop, None])
        e_lo, e_hi = envelopes(scenario, start, stop)
        sums["pc"] += onehot @ (plugged * f.p_charge_max_kw[start:stop, None])
        sums["pd"] += onehot @ (plugged * f.p_discharge_max_kw[start:stop, None])
        sums["lo"] += onehot @ e_lo
        sums["hi"] += onehot @ e_hi
        pc, pd = f.p_charge_max_kw[start:stop, None], f.p_discharge_max_kw[start:stop, None]
        lam = np.nan_to_num(slopes[gi])  # [n, R]
        for r, name in enumerate(names):
            sums[name] += onehot @ (plugged * np.maximum(lam[:, r : r + 1] * pc, pd))
    first = np.full(g_n, t_n)
    np.minimum.at(first, group, f.arrival_slot)
    last = np.zeros(g_n, np.int64)
    np.maximum.at(last, group, f.departure_slot - 1)
    e0 = np.bincount(group, f.soc_init * f.capacity_kwh, minlength=g_n)

    eta = {}
    for name, values in (("eta_c", f.eta_charge), ("eta_d", f.eta_discharge)):
        hi, lo = np.full(g_n, -np.inf), np.full(g_n, np.inf)
        np.maximum.at(hi, group, values)
        np.minimum.at(lo, group, values)
        eta[name] = (hi, lo)

    length = last - first + 1
    unit = np.repeat(np.arange(g_n), length)
    slot = np.arange(len(unit)) - np.repeat(np.cumsum(length) - length - first, length)
    cols = {
        "pc": sums["pc"][unit, slot],
        "pd": sums["pd"][unit, slot],
        "eta_c": eta["eta_c"][0][unit],
        "eta_d": eta["eta_d"][0][unit],
        "alpha": eta["eta_c"][1][unit],
        "beta": 1.0 / eta["eta_d"][1][unit],
        "e0": e0[unit],
        "lo": sums["lo"][unit, slot],
        "hi": sums["hi"][unit, slot],
    }
    cut_k, cut_lam, cut_rhs = [], [], []
    for r, name in enumerate(names):
        lam = slopes[unit, r]
        k = np.flatnonzero(np.isfinite(lam) & (cols["pd"] > 0))
        cut_k.append(k)
        cut_lam.append(lam[k])
        cut_rhs.append(sums[name][unit[k], slot[k]])
    is_first, is_last = slot == first[unit], slot == last[unit]
    is_ev = np.ones(len(unit), bool)
    b = scenario.bess
    if b is not None:
        end = np.arange(t_n) == t_n - 1
        bess = {
            "pc": np.full(t_n, b.p_charge_max_kw),
            "pd": np.full(t_n, b.p_discharge_max_kw),
            "eta_c": np.full(t_n, b.eta_charge),
            "eta_d": np.full(t_n, b.eta_discharge),
            "alpha": np.full(t_n, b.eta_charge),
            "beta": np.full(t_n, 1.0 / b.eta_discharge),
            "e0": np.full(t_n, b.soc_init * b.capacity_kwh),
            "lo": np.where(end, max(b.soc_min, b.soc_init), b.soc_min) * b.capacity_kwh,
            "hi": np.full(t_n, b.soc_max * b.capacity_kwh),
        }
        if b.p_charge_max_kw > 0 and b.p_discharge_max_kw > 0:  # c / Pc + u / Pd <= 1
            cut_k.append(len(unit) + np.arange(t_n))
            cut_lam.append(np.full(t_n, b.p_discharge_max_kw / b.p_charge_max_kw))
            cut_rhs.append(np.full(t_n, b.p_discharge_max_kw))
        cols = {k: np.append(v, bess[k]) for k, v in cols.items()}
        unit = np.append(unit, np.full(t_n, g_n))
        slot = np.append(slot, np.arange(t_n))
        is_first = np.append(is_first, np.arange(t_n) == 0)
        is_last = np.append(is_last, end)
        is_ev = np.append(is_ev, np.zeros(t_n, bool))
    bidir = np.flatnonzero(cols["pd"] > 0)
    storage = _Storage(
        unit=unit,
        slot=slot,
        first=is_first,
        last=is_last,
        bidir=bidir,
        p_charge_kw=cols["pc"],
        p_discharge_kw=cols["pd"],
        eta_c=cols["eta_c"],
        eta_d=cols["eta_d"],
        e0_kwh=cols["e0"],
        lo_kwh=cols["lo"],
        hi_kwh=cols["hi"],
        is_ev=is_ev,
    )
    cuts = Cuts(np.concatenate(cut_k), np.concatenate(cut_lam), np.concatenate(cut_rhs))
    return storage, cols["alpha"], cols["beta"][bidir], cuts


class BoundModel:
    """The relaxation of one scenario as a QP, built once and re-solved per weight."""

    def __init__(self, scenario: Scenario, groups: int | None = None, cuts: bool = True):
        """``groups``: `vehicle_groups` (None: auto); ``cuts=False`` leaves out the
        no-simultaneous-charge-and-discharge cuts (the looser relaxation, for comparison)."""
        t0 = time.perf_counter()
        self.scenario = scenario
        self.group = vehicle_groups(scenario, groups)  # [N]
        storage, self.alpha, self.beta, rows = group_storage(scenario, self.group)
        self.model = ExactModel(scenario, storage)
        self.n_cuts = len(rows.slot) if cuts else 0
        if cuts:
            self._add_cuts(rows)
        self._base = self._problem(None)
        self._lp: clarabel.DefaultSolver | None = None
        self.n_solves = 0
        self.build_time_s = time.perf_counter() - t0

    def _add_cuts(self, cuts: Cuts) -> None:
        """Append the cuts to the model's rows (inequalities: after its nonnegative block)."""
        m = self.model
        pos = np.full(m.st.unit.shape, -1)
        pos[m.st.bidir] = np.arange(len(m.st.bidir))  # storage slot -> its u column
        rows = np.arange(len(cuts.slot))
        a = sparse.csc_matrix(
            (
                np.concatenate([cuts.lam, np.ones(len(rows))]),
                (np.concatenate([rows, rows]),
                 np.concatenate([m.c[cuts.slot], m.u[pos[cuts.slot]]])),
            ),
            shape=(len(rows), m.n_vars),
        )
        m.A = sparse.vstack([m.A, a]).tocsc()
        m.b = np.concatenate([m.b, cuts.rhs_kw])
        m.n_nonneg += len(rows)

    @property
    def n_groups(self) -> int:
        return int(self.group.max()) + 1 if len(self.group) else 0

    def _problem(self, extra) -> _Problem:
        """A solver over the model's rows (plus ``extra = (A, b, cones)`` rows)."""
        m = self.model
        if extra is None:
            a, b, cones = m.A.copy(), m.b, m._cones()
        else:
            a = sparse.vstack([m.A, extra[0]]).tocsc()
            b, cones = np.concatenate([m.b, extra[1]]), m._cones() + extra[2]
        prob = _Problem(m, a, b, cones)
        prob.set_slopes(self.alpha, self.beta)
        return prob

    def minimise(self, coef, cap: tuple[int, float] | None = None) -> tuple[float, np.ndarray]:
        """``(lower bound on min sum_k coef_k F_k, objectives [3] of the relaxed optimum)``;
        ``cap = (k, bound)`` adds ``F_k <= bound``. The bound is the smaller of Clarabel's
        primal and dual objective values. The optimum itself is kept in ``self.last_x``."""
        prob = self._base if cap is None else self._problem(self.model._cap_rows(*cap))
        prob.set_objective(np.asarray(coef, float))
        sol = self._solve(prob.solver, prob is self._base)
        value = min(float(sol.obj_val), float(sol.obj_val_dual)) / prob.sigma
        self.last_x = np.asarray(sol.x)
        return value, self.objectives(self.last_x)

    def minimise_linear(self, q: np.ndarray) -> float:
        """Lower bound on ``min q . x`` over the relaxation (peak and peak-share bounds)."""
        if self._lp is None:
            n = self.model.n_vars
            self._lp = clarabel.DefaultSolver(
                sparse.csc_matrix((n, n)), q, self._base.a, self.model.b, self.model._cones(),
                _settings(),
            )
        else:
            self._lp.update(q=q)
        sol = self._solve(self._lp, True)
        return min(float(sol.obj_val), float(sol.obj_val_dual))

    def _solve(self, solver: clarabel.DefaultSolver, base: bool):
        self.n_solves += 1
        sol = solver.solve()
        if base and sol.status == clarabel.SolverStatus.PrimalInfeasible:
            limit = self.scenario.grid.import_limit_kw
            raise InputError(
                f"import_limit_kw {limit:g} is too low: even the aggregate relaxation, which "
                "every schedule satisfies, has no feasible point"
            )
        if not _solved(sol.status):
            raise RuntimeError(f"bound: Clarabel status {sol.status}")
        return sol

    def profiles(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Aggregate powers of a relaxed point: the fleet's EV power [T] and the BESS's [T]
        (kW, charge positive; zeros without a BESS)."""
        st, t_n = self.model.st, self.scenario.slots
        p = x[self.model.c].copy()
        p[st.bidir] -= x[self.model.u]
        ev, bess = np.zeros(t_n), np.zeros(t_n)
        np.add.at(ev, st.slot[st.is_ev], p[st.is_ev])
        np.add.at(bess, st.slot[~st.is_ev], p[~st.is_ev])
        return ev, bess

    def objectives(self, x: np.ndarray) -> np.ndarray:  # [3] cost, variance, peak_valley
        """Objectives of a relaxed point from its net load, as `moo.problems.objectives`."""
        m, sc = self.model, self.scenario
        net = x[m.net]  # [T] kW
        g = sc.grid
        cost = sc.dt_h * (np.maximum(net, 0) @ g.price_buy - np.maximum(-net, 0) @ g.price_sell)
        cost += m.q_cost[m.u] @ x[m.u]  # degradation of the groups' discharge
        return np.array([cost, net.var(), net.max() - net.min()])

    def lowest_peak_kw(self) -> float:
        """Lower bound on the peak net load of every schedule."""
        q = np.zeros(self.model.n_vars)
        q[self.model.peak] = 1.0
        return self.minimise_linear(q)

    def lowest_peak_share(self) -> float:
        """Lower bound on ``(peak - valley) / peak`` of every schedule with a positive peak.

        A linear-fractional program, made one LP by Charnes and Cooper's substitution
        ``z = x / M``, ``s = 1 / M``: ``A z - b s`` in the model's cones, ``s >= 0``,
        ``z_M = 1``; minimise ``z_M - z_m``. The relaxation is bounded, so ``s > 0`` at every
        feasible point. NaN when no point of the relaxation has a positive peak.
        """
        m = self.model
        n = m.n_vars
        a = sparse.vstack([
            sparse.hstack([self._base.a, sparse.csc_matrix(-m.b[:, None])]),
            sparse.csc_matrix(([1.0], ([0], [m.peak])), shape=(1, n + 1)),
            sparse.csc_matrix(([-1.0], ([0], [n])), shape=(1, n + 1)),
        ]).tocsc()
        b = np.concatenate([np.zeros(len(m.b)), [1.0, 0.0]])
        cones = [clarabel.ZeroConeT(m.n_zero), clarabel.NonnegativeConeT(m.n_nonneg),
                 clarabel.ZeroConeT(1), clarabel.NonnegativeConeT(1)]
        q = np.zeros(n + 1)
        q[m.peak], q[m.valley] = 1.0, -1.0
        solver = clarabel.DefaultSolver(sparse.csc_matrix((n + 1, n + 1)), q, a, b, cones,
                                        _settings())
        self.n_solves += 1
        sol = solver.solve()
        if not _solved(sol.status):
            return float("nan")
        return min(float(sol.obj_val), float(sol.obj_val_dual))


def highest_satisfaction(scenario: Scenario) -> float:
    """Upper bound on the share of vehicles meeting their requested target (§5): those whose
    highest reachable departure energy reaches it."""
    f = scenario.fleet
    if f.n == 0:
        return 1.0
    met = 0
    for start in range(0, f.n, CHUNK_VEHICLES):
        stop = min(f.n, start + CHUNK_VEHICLES)
        _, e_hi = envelopes(scenario, start, stop)
        soc = e_hi[:, -1] / f.capacity_kwh[start:stop]
        met += int(np.count_nonzero(soc >= f.soc_target[start:stop] - SOC_TOL))
    return met / f.n


@dataclass
class BoundFront:
    """The lower-bound front of a scenario: relaxed optima, their certificates, diagnostics."""

    objectives: np.ndarray  # [W, 3] relaxed optimum of each lattice weight (raw units)
    weights: np.ndarray  # [W, 3] the weights solved (edges floored), normalised objectives
    bound: np.ndarray  # [W] every schedule has sum_k w_k F̃_k >= bound (normalised units)
    anchors: np.ndarray  # [3, 3] lexicographic anchors of the relaxation (raw units)
    ideal: np.ndarray  # [3] certified lower bounds on each objective
    nadir: np.ndarray  # [3] largest anchor value: the scale of the normalisation
    column_bounds: dict  # bounds on report columns (min_* lower, max_* upper bounds)
    outer_hv: float  # volume the certificates leave in [0, 1.1]^3: HV of the true front <=
    points: int
    divisions: int
    groups: int | None  # groups asked for (None: auto, `vehicle_groups`)
    n_groups: int  # groups used
    n_qp: int
    build_time_s: float
    solve_time_s: float
    n_variables: int
    n_constraints: int
    ev_kw: np.ndarray | None = None  # [W, T] fleet EV power of each relaxed optimum (seeding)
    bess_kw: np.ndarray | None = None  # [W, T] BESS power of each relaxed optimum

    @property
    def normalization(self) -> Normalization:
        return Normalization(self.ideal, self.nadir)

    def certificate(self) -> Certificate:
        """The certificates of this front, as a bound run's `Certificate.of` reads them."""
        return Certificate("", self.normalization, self.weights, self.bound, self.outer_hv)

    def table(self) -> pd.DataFrame:
        """front.csv of the bound run: one row per lattice weight."""
        frame = pd.DataFrame(self.objectives, columns=list(OBJECTIVES))
        frame.insert(0, "solution", np.arange(len(frame)))
        for k, name in enumerate(WEIGHT_COLUMNS):
            frame[name] = self.weights[:, k]
        frame["bound"] = self.bound
        return frame

    def meta(self) -> dict:
        return {
            "normalization": {"ideal": self.ideal.tolist(), "nadir": self.nadir.tolist()},
            "bound": {
                "outer_hv": self.outer_hv,
                "hv_reference": HV_REFERENCE,
                "anchors": self.anchors.tolist(),
                "column_bounds": self.column_bounds,
                "n_groups": self.n_groups,
                "n_qp": self.n_qp,
                "n_variables": self.n_variables,
                "n_constraints": self.n_constraints,
                "build_time_s": self.build_time_s,
                "solve_time_s": self.solve_time_s,
            },
        }

    def text(self) -> str:
        """What the `bound` command prints."""
        lines = [
            f"{len(self.bound)} weight vectors (H = {self.divisions}), {self.n_groups} groups, "
            f"{self.n_qp} QPs ({self.n_variables} variables) in "
            f"{self.build_time_s + self.solve_time_s:.1f} s; outer hypervolume "
            f"{self.outer_hv:.6g}"
        ]
        lines += [f"{name} {value:,.6g}" for name, value in self.column_bounds.items()]
        return "\n".join(lines)

    def parameters(self) -> dict:
        return {
            "points": self.points,
            "divisions": self.divisions,
            "groups": self.groups,
            "weight_floor": WEIGHT_FLOOR,
            "lexicographic_tol": LEX_TOL,
            "solver": f"clarabel {clarabel.__version__}",
            "tol_gap": TOL,
            "tol_feas": TOL,
        }


def bound_front(
    scenario: Scenario,
    points: int = DEFAULT_POINTS,
    groups: int | None = None,
    deadline: float = np.inf,
    columns: bool = True,
    cuts: bool = True,
) -> BoundFront:
    """Anchors and the simplex lattice of the exact module, solved on the relaxation.

    The relaxed optima's aggregate powers come along (``ev_kw``, ``bess_kw``: what
    `moo.search.nsga` rounds into seeds of the aggregate encoding). With a ``deadline``
    (``time.perf_counter()`` value) the lattice stops there: fewer weights, fewer
    certificates, each still valid; the weights are solved in farthest-point order
    (`moo.util.lattice.spread_order`), so those solved cover the simplex, and returned in
    lattice order. ``columns=False`` skips the column bounds (seeding needs none);
    ``cuts=False`` solves the looser relaxation without the charge/discharge cuts.
    """
    h = divisions_for(points)
    model = BoundModel(scenario, groups, cuts)
    t0 = time.perf_counter()
    stage1 = []
    for k in range(3):
        stage1.append(model.minimise(np.eye(3)[k]))
        stage1[-1] += (model.profiles(model.last_x),)
    best = np.array([value for value, *_ in stage1])  # certified minima
    payoff = np.array([f for _, f, _ in stage1])  # [anchor, objective]
    spread = payoff_spread(best, payoff)
    anchors = []
    for k in range(3):
        coef = np.where(np.arange(3) == k, 0.0, 1.0 / spread)
        try:
            anchors.append(model.minimise(coef, cap=(k, payoff[k, k] + LEX_TOL * spread[k]))[1])
        except RuntimeError:  # the capped QP can fail numerically; the first stage stands
            anchors.append(payoff[k])
    anchors = np.array(anchors)  # [3, 3]
    ideal = np.minimum(best, payoff.min(axis=0))
    nadir = np.maximum(anchors.max(axis=0), ideal)
    norm = Normalization(ideal, nadir)

    lattice = simplex_lattice(h)
    order = spread_order(lattice) if np.isfinite(deadline) else np.arange(len(lattice))
    solved = {}  # lattice index -> (weights, certificate, objectives, profiles)
    for i in order:
        w = lattice[i]
        if np.count_nonzero(w) == 1:  # a vertex: its single-objective minimum
            k = int(np.argmax(w))
            value, f, profile = stage1[k]
            coef = np.eye(3)[k] * norm.coefficients(w)[k]
            value *= coef[k]
        elif time.perf_counter() >= deadline:
            continue
        else:
            w = np.maximum(w, WEIGHT_FLOOR)
            w = w / w.sum()
            coef = norm.coefficients(w)
            value, f = model.minimise(coef)
            profile = model.profiles(model.last_x)
        solved[int(i)] = (w, value - coef @ ideal, f, profile)
    weights, values, points_f, powers = zip(*(solved[i] for i in sorted(solved)), strict=True)
    weights_a, values_a = np.array(weights), np.array(values)
    column_bounds = {
        "min_cost": float(best[0]),
        "min_variance": float(best[1]),
        "min_std_kw": float(np.sqrt(max(best[1], 0.0))),
        "min_peak_valley": float(best[2]),
    }
    if columns:
        column_bounds.update(
            min_peak_kw=model.lowest_peak_kw(),
            min_peak_valley_pct=100.0 * model.lowest_peak_share(),
            max_satisfaction=highest_satisfaction(scenario),
        )
    return BoundFront(
        objectives=np.array(points_f),
        weights=weights_a,
        bound=values_a,
        anchors=anchors,
        ideal=ideal,
        nadir=nadir,
        column_bounds=column_bounds,
        outer_hv=outer_hypervolume(weights_a, values_a),
        points=points,
        divisions=h,
        groups=groups,
        n_groups=model.n_groups,
        n_qp=model.n_solves,
        build_time_s=model.build_time_s,
        solve_time_s=time.perf_counter() - t0,
        n_variables=model.model.shape[0],
        n_constraints=model.model.shape[1],
        ev_kw=np.array([ev for ev, _ in powers]),
        bess_kw=np.array([b for _, b in powers]),
    )


def outer_hypervolume(weights: np.ndarray, bound: np.ndarray) -> float:
    """Volume of ``{y in [0, HV_REFERENCE]^K : weights @ y >= bound}``: an upper bound on the
    hypervolume of every front the certificates hold for (same normalisation, reference)."""
    weights = np.asarray(weights, float)
    k = weights.shape[1]
    eye = np.eye(k)
    # Half-spaces as rows [a, c] meaning a . y + c <= 0.
    hs = np.vstack([
        np.hstack([-weights, np.asarray(bound, float)[:, None]]),
        np.hstack([eye, np.full((k, 1), -HV_REFERENCE)]),
        np.hstack([-eye, np.zeros((k, 1))]),
    ])
    # Chebyshev centre: an interior point (and whether the region has any volume).
    norms = np.linalg.norm(hs[:, :-1], axis=1)
    res = optimize.linprog(
        np.append(np.zeros(k), -1.0),
        A_ub=np.hstack([hs[:, :-1], norms[:, None]]),
        b_ub=-hs[:, -1],
        bounds=[(None, None)] * k + [(0.0, None)],
    )
    if not res.success or res.x[-1] < 1e-9:
        return 0.0
    inter = HalfspaceIntersection(hs, res.x[:-1])
    return float(ConvexHull(inter.intersections).volume)


@dataclass(frozen=True)
class Certificate:
    """The certificates of a bound run, in its normalisation."""

    path: str
    normalization: Normalization
    weights: np.ndarray  # [W, 3]
    bound: np.ndarray  # [W] every schedule has weights[w] . F̃ >= bound[w]
    outer_hv: float  # upper bound on the true front's hypervolume

    @classmethod
    def of(cls, run: Run) -> Certificate:
        run.require_bound()  # read_run checked its normalisation and columns
        weights = run.front[list(WEIGHT_COLUMNS)].to_numpy()
        bound = run.front["bound"].to_numpy()
        return cls(
            str(run.path),
            run.normalization,
            weights,
            bound,
            outer_hypervolume(weights, bound),
        )

    def certify(self, objectives) -> dict:
        """Certified quality of a set of schedules' objectives [S, 3] (raw units).

        ``hv``: their hypervolume in the bound's normalisation; ``certified_hv_ratio`` =
        hv / `outer_hv` <= their true HV ratio against the (unknown) true front;
        ``certified_gap``: the largest over lattice weights of (best weighted normalised
        score among them minus the certificate) >= their true gap for that weight.
        """
        f = np.atleast_2d(np.asarray(objectives, float))
        hv = self.normalization.hypervolume(f) if len(f) else 0.0
        if len(f):
            gaps = self.gaps(f)
            worst = int(np.argmax(gaps))
            gap, weights = float(gaps[worst]), self.weights[worst].tolist()
        else:
            gap, weights = float("nan"), None
        return {
            "hv": hv,
            "certified_hv_ratio": hv / self.outer_hv if self.outer_hv > 0 else float("nan"),
            "certified_gap": gap,
            "worst_gap_weights": weights,
        }

    def gaps(self, objectives) -> np.ndarray:  # [W]
        """Per lattice weight: the best weighted normalised score among the schedules'
        objectives [S, 3] (raw units, S >= 1) minus the certificate; >= their true gap."""
        f = np.atleast_2d(np.asarray(objectives, float))
        return self.normalization.scalarized(f, self.weights).min(axis=1) - self.bound
