"""What knowing is worth, on the small site's deterministic and risk-aware fronts: the
evaluation is the out-of-sample stream's, the wait-and-see value is never above a realised
score, the values are the tables' arithmetic, in this process as on Dask; and `values` on a
hand-made case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from distributed import Client

from jobs.knowing import DETERMINISTIC, MODES, RISK, TABLES, knowing, values
from models.scenario import load_scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select_mode
from moo.exact.wait_and_see import realised_scores
from moo.rundir import read_run
from moo.uncertainty.evaluate import evaluate_plans
from moo.uncertainty.plan import plans_from_run
from moo.util.normalization import HV_REFERENCE

N = 4


@pytest.fixture(scope="module")
def compared(uncertain_site, uncertain_fronts):
    fronts = {label: read_run(path) for label, path in uncertain_fronts.items()}
    scenario = load_scenario(str(uncertain_site))
    return fronts, scenario, knowing(fronts, scenario, N, load_default_judgements())


def test_values_by_hand():
    picks = pd.DataFrame({"mode": ["economy", "economy", "response"],
                          "front": [DETERMINISTIC, RISK, DETERMINISTIC],
                          "score": [0.5, 0.3, 0.7]})
    days = pd.DataFrame({"mode": ["economy"] * 6, "front": [DETERMINISTIC] * 3 + [RISK] * 3,
                         "realisation": [0, 1, 2] * 2,
                         "score": [0.4, 0.5, 0.6, 0.5, 0.2, 0.2]})
    ws = pd.DataFrame({"mode": ["economy"] * 3 + ["response"] * 3,
                       "value": [0.1, 0.2, 0.3, 0.6, 0.6, 0.6],
                       "lower": [0.05, 0.15, 0.25, 0.5, 0.6, 0.7],
                       "method": ["exact", "exact", "bound", "bound", "bound", "bound"]})
    v = values(picks, days, ws).set_index("mode")
    eco = v.loc["economy"]
    assert eco["vss"] == pytest.approx(0.2) and eco["risk_better_days"] == 2
    assert eco["wait_and_see"] == pytest.approx(0.2)
    assert eco["wait_and_see_lower"] == pytest.approx(0.15)
    assert eco["method"] == "bound/exact" and eco["best_pick"] == RISK
    assert eco["evpi_upper"] == pytest.approx(0.3 - 0.15)
    res = v.loc["response"]  # no risk-aware pick: no VSS
    assert np.isnan(res["vss"]) and res["best_pick"] == DETERMINISTIC
    assert res["evpi_upper"] == pytest.approx(0.7 - 0.6)
    other = values(picks, days, ws, vss={"vss_other": DETERMINISTIC}).set_index("mode")
    assert other.loc["economy", "vss_other"] == pytest.approx(0.2) and "vss" not in other


def test_every_plan_is_evaluated_on_the_out_of_sample_stream(compared):
    fronts, scenario, k = compared
    for label, run in fronts.items():
        serial = evaluate_plans(scenario, plans_from_run(run), N).table
        got = k.realised[k.realised["front"] == label].drop(columns="front")
        pd.testing.assert_frame_equal(got.reset_index(drop=True), serial)
    assert set(k.days["realisation"]) == set(range(N))


def test_wait_and_see_never_above_any_realised_score(compared):
    fronts, _, k = compared
    judgements = load_default_judgements()
    assert set(k.wait_and_see["method"]) <= {"exact", "bound"}
    for mode in MODES:
        w = judgements.objective_weights(mode)
        ws = k.wait_and_see[k.wait_and_see["mode"] == mode].set_index("realisation")
        assert list(ws.index) == list(range(N))
        assert (ws["lower"] <= ws["value"] + 1e-6).all()
        for label, table in k.realised.groupby("front"):
            scores = realised_scores(table, w, k.normalization)  # every plan of the front
            assert scores.shape == (len(fronts[label].front), N)
            assert (scores.min(axis=0) >= ws["value"] - 1e-6).all()
            pick = k.days.query("mode == @mode and front == @label")
            np.testing.assert_allclose(
                pick["score"], scores.loc[pick["solution"].iloc[0], pick["realisation"]])


def test_picks_and_values_are_the_tables_arithmetic(compared):
    fronts, _, k = compared
    judgements = load_default_judgements()
    scale = k.scale.set_index("objective")
    span = scale["nadir"] - scale["ideal"]
    picks = k.picks.set_index(["mode", "front"])
    for mode in MODES:
        for label, run in fronts.items():
            p = picks.loc[(mode, label)]
            assert p["solution"] == select_mode(run, judgements, mode).solution
            f = p[list(scale.index)].astype(float)
            assert p["score"] == pytest.approx(
                (scale[f"weight_{mode}"] * (f - scale["ideal"]) / span).sum())
    value = k.value.set_index("mode")
    ws = k.wait_and_see.groupby("mode")
    for mode in MODES:
        row, score = value.loc[mode], picks.loc[mode, "score"]
        assert row["vss"] == pytest.approx(score[DETERMINISTIC] - score[RISK])
        assert row["wait_and_see"] == pytest.approx(ws["value"].mean()[mode])
        assert row["wait_and_see"] <= score.min() + 1e-9
        assert row["evpi_upper"] == pytest.approx(score.min() - ws["lower"].mean()[mode])
        assert row["evpi_upper"] >= -1e-9
    assert list(k.hv["front"]) == list(fronts)
    assert ((k.hv["hv"] >= 0) & (k.hv["hv"] <= HV_REFERENCE ** 3)).all()
    assert list(k.hv["solutions"]) == [len(run.front) for run in fronts.values()]


def test_dask_gives_the_same_tables(compared):
    fronts, scenario, k = compared
    with Client(processes=False, n_workers=1, threads_per_worker=2,
                dashboard_address=":0") as client:
        d = knowing(fronts, scenario, N, load_default_judgements(), client=client, chunk=3)
    for attr in (*TABLES.values(), "realised"):
        pd.testing.assert_frame_equal(getattr(d, attr), getattr(k, attr))


def test_writes_its_tables(compared, tmp_path):
    _, _, k = compared
    paths = k.write(tmp_path / "knowing")
    assert [p.name for p in paths] == [f"{name}.csv" for name in TABLES]
    for name, attr in TABLES.items():
        back = pd.read_csv(tmp_path / "knowing" / f"{name}.csv", keep_default_na=False)
        assert list(back.columns) == list(getattr(k, attr).columns)
        assert len(back) == len(getattr(k, attr))


def test_fronts_of_another_day_are_refused(compared, tiny_front):
    fronts, scenario, _ = compared
    with pytest.raises(ValueError, match="another nominal day"):
        knowing({**fronts, "other": read_run(tiny_front)}, scenario, 2,
                load_default_judgements())
