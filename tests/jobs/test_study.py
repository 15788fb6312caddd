"""The study job end to end on a tiny scenario (with and without an [uncertainty] table:
what knowing is worth), and the seed-claim checks."""

import os

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import cli
from jobs import study
from jobs.bound import write_bound
from jobs.claims import CLAIMS, bound_claims, claims_table
from jobs.knowing import DETERMINISTIC, RISK, TABLES
from jobs.report import _num, bound_section, sparse_reference_note
from jobs.study import StudySpec
from models.scenario import load_scenario
from moo.exact.bound import bound_front
from moo.exact.front import DEFAULT_POINTS
from moo.rundir import is_complete, read_run
from moo.util.normalization import HV_REFERENCE


@pytest.fixture(scope="module")
def uncertain_study(tmp_path_factory, uncertain_site):
    """A study of the small site with an [uncertainty] table: every stage, the risk-aware
    front and what knowing is worth on N = 6 realisations (K = 3), a small budget."""
    out = tmp_path_factory.mktemp("study") / "study"
    spec = StudySpec(str(uncertain_site), budget_s=24, realisations=6, training=3)
    return out, study.run(spec, out)


def test_study_writes_runs_figures_and_report(uncertain_study):
    out, _ = uncertain_study
    for name in (
        "baseline-uncoordinated",
        "baseline-ordered",
        "front",
        "front-risk",
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
    bound = read_run(out / "bound")  # the lower bound of the study's scenario, a valid run
    assert bound.is_bound and bound.meta["scenario"] == read_run(out / "front").meta["scenario"]
    assert "## Seed claims against the lower bound" in report and "`bound/`" in report
    assert "Certified against the lower bound" in report and "HV ratio **>= " in report
    assert "- lower bound: " in report  # a stage of its own in the timings
    figures = {p.name for p in (out / "figures").iterdir()}
    assert {"front-3d.png", "net-load.png", "convergence-swarms.png"} <= figures
    for name in figures:
        assert f"figures/{name}" in report


def test_what_knowing_is_worth(uncertain_study):
    out, result = uncertain_study
    k = result.knowing
    risk = read_run(out / "front-risk")
    assert risk.meta["risk"]["realisations"] == 3 and risk.meta["risk"]["measure"] == "mean"
    assert set(k.days["realisation"]) == set(range(6))  # N evaluation realisations
    assert set(k.days["front"]) == {DETERMINISTIC, RISK}
    # the wait-and-see mean is below every pick's realised mean, same weights and days
    value, picks = k.value.set_index("mode"), k.picks.set_index(["mode", "front"])
    for mode in study.MODES:
        score = picks.loc[mode, "score"]
        assert value.loc[mode, "wait_and_see"] <= score.min() + 1e-9
        assert value.loc[mode, "vss"] == pytest.approx(score[DETERMINISTIC] - score[RISK])
        ws = k.wait_and_see.query("mode == @mode")
        assert len(ws) == 6 and (ws["lower"] <= ws["value"] + 1e-6).all()
        per_day = k.days.query("mode == @mode").pivot(index="realisation", columns="front",
                                                      values="score")
        assert (per_day.min(axis=1) >= ws.set_index("realisation")["value"] - 1e-6).all()
    assert ((k.hv["hv"] >= 0) & (k.hv["hv"] <= HV_REFERENCE ** 3)).all()
    # the section and the CSVs are those tables
    report = (out / "report.md").read_text()
    section = report[report.index("## What knowing is worth"):report.index("## Figures")]
    for row in k.value.itertuples():
        assert f"| {row.mode} |" in section
        for v in (row.vss, row.wait_and_see, row.wait_and_see_lower, row.evpi_upper):
            assert _num(v) in section
    for v in k.hv["hv"]:
        assert _num(v) in section
    assert "front-risk/ (mean, K = 3)" in section and "--realisations 6" in section
    assert ("by the exact QP" in section) or ("by the lower bound" in section)
    vehicle = read_run(out / "front").meta["parameters"]["encoding"] == "vehicle"
    assert ("`front/` is on the vehicle encoding" in section) == vehicle
    for name, attr in TABLES.items():
        back = pd.read_csv(out / "knowing" / f"{name}.csv", keep_default_na=False)
        assert list(back.columns) == list(getattr(k, attr).columns)
    back = pd.read_csv(out / "knowing" / "value.csv")
    np.testing.assert_allclose(back["evpi_upper"], k.value["evpi_upper"], rtol=1e-9)
    assert "- what knowing is worth (N = 6): " in report  # a stage of its own
    assert "what knowing is worth, economy: VSS" in result.text()


def test_a_study_without_uncertainty_has_no_such_section(tmp_path, site_toml):
    out = tmp_path / "study"
    result = CliRunner().invoke(cli, ["study", str(site_toml), "--budget", "10", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    report = (out / "report.md").read_text()
    assert "## KPIs" in report and "## Figures" in report
    assert "knowing" not in report and "front-risk" not in report
    assert not (out / "knowing").exists() and not (out / "front-risk").exists()
    assert "what knowing is worth" not in result.output


def test_bound_section_gives_a_verdict_per_claim(tmp_path, site_toml):
    # Seed 003's two claims on the small site, KPIs made around its bound: the cost cut can
    # reach 50 %, the pick has 10 % but a schedule of the front 20 % (reached); the peak
    # cut can reach 20 % at most (< 27.8 %: out of reach). Then an open gap.
    sc = load_scenario(str(site_toml))
    bound = read_run(write_bound(tmp_path / "bound", sc, bound_front(sc, points=6, groups=2)))
    limits = bound.meta["bound"]["column_bounds"]
    cost, peak = limits["min_cost"] / 0.5, limits["min_peak_kw"] / 0.8
    kpis = _kpis(uncoordinated={"cost": cost, "peak_kw": peak},
                 economy={"cost": 0.9 * cost, "peak_kw": peak},
                 response={"cost": cost, "peak_kw": 0.9 * peak})
    front = pd.DataFrame({"cost": [0.8 * cost, cost], "peak_kw": [peak, 0.85 * peak]})
    table = bound_claims("crisscross", kpis, {}, bound, front)
    text = "\n".join(bound_section(table, bound))
    assert text.startswith("## Seed claims against the lower bound")
    rows = [line for line in text.splitlines() if line.startswith("| 003 |")]
    assert len(rows) == len(CLAIMS["crisscross"])
    assert rows[0].endswith("| 20.0% | 50.0% | reached |")
    assert rows[1].endswith("| 15.0% | 20.0% | out of reach |")
    assert "*reached*" in text and "*out of reach*" in text and "*open" not in text
    assert "`bound/`" in text
    # Peak cut possible up to 50 %, ours 20 % (the pick) and 25 % (the front): open, 25 wide.
    peak = limits["min_peak_kw"] / 0.5
    kpis["peak_kw"] = [peak, peak, 0.8 * peak]
    front["peak_kw"] = [peak, 0.75 * peak]
    text = "\n".join(bound_section(bound_claims("crisscross", kpis, {}, bound, front), bound))
    assert "| 25.0% | 50.0% | open, gap 25.0% |" in text and "*open, gap X*" in text


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


def _old_study(path):
    (path / "figures").mkdir(parents=True)
    (path / "report.md").write_text("# old study")


def test_a_failed_overwrite_puts_the_previous_study_back(tmp_path, site_toml, monkeypatch):
    out = tmp_path / "study"
    _old_study(out)

    def fails(spec, scenario, path, *args):
        path.mkdir()
        (path / "report.md").write_text("# half")
        raise RuntimeError("stage failed")

    monkeypatch.setattr(study, "_run_study", fails)
    with pytest.raises(RuntimeError, match="stage failed"):
        study.run(StudySpec(str(site_toml)), out, overwrite=True)
    assert (out / "report.md").read_text() == "# old study"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".study.previous")] == []


def test_a_finished_overwrite_removes_the_previous_study(tmp_path, site_toml, monkeypatch):
    out = tmp_path / "study"
    _old_study(out)

    def writes(spec, scenario, path, *args):
        assert not (path / "report.md").exists()  # the old study is out of the way
        assert (path.parent / f".study.previous-{os.getpid()}" / "report.md").exists()
        path.mkdir()
        (path / "report.md").write_text("# new")
        return "done"

    monkeypatch.setattr(study, "_run_study", writes)
    assert study.run(StudySpec(str(site_toml)), out, overwrite=True) == "done"
    assert (out / "report.md").read_text() == "# new"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".study.previous")] == []


def test_the_sparse_reference_note_only_for_a_cut_exact_front():
    class Exact:  # the two things the note reads of an exact run
        def __init__(self, points, n):
            self.meta = {"parameters": {"points": points}}
            self.front = pd.DataFrame({"cost": range(n)})

    full = DEFAULT_POINTS
    assert sparse_reference_note(Exact(full, 60), 200) == []  # the whole lattice
    assert sparse_reference_note(Exact(10, 10), 8) == []  # no sparser than the front
    note = sparse_reference_note(Exact(10, 10), 200)
    assert len(note) == 1 and "only 10 points" in note[0] and "can exceed 1" in note[0]
