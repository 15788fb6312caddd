"""Points where the certificate needs them (`moo.search.nsga.GapSearch`): the rounded
relaxed seeds the archive keeps are written, and offspring are aimed at the lattice weights
with the largest certified gaps."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from pymoo.core.problem import Problem
from pymoo.core.repair import NoRepair
from pymoo.operators.mutation.pm import PM

from models.errors import InputError
from models.scenario import load_scenario
from moo.exact.bound import Certificate, bound_front
from moo.problems import feasibility
from moo.search import nsga
from moo.search.archive import Archive
from moo.search.nsga import FrontSettings, GapSearch, Memetic, run_front, worst_weights
from moo.search.termination import Budget
from moo.util.normalization import Normalization


def unit_certificate(bound) -> Certificate:
    """Certificates for the three single objectives in the unit box (normalised = raw)."""
    return Certificate("", Normalization(np.zeros(3), np.ones(3)), np.eye(3),
                       np.asarray(bound, float), 1.0)


def test_gaps_are_the_best_weighted_score_minus_the_certificate():
    cert = unit_certificate([0.1, 0.0, 0.05])
    F = np.array([[0.3, 0.0, 0.1], [0.5, 0.2, 0.0], [0.6, 0.1, 0.05]])
    np.testing.assert_allclose(cert.gaps(F), [0.3 - 0.1, 0.0, 0.0 - 0.05])
    assert cert.certify(F)["certified_gap"] == pytest.approx(0.2)
    assert cert.certify(F)["worst_gap_weights"] == [1.0, 0.0, 0.0]


def test_worst_weights_are_the_largest_gaps_first_ties_in_lattice_order():
    gaps = np.array([0.01, 0.2, 0.05, 0.2, -0.0])
    assert worst_weights(gaps, 3).tolist() == [1, 3, 2]
    assert worst_weights(gaps, 9).tolist() == [1, 3, 2, 0, 4]
    assert worst_weights(gaps, 0).tolist() == []


class Box(Problem):
    def __init__(self):
        super().__init__(n_var=2, n_obj=3, xl=0.0, xu=1.0)


def test_aim_names_the_best_points_of_the_worst_weight():
    """Point i has X = (i/10, i/10). Gaps: cost 0.3 (best point 0, then 1), variance 0.0,
    peak-valley 0.05 (best point 1, then 2)."""
    archive = Archive(2, 1)
    F = np.array([[0.3, 0.0, 0.1], [0.5, 0.2, 0.0], [0.6, 0.1, 0.05], [0.9, 0.3, 0.3]])
    X = np.repeat(np.arange(4)[:, None] / 10, 2, axis=1)
    archive.add(X, F, np.zeros((4, 1)))
    assert len(archive) == 3  # point 3 is dominated
    mating = SimpleNamespace(pending=None)
    state = SimpleNamespace(
        archive=archive, rng=np.random.default_rng(0), algo=SimpleNamespace(mating=mating),
        relaxed=SimpleNamespace(certificate=lambda: unit_certificate([0.0, 0.0, -0.05])),
    )
    nsga._aim(state, GapSearch(weights=1, matings=2, parents=1), np.ones(3))
    np.testing.assert_array_equal(mating.pending[:, :, 0], [[0.0, 0.1], [0.0, 0.1]])
    nsga._aim(state, GapSearch(weights=2, matings=1, parents=1), np.ones(3))
    np.testing.assert_array_equal(mating.pending[:, :, 0], [[0.0, 0.1], [0.1, 0.2]])


def test_aimed_mating_puts_the_named_children_first():
    """Mutation off and a pair of equal parents (the crossover leaves them as they are):
    their child comes first (its twin is a duplicate, eliminated), the rest of the
    offspring is the ordinary mating's, and the pending pair is used once."""
    algo = nsga.make_algorithm("nsga2", 6, np.random.default_rng(1).uniform(size=(6, 2)),
                               NoRepair(), 1)
    algo.mating.mutation = PM(prob=0.0)
    algo.setup(Box(), verbose=False)
    pop = algo.ask()
    pop.set("F", np.random.default_rng(2).uniform(size=(6, 3)))
    algo.tell(infills=pop)
    algo.mating.pending = np.array([[[0.91, 0.92], [0.91, 0.92]]])
    off = algo.ask().get("X")
    assert len(off) == 6
    np.testing.assert_array_equal(off[0], [0.91, 0.92])
    assert not (off[1:] == [0.91, 0.92]).all(axis=1).any()
    assert algo.mating.pending is None


def test_seeds_kept_finds_the_seed_rows():
    F = np.array([[1.0, 2.0, 3.0], [1.5, 1.0, 3.0], [2.0, 0.5, 0.5]])
    seeds = np.array([[2.0, 0.5, 0.5], [9.0, 9.0, 9.0], [1.0, 2.0, 3.0]])
    assert nsga.seeds_kept(F, seeds).tolist() == [0, 2]
    assert nsga.seeds_kept(F, None).tolist() == []
    with pytest.raises(InputError, match="gap search"):
        GapSearch("on")


@pytest.fixture(scope="module")
def qingdao():
    return load_scenario("qingdao")


@pytest.fixture(scope="module")
def qingdao_bound(qingdao):
    return bound_front(qingdao, columns=False)


