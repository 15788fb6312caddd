"""The explorer with an out-of-sample evaluation beside its run (`explore RUN --realised DIR`):
what it embeds (mean, 10–90 % band, CVaR, P(unmet), NaN and inf as missing) and the page in
the real headless Chromium (tests/plots/test_explorer.py has the browser set-up)."""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
import pytest
from click.testing import CliRunner

from cli import cli
from jobs.front import write_front
from models.scenario import build_scenario
from moo.rundir import OutputDir, publish_run, read_run
from moo.rundir.output import REALISED
from moo.search.nsga import FrontSettings, run_front
from moo.search.termination import Budget
from moo.uncertainty.evaluate import evaluate_plans
from moo.uncertainty.plan import plans_from_run
from moo.uncertainty.realised import read_realised, realised_files
from plots.explorer import explorer_data, write_explorer
from plots.screenshot import open_page, wait_for
from tests.conftest import SITE_TOML
from tests.plots.test_explorer import SMALL

N = 8
UNCERTAIN = {"no_show": 0.2, "departure_error": {"std_h": 1.0},
             "base_load": {"sigma": 0.1, "rho_h": 0.8}, "pv": {"sigma": 0.3, "rho_h": 0.8}}


def _front(root, name, seed):
    data = tomllib.loads(SITE_TOML)
    data["uncertainty"] = UNCERTAIN
    sc = build_scenario(data)
    res = run_front(sc, FrontSettings("nsga2", encoding="vehicle", pop_size=16,
                                      budget=Budget(generations=4), seed=seed, memetic=SMALL))
    return write_front(root / name, sc, res, algorithm="nsga2", pop_size=16, clusters=1,
                       budget=Budget(generations=4), seed=seed)


def _realise(front_path, out):
    run = read_run(front_path)
    sc = dataclasses.replace(run.scenario, uncertainty=build_scenario(
        {**tomllib.loads(SITE_TOML), "uncertainty": UNCERTAIN}).uncertainty)
    evaluation = evaluate_plans(sc, plans_from_run(run), N)
    files, meta = realised_files(evaluation, run, scenario_sha256="0" * 64, spec={})
    with OutputDir(out, kind=REALISED) as target:
        publish_run(target, files, meta)
    return read_realised(out)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("explorer-realised")
    front = _front(root, "front", 1)
    realised = _realise(front, root / "real")
    page = write_explorer(read_run(front), realised=realised, out=root / "explore.html")
    return {"front": front, "realised": realised, "page": page, "root": root}


def test_embeds_the_spread_of_every_solution(runs):
    realised = runs["realised"]
    data = explorer_data(read_run(runs["front"]), realised=realised)["realised"]
    cost = realised.matrix("total_cost")  # [S, N] in front.csv order
    np.testing.assert_allclose(data["objectives"]["cost"]["mean"], cost.mean(axis=1),
                               rtol=1e-6)
    np.testing.assert_allclose(data["objectives"]["cost"]["p10"],
                               np.percentile(cost, 10, axis=1), rtol=1e-6)
    np.testing.assert_allclose(data["objectives"]["peak_valley"]["p90"],
                               np.percentile(realised.matrix("peak_valley"), 90, axis=1),
                               rtol=1e-6)
    np.testing.assert_allclose(data["p_unmet"], realised.summary["p_unmet"], atol=1e-4)
    assert data["n"] == N and data["alpha"] == 0.9
    assert explorer_data(read_run(runs["front"]))["realised"] is None


@pytest.fixture(scope="module")
def broken(runs):
    """The evaluation with solution 0's cost inf on every day, one NaN variance of solution
    1 and solution 0's P(unmet) NaN, and its page."""
    realised = runs["realised"]
    table = realised.table.copy()
    first, second = realised.run.front["solution"].iloc[:2]
    table.loc[table["solution"] == first, "total_cost"] = np.inf
    table.loc[(table["solution"] == second) & (table["realisation"] == 0), "variance"] = np.nan
    summary = realised.summary.copy()
    summary.loc[0, "p_unmet"] = np.nan
    bad = dataclasses.replace(realised, table=table, summary=summary)
    page = write_explorer(read_run(runs["front"]), realised=bad,
                          out=runs["root"] / "broken.html")
    return bad, page


def test_nan_and_inf_are_drawn_as_missing(runs, broken):
    data = explorer_data(read_run(runs["front"]), realised=broken[0])["realised"]
    cost = data["objectives"]["cost"]
    assert cost["mean"][0] is None and cost["p10"][0] is None and data["p_unmet"][0] is None
    assert cost["mean"][1] is not None
    v = runs["realised"].matrix("variance")[1, 1:]
    assert data["objectives"]["variance"]["mean"][1] == pytest.approx(v.mean(), rel=1e-6)


@pytest.fixture(scope="module")
def driver(browser):
    return browser


def _severe(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_page_draws_the_spread_and_the_detail(driver, runs):
    open_page(driver, runs["page"])
    realised = runs["realised"]
    s = len(realised.summary)
    shown = driver.execute_script("""
        const gd = document.getElementById('realised');
        return {n: gd.data.length, shown: getComputedStyle(
                    document.getElementById('realised-card')).display,
                bars: document.querySelectorAll('#realised g.errorbar path.yerror').length,
                text: gd.data[1].text[0], order: gd.data[1].customdata,
                up: gd.data[1].error_y.array, mean: gd.data[1].y};""")
    assert shown["n"] == 6 and shown["shown"] != "none"  # planned + realised, 3 objectives
    assert shown["bars"] == 3 * s  # one whisker per solution and objective
    assert "P(unmet &gt; 0)" in shown["text"] or "P(unmet > 0)" in shown["text"]
    cost = realised.matrix("total_cost")
    r = shown["order"][0]
    assert shown["mean"][0] == pytest.approx(cost[r].mean(), rel=1e-5)
    assert shown["up"][0] == pytest.approx(np.percentile(cost[r], 90) - cost[r].mean(),
                                           rel=1e-4, abs=1e-4)
    driver.execute_script(f"window.explorer.select({r})")
    wait_for(driver, "return document.getElementById('detail-realised') !== null", 10)
    cell = driver.find_element("css selector", '#detail-realised td[data-col="p_unmet"]').text
    assert cell == f"{realised.summary['p_unmet'].iloc[r]:.2f}"
    assert _severe(driver) == []


def test_page_with_missing_values_has_no_errors(driver, runs, broken):
    open_page(driver, broken[1])
    drawn = driver.execute_script("""
        const gd = document.getElementById('realised');
        return {bars: document.querySelectorAll('#realised g.errorbar path.yerror').length,
                missing: gd.data[1].y.filter((v) => v === null).length};""")
    s = len(runs["realised"].summary)
    assert drawn["missing"] == 1  # solution 0's cost: drawn as missing
    assert drawn["bars"] == 3 * s - 1
    assert _severe(driver) == []


def test_cli_reads_the_realised_directory_or_takes_it_as_run(runs, tmp_path):
    out = tmp_path / "x.html"
    real = runs["realised"].path
    result = CliRunner().invoke(cli, ["explore", str(real), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert '"realised":{"path"' in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["explore", str(runs["front"]), "--realised", str(real),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    other = _front(tmp_path, "other", 2)
    result = CliRunner().invoke(cli, ["explore", str(other), "--realised", str(real),
                                      "--out", str(tmp_path / "y.html")])
    assert result.exit_code == 2 and "not an evaluation of the run" in result.output
    assert len(result.output.strip().splitlines()) == 1
