"""Out-of-sample evaluation: CVaR and the summary by hand, streaming, Dask = serial."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.errors import InputError, ScenarioError
from models.uncertainty import TRAINING, history_dates
from moo.uncertainty.evaluate import (
    MEASURES,
    Draw,
    cvar,
    evaluate_chunk,
    evaluate_plans,
    summarise,
)


def test_cvar_hand_computed():
    x = np.arange(1.0, 11.0)
    assert cvar(x, 0.75) == pytest.approx((10 + 9 + 0.5 * 8) / 2.5)  # 9.2
    assert cvar(x, 0.8) == pytest.approx(9.5)  # the worst two
    assert cvar(x, 0.0) == pytest.approx(5.5)  # the mean
    assert cvar(x[::-1], 0.9) == pytest.approx(10.0)
    np.testing.assert_allclose(cvar(np.array([[3.0, 1.0], [0.0, 4.0]]), 0.5), [3.0, 4.0])
    with pytest.raises(InputError, match="alpha"):
        cvar(x, 1.0)


def test_summary_hand_computed():
    rows = []
    for sol, costs, unmet in ((0, [1.0, 2.0, 3.0, 4.0], [0, 0, 1, 0]), (1, [5.0] * 4, [0] * 4)):
        for k, (c, u) in enumerate(zip(costs, unmet, strict=True)):
            row = dict.fromkeys(MEASURES, 0.0)
            row.update(cost=c, total_cost=c + 1.0, unmet_vehicles=u, unmet_kwh=2.0 * u,
                       satisfaction=1.0 - u)
            rows.append({"solution": sol, "realisation": k, **row})
    summary = summarise(pd.DataFrame(rows), alpha=0.5)
    first = summary.iloc[0]
    assert first["cost_mean"] == 2.5
    assert first["cost_std"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert first["cost_cvar"] == 3.5 and first["total_cost_cvar"] == 4.5
    assert first["p_unmet"] == 0.25 and first["unmet_kwh_mean"] == 0.5
    assert first["satisfaction_mean"] == 0.75
    second = summary.iloc[1]
    assert second["cost_std"] == 0.0 and second["cost_cvar"] == 5.0 and second["p_unmet"] == 0


def test_evaluation_is_reproducible_and_streams_realisations(case):
    s, plans = case
    a = evaluate_plans(s, plans, 6)
    b = evaluate_plans(s, plans, [0, 1, 2, 3, 4, 5])
    pd.testing.assert_frame_equal(a.table, b.table)
    assert len(a.table) == 5 * 6 and set(a.table["solution"]) == set(range(10, 15))
    assert a.table["day"].str.match(r"2019-(09|10)-\d\d").all()
    part = evaluate_chunk(s, plans, [4, 5])
    pd.testing.assert_frame_equal(part, a.table.iloc[20:].reset_index(drop=True))
    other = evaluate_plans(s, plans, 6, draw=Draw(stream=TRAINING))
    assert not np.allclose(other.table["cost"], a.table["cost"])
    assert list(a.summary["solution"]) == list(range(10, 15))
    assert (a.summary["cost_cvar"] >= a.summary["cost_mean"] - 1e-9).all()


def test_checked_evaluation_passes_and_measures_the_same(case):
    s, plans = case
    checked = evaluate_plans(s, plans, 3, draw=Draw(check_schedules=True))
    pd.testing.assert_frame_equal(checked.table, evaluate_plans(s, plans, 3).table)


@pytest.mark.parametrize("bad", [0, [], [-1]])
def test_no_realisations_is_an_input_error(case, bad):
    s, plans = case
    with pytest.raises(InputError, match="realisation"):
        evaluate_plans(s, plans, bad)


def test_by_day_evaluates_each_history_day_once(case):
    s, plans = case
    dates = history_dates(s)
    ev = evaluate_plans(s, plans, len(dates), draw=Draw(by_day=True))
    per_real = ev.table.groupby("realisation")["day"].first()
    assert list(per_real) == list(dates)
    with pytest.raises(ScenarioError, match="history day"):
        evaluate_plans(s, plans, [len(dates)], draw=Draw(by_day=True))


def test_draw_is_a_validated_spec():
    draw = Draw(stream=TRAINING, by_day=True)
    assert Draw.from_dict(draw.to_dict()) == draw
    with pytest.raises(InputError, match="stream"):
        Draw(stream=-1)
    with pytest.raises(InputError, match="by_day"):
        Draw(by_day="yes")
