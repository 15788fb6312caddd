"""Competitive swarm (moo.search.cso): the learning step, one generation, whole runs;
parametrised over CSO and MLGCSO, which share its base."""

from __future__ import annotations

import numpy as np
import pytest
from pymoo.core.repair import Repair
from pymoo.optimize import minimize

from moo.search.cso import CSO, learn
from moo.search.mlgcso import MLGCSO
from tests.search.swarms import ShiftedSphere, generation, started

# --- learning step -----------------------------------------------------------------------


def test_learn_hand_computed_three_particle_unit():
    # Unit of 3 in 2-D: particle 3 learns from particles 1 and 2 (seed 001 eq. 12-13).
    x = np.array([0.2, 0.9])
    v = np.array([0.1, -0.2])
    winners = np.array([[0.6, 0.5], [0.4, 0.7]])  # particle 1, particle 2
    mean = np.array([0.5, 0.5])
    r1 = np.array([0.5, 1.0])
    r_w = np.array([[0.5, 0.25], [1.0, 0.5]])
    r_mean = np.array([1.0, 0.5])
    x_new, v_new = learn(x, v, winners, mean, 0.1, r1, r_w, r_mean, np.zeros(2), np.ones(2))
    # dim 0: 0.5*0.1 + 0.5*0.4 + 1.0*0.2 + 0.1*1.0*0.3 = 0.48
    # dim 1: 1.0*-0.2 + 0.25*-0.4 + 0.5*-0.2 + 0.1*0.5*-0.4 = -0.42
    np.testing.assert_allclose(v_new, [0.48, -0.42])
    np.testing.assert_allclose(x_new, [0.68, 0.48])


def test_learn_clips_position_and_keeps_velocity():
    x_new, v_new = learn(
        np.array([0.9]),
        np.array([0.5]),
        np.array([[1.0]]),
        np.array([1.0]),
        0.0,
        np.ones(1),
        np.ones((1, 1)),
        np.ones(1),
        np.zeros(1),
        np.ones(1),
    )
    np.testing.assert_allclose(v_new, [0.6])
    np.testing.assert_allclose(x_new, [1.0])


# --- one generation ----------------------------------------------------------------------


@pytest.mark.parametrize("cls,pop_size", [(MLGCSO, 100), (MLGCSO, 13), (CSO, 20), (CSO, 11)])
def test_unit_best_unchanged_learners_move_and_evals_counted(cls, pop_size):
    algorithm, problem = started(cls, pop_size)
    assert algorithm.evaluator.n_eval == pop_size
    x0, v0, f0 = algorithm.pop.get("X", "V", "F")
    generation(algorithm, problem)
    x1, v1 = algorithm.pop.get("X", "V")
    units = algorithm.units
    assert sorted(np.concatenate(units).tolist()) == list(range(pop_size))
    learners = [i for u in units for i in u[1:]]
    for u in units:
        assert (np.diff(f0[u, 0]) >= 0).all()  # best of the unit first
        np.testing.assert_array_equal(x1[u[0]], x0[u[0]])
        np.testing.assert_array_equal(v1[u[0]], v0[u[0]])
    assert all(not np.array_equal(x1[i], x0[i]) for i in learners)
    assert algorithm.evaluator.n_eval == pop_size + len(learners)
    for _ in range(3):
        generation(algorithm, problem)
        learners += [i for u in algorithm.units for i in u[1:]]
    assert algorithm.evaluator.n_eval == pop_size + len(learners)


def test_cso_pairs_loser_learns_from_winner():
    algorithm, problem = started(CSO, 11)
    x0, f0 = algorithm.pop.get("X", "F")
    generation(algorithm, problem)
    x1, v1 = algorithm.pop.get("X", "V")
    pairs = [u for u in algorithm.units if len(u) == 2]
    singles = [u for u in algorithm.units if len(u) == 1]
    assert len(pairs) == 5 and len(singles) == 1
    np.testing.assert_array_equal(x1[singles[0][0]], x0[singles[0][0]])
    mean = x0.mean(axis=0)
    for winner, loser in pairs:
        assert f0[winner, 0] <= f0[loser, 0]
        np.testing.assert_array_equal(x1[winner], x0[winner])
        # From zero velocity the loser's move is R2 (X_w - X_l) + phi R3 (mean - X_l), R in
        # [0, 1]: each coordinate lies between 0 and the sum of both pulls.
        pull_w, pull_m = x0[winner] - x0[loser], 0.05 * (mean - x0[loser])
        lo = np.minimum(0, pull_w) + np.minimum(0, pull_m)
        hi = np.maximum(0, pull_w) + np.maximum(0, pull_m)
        assert ((v1[loser] >= lo - 1e-15) & (v1[loser] <= hi + 1e-15)).all()


def test_initial_swarm_holds_the_given_vectors_and_zero_velocity():
    problem = ShiftedSphere(5)
    given = np.full((2, 5), 0.5)
    algorithm = MLGCSO(pop_size=10, initial_x=given, seed=1)
    algorithm.setup(problem, termination=("n_eval", 100))
    pop = generation(algorithm, problem)
    np.testing.assert_array_equal(pop.get("X")[:2], given)
    assert (pop.get("V") == 0).all()
    assert ((pop.get("X") >= 0) & (pop.get("X") <= 1)).all()


