"""Risk-aware picks (`select --mode M --risk R --realised DIR`) on a hand-made front and a
hand-made evaluation whose answers are computed by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from models.errors import InputError
from moo.decision.ahp import load_default_judgements
from moo.decision.risk import RiskMeasure
from moo.rundir import OutputDir, publish_run, read_run
from moo.rundir.output import REALISED
from moo.rundir.selection import read_selection
from moo.uncertainty.evaluate import Draw, Evaluation, summarise
from moo.uncertainty.realised import realised_files
from moo.uncertainty.recourse import MEASURES
from tests.conftest import write_front_run

# Planned front: normalised (0, 1, 1), (.5, .5, .5), (1, 0, 0); Economy (cost weight 0.7
# > 2/3) picks solution 0 on it: 0.3 against 0.5 and 0.7.
PLANNED = {0: (100.0, 30.0, 5.0), 1: (110.0, 20.0, 4.0), 2: (120.0, 10.0, 3.0)}
# Realised total cost on four days (variance and peak-to-valley as planned): solution 0 has
# one bad day. Mean: 105 -> normalised .25 -> score 1 - .75 w_cost = .475 < .5: solution 0.
# CVaR_0.75 (the worst day): 120 -> 1.0 > .5: solution 1. CVaR_0.5: 110 -> .65: solution 1.
TOTAL = {0: (100.0, 100.0, 100.0, 120.0), 1: (110.0,) * 4, 2: (120.0,) * 4}


def _evaluation() -> Evaluation:
    rows = []
    for sol, costs in TOTAL.items():
        for k, c in enumerate(costs):
            row = dict.fromkeys(MEASURES, 0.0)
            row.update(cost=c, total_cost=c, variance=PLANNED[sol][1],
                       peak_valley=PLANNED[sol][2])
            rows.append({"solution": sol, "realisation": k, "day": "", **row})
    table = pd.DataFrame(rows)
    return Evaluation(table, summarise(table, 0.75), 0.75, Draw())


@pytest.fixture
def case(tmp_path):
    front = pd.DataFrame([{"solution": s, "cost": f[0], "variance": f[1], "peak_valley": f[2]}
                          for s, f in PLANNED.items()])
    run = read_run(write_front_run(tmp_path / "front", front))
    files, meta = realised_files(_evaluation(), run, scenario_sha256="0" * 64, spec={})
    with OutputDir(tmp_path / "real", kind=REALISED) as target:
        publish_run(target, files, meta)
    return tmp_path / "front", tmp_path / "real"


def _select(run, *args):
    return CliRunner().invoke(cli, ["select", str(run), "--mode", "economy", *map(str, args)])


def test_economy_weights_make_the_hand_computed_case():
    w = load_default_judgements().weights("economy").weights
    assert 2 / 3 < w[0] and abs(sum(w) - 1) < 1e-12


@pytest.mark.parametrize("risk, solution", [("mean", 0), ("cvar", 1), ("cvar:0.5", 1),
                                            ("cvar:0", 0)])
def test_the_risk_pick_by_hand(case, risk, solution):
    run, real = case
    result = _select(run, "--risk", risk, "--realised", real, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["decision"] == "risk" and out["solution"]["solution"] == solution
    assert out["deterministic"]["solution"] == 0
    if risk == "cvar":
        assert out["alpha"] == 0.75 and out["realised_objectives"]["cost"] == 110.0
        assert out["score"] == pytest.approx(0.5)
        assert out["deterministic"]["score"] == pytest.approx(1.0)
        assert out["deterministic"]["realised_objectives"]["cost"] == 120.0


def test_a_risk_pick_is_kept_with_save_and_read_back(case):
    run, real = case
    result = _select(run, "--risk", "cvar", "--realised", real, "--save", "eco-cvar")
    assert result.exit_code == 0, result.output
    assert "CVaR_0.75" in result.output and "deterministic pick: solution 0" in result.output
    saved = read_selection(read_run(run), "eco-cvar")
    assert saved.solution == 1 and saved.decision == "risk"
    assert saved.data["query"]["realised_meta_sha256"]
    assert not (run / "selection-economy.json").exists()  # the deterministic pick's file


@pytest.mark.parametrize("args, words", [
    (("--risk", "cvar"), "go together"),
    (("--realised", "x"), "go together"),
    (("--risk", "cvar:1", "--realised", "R"), "--risk"),
    (("--risk", "worst", "--realised", "R"), "--risk"),
])
def test_bad_risk_options(case, args, words):
    run, real = case
    result = _select(run, *[str(real) if a == "R" else a for a in args])
    assert result.exit_code == 2 and words in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_an_evaluation_of_another_run_is_refused(case, tmp_path):
    run, real = case
    front = pd.DataFrame([{"solution": s, "cost": f[0] + 1, "variance": f[1],
                           "peak_valley": f[2]} for s, f in PLANNED.items()])
    other = write_front_run(tmp_path / "other", front)
    result = _select(other, "--risk", "cvar", "--realised", real)
    assert result.exit_code == 2 and "not an evaluation of the run" in result.output


def test_risk_measure_parsing():
    assert RiskMeasure.parse("cvar:0.9") == RiskMeasure("cvar", 0.9)
    assert RiskMeasure.parse("mean") == RiskMeasure("mean")
    for bad in ("mean:0.5", "cvar:x", "cvar:-0.1", "var"):
        with pytest.raises(InputError, match="--risk"):
            RiskMeasure.parse(bad)
