"""The explorer page (`plots.explorer`) in a real headless Chromium, offline: it draws every
trace without a console error, a click on a point shows that point's cost, and brushing a
parallel-coordinates axis filters the table and the other views. Plus what it embeds.

Chromium and chromedriver come from the Debian packages (`.ci/run` installs them); nothing
is downloaded at run time: selenium gets both paths and SE_OFFLINE, and the browser runs
with every host unresolvable and a proxy to a closed port.
"""

from __future__ import annotations

import io
import json
import re

import matplotlib.image as mpimg
import numpy as np
import pytest
from click.testing import CliRunner

from cli import cli
from jobs.exact import write_exact
from jobs.front import write_front
from jobs.select import save_ahp
from models.scenario import load_scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.decide import decide_ahp
from moo.exact.front import exact_front
from moo.problems.baselines import baseline
from moo.rundir import read_run, write_run
from moo.rundir import run as rundir
from moo.search.nsga import FrontSettings, Memetic, run_front
from moo.search.termination import Budget
from plots.explorer import explorer_data, write_explorer
from plots.screenshot import brush, open_page, wait_for
from tests.conftest import SITE_TOML

SMALL = Memetic(divisions=2, seed_moves_per_var=20.0, per_generation=2,
                generation_moves_per_var=5.0)


def _front_run(root, site_path):
    """A small real front of the tiny site, with baselines, exact reference and AHP picks."""
    sc = load_scenario(site_path)
    res = run_front(sc, FrontSettings("nsga2", encoding="vehicle", pop_size=24,
                                      budget=Budget(generations=6), seed=1, memetic=SMALL))
    front = write_front(root / "front", sc, res, algorithm="nsga2",
                        pop_size=24, clusters=1, budget=Budget(generations=6), seed=1)
    bases = [write_run(root / f"b-{m}", sc, baseline(sc, m)[None], algorithm=m, n_evals=1)
             for m in ("uncoordinated", "ordered")]
    exact = write_exact(root / "exact", sc, exact_front(sc, 10))
    judgements = load_default_judgements()
    front_run, exact_run = read_run(front), read_run(exact)
    for mode in ("economy", "response"):  # as `v2g-pareto select --mode` writes them
        chosen, decision = decide_ahp(front_run, judgements, mode, "weighted-sum",
                                      reference=exact_run)
        save_ahp(front_run, chosen, decision)
    return front, exact, bases


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("explorer")
    site = root / "site.toml"
    site.write_text(SITE_TOML)
    front, exact, bases = _front_run(root, site)
    page = write_explorer(read_run(front), reference=read_run(exact),
                          baselines=[read_run(b) for b in bases], out=root / "explore.html")
    return {"front": front, "exact": exact, "bases": bases, "page": page}


@pytest.fixture(scope="module")
def page(runs, browser):
    open_page(browser, runs["page"])
    return browser


def _severe(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _colours(png: bytes) -> int:
    """Distinct colours of a screenshot: a blank or failed WebGL canvas has one or two."""
    img = mpimg.imread(io.BytesIO(png), format="png")[:, :, :3]
    return len(np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0))


