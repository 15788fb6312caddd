"""Exact reference front: the model as conic QPs solved with Clarabel (docs/model.md §10).

Formulation, built once per scenario with scipy.sparse; each solve changes only the data
(q, the diagonal of P, and the slopes below), never the sparsity. EVs and the BESS are
storage units; for every plugged slot ``k`` of a unit (the BESS is plugged all day):

- charge ``c[k]`` in [0, Pc] and, where Pd > 0, discharge ``u[k]`` in [0, Pd]; the grid-side
  power is ``p = c - u``;
- energy after the slot, twice: ``e[k] = e[k-1] + dt*(ηc*c - u/ηd)`` (``e`` before the stay
  is ``soc_init*capacity``) with the lower bounds, ``min(soc_min, soc_init)*capacity`` and,
  after the last slot, the effective target (EV) or the initial energy (BESS, cyclic); and
  ``h[k] = h[k-1] + dt*(α[k]*c - β[k]*u)`` with the upper bounds ``max(soc_max,
  soc_init)*capacity`` (BESS: ``soc_max``);
- ``net[t] = base - pv + sum_k (c - u)``; ``imp - exp = net``, imp, exp >= 0 (cost
  ``dt*sum(buy*imp - sell*exp) + deg*dt*sum(EV u)``, exact at the optimum as buy >= sell);
  ``M >= net >= m`` (peak-to-valley ``M - m``); ``y = net - mu``, ``mu = mean(net)``: the
  variance ``(1/T)*sum(y^2)`` is a diagonal quadratic; ``net <= import_limit_kw`` if set.
  imp, exp, M and m are boxed by the largest |net| any schedule reaches, so the feasible set
  is bounded whatever the weights.

The model (docs/model.md) is not convex: with efficiencies below 1 a battery's energy is a concave
function of its power, so its upper SOC bound is a non-convex constraint. The convex
relaxation (``α = ηc``, ``β = 1/ηd``: ``h = e``) lets one battery charge and discharge in the
same slot and so burn energy. That costs money, so cost-driven optima never do it and the
relaxation is then exact (the schedule is provably optimal), but variance or peak-to-valley
optima may use a full battery as a load that way, which one power per slot cannot do. Then
convex-concave rounds follow: the upper bounds are put on the tangent of each slot's energy
at the current power (``α = β = ηc`` where it charges or idles, ``1/ηd`` where it
discharges), a convex restriction of the model that contains the current schedule, so
each round is feasible and no worse; they stop when no slot changes direction. The result
is a local optimum of the model (docs/model.md); the relaxed optimum stays a lower bound and the gap
is reported (``relaxation_gap``, for the front ``max_relaxation_gap`` in normalised units).
Against a MILP, the building preset's peak-to-valley anchor is the global optimum (229.2207
kW; relaxation bound 220.84); tiny random cases sometimes stop a few per cent above it.

Schedules are ``p = c - u`` clipped to the power limits (solver noise) and pass
`moo.problems.feasibility.check`; a weight vector without a feasible schedule is dropped and listed.
Clarabel runs with gap and feasibility tolerances of 1e-9 and the objective scaled so its
largest coefficient is 1 (tiny coefficients made it stop far from the optimum).

The front: lexicographic anchors first (minimise F_k; then, with F_k held within 1e-6 of its
payoff-table range above that minimum, minimise the other two normalised by their ranges)
give the ideal and an approximate nadir; then every weight vector of a simplex lattice with
H divisions, ``(H+1)(H+2)/2`` vectors, minimises ``sum_k w_k F̃_k`` with ``F̃_k = (F_k -
ideal_k) / (nadir_k - ideal_k)``. ``points`` is the number of weight vectors asked for; H is
the largest lattice that does not exceed it (66: H = 10). The lattice's vertices are the
anchors; weights on its edges get a floor of 1e-4 so every optimum is Pareto optimal. Points
equal within 1e-8 (relative) are merged and the non-dominated set returned; its column
minimum and maximum are the ideal and nadir recorded in the run directory.

Cost: per QP about 0.1-0.3 s for building (50 EVs x 96 slots), 0.3-0.6 s for qingdao (500 x
12), 10-25 s for iov (1000 x 96, 150 000 variables); a front needs about 1.5 QPs per point.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import clarabel
import moocore
import numpy as np
from scipy import sparse

from models.errors import InputError
from models.scenario import Scenario
from moo.problems import feasibility
from moo.problems.objectives import OBJECTIVES, evaluate
from moo.util.lattice import simplex_lattice
from moo.util.normalization import Normalization

DEFAULT_POINTS = 66  # 10 lattice divisions
TOL = 1e-9  # Clarabel's gap and feasibility tolerances
WEIGHT_FLOOR = 1e-4
LEX_TOL = 1e-6  # stage-2 slack on the anchor objective, relative to its payoff range
SIMULTANEOUS_KW = 1e-6  # c and u both above this in one slot count as simultaneous
MAX_CCP_ROUNDS = 10
DUPLICATE_TOL = 1e-8  # relative distance under which two points are one


def _settings() -> clarabel.DefaultSettings:
    s = clarabel.DefaultSettings()
    s.verbose = False
    # Data updates (q, P, A) need the problem exactly as given.
    s.presolve_enable = False
    s.input_sparse_dropzeros = False
    s.tol_gap_abs = TOL
    s.tol_gap_rel = TOL
    s.tol_feas = TOL
    s.tol_ktratio = 1e-8
    s.max_iter = 400
    return s


@dataclass
class _Rows:
    """COO triplets of one block of constraint rows ``A x + s = b``."""

    rows: list = field(default_factory=list)
    cols: list = field(default_factory=list)
    vals: list = field(default_factory=list)
    b: list = field(default_factory=list)
    n: int = 0

    def add(self, count: int, entries, rhs) -> np.ndarray:
        """Append ``count`` rows; ``entries`` is a list of (row offsets, columns, values)."""
        base = self.n
        for r, c, v in entries:
            r, c = np.broadcast_arrays(np.asarray(r), np.asarray(c))
            self.rows.append(base + r.ravel())
            self.cols.append(c.ravel())
            self.vals.append(np.broadcast_to(np.asarray(v, float), r.shape).ravel())
        self.b.append(np.broadcast_to(np.asarray(rhs, float), (count,)))
        self.n += count
        return base + np.arange(count)


@dataclass
class Solution:
    """One solved weight vector: the schedule, its model objectives and solver diagnostics."""

    ev_power: np.ndarray  # [N, T] kW
    bess_power: np.ndarray | None  # [T] kW
    objectives: np.ndarray  # [3] cost, variance, peak_valley (moo.problems.objectives.evaluate)
    feasible: bool
    value: float  # the scalarised objective sum_k coef_k F_k of the schedule
    relaxation_gap: float  # value minus the relaxed optimum (a lower bound); 0: exact
    solve_time_s: float
    violations: tuple[str, ...] = ()


@dataclass
class _Storage:
    """EVs and the BESS as one list of storage units, each with its plugged slots."""

    unit: np.ndarray  # [K] unit of each plugged slot (vehicle-major, t ascending)
    slot: np.ndarray  # [K] time slot
    first: np.ndarray  # [K] bool: first slot of the unit's stay
    last: np.ndarray  # [K] bool: last slot of the stay
    bidir: np.ndarray  # [Kv] plugged slots that can discharge (Pd > 0)
    p_charge_kw: np.ndarray  # [K]
    p_discharge_kw: np.ndarray  # [K]
    eta_c: np.ndarray  # [K]
    eta_d: np.ndarray  # [K]
    e0_kwh: np.ndarray  # [K] energy before the stay
    lo_kwh: np.ndarray  # [K] lower energy bound after the slot (target / cyclic at the end)
    hi_kwh: np.ndarray  # [K] upper energy bound after the slot
    is_ev: np.ndarray  # [K] bool: degradation cost applies

    @classmethod
    def of(cls, scenario: Scenario) -> _Storage:
        f, t_n = scenario.fleet, scenario.slots
        cap = f.capacity_kwh
        cols = {
            "pc": f.p_charge_max_kw,
            "pd": f.p_discharge_max_kw,
            "eta_c": f.eta_charge,
            "eta_d": f.eta_discharge,
            "e0": f.soc_init * cap,
            "lo": f.soc_lower * cap,
            "lo_last": np.maximum(f.soc_lower, scenario.effective_target()) * cap,
            "hi": f.soc_upper * cap,
        }
        plugged = f.plugged()  # [N, T]
        first_slot, last_slot = f.arrival_slot, f.departure_slot - 1
        is_ev = np.ones(f.n, bool)
        b = scenario.bess
        if b is not None:
            bess = {
                "pc": b.p_charge_max_kw,
                "pd": b.p_discharge_max_kw,
                "eta_c": b.eta_charge,
                "eta_d": b.eta_discharge,
                "e0": b.soc_init * b.capacity_kwh,
                "lo": b.soc_min * b.capacity_kwh,
                "lo_last": max(b.soc_min, b.soc_init) * b.capacity_kwh,  # cyclic end
                "hi": b.soc_max * b.capacity_kwh,
            }
            cols = {k: np.append(v, bess[k]) for k, v in cols.items()}
            plugged = np.vstack([plugged, np.ones((1, t_n), bool)])
            first_slot, last_slot = np.append(first_slot, 0), np.append(last_slot, t_n - 1)
            is_ev = np.append(is_ev, False)
        unit, slot = np.nonzero(plugged)
        last = slot == last_slot[unit]
        return cls(
            unit=unit,
            slot=slot,
            first=slot == first_slot[unit],
            last=last,
            bidir=np.flatnonzero(cols["pd"][unit] > 0),
            p_charge_kw=cols["pc"][unit],
            p_discharge_kw=cols["pd"][unit],
            eta_c=cols["eta_c"][unit],
            eta_d=cols["eta_d"][unit],
            e0_kwh=cols["e0"][unit],
            lo_kwh=np.where(last, cols["lo_last"][unit], cols["lo"][unit]),
            hi_kwh=cols["hi"][unit],
            is_ev=is_ev[unit],
        )


class _Problem:
    """One Clarabel solver over fixed sparsity: objective and linearisation are updated."""

    def __init__(
        self, model: ExactModel, a: sparse.csc_matrix, b: np.ndarray, cones: list, extra_q=()
    ):
        self.model, self.a, self.b = model, a, b
        self.cones = cones
        self.extra_q = np.asarray(extra_q, float)  # objective on columns after the model's
        # Positions in a.data of the linearised-energy coefficients on c and u.
        self.pos_alpha = _data_positions(a, model.h_rows, model.c)
        self.pos_beta = _data_positions(a, model.h_rows[model.st.bidir], model.u)
        self.solver: clarabel.DefaultSolver | None = None
        self.sigma = 1.0

    def set_objective(self, coef: np.ndarray) -> None:
        p, q, self.sigma = self.model.objective(coef, self.extra_q)
        if self.solver is None:
            self.solver = clarabel.DefaultSolver(p, q, self.a, self.b, self.cones, _settings())
        else:
            self.solver.update(q=q, P=p)

    def set_slopes(self, alpha: np.ndarray, beta: np.ndarray) -> None:
        """Energy per kW·h in the linearised recursion: alpha on charge, beta on discharge."""
        dt = self.model.scenario.dt_h
        self.a.data[self.pos_alpha] = -dt * alpha
        self.a.data[self.pos_beta] = dt * beta
        if self.solver is not None:
            self.solver.update(A=self.a.data)

    def solve(self):
        self.model.n_solves += 1
        return self.solver.solve()


class ExactModel:
    """The model of one scenario as a Clarabel QP, built once and re-solved per weight."""

    def __init__(self, scenario: Scenario, storage: _Storage | None = None):
        """``storage``: other storage units than the scenario's EVs and BESS (the lower-bound
        front of `moo.exact.bound` passes vehicle groups); the grid is the scenario's."""
        feasibility.check_import_limit(scenario)
        t0 = time.perf_counter()
        self.scenario = scenario
        g, dt, t_n = scenario.grid, scenario.dt_h, scenario.slots
        st = self.st = _Storage.of(scenario) if storage is None else storage
        k_n, kv = len(st.unit), st.bidir

        off = 0

        def block(n: int) -> np.ndarray:
            nonlocal off
            idx = off + np.arange(n)
            off += n
            return idx

        # Column layout of x.
        self.c, self.u, self.e, self.h = block(k_n), block(len(kv)), block(k_n), block(k_n)
        self.net, self.imp, self.exp, self.y = (block(t_n) for _ in range(4))
        self.mu, self.peak, self.valley = (int(block(1)[0]) for _ in range(3))
        self.n_vars = off

        # Largest |net| any schedule can reach: boxes imp, exp, M and m.
        bound_kw = np.abs(g.net_base_kw) + 1.0  # [T]
        np.add.at(bound_kw, st.slot, np.maximum(st.p_charge_kw, st.p_discharge_kw))

        zero, nonneg = _Rows(), _Rows()
        k_ar, t_ar = np.arange(k_n), np.arange(t_n)
        prev = np.flatnonzero(~st.first)
        e0 = np.where(st.first, st.e0_kwh, 0.0)
        # Energy recursions: e with the true slopes (lower bounds), h with slopes that are
        # updated (upper bounds); equal until a linearisation is set.
        for col in (self.e, self.h):
            self.h_rows = zero.add(
                k_n,
                [
                    (k_ar, col, 1.0),
                    (prev, col[prev - 1], -1.0),
                    (k_ar, self.c, -dt * st.eta_c),
                    (kv, self.u, dt / st.eta_d[kv]),
                ],
                e0,
            )  # the second pass leaves the rows of the h recursion
        balance = [(t_ar, self.net, 1.0), (st.slot, self.c, -1.0), (st.slot[kv], self.u, 1.0)]
        zero.add(t_n, balance, g.net_base_kw)
        zero.add(t_n, [(t_ar, self.imp, 1.0), (t_ar, self.exp, -1.0), (t_ar, self.net, -1.0)], 0)
        zero.add(t_n, [(t_ar, self.y, 1.0), (t_ar, self.net, -1.0), (t_ar, self.mu, 1.0)], 0)
        zero.add(1, [(0, self.mu, 1.0), (np.zeros(t_n, int), self.net, -1.0 / t_n)], 0)

        def lower(cols, lo):
            nonneg.add(len(cols), [(np.arange(len(cols)), cols, -1.0)], -np.asarray(lo, float))

        def upper(cols, hi):
            nonneg.add(len(cols), [(np.arange(len(cols)), cols, 1.0)], hi)

        for cols, hi in (
            (self.c, st.p_charge_kw),
            (self.u, st.p_discharge_kw[kv]),
            (self.imp, bound_kw),
            (self.exp, bound_kw),
        ):
            lower(cols, 0.0)
            upper(cols, hi)
        lower(self.e, st.lo_kwh)
        upper(self.h, st.hi_kwh)
        nonneg.add(t_n, [(t_ar, self.net, 1.0), (t_ar, self.peak, -1.0)], 0)
        nonneg.add(t_n, [(t_ar, self.valley, 1.0), (t_ar, self.net, -1.0)], 0)
        ends = np.array([self.peak, self.valley])
        lower(ends, [-bound_kw.max()] * 2)
        upper(ends, [bound_kw.max()] * 2)
        if g.import_limit_kw is not None:
            upper(self.net, np.full(t_n, g.import_limit_kw))

        self.n_zero, self.n_nonneg = zero.n, nonneg.n
        self.A = _stack([zero, nonneg], self.n_vars)
        self.b = np.concatenate(zero.b + nonneg.b)

        # Objective pieces: F1 = q_cost.x, F3 = q_pv.x, F2 = 0.5 x'P_var x.
        self.q_cost = np.zeros(self.n_vars)
        self.q_cost[self.imp] = dt * g.price_buy
        self.q_cost[self.exp] = -dt * g.price_sell
        self.q_cost[self.u] = np.where(st.is_ev[kv], scenario.degradation_cost_per_kwh * dt, 0.0)
        self.q_pv = np.zeros(self.n_vars)
        self.q_pv[self.peak], self.q_pv[self.valley] = 1.0, -1.0
        self._p_diag = 2.0 / t_n  # P[y, y] of the variance
        self._base: _Problem | None = None
        self.n_solves = 0  # QPs solved so far, including the linearisation rounds
        self.build_time_s = time.perf_counter() - t0

    @property
    def shape(self) -> tuple[int, int]:
        """(variables, constraint rows) of the QP."""
        return self.n_vars, self.A.shape[0]

    def _cones(self) -> list:
        return [clarabel.ZeroConeT(self.n_zero), clarabel.NonnegativeConeT(self.n_nonneg)]

    def objective(
        self, coef: np.ndarray, extra_q=()
    ) -> tuple[sparse.csc_matrix, np.ndarray, float]:
        """(P, q, sigma) for ``sigma * (sum_k coef_k F_k + extra_q . z)``; P upper-triangular,
        zeros kept; ``z`` are extra columns appended after the model's (an epigraph variable).

        ``sigma`` brings the largest entry of P and q to 1: with tiny entries Clarabel's
        residuals stall and it stops far from the optimum or runs out of iterations.
        """
        q = np.concatenate([coef[0] * self.q_cost + coef[2] * self.q_pv, np.asarray(extra_q)])
        top = max(float(np.abs(q).max()), coef[1] * self._p_diag)
        sigma = 1.0 / top if top > 0 else 1.0
        p = sparse.coo_matrix(
            (np.full(len(self.y), sigma * coef[1] * self._p_diag), (self.y, self.y)),
            shape=(len(q), len(q)),
        ).tocsc()
        return p, sigma * q, sigma

    def solve(self, coef, *, cap: tuple[int, float] | None = None) -> Solution:
        """Minimise ``sum_k coef[k] * F_k``; ``cap = (k, bound)`` adds ``F_k <= bound``.

        The base problem keeps one solver whose data is updated in place; a capped problem
        (the second lexicographic stage) gets its own. Raises `InputError` when the scenario
        has no feasible schedule.
        """
        if cap is not None:
            return self.solve_extended(coef, self._cap_rows(*cap))
        if self._base is None:
            self._base = _Problem(self, self.A.copy(), self.b, self._cones())
        return self._solve_problem(self._base, np.asarray(coef, float), None, base=True)

    def solve_extended(self, coef, rows, extra_q=(), score=None) -> Solution:
        """Minimise ``sum_k coef[k] F_k + extra_q . z`` with constraint rows appended.

        ``rows = (A [R, n_vars + len(extra_q)], b [R], cones)`` in Clarabel's ``A x + s = b``
        form, over the model's columns followed by extra columns ``z`` (an epigraph variable).
        ``score(objectives)`` is the scalarised value the convex-concave rounds compare
        schedules by (default ``coef . F``); it must equal the QP objective at the optimum up
        to a constant. An infeasible problem is a `Solution` with ``feasible`` False.
        """
        a_extra, b_extra, cones_extra = rows
        a = sparse.hstack(
            [self.A, sparse.csc_matrix((self.A.shape[0], a_extra.shape[1] - self.n_vars))]
        )
        a = sparse.vstack([a, a_extra]).tocsc()
        b = np.concatenate([self.b, b_extra])
        prob = _Problem(self, a, b, self._cones() + cones_extra, extra_q)
        return self._solve_problem(prob, np.asarray(coef, float), score, base=False)

    def _solve_problem(self, prob: _Problem, coef: np.ndarray, score, *, base: bool) -> Solution:
        """Relaxed solve, then convex-concave rounds if a battery charged and discharged."""
        t0 = time.perf_counter()
        st = self.st
        prob.set_slopes(st.eta_c, 1.0 / st.eta_d[st.bidir])
        prob.set_objective(coef)
        sol = prob.solve()
        if base and sol.status == clarabel.SolverStatus.PrimalInfeasible:
            raise InputError(_infeasibility_cause(self.scenario))
        if not _solved(sol.status):
            return self._failed(f"Clarabel status {sol.status}", time.perf_counter() - t0)
        relaxed = float(sol.obj_val) / prob.sigma
        x = np.asarray(sol.x)
        best = self._candidate(x, coef, score)  # exact and provably optimal, unless simultaneous
        if self._simultaneous(x):
            # Concave-convex rounds: the upper energy bounds on the tangent of each slot's
            # energy at the current power, a convex restriction containing the current point.
            slope = np.where(self._power(x) < -SIMULTANEOUS_KW, 1.0 / st.eta_d, st.eta_c)
            best = None
            for _ in range(MAX_CCP_ROUNDS):
                prob.set_slopes(slope, slope[st.bidir])
                sol = prob.solve()
                if not _solved(sol.status):
                    break
                x = np.asarray(sol.x)
                cand = self._candidate(x, coef, score)
                if cand.feasible and (best is None or cand.value < best.value):
                    best = cand
                p = self._power(x)
                new = np.where(p > SIMULTANEOUS_KW, st.eta_c, slope)
                new = np.where(p < -SIMULTANEOUS_KW, 1.0 / st.eta_d, new)
                if np.array_equal(new, slope):
                    break
                slope = new
            if best is not None:
                best.relaxation_gap = max(best.value - relaxed, 0.0)
        elapsed = time.perf_counter() - t0
        if best is None:
            return self._failed("no schedule passed the feasibility check", elapsed)
        best.solve_time_s = elapsed
        return best

    def solve_weighted(self, weights, ideal, nadir) -> Solution:
        """Minimise ``sum_k w_k (F_k - ideal_k) / (nadir_k - ideal_k)``; zero ranges drop out."""
        return self.solve(_coefficients(weights, ideal, nadir))

    def lowest_peak_kw(self) -> float:
        """The lowest peak net load of the relaxed model: a lower bound for any schedule."""
        q = np.zeros(self.n_vars)
        q[self.peak] = 1.0
        solver = clarabel.DefaultSolver(
            self.objective(np.zeros(3))[0], q, self.A, self.b, self._cones(), _settings()
        )
        sol = solver.solve()
        return float(sol.x[self.peak]) if _solved(sol.status) else float("nan")

    def _cap_rows(self, k: int, bound: float):
        """Rows for ``F_k <= bound``: one linear row, or a second-order cone for the variance."""
        if k == 1:
            t_n = len(self.y)
            a = sparse.coo_matrix(
                (-np.ones(t_n), (np.arange(1, t_n + 1), self.y)), shape=(t_n + 1, self.n_vars)
            )
            b = np.zeros(t_n + 1)
            b[0] = np.sqrt(t_n * max(bound, 0.0))  # ||y|| <= sqrt(T * bound)
            return a.tocsc(), b, [clarabel.SecondOrderConeT(t_n + 1)]
        row = self.q_cost if k == 0 else self.q_pv
        return sparse.csc_matrix(row[None, :]), np.array([bound]), [clarabel.NonnegativeConeT(1)]

    def _power(self, x: np.ndarray) -> np.ndarray:  # [K] kW, p = c - u
        p = x[self.c].copy()
        p[self.st.bidir] -= x[self.u]
        return p

    def _simultaneous(self, x: np.ndarray) -> bool:
        c, u = x[self.c[self.st.bidir]], x[self.u]
        return bool(np.any((c > SIMULTANEOUS_KW) & (u > SIMULTANEOUS_KW)))

    def _candidate(self, x: np.ndarray, coef: np.ndarray, score=None) -> Solution:
        """The schedule ``p = c - u`` of a solution, clipped to the power limits, checked."""
        st, f = self.st, self.scenario.fleet
        p = np.clip(self._power(x), -st.p_discharge_kw, st.p_charge_kw)
        ev_slot = st.unit < f.n
        ev = np.zeros((f.n, self.scenario.slots))  # [N, T]
        ev[st.unit[ev_slot], st.slot[ev_slot]] = p[ev_slot]
        bess = None if self.scenario.bess is None else p[~ev_slot]  # [T]
        report = feasibility.check(self.scenario, ev[None], None if bess is None else bess[None])
        objectives = _objectives(self.scenario, ev, bess)
        value = float(coef @ objectives if score is None else score(objectives))
        return Solution(ev, bess, objectives, report.ok, value, 0.0, 0.0, report.violations)

    def _failed(self, why: str, elapsed: float) -> Solution:
        n, t_n = self.scenario.fleet.n, self.scenario.slots
        bess = None if self.scenario.bess is None else np.zeros(t_n)
        nan = float("nan")
        return Solution(np.zeros((n, t_n)), bess, np.full(3, nan), False, nan, nan, elapsed, (why,))


