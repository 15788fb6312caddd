"""Numba kernels against their numpy twins, and feasibility of everything they produce."""

from __future__ import annotations

from dataclasses import replace

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.scenario import build_scenario, load_scenario
from moo.kernels import population as kernels
from moo.kernels.data import DISPATCH_RULES, dispatch_reference, kernel_data
from moo.problems import feasibility
from moo.problems.encodings import AggregateProblem, VehicleProblem
from moo.problems.objectives import FRONT_COLUMNS, OBJECTIVES, evaluate
from moo.search.local import Polisher

FRONT = list(FRONT_COLUMNS[1:])  # the kernel report vector follows front.csv


def random_scenario(
    seed: int,
    *,
    n: int = 12,
    slots: int = 24,
    bess: bool = True,
    import_limit: float | None = None,
    v2g_share: float = 0.8,
):
    """A small random site: mixed vehicles (some without V2G, some starting above target)."""
    rng = np.random.default_rng(seed)
    data = {
        "name": f"random{seed}",
        "fleet_seed": seed,
        "degradation_cost_per_kwh": 0.02,
        "time": {"slots_per_day": slots},
        "grid": {
            "base_load": {"kw": list(rng.uniform(50.0, 200.0, size=6))},
            "pv": {"model": "clear_sky", "peak_kw": float(rng.uniform(0, 120))},
            "prices": [
                {"name": "night", "hours": [[22, 7]], "buy": 0.1, "sell": 0.05},
                {"name": "day", "hours": [[7, 22]], "buy": 0.3, "sell": 0.1},
            ],
        },
        "fleet": {
            "groups": [
                {
                    "count": n,
                    "capacity_kwh": {"uniform": [20.0, 70.0]},
                    "p_charge_max_kw": {"choice": [3.7, 7.0, 11.0]},
                    "p_discharge_max_kw": {"choice": [3.7, 7.0]},
                    "v2g_share": v2g_share,
                    "soc_min": 0.2,
                    "soc_max": 0.9,
                    "soc_target": 0.8,
                    "arrival": {"dist": "normal", "mean_h": 8.0, "std_h": 3.0},
                    "departure": {"dist": "normal", "mean_h": 17.0, "std_h": 3.0},
                    "soc_init": {"dist": "uniform", "low": 0.1, "high": 0.95},
                }
            ]
        },
    }
    if import_limit is not None:
        data["grid"]["import_limit_kw"] = import_limit
    if bess:
        data["bess"] = {"capacity_kwh": 80.0, "p_charge_max_kw": 30.0, "p_discharge_max_kw": 30.0}
    return build_scenario(data)


def decision_vectors(rng, n_var: int) -> np.ndarray:  # extremes and noise
    return np.vstack(
        [
            np.zeros(n_var),
            np.ones(n_var),
            np.full(n_var, 0.5),
            rng.uniform(size=(5, n_var)),
            (rng.uniform(size=(3, n_var)) > 0.5).astype(float),
        ]
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_evaluation_kernel_matches_the_numpy_reference(seed):
    sc = random_scenario(seed)
    rng = np.random.default_rng(seed)
    f, t = sc.fleet, sc.slots
    ev = rng.uniform(-1, 1, size=(7, f.n, t)) * f.p_charge_max_kw[None, :, None]
    ev *= f.plugged()[None]
    bess = rng.uniform(-30, 30, size=(7, t))
    prob = VehicleProblem(sc)
    d = prob.kdata
    out = np.zeros((7, kernels.N_OUT))
    out[:] = d.evaluate(ev, bess)
    ref = evaluate(sc, ev, bess)[FRONT].to_numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-9)