def test_page_draws_every_trace_without_console_errors(page, runs):
    assert _severe(page) == []
    data = explorer_data(read_run(runs["front"]), read_run(runs["exact"]),
                         [read_run(b) for b in runs["bases"]])
    marks = 1 + len(data["baselines"]) + len(data["marks"]) + bool(data.get("knees"))
    counts = page.execute_script("""
        const n = (id) => document.getElementById(id).data.length;
        const full = (id) => document.getElementById(id)._fullData.length;
        const drawn = (id) => document.getElementById(id).data.filter((t) => t.x.length).length;
        return {d3: [n('front3d'), full('front3d')], proj: [n('projections'),
                full('projections'), drawn('projections'),
                document.querySelectorAll('#projections g.trace').length],
                pc: document.getElementById('parcoords')._fullData[0].dimensions.length,
                net: n('netload'), wmap: n('weightmap'),
                rows: document.querySelectorAll('#brushed tbody tr').length,
                pts: document.querySelectorAll('#projections .trace:first-child path.point')
                     .length};""")
    assert counts["d3"] == [3 + marks, 3 + marks]  # brushed, ghost, selection + marks
    # every trace is there, and each with points has its SVG group (only the ghosts of
    # points outside the brush are empty: nothing is brushed yet)
    assert counts["proj"] == [3 * (3 + marks)] * 2 + [3 * (2 + marks)] * 2
    assert counts["pc"] == len(data["parcoords"])
    assert counts["net"] == 3 + 2 + 1  # PV, base load, base - PV, two baselines, solution
    # the lattice, then each mode's weights, its experts and its nearest flip
    assert data["weightmap"] is not None and counts["wmap"] == 1 + len(data["weightmap"]["points"])
    assert len(data["weightmap"]["points"]) >= 4
    assert counts["rows"] == len(data["rows"])
    assert counts["pts"] == 3 * len(data["rows"])  # each point in every projection
    for view in ("front3d", "parcoords", "fleet", "weightmap"):  # WebGL and SVG painted
        png = page.find_element("id", view).screenshot_as_png
        assert _colours(png) > 50, view


def test_click_on_a_point_shows_its_cost(page, runs):
    """A real mouse click (not a synthetic event) on the most isolated point of the first
    projection, so plotly's own hit test must pick it."""
    from selenium.webdriver.common.action_chains import ActionChains

    row = page.execute_script("""
        const pts = Array.from(document.querySelectorAll(
            '#projections .subplot.xy .trace.scatter path.point'));
        const front = Array.from(document.querySelectorAll(
            '#projections .subplot.xy .trace.scatter:first-child path.point'));
        const c = (p) => { const r = p.getBoundingClientRect();
                           return [r.x + r.width / 2, r.y + r.height / 2]; };
        const sel = window.explorer.state.selected;
        let best = -1, far = -1;
        front.forEach((p, i) => {
          if (i === sel) return;
          const [x, y] = c(p);
          const d = Math.min(...pts.filter((q) => q !== p).map((q) => {
            const [u, v] = c(q); return Math.hypot(u - x, v - y); }));
          if (d > far) { far = d; best = i; }
        });
        return best;""")
    point = page.find_elements("css selector",
                               "#projections .subplot.xy .trace.scatter:first-child path.point")
    ActionChains(page).move_to_element(point[row]).pause(0.3).click().perform()
    wait_for(page, f"return window.explorer.state.selected === {row}", 10)
    front = read_run(runs["front"]).front
    cost = f"{front['cost'].iloc[row]:,.2f}"
    shown = page.find_element("css selector", '#detail-kpis td[data-col="cost"]').text
    assert shown == cost
    title = page.find_element("id", "detail-title").text
    assert f"Solution {int(front['solution'].iloc[row])}" in title
    rates = page.find_elements("css selector", "#detail-rates tr")
    assert len(rates) == 1 + 3  # header + three objective pairs
    n_traces = page.execute_script("return document.getElementById('netload').data.length")
    last = page.execute_script(
        "const d = document.getElementById('netload').data; return d[d.length - 1].name")
    assert n_traces == 6 and last == f"Solution {int(front['solution'].iloc[row])}"
    assert _severe(page) == []