@dataclass
class ExactFront:
    """The exact reference front of a scenario and how it was computed."""

    ev_power: np.ndarray  # [S, N, T] kW
    bess_power: np.ndarray | None  # [S, T] kW
    objectives: np.ndarray  # [S, 3] cost, variance, peak_valley
    ideal: np.ndarray  # [3] column minimum of the front
    nadir: np.ndarray  # [3] column maximum of the front
    points: int  # weight vectors asked for
    divisions: int  # simplex lattice divisions H
    n_qp: int  # QPs solved, including the convex-concave rounds
    dropped: list[str]  # points that no feasible schedule came out of, and why
    max_relaxation_gap: float  # lattice points: schedule minus relaxed bound, normalised units
    build_time_s: float
    solve_time_s: float
    n_variables: int
    n_constraints: int

    def parameters(self) -> dict:
        """``parameters`` of the run directory."""
        return {
            "points": self.points,
            "divisions": self.divisions,
            "weight_floor": WEIGHT_FLOOR,
            "lexicographic_tol": LEX_TOL,
            "solver": f"clarabel {clarabel.__version__}",
            "tol_gap": TOL,
            "tol_feas": TOL,
        }

    def text(self, currency: str) -> str:
        """What the `exact` command prints: size, time, ideal and nadir, the largest gap."""
        lines = [
            f"{len(self.objectives)} points (anchors and {self.points} weight vectors, H = "
            f"{self.divisions}), {self.n_qp} QPs ({self.n_variables} variables, "
            f"{self.n_constraints} constraints) in {self.build_time_s + self.solve_time_s:.1f} s"
        ]
        units = (currency, "kW^2", "kW")
        for name, value in (("ideal", self.ideal), ("nadir", self.nadir)):
            parts = zip(OBJECTIVES, value, units, strict=True)
            lines.append(f"{name}  " + "  ".join(f"{o} {v:,.6g} {u}" for o, v, u in parts))
        lines.append(
            f"largest gap to the relaxation bound {self.max_relaxation_gap:.3g} (normalised)"
        )
        return "\n".join(lines)

    def meta(self) -> dict:
        """``extra_meta`` of the run directory: the normalisation and the solver diagnostics."""
        return {
            "normalization": {"ideal": self.ideal.tolist(), "nadir": self.nadir.tolist()},
            "exact": {
                "n_qp": self.n_qp,
                "n_dropped": len(self.dropped),
                "dropped": self.dropped,
                "max_relaxation_gap": self.max_relaxation_gap,
                "n_variables": self.n_variables,
                "n_constraints": self.n_constraints,
                "build_time_s": self.build_time_s,
                "solve_time_s": self.solve_time_s,
            },
        }