def seeds_and_front(qingdao, relaxed, mode, monkeypatch):
    """A front thinned to 4 members; the rounded seeds' objectives; the final archive's."""
    final = {}
    reduced = Archive.reduced

    def spy(self, *args):
        final["F"] = self.F.copy()
        return reduced(self, *args)

    monkeypatch.setattr(Archive, "reduced", spy)
    res = run_front(qingdao, FrontSettings(encoding="aggregate", pop_size=20, max_solutions=4,
                                           budget=Budget(generations=3),
                                           memetic=Memetic(enabled=False),
                                           gap_search=GapSearch(mode)), relaxed=relaxed)
    problem = res.problem
    X = problem.repair(problem.fleet_to_x(relaxed.ev_kw, relaxed.bess_kw))
    return res, problem.evaluate(X, return_values_of=["F"]), final["F"]


def rows_in(A, B) -> np.ndarray:
    return np.array([bool(np.all(np.isclose(B, a, rtol=1e-12, atol=0), axis=1).any()) for a in A])


def test_the_written_front_keeps_every_seed_the_archive_kept(qingdao, qingdao_bound,
                                                             monkeypatch):
    res, seed_F, archive_F = seeds_and_front(qingdao, qingdao_bound, "auto", monkeypatch)
    kept = rows_in(seed_F, archive_F)
    assert kept.sum() > 4  # more surviving seeds than the thinning alone keeps
    assert rows_in(seed_F[kept], res.F).all()
    assert len(res.F) > 4
    assert res.settings["relax_seeds"]["in_front"] > 4
    assert res.settings["gap_search"]["active"]
    ev, bess, _ = res.problem.schedules(res.X)
    assert feasibility.check(qingdao, ev, bess).ok
    off, seed_off, _ = seeds_and_front(qingdao, qingdao_bound, "off", monkeypatch)
    assert len(off.F) == 4 and not rows_in(seed_off, off.F).all()
    assert not off.settings["gap_search"]["active"]


def test_the_vehicle_encoding_does_not_aim(qingdao):
    res = run_front(qingdao, FrontSettings(encoding="vehicle", pop_size=8,
                                           budget=Budget(generations=1),
                                           memetic=Memetic(enabled=False)))
    assert res.settings["gap_search"]["active"] is False


def test_no_aimed_offspring_beside_the_local_search(qingdao, qingdao_bound):
    """With the local search (small fleets) the gap search keeps seeds and polishes but
    does not aim; without it, it aims too."""
    def front(memetic):
        return run_front(qingdao, FrontSettings(
            encoding="aggregate", pop_size=8, budget=Budget(generations=1), memetic=memetic,
            gap_search=GapSearch(polish_evals=100)), relaxed=qingdao_bound).settings

    local, plain = front(Memetic(seed_moves_per_var=0.5)), front(Memetic(enabled=False))
    assert local["memetic"]["active"] and not plain["memetic"]["active"]
    assert local["gap_search"]["active"] and not local["gap_search"]["aimed"]
    assert plain["gap_search"]["active"] and plain["gap_search"]["aimed"]
    assert "polish" in local["gap_search"] and "polish" in plain["gap_search"]


def test_best_for_names_each_polished_weights_best_member():
    F = np.array([[0.3, 0.0, 0.1], [0.5, 0.2, 0.0], [0.6, 0.1, 0.05]])
    relaxed = SimpleNamespace(certificate=lambda: unit_certificate([0.0, 0.0, 0.0]))
    state = SimpleNamespace(relaxed=relaxed, polished={"weights": [0, 2]})
    assert nsga.best_for(F, state, np.ones(3)).tolist() == [0, 1]
    assert nsga.best_for(F / 2, state, np.full(3, 2.0)).tolist() == [0, 1]  # units
    assert nsga.best_for(F, SimpleNamespace(polished=None), np.ones(3)).tolist() == []


def test_the_polish_lowers_the_worst_gaps_and_the_front_keeps_them(qingdao, qingdao_bound):
    """The same search (the polish runs after the last generation) with and without the
    polish: the polished weights' gaps fall, the written front holds each one's best point
    though the thinning keeps 4 members, and the schedules stay feasible."""
    def front(polish_weights):
        return run_front(qingdao, FrontSettings(
            encoding="aggregate", pop_size=20, max_solutions=4, budget=Budget(generations=3),
            memetic=Memetic(enabled=False),
            gap_search=GapSearch(polish_weights=polish_weights, polish_evals=400)),
            relaxed=qingdao_bound)

    res, plain = front(3), front(0)
    record = res.settings["gap_search"]["polish"]
    assert "polish" not in plain.settings["gap_search"]
    assert len(record["weights"]) == 3 and 3 * 64 < record["evals"] <= 3 * 400
    assert res.n_evals == plain.n_evals + record["evals"]
    before, after = np.array(record["gap_before"]), np.array(record["gap_after"])
    assert (after <= before + 1e-12).all() and (after < before - 1e-6).any()
    cert = qingdao_bound.certificate()
    np.testing.assert_allclose(cert.gaps(res.F)[record["weights"]], after, atol=1e-12)
    assert (cert.gaps(plain.F)[record["weights"]] >= before - 1e-12).all()  # thinned away
    ev, bess, _ = res.problem.schedules(res.X)
    assert feasibility.check(qingdao, ev, bess).ok
