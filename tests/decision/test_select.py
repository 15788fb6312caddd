"""Choosing an operating point from a front: normalisation, scalarisations, ties, run dirs, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from models.errors import InputError
from moo.decision.ahp import load_default_judgements, load_judgements
from moo.decision.select import select, select_mode
from moo.problems.objectives import KPI_COLUMNS, OBJECTIVES
from moo.rundir import read_run
from moo.rundir.selection import write_selection
from moo.util.normalization import Normalization
from tests.conftest import write_front_run

SELECTION_KEYS = {
    "mode",
    "weights",
    "method",
    "solution",
    "objectives",
    "normalized",
    "score",
    "normalization",
    "experts",
}

# --- normalisation ----------------------------------------------------------------------------


def test_normalization_of_front_and_constant_column():
    f = np.array([[10.0, 5.0, 2.0], [20.0, 1.0, 2.0], [15.0, 3.0, 2.0]])
    norm = Normalization.of_front(f)
    assert norm.ideal.tolist() == [10.0, 1.0, 2.0]
    assert norm.nadir.tolist() == [20.0, 5.0, 2.0]
    np.testing.assert_allclose(norm.apply(f), [[0, 1, 0], [1, 0, 0], [0.5, 0.5, 0]])


def test_normalization_validates():
    with pytest.raises(InputError, match=r"nadir\[1\] = 0 is below ideal\[1\] = 1"):
        Normalization([0.0, 1.0], [1.0, 0.0])
    with pytest.raises(InputError, match="equal-length"):
        Normalization([0.0, 1.0], [1.0])
    with pytest.raises(InputError, match="finite"):
        Normalization([0.0, np.nan], [1.0, 1.0])


# --- selection ----------------------------------------------------------------------------------


def test_weighted_sum_picks_the_hand_computed_point():
    # Normalised: A (0, 1, 1), B (1, 0, 0.5), C (0.5, 0.25, 0); with w = (0.7, 0.2, 0.1):
    # A 0.3, B 0.75, C 0.4 -> A.   With w = (0.2, 0.4, 0.4): A 0.8, B 0.4, C 0.2 -> C.
    f = np.array([[100.0, 50.0, 30.0], [200.0, 10.0, 20.0], [150.0, 20.0, 10.0]])
    economy = select(f, [0.7, 0.2, 0.1])
    assert (economy.index, economy.score) == (0, pytest.approx(0.3))
    np.testing.assert_allclose(economy.objectives, [100.0, 50.0, 30.0])
    np.testing.assert_allclose(economy.normalized, [0.0, 1.0, 1.0])
    response = select(f, [0.2, 0.4, 0.4])
    assert (response.index, response.score) == (2, pytest.approx(0.2))
    assert response.normalization.ideal.tolist() == [100.0, 10.0, 10.0]
    assert response.normalization.nadir.tolist() == [200.0, 50.0, 30.0]


def test_tchebycheff_reaches_the_knee_the_weighted_sum_misses():
    # A non-convex front: the knee (0.55, 0.55) is never a weighted-sum optimum.
    f = np.array([[0.0, 1.0], [1.0, 0.0], [0.55, 0.55]])
    assert select(f, [0.5, 0.5]).index == 0
    knee = select(f, [0.5, 0.5], "tchebycheff")
    assert (knee.index, knee.score, knee.method) == (2, pytest.approx(0.275), "tchebycheff")


def test_tie_on_score_goes_to_the_lower_weighted_sum_then_the_lower_index():
    f = np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.8], [0.2, 0.8]])
    # Tchebycheff scores 0.5, 0.5, 0.4, 0.4; weighted sums of the tied rows: 0.8 and 0.5.
    assert select(f, [0.5, 0.5], "tchebycheff").index == 3
    # Weighted sums 0.5, 0.5, 0.8, 0.5: a three-way tie, broken by the lowest index.
    assert select(f, [0.5, 0.5]).index == 0


def test_duplicate_points_pick_the_first_copy():
    f = np.array([[3.0, 3.0], [1.0, 2.0], [2.0, 1.0], [1.0, 2.0]])
    assert select(f, [0.6, 0.4]).index == 1


def test_one_point_front():
    chosen = select(np.array([[5.0, 7.0, 9.0]]), [0.7, 0.2, 0.1])
    assert chosen.index == 0 and chosen.score == 0.0
    assert chosen.normalized.tolist() == [0.0, 0.0, 0.0]
    assert chosen.normalization.ideal.tolist() == chosen.normalization.nadir.tolist()


def test_weights_are_scaled_to_sum_one():
    f = np.array([[100.0, 50.0, 30.0], [200.0, 10.0, 20.0], [150.0, 20.0, 10.0]])
    a, b = select(f, [2.0, 1.0, 1.0]), select(f, [0.5, 0.25, 0.25])
    assert (a.index, a.score) == (b.index, b.score)
    assert a.weights.tolist() == [0.5, 0.25, 0.25]


@pytest.mark.parametrize(
    ("f", "w", "method", "expected"),
    [
        ([[1.0, 2.0]], [1.0], "weighted-sum", "need 2 weights"),
        ([[1.0, 2.0]], [1.0, -1.0], "weighted-sum", "weights must be finite, >= 0"),
        ([[1.0, 2.0]], [0.0, 0.0], "weighted-sum", "not all 0"),
        ([[1.0, np.nan]], [0.5, 0.5], "weighted-sum", "objective 1 of solution 0 is not finite"),
        ([1.0, 2.0], [0.5, 0.5], "weighted-sum", r"matrix \[S, K\]"),
        (np.empty((0, 2)), [0.5, 0.5], "weighted-sum", r"matrix \[S, K\]"),
        ([[1.0, 2.0]], [0.5, 0.5], "lexicographic", "unknown selection method 'lexicographic'"),
    ],
)
def test_select_rejects_bad_input(f, w, method, expected):
    with pytest.raises(InputError, match=expected):
        select(np.asarray(f), w, method)


# --- run directories ----------------------------------------------------------------------------

FRONT = pd.DataFrame(
    {
        "solution": [0, 1, 2, 3],
        "cost": [1500.0, 1700.0, 1510.0, 1500.0],
        "variance": [9000.0, 2500.0, 8025.0, 9000.0],
        "peak_valley": [300.0, 170.0, 274.0, 300.0],
        "std_kw": [94.9, 50.0, 89.6, 94.9],
        "peak_kw": [400.0, 300.0, 384.0, 400.0],
        "valley_kw": [100.0, 130.0, 110.0, 100.0],
        "peak_valley_pct": [75.0, 56.7, 71.4, 75.0],
        "grid_cost": [1460.0, 1610.0, 1450.0, 1460.0],
        "degradation_cost": [40.0, 90.0, 60.0, 40.0],
        "ev_energy_kwh": [1400.0, 1600.0, 1500.0, 1400.0],
        "v2g_energy_kwh": [100.0, 300.0, 200.0, 100.0],
        "satisfaction": [1.0, 1.0, 1.0, 1.0],
    }
)
UNCOORDINATED = {
    "cost": 1850.0,
    "variance": 15625.0,
    "peak_valley": 410.0,
    "std_kw": 125.0,
    "peak_kw": 520.0,
    "valley_kw": 110.0,
    "peak_valley_pct": 78.8,
    "grid_cost": 1850.0,
    "degradation_cost": 0.0,
    "ev_energy_kwh": 1400.0,
    "v2g_energy_kwh": 0.0,
    "satisfaction": 1.0,
}


def _run(tmp_path, baselines=True):
    meta = {}
    if baselines:
        meta["baselines"] = {"uncoordinated": UNCOORDINATED, "ordered": UNCOORDINATED}
    return write_front_run(tmp_path / "run", FRONT, meta)


def test_front_fixture_has_the_spec_columns():
    assert list(FRONT.columns) == ["solution", *OBJECTIVES, *KPI_COLUMNS]


def test_select_mode_on_a_run(tmp_path):
    run = _run(tmp_path)
    judgements = load_default_judgements()
    economy = select_mode(read_run(run), judgements, "economy")
    # Normalised: row 0 (0, 1, 1), row 1 (1, 0, 0), row 2 (0.05, 0.85, 0.8), row 3 = row 0.
    # Economy (0.700, 0.205, 0.095): 0.300, 0.700, 0.285 -> row 2.
    # Response (0.401, 0.401, 0.197): 0.599, 0.401, 0.519 -> row 1.
    w = judgements.weights("economy").weights
    f_norm = np.array([[0, 1, 1], [1, 0, 0], [0.05, 0.85, 0.8], [0, 1, 1]])
    assert economy.selection.index == int(np.argmin(f_norm @ w)) == 2
    assert economy.solution == 2
    assert economy.kpis["std_kw"] == 89.6
    response = select_mode(read_run(run), judgements, "response")
    assert response.selection.index == 1

    table = economy.comparison()
    assert list(table.columns) == ["chosen", "uncoordinated", "change_pct"]
    assert table.loc["cost", "change_pct"] == pytest.approx(100 * (1510 - 1850) / 1850)
    assert np.isnan(table.loc["degradation_cost", "change_pct"])  # baseline 0: no ratio

    d = economy.to_dict()
    assert set(d) == SELECTION_KEYS
    assert d["weights"] == pytest.approx(dict(zip(OBJECTIVES, w, strict=True)))
    assert d["objectives"] == {"cost": 1510.0, "variance": 8025.0, "peak_valley": 274.0}
    np.testing.assert_allclose(list(d["normalized"].values()), [0.05, 0.85, 0.8])
    assert d["score"] == pytest.approx(float(f_norm[2] @ w))
    assert d["normalization"] == {
        "ideal": {"cost": 1500.0, "variance": 2500.0, "peak_valley": 170.0},
        "nadir": {"cost": 1700.0, "variance": 9000.0, "peak_valley": 300.0},
    }
    assert [(e["name"], e["consistent"]) for e in d["experts"]][-1] == ("hasty-reviewer", False)


def test_select_mode_without_baseline(tmp_path):
    chosen = select_mode(read_run(_run(tmp_path, baselines=False)), load_default_judgements(),
                         "economy")
    assert chosen.baseline is None
    assert list(chosen.comparison().columns) == ["chosen"]


def test_write_selection_is_atomic_and_matches_to_dict(tmp_path):
    run = _run(tmp_path)
    opened = read_run(run)
    chosen = select_mode(opened, load_default_judgements(), "response", "tchebycheff")
    path = write_selection(opened, chosen.mode, "ahp", chosen.to_dict())
    assert path == run / "selection-response.json"
    stored = json.loads(path.read_text())
    # The pick as to_dict gives it, plus what ties it to this run (moo.rundir.selection).
    assert {k: stored[k] for k in chosen.to_dict()} == json.loads(json.dumps(chosen.to_dict()))
    assert stored["run_meta_sha256"] == opened.meta_sha256 and stored["name"] == "response"
    assert sorted(p.name for p in run.iterdir()) == [
        "front.csv",
        "meta.json",
        "scenario",
        "schedules.npz",
        "selection-response.json",
    ]


def test_select_refuses_runs_the_strict_reader_rejects(tmp_path):
    """select reads through moo.rundir.read_run: a hand-edited front is refused, and no
    selection file is written into it."""
    run = _run(tmp_path)
    (run / "front.csv").write_text((run / "front.csv").read_text().replace("1", "2"))
    with pytest.raises(InputError, match=r"front\.csv: does not match its SHA-256"):
        select_mode(read_run(run), load_default_judgements(), "economy")
    result = CliRunner().invoke(cli, ["select", str(run), "--mode", "economy"])
    assert result.exit_code == 2 and "SHA-256" in result.output
    assert not list(run.glob("selection-*"))


def test_objective_missing_from_the_front_is_an_error(tmp_path):
    run = _run(tmp_path)
    spec = tmp_path / "j.toml"
    spec.write_text(
        'objectives = ["cost", "co2"]\n[[modes.green.experts]]\npairs = {"co2/cost" = 3}\n'
    )
    with pytest.raises(InputError, match="no column for objective.*co2"):
        select_mode(read_run(run), load_judgements(spec), "green")


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_select_prints_experts_weights_and_baseline(tmp_path):
    run = _run(tmp_path)
    result = CliRunner().invoke(cli, ["select", str(run), "--mode", "economy"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "hasty-reviewer" in out and "discarded (inconsistent)" in out
    assert "weights: cost 0.700, variance 0.205, peak_valley 0.095" in out
    assert "chosen: solution 2" in out
    assert "uncoordinated" in out and "change_pct" in out
    assert (run / "selection-economy.json").is_file()


def test_cli_select_json_matches_the_written_file(tmp_path):
    run = _run(tmp_path)
    args = ["select", str(run), "--mode", "response", "--method", "tchebycheff", "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    stored = json.loads((run / "selection-response.json").read_text())
    # The file also ties the pick to this run and keeps the row (moo.rundir.selection).
    identity = {"format", "name", "decision", "run_meta_sha256", "row"}
    assert set(stored) == SELECTION_KEYS | {"tradeoffs", "sensitivity"} | identity
    assert printed["method"] == "tchebycheff" and printed["mode"] == "response"
    # stdout's solution is the chosen front.csv row; the file keeps its id (plots read it).
    assert printed["decision"] == "ahp" and printed["feasible"] is True
    assert printed["solution"]["solution"] == stored["solution"]
    assert set(printed["solution"]) == {"solution", *OBJECTIVES, *KPI_COLUMNS}
    rest = {k: v for k, v in printed.items() if k not in ("decision", "feasible", "solution")}
    assert rest == {k: v for k, v in stored.items() if k not in {"solution", *identity}}


def test_cli_select_user_judgements_file(tmp_path):
    run = _run(tmp_path)
    spec = tmp_path / "mine.toml"
    spec.write_text(
        'objectives = ["cost", "variance", "peak_valley"]\n'
        "[[modes.night.experts]]\n"
        'matrix = "1, 1/9, 1/9; 9, 1, 1; 9, 1, 1"\n'
    )
    args = ["select", str(run), "--mode", "night", "--judgements", str(spec), "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["solution"]["solution"] == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--mode", "eco"], "unknown mode 'eco': available modes are economy, response"),
        (["--mode", "economy", "--method", "knee"], "unknown selection method 'knee'"),
        (["--mode", "economy", "--judgements", "nope.toml"], "nope.toml: No such file"),
    ],
)
def test_cli_select_user_errors_are_one_line_exit_2(tmp_path, args, expected):
    run = _run(tmp_path)
    result = CliRunner().invoke(cli, ["select", str(run), *args])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not list(run.glob("selection-*"))


def test_cli_select_missing_run_dir(tmp_path):
    result = CliRunner().invoke(cli, ["select", str(tmp_path / "none"), "--mode", "economy"])
    assert result.exit_code == 2
    assert "not a run directory" in result.output


def test_cli_select_help_has_an_example():
    result = CliRunner().invoke(cli, ["select", "--help"])
    assert result.exit_code == 0
    assert "Example: v2g-pareto select runs/b --mode economy" in result.output


def test_select_on_a_real_front_for_shipped_and_user_modes(tmp_path):
    """`select` on a front written by `run_front`: both shipped modes and a user-defined one."""
    from jobs.front import write_front
    from models.scenario import load_scenario
    from moo.search.nsga import FrontSettings, run_front
    from moo.search.termination import Budget

    scenario = load_scenario("building")
    res = run_front(scenario, FrontSettings("nsga2", pop_size=20, budget=Budget(generations=5),
                                            seed=3))
    run = write_front(tmp_path / "front", scenario, res, algorithm="nsga2",
                      pop_size=20, clusters=1,
                      budget=Budget(generations=5), seed=3)
    user = tmp_path / "mine.toml"
    user.write_text('objectives = ["cost", "variance", "peak_valley"]\n'
                    "[modes.peak-shaver]\n[[modes.peak-shaver.experts]]\n"
                    'pairs = { "peak_valley/cost" = 5, "peak_valley/variance" = 3, '
                    '"variance/cost" = 2 }\n')
    picks = {}
    for args in (["--mode", "economy"], ["--mode", "response"],
                 ["--mode", "peak-shaver", "--judgements", str(user)]):
        result = CliRunner().invoke(cli, ["select", str(run), "--json", *args])
        assert result.exit_code == 0, result.output
        chosen = json.loads(result.output)
        picks[chosen["mode"]] = chosen
        assert (run / f"selection-{chosen['mode']}.json").exists()
    front = pd.read_csv(run / "front.csv")
    # Each pick is the front's minimiser of its own weighted sum.
    for chosen in picks.values():
        f = front[["cost", "variance", "peak_valley"]].to_numpy()
        ideal, nadir = f.min(axis=0), f.max(axis=0)
        w = np.array([chosen["weights"][k] for k in ("cost", "variance", "peak_valley")])
        scores = ((f - ideal) / np.where(nadir > ideal, nadir - ideal, 1.0)) @ w
        assert scores[chosen["solution"]["solution"]] == pytest.approx(scores.min(), abs=1e-12)
    assert picks["peak-shaver"]["weights"]["peak_valley"] > 0.5
    assert picks["economy"]["objectives"]["cost"] <= picks["peak-shaver"]["objectives"]["cost"]