def divisions_for(points: int) -> int:
    """Largest lattice H with ``(H+1)(H+2)/2 <= points`` weight vectors (H >= 1)."""
    if points < 3:
        raise InputError(f"points must be >= 3 (the three anchors), got {points}")
    h = 1
    while (h + 2) * (h + 3) // 2 <= points:
        h += 1
    return h


def payoff_spread(best: np.ndarray, payoff: np.ndarray) -> np.ndarray:  # [3]
    """Range of each objective over the first-stage optima (the payoff table [anchor,
    objective]), which scales the lexicographic second stage; a flat objective gets its
    magnitude instead, so the scale is never zero."""
    spread = payoff.max(axis=0) - best
    magnitude = np.maximum(np.abs(best), 1.0)
    return np.where(spread > 1e-12 * magnitude, spread, magnitude)


def exact_front(
    scenario: Scenario, points: int = DEFAULT_POINTS, report=None
) -> ExactFront:
    """Lexicographic anchors plus a simplex lattice of weighted-sum QPs: the reference front.

    Raises `InputError` when the scenario has no feasible schedule (the message names the
    likely cause). ``report(share, status)`` is called after every weight vector.
    """
    h = divisions_for(points)
    lattice = [w for w in simplex_lattice(h) if np.count_nonzero(w) > 1]
    model = ExactModel(scenario)
    t0 = time.perf_counter()
    stage1 = []
    for k in range(3):
        sol = model.solve(np.eye(3)[k])
        if not sol.feasible:
            raise RuntimeError(f"exact: minimising {OBJECTIVES[k]} failed: {sol.violations}")
        stage1.append(sol)
    payoff = np.array([s.objectives for s in stage1])  # [anchor, objective]
    best = np.diag(payoff)
    spread = payoff_spread(best, payoff)
    anchors = []
    for k in range(3):
        coef = np.where(np.arange(3) == k, 0.0, 1.0 / spread)
        sol = model.solve(coef, cap=(k, best[k] + LEX_TOL * spread[k]))
        # The capped QP can lose its last feasible restriction; the first stage still stands.
        anchors.append(sol if sol.feasible else stage1[k])
    f_anchor = np.array([s.objectives for s in anchors])
    ideal, nadir = np.minimum(f_anchor.min(axis=0), best), f_anchor.max(axis=0)
    # The first-stage optima stay candidates: they hold the exact minima (the ideal).
    sols = stage1 + anchors

    dropped, gaps = [], []
    for k, w in enumerate(lattice):  # the vertices' optima are the anchors above
        if report is not None:
            report(k / (len(lattice) + 1), f"weight {k + 1}/{len(lattice)}")
        w = np.maximum(w, WEIGHT_FLOOR)
        w = w / w.sum()
        sol = model.solve_weighted(w, ideal, nadir)
        if sol.feasible:
            sols.append(sol)
            gaps.append(sol.relaxation_gap)
        else:
            dropped.append(f"weights {np.round(w, 4).tolist()}: {'; '.join(sol.violations)}")

    f_all = np.array([s.objectives for s in sols])  # [S, 3]
    front = [sols[i] for i in _nondominated_unique(f_all)]
    ev = np.array([s.ev_power for s in front])  # [S, N, T]
    bess = None if scenario.bess is None else np.array([s.bess_power for s in front])  # [S, T]
    # Evaluated as one batch, exactly as the run directory's front.csv will be.
    f_front = evaluate(scenario, ev, bess)[list(OBJECTIVES)].to_numpy()
    return ExactFront(
        ev_power=ev,
        bess_power=bess,
        objectives=f_front,
        ideal=f_front.min(axis=0),
        nadir=f_front.max(axis=0),
        points=points,
        divisions=h,
        n_qp=model.n_solves,
        dropped=dropped,
        max_relaxation_gap=float(max(gaps, default=0.0)),
        build_time_s=model.build_time_s,
        solve_time_s=time.perf_counter() - t0,
        n_variables=model.shape[0],
        n_constraints=model.shape[1],
    )