def test_brushing_cost_filters_table_and_views(page, runs):
    front = read_run(runs["front"]).front
    cost = front["cost"].to_numpy()
    lo, hi = float(cost.min()), float(np.median(cost))
    expected = int(((cost >= lo) & (cost <= hi)).sum())
    assert 0 < expected < len(cost)
    assert brush(page, "cost", lo, hi) == expected  # a restyle, as a mouse brush makes
    assert len(page.find_elements("css selector", "#brushed tbody tr")) == expected
    shown = page.execute_script("""
        return {d3: document.getElementById('front3d').data[0].x.length,
                ghost: document.getElementById('front3d').data[1].x.length,
                proj: document.querySelectorAll(
                    '#projections .trace.scatter:first-child path.point').length,
                csv: window.explorer.csvText().trim().split('\\n').length,
                count: document.getElementById('table-count').textContent};""")
    assert shown["d3"] == expected and shown["ghost"] == len(cost) - expected
    assert shown["proj"] == 3 * expected  # in each of the three projections
    assert shown["csv"] == expected + 1  # header + brushed rows
    assert shown["count"] == f"({expected} of {len(cost)})"
    costs = [float(r.text.replace(",", "")) for r in page.find_elements(
        "css selector", "#brushed tbody tr td:nth-child(2)")]
    assert max(costs) <= round(hi, 2) + 0.005
    page.find_element("id", "clear-brush").click()
    wait_for(page, f"return document.querySelectorAll('#brushed tbody tr').length === {len(cost)}")
    assert _severe(page) == []


def test_embeds_aggregates_only_for_stored_schedules(runs, tmp_path, monkeypatch):
    """Above the storage rule's budget only the kept solutions carry fleet power/SOC; every
    solution keeps its net load; nothing per-vehicle is embedded."""
    whole = read_run(runs["front"])
    sc = whole.scenario
    ev = np.stack([whole.ev_power(r) for r in range(len(whole.front))])  # [S, N, T]
    bess = whole.schedules["bess_power"]  # [S, T]
    monkeypatch.setattr(rundir, "EV_STORE_VALUES", ev[0].size * 3)  # "large": > 3 solutions
    path = write_run(tmp_path / "front", sc, ev, bess, algorithm="nsga2", ev_keep=[0, 2, 5])
    run = read_run(path)
    kept = {r for r in range(len(run.front)) if run.ev_power(r) is not None}
    assert kept == {0, 2, 5}
    data = explorer_data(run)
    assert {int(k) for k in data["stored"]} == kept
    assert np.array(data["net_load_kw"]).shape == (len(run.front), sc.slots)
    r = min(kept)
    ev = run.ev_power(r)
    agg = data["stored"][str(r)]
    np.testing.assert_allclose(agg["charge_kw"], np.maximum(ev, 0).sum(axis=0), atol=0.05)
    np.testing.assert_allclose(agg["discharge_kw"], np.maximum(-ev, 0).sum(axis=0), atol=0.05)
    assert set(agg) == {"charge_kw", "discharge_kw", "soc_mean_pct", "soc_p10_pct",
                        "soc_p90_pct", "bess_kw", "bess_soc_pct"}
    assert all(len(v) in (sc.slots, sc.slots + 1) for v in agg.values())


def test_page_is_self_contained(runs):
    text = runs["page"].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    data = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>',
                     text, re.S).group(1)
    assert json.loads(data)["columns"][:4] == ["solution", "cost", "variance", "peak_valley"]


def test_cli_explore_writes_the_page_and_rejects_bad_input(runs, tmp_path):
    out = tmp_path / "x.html"
    result = CliRunner().invoke(cli, ["explore", str(runs["front"]), "--out", str(out),
                                      "--reference", str(runs["exact"]),
                                      "--baseline", str(runs["bases"][0])])
    assert result.exit_code == 0, result.output
    assert out.is_file() and f"wrote {out}" in result.output
    for args, words in (([str(runs["bases"][0])], "not a front"),
                        ([str(tmp_path)], "not a run directory"),
                        ([str(runs["front"]), "--out", str(tmp_path)], "is a directory"),
                        ([str(runs["front"]), "--baseline", str(runs["exact"])],
                         "not a baseline run")):
        result = CliRunner().invoke(cli, ["explore", *args])
        assert result.exit_code == 2, result.output
        assert words in result.output and len(result.output.strip().splitlines()) == 1
        assert "Traceback" not in result.output
