"""`v2g-pareto select` variants on a small real front (and exact) run of the test site."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from moo.decision.constraint import constraint_query
from moo.decision.knees import knees
from moo.decision.parse import parse_bound
from moo.decision.reference import reference_point
from moo.problems.objectives import KPI_COLUMNS, OBJECTIVES
from tests.conftest import SITE_TOML

ROW_KEYS = {"solution", *OBJECTIVES, *KPI_COLUMNS}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(front run, exact run) of the 5-car test site: a few seconds each."""
    root = tmp_path_factory.mktemp("select")
    site = root / "site.toml"
    site.write_text(SITE_TOML)
    front, exact = root / "front", root / "exact"
    for args in (
        ["front", "--scenario", str(site), "--pop", "16", "--generations", "10", "--out", front],
        ["exact", "--scenario", str(site), "--points", "6", "--out", exact],
    ):
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 0, result.output
    return front, exact


def _select(*args):
    return CliRunner().invoke(cli, ["select", *map(str, args)])


def _objectives(run) -> np.ndarray:
    return pd.read_csv(run / "front.csv")[list(OBJECTIVES)].to_numpy()


def test_reference_point_json_is_the_front_row_with_rates(runs):
    front, exact = runs
    f = _objectives(front)
    levels = {"cost": float(np.median(f[:, 0])), "peak_valley": float(f[:, 2].min())}
    text = f"cost={levels['cost']},peak_valley={levels['peak_valley']}"
    result = _select(front, "--reference-point", text, "--reference", exact, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    row = pd.read_csv(front / "front.csv").iloc[reference_point(f, levels).index]
    assert set(out["solution"]) == ROW_KEYS
    assert out["solution"]["solution"] == int(row["solution"])
    assert out["solution"]["cost"] == pytest.approx(row["cost"])
    assert out["decision"] == "reference-point" and out["aspiration"] == levels
    assert set(out["tradeoffs"]) == {"solution", "local", "exact_hyperplane"}
    assert "exact" not in out
    text_out = _select(front, "--reference-point", text)
    assert text_out.exit_code == 0
    assert f"chosen: solution {int(row['solution'])}" in text_out.output
    assert "variance: no aspiration" in text_out.output


def test_reference_point_exact_is_no_worse_than_the_front(runs):
    front, _ = runs
    f = _objectives(front)
    text = f"cost={f[:, 0].min()},peak_valley={f[:, 2].min()}"
    out = json.loads(_select(front, "--reference-point", text, "--exact", "--json").output)
    assert out["exact"]["feasible"]
    assert out["exact"]["asf"] <= out["exact"]["asf_front"] + 1e-6


def test_constraint_query_with_exact(runs):
    front, _ = runs
    f = _objectives(front)
    bound = float(np.median(f[:, 2]))
    where = f"peak_valley<={bound}"
    result = _select(front, "--where", where, "--minimise", "cost", "--exact", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    pick = constraint_query(f, [parse_bound(where)], "cost")
    assert out["feasible"] and out["solution"]["cost"] == pytest.approx(f[pick.index, 0])
    assert out["solution"]["peak_valley"] <= bound
    exact = out["exact"]
    assert exact["feasible"] and exact["objectives"]["peak_valley"] <= bound + 1e-3
    # The exact optimum of the same problem is no dearer than the front's answer.
    assert exact["cost"] <= out["solution"]["cost"] + 1e-6


def test_infeasible_constraint_query_exits_1_and_names_the_nearest_point(runs):
    front, _ = runs
    f = _objectives(front)
    low = float(f[:, 2].min()) - 5.0
    result = _select(front, "--where", f"peak_valley<={low}")
    assert result.exit_code == 1
    assert "no point satisfies" in result.output and "missed by 5" in result.output
    out = json.loads(_select(front, "--where", f"peak_valley<={low}", "--json").output)
    assert out["feasible"] is False
    assert out["solution"]["peak_valley"] == pytest.approx(f[:, 2].min())
    assert out["violations"][f"peak_valley<={low:g}"] == pytest.approx(5.0)


def test_knees_are_listed_not_picked(runs):
    front, _ = runs
    result = _select(front, "--knees", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["solution"] is None and out["decision"] == "knees"
    rows = knees(_objectives(front)).rows
    ids = pd.read_csv(front / "front.csv")["solution"].to_numpy()
    assert [k["solution"]["solution"] for k in out["knees"]] == [int(ids[r]) for r in rows]
    assert "Flagged, not picked" in _select(front, "--knees").output


def test_ahp_selection_stores_tradeoffs_and_sensitivity(runs):
    front, exact = runs
    result = _select(front, "--mode", "economy", "--reference", exact)
    assert result.exit_code == 0, result.output
    assert "pick changes after an L1 weight change of" in result.output
    stored = json.loads((front / "selection-economy.json").read_text())
    assert "exact_hyperplane" in stored["tradeoffs"]
    sens = stored["sensitivity"]
    assert len(sens["weight_map"]["solution"]) == 5151
    assert stored["solution"] in sens["weight_map"]["solution"]
    assert [e["name"] for e in sens["experts"]] == [
        "tariff-analyst",
        "fleet-manager",
        "building-operator",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "economy", "--knees"], "give exactly one of"),
        ([], "give exactly one of"),
        (["--knees", "--exact"], "--exact goes with"),
        (["--reference-point", "cots=3"], "unknown objective 'cots'"),
        (["--where", "cost<3"], "not OBJECTIVE<=VALUE"),
        (["--where", "cost>=3", "--exact"], "only <= bounds"),
        (["--where", "cost<=3", "--minimise", "peak"], "unknown objective 'peak'"),
    ],
)
def test_bad_select_input_is_one_line_exit_2(runs, args, message):
    front, _ = runs
    result = _select(front, *args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_select_without_a_front_is_exit_2(tmp_path):
    result = _select(tmp_path, "--knees")
    assert result.exit_code == 2 and "not a run directory" in result.output
