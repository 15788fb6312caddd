"""The study pipeline end to end on a tiny scenario, and the seed-claim checks."""

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from moo.rundir import is_complete
from studies.claims import CLAIMS, claims_table


def test_study_writes_runs_figures_and_report(tmp_path, site_toml):
    scenario = site_toml
    out = tmp_path / "study"
    result = CliRunner().invoke(cli, ["study", str(scenario), "--budget", "24", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in (
        "baseline-uncoordinated",
        "baseline-ordered",
        "front",
        "mlgcso-economy",
        "mlgcso-response",
        "cso-economy",
        "cso-response",
    ):
        assert is_complete(out / name), name
    assert (out / "front" / "selection-economy.json").exists()
    report = (out / "report.md").read_text()
    for row in (
        "| uncoordinated |",
        "| ordered |",
        "| economy |",
        "| response |",
        "| mlgcso-economy |",
        "| mlgcso-response |",
    ):
        assert row in report
    for col in (
        "total cost [EUR]",
        "grid cost [EUR]",
        "degradation [EUR]",
        "net-load std [kW]",
        "peak-valley [kW]",
        "peak-valley [%]",
        "satisfaction [%]",
        "V2G energy [kWh]",
    ):
        assert col in report
    assert "no claims" in report  # a scenario of no seed
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"front-3d.png", "net-load.png", "convergence-swarms.png"} <= figures
    for name in figures:
        assert f"figures/{name}" in report


def _kpis(**rows):
    return pd.DataFrame(rows).T


def test_claims_met_and_not_met():
    kpis = _kpis(
        uncoordinated={"cost": 100.0, "std_kw": 50.0, "peak_valley": 200.0},
        economy={"cost": 80.0, "std_kw": 45.0, "peak_valley": 190.0},
        response={"cost": 95.0, "std_kw": 30.0, "peak_valley": 90.0},
    )
    table = claims_table("building", kpis, {}).set_index("we measure")
    assert table.loc["economy cost vs uncoordinated", "ours"] == "20.0%"
    assert table.loc["economy cost vs uncoordinated", "met"] == "yes"
    assert table.loc["response std_kw vs uncoordinated", "ours"] == "40.0%"
    assert table.loc["response std_kw vs uncoordinated", "met"] == "no"
    assert table.loc["response peak_valley vs uncoordinated", "met"] == "yes"  # 55 %
    assert (table["best on exact front"] == "n/a").all()


def test_claims_best_on_exact_front():
    kpis = _kpis(
        uncoordinated={"cost": 100.0, "std_kw": 50.0, "peak_valley": 200.0},
        economy={"cost": 90.0, "std_kw": 45.0, "peak_valley": 190.0},
        response={"cost": 95.0, "std_kw": 40.0, "peak_valley": 150.0},
    )
    exact = pd.DataFrame(
        {"cost": [70.0, 85.0], "std_kw": [44.0, 35.0], "peak_valley": [180.0, 120.0]}
    )
    table = claims_table("building", kpis, {}, exact).set_index("we measure")
    assert table.loc["economy cost vs uncoordinated", "best on exact front"] == "30.0%"
    assert table.loc["response std_kw vs uncoordinated", "best on exact front"] == "30.0%"
    assert table.loc["response peak_valley vs uncoordinated", "best on exact front"] == "40.0%"


def test_swarm_and_at_most_claims():
    qd = claims_table(
        "qingdao",
        _kpis(uncoordinated={"cost": 100.0}, **{"mlgcso-economy": {"cost": 93.0}}),
        {"mlgcso-economy": 0.2, "cso-economy": 0.25, "mlgcso-response": 0.3, "cso-response": 0.28},
    )
    assert list(qd["met"]) == ["yes", "yes", "no"]
    assert qd.loc[1, "ours"] == "0.0500"
    tie = claims_table(
        "qingdao",
        _kpis(uncoordinated={"cost": 100.0}, **{"mlgcso-economy": {"cost": 93.0}}),
        {"mlgcso-economy": 0.2, "cso-economy": 0.2, "mlgcso-response": 0.3, "cso-response": 0.3},
    )
    assert list(tie["met"]) == ["yes", "no", "no"]  # equal best scalars: not "lower"
    iov = claims_table(
        "iov",
        _kpis(
            response={"peak_valley_pct": 24.0, "satisfaction": 0.96},
            uncoordinated={"peak_valley_pct": 65.0, "cost": 1.0},
            ordered={"cost": 1.0},
            economy={"cost": 0.9},
        ),
        {},
    )
    assert list(iov["met"]) == ["yes", "yes", "yes", "no", "yes"]


@pytest.mark.parametrize("preset", sorted(CLAIMS))
def test_every_claim_reads_existing_columns(preset):
    from moo.problems.objectives import FRONT_COLUMNS

    for claim in CLAIMS[preset]:
        assert claim.kind in ("cut", "value", "swarm")
        if claim.kind != "swarm":
            assert claim.col in FRONT_COLUMNS