class CapFirst(Repair):
    """Projects onto x[0] <= 0.3 (a stand-in for an encoding's repair)."""

    def _do(self, problem, X, **kwargs):
        X = X.copy()
        X[:, 0] = np.minimum(X[:, 0], 0.3)
        return X


@pytest.mark.parametrize("cls", [MLGCSO, CSO])
def test_repaired_positions_are_what_the_swarm_keeps(cls):
    problem = ShiftedSphere(6)  # its optimum has x[0] = 0.15, inside the repaired set
    algorithm = cls(pop_size=12, seed=2, repair=CapFirst())
    algorithm.setup(problem, termination=("n_eval", 10**9))
    for _ in range(20):
        pop = generation(algorithm, problem)
        assert (pop.get("X")[:, 0] <= 0.3).all()  # evaluated repaired
        assert (algorithm.pop.get("X")[:, 0] <= 0.3).all()  # and stored repaired
    f = ((algorithm.pop.get("X") - problem.centre) ** 2).sum(axis=1)
    np.testing.assert_allclose(algorithm.pop.get("F")[:, 0], f)  # F belongs to the stored X


class Towards:
    """A local search that moves a point ``share`` of the way to ``target``."""

    def __init__(self, target, share):
        self.target, self.share, self.calls = target, share, 0

    def __call__(self, X, rng):
        self.calls += 1
        return X + self.share * (self.target - X)


@pytest.mark.parametrize("cls", [MLGCSO, CSO])
def test_local_search_polishes_the_best_and_costs_one_evaluation(cls):
    problem = ShiftedSphere(6)
    ls = Towards(problem.centre, 0.5)
    algorithm = cls(pop_size=12, seed=4, local_search=ls)
    algorithm.setup(problem, termination=("n_eval", 10**9))
    generation(algorithm, problem)
    for k in range(1, 6):
        f0 = algorithm.pop.get("F")[:, 0]
        best = int(np.argmin(f0))
        x_best = algorithm.pop.get("X")[best].copy()
        n0 = algorithm.evaluator.n_eval
        generation(algorithm, problem)
        learners = sum(len(u) - 1 for u in algorithm.units)
        assert algorithm.evaluator.n_eval == n0 + learners + 1
        assert ls.calls == k
        # The best particle passes the swarm step and is then replaced by its polished copy.
        np.testing.assert_allclose(
            algorithm.pop.get("X")[best], x_best + 0.5 * (problem.centre - x_best)
        )
        assert algorithm.pop.get("F")[best, 0] == pytest.approx(f0[best] / 4)


def test_a_worse_polished_copy_is_not_taken():
    problem = ShiftedSphere(6)
    away = Towards(np.zeros(6), 0.9)  # towards a corner: worse than the swarm's best
    algorithm = MLGCSO(pop_size=12, seed=4, local_search=away)
    algorithm.setup(problem, termination=("n_eval", 10**9))
    generation(algorithm, problem)
    best_f = algorithm.opt[0].F[0]
    best = int(np.argmin(algorithm.pop.get("F")[:, 0]))
    x_best = algorithm.pop.get("X")[best].copy()
    generation(algorithm, problem)
    np.testing.assert_array_equal(algorithm.pop.get("X")[best], x_best)
    assert algorithm.opt[0].F[0] <= best_f


# --- whole runs --------------------------------------------------------------------------


def run_history(cls, seed, evals=3000, pop_size=20):
    problem = ShiftedSphere(10)
    algorithm = cls(pop_size=pop_size, seed=seed)
    algorithm.setup(problem, termination=("n_eval", evals))
    while algorithm.has_next():
        generation(algorithm, problem)
    return algorithm.pop.get("X"), algorithm.evaluator.n_eval


@pytest.mark.parametrize("cls", [MLGCSO, CSO])
def test_deterministic_per_seed(cls):
    x_a, n_a = run_history(cls, 7)
    x_b, n_b = run_history(cls, 7)
    x_c, _ = run_history(cls, 8)
    np.testing.assert_array_equal(x_a, x_b)
    assert n_a == n_b
    assert not np.array_equal(x_a, x_c)


@pytest.mark.parametrize("cls", [MLGCSO, CSO])
@pytest.mark.parametrize("seed", [1, 2])
def test_converges_on_shifted_sphere_20d(cls, seed):
    problem = ShiftedSphere(20)
    algorithm = cls(pop_size=40, seed=seed)
    algorithm.setup(problem, termination=("n_eval", 10_000))
    while algorithm.has_next():
        generation(algorithm, problem)
    assert algorithm.evaluator.n_eval <= 10_000 + 40
    assert algorithm.opt[0].F[0] < 1e-3


@pytest.mark.parametrize("cls", [MLGCSO, CSO])
def test_plugs_into_pymoo_minimize(cls):
    res = minimize(ShiftedSphere(8), cls(pop_size=16), ("n_eval", 1000), seed=5, verbose=True)
    assert 1000 <= res.algorithm.evaluator.n_eval < 1000 + 16
    assert res.F[0] == res.algorithm.pop.get("F")[:, 0].min()
    again = minimize(ShiftedSphere(8), cls(pop_size=16), ("n_eval", 1000), seed=5)
    np.testing.assert_array_equal(res.X, again.X)