def assert_matches_twin(prob: AggregateProblem, X: np.ndarray) -> None:
    """The numba dispatcher's schedules, BESS powers and realised requests are the twin's."""
    ev, b_out, realised, _, _ = prob.dispatch(X, store=True)
    req, req_b = prob.requests(X)
    for s in range(len(X)):
        ev_r, b_r, real_r = dispatch_reference(prob.kdata, req[s], req_b[s], prob.limit)
        np.testing.assert_allclose(ev[s], ev_r, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(b_out[s], b_r, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(realised[s], real_r, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dispatch", DISPATCH_RULES)
@pytest.mark.parametrize(
    "seed,clusters,limit", [(0, 1, None), (1, 3, None), (2, 2, 260.0), (3, 1, 200.0)]
)
def test_numba_dispatcher_matches_dispatch_reference(seed, clusters, limit, dispatch):
    sc = random_scenario(seed, import_limit=limit)
    prob = AggregateProblem(sc, clusters, dispatch)
    rng = np.random.default_rng(seed)
    X = decision_vectors(rng, prob.n_var)
    assert_matches_twin(prob, X)


@pytest.mark.parametrize("dispatch", DISPATCH_RULES)
def test_how_individuals_are_split_into_blocks_changes_no_schedule(dispatch, monkeypatch):
    """One individual alone, a few split over threads, or many in one block of `BLOCK`:
    every schedule and report is the same to the last bit."""
    sc = random_scenario(4, n=30, import_limit=260.0)
    prob = AggregateProblem(sc, 2, dispatch)
    X = decision_vectors(np.random.default_rng(4), prob.n_var)
    together = prob.dispatch(X, store=True)
    one_by_one = [prob.dispatch(X[[s]], store=True) for s in range(len(X))]
    monkeypatch.setattr(numba, "get_num_threads", lambda: len(X))  # one block each
    split = prob.dispatch(X, store=True)
    for k in (0, 1, 2, 3, 4):  # ev, BESS, realised requests, reports, excess
        np.testing.assert_array_equal(split[k], together[k])
        np.testing.assert_array_equal(np.concatenate([o[k] for o in one_by_one]), together[k])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), clusters=st.integers(1, 4), n=st.integers(1, 20),
       slots=st.sampled_from([4, 12, 24]), limit=st.sampled_from([None, 150.0, 250.0]),
       rule=st.sampled_from(["soc", "laxity"]))
def test_balancing_dispatcher_matches_its_twin_on_random_sites(seed, clusters, n, slots, limit,
                                                               rule):
    sc = random_scenario(seed, n=n, slots=slots, import_limit=limit)
    prob = AggregateProblem(sc, clusters, rule)
    assert_matches_twin(prob, np.random.default_rng(seed).uniform(size=(6, prob.n_var)))


@pytest.mark.parametrize("rule", ["soc", "laxity"])
@pytest.mark.parametrize("preset", ["building", "iov", "qingdao"])
def test_balancing_dispatcher_schedules_pass_the_checker(preset, rule):
    sc = load_scenario(preset)
    prob = AggregateProblem(sc, 3, rule)
    X = decision_vectors(np.random.default_rng(1), prob.n_var)
    ev, bess, report = prob.schedules(X)
    rep = feasibility.check(sc, ev, bess)
    assert rep.ok, rep.violations
    np.testing.assert_allclose(report, evaluate(sc, ev, bess)[FRONT].to_numpy(), rtol=1e-9,
                               atol=1e-9)
    # Every cluster gets its request, clipped into the sum of its vehicles' bounds: in the
    # first slot (the same energies under every rule) it realises what the priority rule does.
    _, _, real_soc, _, _ = prob.dispatch(X, store=False)
    _, _, real_pri, _, _ = AggregateProblem(sc, 3, "priority").dispatch(X, store=False)
    first = np.zeros(real_soc.shape[1], bool)
    first[::sc.slots] = True  # the first slot: the same energies under both rules
    np.testing.assert_allclose(real_soc[:, first], real_pri[:, first], atol=1e-6)


def test_dispatch_rules_by_hand():
    # Two cars plugged over four 6-hour slots, 50 kWh, 7 kW, ηc 1, both above their target
    # (0.2), upper bound 0.9 (45 kWh): A at 0.8 leaving last, B at 0.3 leaving a slot
    # earlier. 3 kW asked for in the first slot. The priority rule gives charging above
    # target to the least urgent first: A takes its room, 5 kWh = 5/6 kW, B the rest,
    # 13/6 kW. The SOC rule raises the emptier car: B alone up to level 33/45 (3 kW = 18
    # kWh), below A's 40/45, so A gets nothing. The laxity rule too: both may fall to
    # 5 kWh (floor) with 5 kWh to their 10 kWh targets; B from level (15 - 5) / 5 = 2 up to
    # (33 - 5) / 5 = 5.6, below A's 7.
    sc = random_scenario(0, n=2, slots=4, bess=False, v2g_share=0.0)
    fleet = replace(sc.fleet, arrival_slot=np.zeros(2, np.int64),
                    departure_slot=np.array([4, 3]), capacity_kwh=np.full(2, 50.0),
                    p_charge_max_kw=np.full(2, 7.0), eta_charge=np.ones(2),
                    soc_init=np.array([0.8, 0.3]), soc_target=np.full(2, 0.2),
                    soc_min=np.full(2, 0.1), soc_max=np.full(2, 0.9))
    sc = replace(sc, fleet=fleet)
    request = np.array([3.0, 0.0, 0.0, 0.0])
    for rule, first in (("priority", [5 / 6, 13 / 6]), ("soc", [0.0, 3.0]),
                        ("laxity", [0.0, 3.0])):
        ev = dispatch_reference(kernel_data(sc, 1, dispatch=rule), request, np.zeros(4))[0]
        np.testing.assert_allclose(ev[:, 0], first, atol=1e-12)
        np.testing.assert_allclose(ev[:, 1:], 0.0, atol=1e-12)
        x = AggregateProblem(sc, 1, rule).fleet_to_x(request[None], np.zeros((1, 4)))
        np.testing.assert_allclose(AggregateProblem(sc, 1, rule).schedules(x)[0][0], ev,
                                   atol=1e-12)


@pytest.mark.parametrize("encoding", ["aggregate", "vehicle"])
@pytest.mark.parametrize("seed", [0, 4, 5])
def test_every_decision_vector_gives_a_feasible_schedule(encoding, seed):
    sc = random_scenario(seed, bess=seed != 4, v2g_share=0.0 if seed == 5 else 0.8)
    prob = AggregateProblem(sc, 2) if encoding == "aggregate" else VehicleProblem(sc)
    X = decision_vectors(np.random.default_rng(seed), prob.n_var)
    ev, bess, report = prob.schedules(X)
    rep = feasibility.check(sc, ev, bess)  # includes every effective target
    assert rep.ok, rep.violations
    ref = evaluate(sc, ev, bess)[FRONT].to_numpy()
    np.testing.assert_allclose(report, ref, rtol=1e-9, atol=1e-9)
    F = prob.evaluate(X, return_values_of=["F"])
    np.testing.assert_allclose(F, ref[:, :3], rtol=1e-9, atol=1e-9)


def must_charge_kw(sc, ev: np.ndarray) -> np.ndarray:  # [N, T]
    """Independent recomputation of each vehicle's must-charge power in each slot."""
    f, dt = sc.fleet, sc.dt_h
    cap = f.capacity_kwh
    tgt = sc.effective_target() * cap
    e = f.soc_init * cap
    out = np.zeros(ev.shape)
    for t in range(sc.slots):
        rest = f.departure_slot - t - 1
        floor = np.maximum(f.soc_lower * cap, tgt - f.eta_charge * f.p_charge_max_kw * rest * dt)
        out[:, t] = np.clip((floor - e) / (f.eta_charge * dt), 0.0, f.p_charge_max_kw)
        p = ev[:, t]
        e = e + np.where(p > 0, f.eta_charge * p * dt, p * dt / f.eta_discharge)
    return out


@pytest.mark.parametrize("rule", DISPATCH_RULES)
@pytest.mark.parametrize("seed", [0, 1, 6, 7])
def test_aggregate_never_charges_and_discharges_in_one_slot_unless_forced(seed, rule):
    sc = random_scenario(seed, n=16)
    prob = AggregateProblem(sc, 1, rule)
    X = decision_vectors(np.random.default_rng(seed), prob.n_var)
    ev, _, _ = prob.schedules(X)
    for s in range(len(X)):
        must = must_charge_kw(sc, ev[s])
        both = (ev[s] > 1e-9).any(axis=0) & (ev[s] < -1e-9).any(axis=0)
        charging = (ev[s] > 1e-9) & both[None, :]
        assert np.all(ev[s][charging] <= must[charging] + 1e-7)


def test_import_limit_is_held_when_must_charge_allows_it():
    sc = random_scenario(3, import_limit=230.0)
    for prob in (*(AggregateProblem(sc, 2, rule) for rule in DISPATCH_RULES), VehicleProblem(sc)):
        X = decision_vectors(np.random.default_rng(3), prob.n_var)
        ev, bess, _ = prob.schedules(X)
        G = prob.evaluate(X, return_values_of=["G"])[:, 0]
        net = sc.grid.net_base_kw + ev.sum(axis=1) + bess
        held = G <= 1e-9
        assert held.any()
        assert np.all(net[held].max(axis=1) <= 230.0 + 1e-6)
        # where it is broken, by exactly the reported excess at most
        assert np.all(net.max(axis=1) - 230.0 <= np.maximum(G, 0.0) + 1e-6)
        assert feasibility.check(sc, ev[held], bess[held]).ok


@pytest.mark.parametrize("seed", [0, 2])
def test_local_search_keeps_schedules_feasible_and_improves_the_weighted_sum(seed):
    sc = random_scenario(seed, import_limit=300.0 if seed else None)
    pol = Polisher(sc)
    start = pol.start()
    ev0, b0 = pol.split(start)
    f0 = evaluate(sc, ev0, None if b0 is None else b0)[list(OBJECTIVES)].to_numpy()[0]
    coefs = np.array([[1, 1e-3, 1e-3], [1e-3, 1, 1e-3], [1e-3, 1e-3, 1]]) / f0
    P = pol.polish(np.repeat(start, 3, axis=0), coefs, 20000, np.random.default_rng(seed))
    ev, b = pol.split(P)
    assert feasibility.check(sc, ev, b).ok
    f = evaluate(sc, ev, b)[list(OBJECTIVES)].to_numpy()
    assert np.all((f * coefs).sum(axis=1) < (f0 * coefs).sum(axis=1))
    again = pol.polish(np.repeat(start, 3, axis=0), coefs, 20000, np.random.default_rng(seed))
    np.testing.assert_array_equal(P, again)  # deterministic per seed
