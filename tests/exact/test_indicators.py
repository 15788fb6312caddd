"""Front-quality indicators against hand-computed values, and the `compare` command."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from cli import cli
from models.errors import InputError
from models.scenario import load_scenario
from moo.exact import indicators as ind
from moo.problems.baselines import ordered, uncoordinated
from moo.rundir import Run, read_run, write_run
from moo.util.normalization import Normalization

UNIT = ([0.0, 0.0], [1.0, 1.0])
STAIRS = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])


def test_normalize_maps_ideal_to_zero_and_nadir_to_one():
    f = np.array([[10.0, 5.0, 3.0], [20.0, 5.0, 7.0]])
    z = Normalization([10.0, 5.0, 3.0], [30.0, 5.0, 7.0]).apply(f)
    # The second objective has a zero range: 0 for every point.
    np.testing.assert_allclose(z, [[0.0, 0.0, 0.0], [0.5, 0.0, 1.0]])


def test_hypervolume_2d_by_hand():
    # Slices along the first axis up to 1.1: [0, .5) x 0.1 + [.5, 1) x 0.6 + [1, 1.1] x 1.1.
    assert ind.hypervolume(STAIRS, *UNIT) == pytest.approx(0.05 + 0.3 + 0.11)


def test_hypervolume_3d_by_hand():
    ideal, nadir = [0.0] * 3, [1.0] * 3
    assert ind.hypervolume([[0.0, 0.0, 0.0]], ideal, nadir) == pytest.approx(1.1**3)
    # Two slabs 1.1*1.1*0.1 and 0.1*0.1*1.1 overlapping in a 0.1 cube.
    two = [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    assert ind.hypervolume(two, ideal, nadir) == pytest.approx(0.121 + 0.011 - 0.001)


def test_hypervolume_is_in_the_normalisation():
    f = STAIRS * [200.0, 3.0] + [1000.0, -1.0]
    hv = ind.hypervolume(f, [1000.0, -1.0], [1200.0, 2.0])
    assert hv == pytest.approx(ind.hypervolume(STAIRS, *UNIT))


def test_points_outside_the_reference_box_add_nothing():
    assert ind.hypervolume([[1.2, 0.0]], *UNIT) == 0.0
    with_outlier = np.vstack([STAIRS, [[-0.5, 1.15]], [[1.15, -0.5]]])
    assert ind.hypervolume(with_outlier, *UNIT) == pytest.approx(ind.hypervolume(STAIRS, *UNIT))


def test_hv_ratio():
    assert ind.hv_ratio(STAIRS, STAIRS) == pytest.approx(1.0)
    # The middle point alone: 0.6 * 0.6 of the staircase's 0.46.
    assert ind.hv_ratio(STAIRS[1:2], STAIRS) == pytest.approx(0.36 / 0.46)


def test_igd_plus_and_epsilon_by_hand():
    front = np.array([[0.2, 1.0], [1.0, 0.2]])
    # d+ to the nearest front point: (0,1): 0.2; (.5,.5): 0.5; (1,0): 0.2.
    assert ind.igd_plus(front, STAIRS) == pytest.approx(0.3)
    # Shift needed to cover (.5,.5): min(max(-.3, .5), max(.5, -.3)) = 0.5.
    assert ind.epsilon_additive(front, STAIRS) == pytest.approx(0.5)
    assert ind.igd_plus(STAIRS, STAIRS) == 0.0
    assert ind.epsilon_additive(STAIRS, STAIRS) == 0.0


def test_igd_plus_and_epsilon_use_the_reference_normalisation():
    front = np.array([[0.2, 1.0], [1.0, 0.2]])
    scale, shift = np.array([50.0, 0.1]), np.array([7.0, 3.0])
    assert ind.igd_plus(front * scale + shift, STAIRS * scale + shift) == pytest.approx(0.3)
    assert ind.epsilon_additive(front * scale + shift, STAIRS * scale + shift) == pytest.approx(0.5)


def test_spacing_by_hand():
    # Nearest L1 distances 1, 1, 2: mean 4/3, sum of squared deviations 6/9, n - 1 = 2.
    line = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    assert ind.spacing(line) == pytest.approx(np.sqrt(1 / 3))
    assert ind.spacing(STAIRS) == pytest.approx(0.0)
    assert ind.spacing(line, [0.0, 0.0], [3.0, 1.0]) == pytest.approx(np.sqrt(1 / 3) / 3)
    assert np.isnan(ind.spacing(line[:1]))


def test_quality_without_and_with_reference():
    q = ind.quality(STAIRS)
    assert q["n_points"] == 3 and q["hv"] == pytest.approx(0.46)
    assert q["hv_ratio"] is None and q["igd_plus"] is None and q["epsilon"] is None
    q = ind.quality(STAIRS[1:2], STAIRS)
    assert q["hv_ratio"] == pytest.approx(0.36 / 0.46)
    assert q["igd_plus"] == pytest.approx((0.5 + 0.0 + 0.5) / 3)
    assert q["epsilon"] == pytest.approx(0.5)


class FakeRun(SimpleNamespace):
    normalization = property(Run.normalization.func)  # read from meta as a run reads it


def fake_run(path, name, objectives, normalization=None):
    meta = {"scenario": {"name": name, "fleet_seed": 1, "n_vehicles": 3}, "algorithm": "x"}
    if normalization:
        meta["normalization"] = normalization
    return FakeRun(path=path, meta=meta, objectives=np.asarray(objectives, float),
                   require_schedules=lambda role: None)  # a front run: Run's check


def test_compare_runs_normalisation_choice():
    a = fake_run("a", "s", STAIRS * 2)
    b = fake_run("b", "s", [[1.0, 1.0]])
    # Without a recorded normalisation: ideal/nadir of both runs together, (0, 0)..(2, 2).
    rows = ind.compare_runs([a, b])
    assert rows[0]["hv"] == pytest.approx(0.46)
    assert rows[1]["hv"] == pytest.approx(0.6 * 0.6)
    # The first run's recorded normalisation wins.
    a.meta["normalization"] = {"ideal": [0.0, 0.0], "nadir": [4.0, 4.0]}
    assert ind.compare_runs([a, b])[1]["hv"] == pytest.approx(0.85 * 0.85)


def test_compare_runs_rejects_other_scenarios():
    with pytest.raises(InputError, match="different scenarios"):
        ind.compare_runs([fake_run("a", "s", STAIRS), fake_run("b", "t", STAIRS)])
    with pytest.raises(InputError, match="different scenarios"):
        ind.compare_runs([fake_run("a", "s", STAIRS)], fake_run("r", "t", STAIRS))


# --- the CLI -------------------------------------------------------------------------------

TINY_TOML = """
name = "tiny"
fleet_seed = 3
degradation_cost_per_kwh = 0.02
[time]
slots_per_day = 8
[grid.base_load]
kw = [20.0, 25.0, 40.0, 30.0]
hours = [0.0, 6.0, 12.0, 18.0]
[[grid.prices]]
name = "cheap"
hours = [[0, 9]]
buy = 0.1
sell = 0.05
[[grid.prices]]
name = "peak"
hours = [[9, 18]]
buy = 0.4
sell = 0.2
[[grid.prices]]
name = "evening"
hours = [[18, 24]]
buy = 0.2
sell = 0.1
[bess]
capacity_kwh = 30.0
p_charge_max_kw = 8.0
p_discharge_max_kw = 8.0
[[fleet.groups]]
count = 3
capacity_kwh = 40.0
p_charge_max_kw = 7.0
arrival = { dist = "normal", mean_h = 7.0, std_h = 2.0 }
departure = { dist = "normal", mean_h = 18.0, std_h = 2.0 }
soc_init = { dist = "uniform" }
"""

KEYS = [
    "run",
    "algorithm",
    "encoding",
    "seed",
    "n_evals",
    "wall_time_s",
    "n_points",
    "hv",
    "hv_ratio",
    "igd_plus",
    "epsilon",
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """An exact run (via the CLI) and the two baselines of a tiny scenario."""
    tmp = tmp_path_factory.mktemp("runs")
    toml = tmp / "tiny.toml"
    toml.write_text(TINY_TOML)
    result = CliRunner().invoke(
        cli, ["exact", "--scenario", str(toml), "--points", "6", "--out", str(tmp / "exact")]
    )
    assert result.exit_code == 0, result.output
    sc = load_scenario(str(toml))
    for name, power in (("unc", uncoordinated(sc)), ("ord", ordered(sc))):
        write_run(tmp / name, sc, power[None], algorithm=name, n_evals=1)
    other = load_scenario(str(toml), fleet_seed=4)
    write_run(tmp / "other", other, ordered(other)[None], algorithm="ordered", n_evals=1)
    return tmp, result.output


def test_exact_command_writes_a_reference_run(runs):
    tmp, output = runs
    assert "points (anchors and 6 weight vectors, H = 2)" in output and "wrote" in output
    run = read_run(tmp / "exact")
    assert run.meta["algorithm"] == "exact"
    assert run.meta["parameters"]["points"] == 6
    f = run.objectives
    assert run.meta["normalization"] == {
        "ideal": list(f.min(axis=0)),
        "nadir": list(f.max(axis=0)),
    }


def test_exact_default_points_matches_the_module():
    from moo.exact.front import DEFAULT_POINTS

    option = next(p for p in cli.commands["exact"].params if p.name == "points")
    assert option.default == DEFAULT_POINTS


def test_compare_table_and_json(runs):
    tmp, _ = runs
    args = ["compare", str(tmp / "unc"), str(tmp / "ord"), str(tmp / "exact")]
    result = CliRunner().invoke(cli, [*args, "--reference", str(tmp / "exact")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == KEYS[1:]
    assert any(line.split()[:2] == [str(tmp / "ord"), "ord"] for line in lines)

    rows = json.loads(
        CliRunner().invoke(cli, [*args, "--reference", str(tmp / "exact"), "--json"]).output
    )
    assert [list(r) for r in rows] == [KEYS] * 3
    exact = rows[2]
    assert exact["hv_ratio"] == pytest.approx(1.0)
    assert exact["igd_plus"] == 0.0 and exact["epsilon"] == 0.0
    for row in rows[:2]:
        assert row["n_points"] == 1 and row["hv_ratio"] < 1.0 and row["igd_plus"] > 0


def test_compare_without_reference_has_nulls(runs):
    tmp, _ = runs
    result = CliRunner().invoke(cli, ["compare", str(tmp / "exact"), str(tmp / "ord"), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert all(
        r["hv_ratio"] is None and r["igd_plus"] is None and r["epsilon"] is None for r in rows
    )
    # HV in the exact run's recorded normalisation: same numbers as with it as reference.
    with_ref = json.loads(
        CliRunner()
        .invoke(
            cli,
            [
                "compare",
                str(tmp / "exact"),
                str(tmp / "ord"),
                "--json",
                "--reference",
                str(tmp / "exact"),
            ],
        )
        .output
    )
    assert [r["hv"] for r in rows] == pytest.approx([r["hv"] for r in with_ref])


def test_compare_other_scenario_is_a_user_error(runs):
    tmp, _ = runs
    for args in (
        [str(tmp / "ord"), str(tmp / "other")],
        [str(tmp / "other"), "--reference", str(tmp / "exact")],
    ):
        result = CliRunner().invoke(cli, ["compare", *args])
        assert result.exit_code == 2
        assert result.output.startswith("Error: ") and "different scenarios" in result.output
        assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