def solve_weighted(scenario: Scenario, weights, ideal, nadir):
    """Exact optimum of ``sum_k w_k (F_k - ideal_k) / (nadir_k - ideal_k)`` for one weight vector.

    Returns ``(ev_power [N, T], bess_power [T] | None, objectives [3])``; raises
    `InputError` when the scenario is infeasible and `RuntimeError` when the optimum found
    does not pass the feasibility checker.
    """
    sol = ExactModel(scenario).solve_weighted(weights, ideal, nadir)
    if not sol.feasible:
        raise RuntimeError("exact weighted-sum optimum infeasible: " + "; ".join(sol.violations))
    return sol.ev_power, sol.bess_power, sol.objectives


def _stack(blocks: list[_Rows], n_vars: int) -> sparse.csc_matrix:
    rows, cols, vals, off = [], [], [], 0
    for blk in blocks:
        rows += [r + off for r in blk.rows]
        cols += blk.cols
        vals += blk.vals
        off += blk.n
    return sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(off, n_vars)
    )


def _data_positions(a: sparse.csc_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Indices into ``a.data`` of the entries (rows[j], cols[j]) of a canonical CSC matrix."""
    a.sum_duplicates()
    keys = np.repeat(np.arange(a.shape[1]), np.diff(a.indptr)) * a.shape[0] + a.indices
    return np.searchsorted(keys, np.asarray(cols) * a.shape[0] + np.asarray(rows))


def _solved(status) -> bool:
    return status in (clarabel.SolverStatus.Solved, clarabel.SolverStatus.AlmostSolved)


def _objectives(scenario: Scenario, ev: np.ndarray, bess: np.ndarray | None) -> np.ndarray:
    frame = evaluate(scenario, ev[None], None if bess is None else bess[None])
    return frame[list(OBJECTIVES)].to_numpy()[0]


def _coefficients(weights, ideal, nadir) -> np.ndarray:  # [3]
    weights = np.asarray(weights, float)
    if weights.shape != (3,) or np.shape(ideal) != (3,) or np.shape(nadir) != (3,):
        raise InputError("weights, ideal and nadir must have 3 entries (cost, variance, p-v)")
    if np.any(weights < 0) or not np.isfinite(weights).all():
        raise InputError(f"weights must be finite and >= 0, got {weights.tolist()}")
    return Normalization(ideal, nadir).coefficients(weights)


def _nondominated_unique(f: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated points; points within DUPLICATE_TOL are merged.

    The tolerance is relative to each objective's magnitude (or range, if larger), so solver
    noise does not make two copies of one optimum look like a front.
    """
    lo, hi = f.min(axis=0), f.max(axis=0)
    scale = np.maximum(hi - lo, np.maximum(np.abs(lo), np.abs(hi)))
    z = (f - lo) / np.where(scale > 0, scale, 1.0)
    keep: list[int] = []
    for i in range(len(z)):
        if all(np.abs(z[i] - z[j]).max() > DUPLICATE_TOL for j in keep):
            keep.append(i)
    keep_arr = np.asarray(keep)
    return keep_arr[moocore.is_nondominated(z[keep_arr], keep_weakly=False)]


def _infeasibility_cause(scenario: Scenario) -> str:
    """Why the QP is infeasible: with an import limit, the lowest peak any schedule needs."""
    limit = scenario.grid.import_limit_kw
    if limit is None:
        # Without a limit, charging at full power to the effective target is always feasible.
        raise RuntimeError("Clarabel reports an infeasible model for a scenario without a limit")
    unlimited = replace(scenario, grid=replace(scenario.grid, import_limit_kw=None))
    peak_kw = ExactModel(unlimited).lowest_peak_kw()
    return (
        f"import_limit_kw {limit:g} is too low: no schedule reaches every vehicle's effective "
        f"target (departure SOC) and keeps the BESS cyclic below it: that needs a peak net load of "
        f"at least {peak_kw:.1f} kW"
    )
