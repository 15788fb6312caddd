"""Values a valid run can hold that are not finite numbers (``peak_valley_pct`` of a site whose
net load never peaks above 0): every JSON the tool writes holds them as ``null``, the one rule
of `moo.util.jsontext`, so the explorer draws them as missing and never crashes."""

from __future__ import annotations

import ast
import copy
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from moo.util.jsontext import dumps, finite
from plots.screenshot import open_page
from tests.conftest import MINIMAL, to_toml
from tests.hostile.conftest import FRONT_ARGS, invoke, ok

ROOT = Path(__file__).resolve().parents[2]
# json.dumps kept where the text is only hashed (a run directory's name, a scenario digest):
# changing its bytes would rename existing sweep runs and orphan checkpoints.
HASH_ONLY = {"scenario_digest", "_run_hash"}


def _strict(text: str):
    """JSON as a browser or jq reads it: NaN, Infinity and -Infinity are errors."""
    def refuse(token):
        raise AssertionError(f"non-JSON token {token} in {text[:200]}")

    return json.loads(text, parse_constant=refuse)


def _json_writes(tree) -> list[tuple[int, str]]:
    """(line, enclosing function) of every ``json.dump``/``json.dumps`` call."""
    where = {}
    for func in ast.walk(tree):  # outer functions first: an inner one overwrites
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(func):
                where[id(node)] = func.name
    return [(n.lineno, where.get(id(n), "<module>")) for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr in ("dump", "dumps") and isinstance(n.func.value, ast.Name)
            and n.func.value.id == "json"]


def test_every_json_writer_goes_through_the_one_rule():
    paths = [ROOT / "cli.py", *[p for top in ("models", "moo", "plots", "jobs", "studies")
                                for p in sorted((ROOT / top).rglob("*.py"))]]
    offenders = [f"{path.relative_to(ROOT)}:{line} in {name}" for path in paths
                 if path != ROOT / "moo" / "util" / "jsontext.py"
                 for line, name in _json_writes(ast.parse(path.read_text()))
                 if name not in HASH_ONLY]
    assert offenders == [], f"write JSON with moo.util.jsontext.dumps: {offenders}"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float32("nan"),
                                   np.float64("inf")])
def test_a_non_finite_value_is_null_at_any_depth(value):
    data = {"a": [1.0, value, {"b": (value, np.int64(2), np.bool_(True))}],
            "c": np.array([[value, 0.5]])}
    assert _strict(dumps(data)) == {"a": [1.0, None, {"b": [None, 2, True]}],
                                    "c": [[None, 0.5]]}
    assert finite(data)["a"][2]["b"][1] == 2 and data["a"][1] is value  # never in place


@pytest.fixture(scope="module")
def negative_site(tmp_path_factory) -> dict[str, Path]:
    """A site that exports all day (net load never above 0): peak_valley_pct is NaN in
    every row of its front and in its meta's baselines; a front, its selection and export."""
    root = tmp_path_factory.mktemp("negative")
    data = copy.deepcopy(MINIMAL)
    data["grid"]["base_load"] = {"kw": [-500.0, -400.0]}
    (root / "site.toml").write_text(to_toml(data))
    run = root / "front"
    ok(invoke("front", "--scenario", root / "site.toml", *FRONT_ARGS, "--out", run))
    ok(invoke("select", run, "--mode", "economy"))
    ok(invoke("export", run, "--selection", "economy", "--format", "ocpp21", "--date",
              "2026-06-01", "--out", root / "ops"))
    ok(invoke("explore", run))
    return {"root": root, "run": run, "ops": root / "ops", "page": run / "explore.html"}


def _page_data(page: Path) -> dict:
    found = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>',
                      page.read_text(), re.S)
    return _strict(found.group(1).replace("<\\/", "</").replace("<\\!--", "<!--"))


def test_the_run_holds_values_that_are_not_finite(negative_site):
    from moo.rundir import read_run

    front = read_run(negative_site["run"]).front
    assert front["peak_valley_pct"].isna().all() and (front["peak_kw"] < 0).all()


def test_explore_writes_a_page_whose_missing_values_are_null(negative_site):
    data = _page_data(negative_site["page"])
    col = data["columns"].index("peak_valley_pct")
    assert data["rows"] and all(row[col] is None for row in data["rows"])
    assert all(row[data["columns"].index("cost")] is not None for row in data["rows"])
    assert "peak_valley_pct" not in data["parcoords"]


def test_every_json_file_the_run_and_its_exports_hold_is_strict_json(negative_site):
    texts = {p: p.read_text() for key in ("run", "ops")
             for p in sorted(negative_site[key].rglob("*.json"))}
    assert {negative_site["run"] / "meta.json", negative_site["run"] / "selection-economy.json",
            negative_site["ops"] / "meta.json"} <= set(texts)  # the export's manifest
    assert any(p.parent.name == "profiles" for p in texts)
    for text in texts.values():
        _strict(text)
    meta = _strict(texts[negative_site["run"] / "meta.json"])
    assert meta["baselines"]["uncoordinated"]["peak_valley_pct"] is None


def test_json_output_of_commands_is_strict_json(negative_site):
    run = negative_site["run"]
    for args in (("compare", run, "--json"), ("select", run, "--mode", "economy", "--json"),
                 ("select", run, "--where", "cost<=0", "--json")):
        result = invoke(*args)
        assert result.exit_code in (0, 1), result.output
        _strict(result.output.strip().splitlines()[-1])


def test_the_page_draws_missing_values_as_missing_in_a_browser(negative_site, browser):
    open_page(browser, negative_site["page"])
    browser.execute_script("window.explorer.select(0)")
    shown = browser.find_element("css selector",
                                 '#detail-kpis td[data-col="peak_valley_pct"]').text
    csv = browser.execute_script("return window.explorer.csvText()")
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert shown == "–"
    header, first = csv.splitlines()[:2]
    assert first.split(",")[header.split(",").index("peak_valley_pct")] == ""
    assert "null" not in csv and severe == []
