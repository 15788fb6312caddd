"""The interactive explorer of a front run: one self-contained HTML file (``v2g-pareto explore``).

The page holds plotly.js (inlined, so it opens from disk with no network), the run's data as
one JSON block, and a small controller (`explorer.js` beside this module) that links the
views: the 3-D front, its three pairwise projections, parallel coordinates whose brushing
filters every other view and the table of brushed solutions (downloadable as CSV), and the
AHP weight map; with an out-of-sample evaluation of the run (``v2g-pareto realise``), each
solution's realised mean and 10–90 % band per objective. A click on any solution shows its
KPI row (and its out-of-sample summary), its net load against the base load and the
baselines, its trade-off rates and, where the run stored its per-vehicle schedule, the
fleet's power and SOC.

What is embedded, so the file stays small for any fleet size: front.csv, the net load of
every solution (schedules.npz keeps it complete, [S, T]) and, for the solutions whose
per-vehicle powers the run stored, fleet aggregates only (charge and discharge power per
slot, mean and 10–90 % band of the plugged vehicles' SOC, the BESS power and SOC): never a
per-vehicle array. Values are rounded to what a plot can show (0.1 kW, 0.1 % SOC). A value
that is not a finite number (``peak_valley_pct`` of a site whose net load never peaks above
0) is written as ``null`` (`moo.util.jsontext`) and drawn as missing.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import numpy as np
import plotly
from plotly.offline import get_plotlyjs

from models.errors import InputError
from models.scenario import Scenario
from moo.decision.decide import tradeoffs_at
from moo.decision.knees import knees
from moo.decision.tradeoffs import PAIRS
from moo.problems.objectives import KPI_COLUMNS
from moo.rundir import OutputFile, Run
from moo.rundir.output import EXPLORE
from moo.uncertainty.realised import Realised
from moo.uncertainty.risk import OBJECTIVE_MEASURES
from moo.util.jsontext import dumps, finite
from plots.points import baseline_points, read_selections, selected_points
from plots.report import check_shown
from plots.soc import bess_soc, fleet_soc
from plots.style import LOOKS, OBJECTIVES, look, objective_label, objective_unit

DEFAULT_NAME = "explore.html"
# Parallel-coordinates axes after the objectives (those that vary over the front).
PARCOORDS_EXTRA = ("peak_kw", "valley_kw", "v2g_energy_kwh", "degradation_cost", "satisfaction")
# Matplotlib markers of `plots.style.LOOKS` as plotly symbols (2-D; 3-D has fewer symbols).
SYMBOLS_2D = {"o": "circle", "s": "square", "D": "diamond", "*": "star", "P": "cross",
              "v": "triangle-down", "^": "triangle-up", "x": "x", "": "circle"}
SYMBOLS_3D = {"o": "circle", "s": "square", "D": "diamond", "*": "diamond", "P": "cross",
              "v": "diamond-open", "^": "square-open", "x": "x", "": "circle"}
KPI_UNITS = {"std_kw": "kW", "peak_kw": "kW", "valley_kw": "kW", "peak_valley_pct": "%",
             "ev_energy_kwh": "kWh", "v2g_energy_kwh": "kWh", "satisfaction": "share"}
TRADEOFF_LABELS = {
    "cost_per_kw_peak_valley": "{currency} per kW of peak-to-valley",
    "cost_per_kw_std": "{currency} per kW of net-load std",
    "kw_std_per_kw_peak_valley": "kW of std per kW of peak-to-valley",
}
KPI_LABELS = {"std_kw": "Net-load std", "peak_kw": "Peak", "valley_kw": "Valley",
              "peak_valley_pct": "Peak-to-valley / peak", "grid_cost": "Grid cost",
              "degradation_cost": "Degradation cost", "ev_energy_kwh": "EV energy",
              "v2g_energy_kwh": "V2G energy", "satisfaction": "Targets met"}


def _rounded(values, decimals: int) -> list:
    """A float array as nested lists rounded to ``decimals``; a value that is not a finite
    number becomes None (null: the JSON rule, `moo.util.jsontext.finite`)."""
    return finite(np.round(np.asarray(values, dtype=float), decimals))


def _look(key: str) -> dict:
    lk = look(key)
    return {"color": lk.color, "label": lk.label, "symbol": SYMBOLS_2D.get(lk.marker, "circle"),
            "symbol3d": SYMBOLS_3D.get(lk.marker, "circle")}


def fleet_aggregates(scenario: Scenario, ev_power_kw: np.ndarray,
                     bess_power_kw: np.ndarray | None) -> dict:
    """Per-slot fleet power and SOC statistics of one schedule (``ev_power_kw`` [N, T]).

    Charge and discharge are grid-side sums over the fleet [T]; SOC statistics [T+1] are over
    the vehicles plugged in at each slot boundary (null where none is).
    """
    ev = np.asarray(ev_power_kw, dtype=float)
    soc_pct = 100.0 * fleet_soc(scenario, ev)  # [N, T+1]
    plugged = (~np.isnan(soc_pct)).any(axis=0)  # [T+1]
    mean, p10, p90 = (np.full(scenario.slots + 1, np.nan) for _ in range(3))
    if plugged.any():
        mean[plugged] = np.nanmean(soc_pct[:, plugged], axis=0)
        p10[plugged], p90[plugged] = np.nanpercentile(soc_pct[:, plugged], [10, 90], axis=0)
    agg = {
        "charge_kw": _rounded(np.maximum(ev, 0.0).sum(axis=0), 1),
        "discharge_kw": _rounded(np.maximum(-ev, 0.0).sum(axis=0), 1),
        "soc_mean_pct": _rounded(mean, 1),
        "soc_p10_pct": _rounded(p10, 1),
        "soc_p90_pct": _rounded(p90, 1),
    }
    if scenario.bess is not None:
        bess = np.zeros(scenario.slots) if bess_power_kw is None else bess_power_kw
        agg["bess_kw"] = _rounded(bess, 1)
        agg["bess_soc_pct"] = _rounded(100.0 * bess_soc(scenario, bess), 1)
    return agg


def tradeoff_data(run: Run, reference: Run | None, exact_rows: Sequence[int]) -> dict:
    """Trade-off rates (`moo.decision.tradeoffs`): the local estimate at every row, the
    exact supporting-hyperplane one at ``exact_rows`` (about 0.05 s per point, so only at
    the marked points: picks and knees)."""
    f, ids = run.objectives, run.front["solution"].to_numpy()
    currency = run.scenario.currency or "currency"
    local = [[tradeoffs_at(f, r, None, ids)["local"]["rates"][p] for p in PAIRS]
             for r in range(len(f))]
    exact = {}
    if reference is not None:
        for r in sorted(set(exact_rows)):
            t = tradeoffs_at(f, r, reference.objectives, ids)["exact_hyperplane"]
            exact[str(r)] = {"rates": [t["rates"][p] for p in PAIRS],
                             "ranges": [(t.get("ranges") or {}).get(p) for p in PAIRS]}
    return {
        "pairs": [TRADEOFF_LABELS[p].format(currency=currency) for p in PAIRS],
        "local": local,
        "exact": exact,
        "note": "What one unit less of the second objective costs in the first, the third "
                "held fixed. Local: plane fitted to the nearest front points (normalised "
                "space, normal ≥ 0). Exact: supporting weights of the nearest exact "
                "weighted-QP optimum (range over that cone), at marked points only "
                "(v2g-pareto select … --reference EXACT_RUN gives it at any chosen point).",
    }


def weight_map_data(run: Run) -> dict | None:
    """The AHP weight map of the run's selection files (`moo.decision.sensitivity`): the
    lattice weights and the row each picks; every mode's weights, experts and nearest flip."""
    row_of = {int(s): r for r, s in enumerate(run.front["solution"])}
    kept = {m: saved.data for m, saved in read_selections(run).items()}
    chosen = {m: d for m, d in kept.items()
              if isinstance(d.get("sensitivity"), dict) and "weight_map" in d["sensitivity"]}
    if not chosen:
        return None
    first = next(iter(chosen.values()))["sensitivity"]["weight_map"]
    order = [list(first["objectives"]).index(k) for k in OBJECTIVES]
    unknown = [s for s in first["solution"] if int(s) not in row_of]
    if unknown:
        raise InputError(f"{run.path}: the weight map names solution {unknown[0]}, not in "
                         "front.csv (the front changed?); run `v2g-pareto select` again")

    def weights(named) -> list[float]:
        return [round(float(named[k]), 4) for k in OBJECTIVES]

    points = []
    for mode, data in chosen.items():
        sens = data["sensitivity"]
        lk = _look(mode)
        points.append({"kind": "mode", "label": f"{lk['label']} weights",
                       "weights": weights(data["weights"]), "row": row_of[int(data["solution"])],
                       "color": lk["color"]})
        for e in sens.get("experts", []):
            points.append({"kind": "expert", "label": f"{mode}: {e['name']}",
                           "weights": weights(e["weights"]), "row": row_of[int(e["solution"])],
                           "color": lk["color"]})
        if sens.get("flip_weights") is not None:
            points.append({"kind": "flip", "label": f"{mode}: nearest flip "
                           f"(L1 {float(sens['min_l1_change']):.3f})",
                           "weights": weights(sens["flip_weights"]),
                           "row": row_of[int(sens["flip_solution"])], "color": "#000000"})
    grid = np.round(np.asarray(first["weights"], float)[:, order], 4)  # [G, 3]
    return {
        "weights": grid.tolist(),
        "rows": [row_of[int(s)] for s in first["solution"]],
        "points": points,
        "note": f"Each weight vector of a simplex lattice (step {first.get('step', '?')}) "
                "coloured by the cost of the solution its weighted sum picks; click one to "
                "see that solution. Star: a mode's AHP weights; circles: its experts; "
                "cross: the nearest weight change that changes the pick.",
    }


def _row_stats(values: np.ndarray) -> dict:
    """Mean, 10 % and 90 % quantiles of each row [S, N], over its finite values (null where
    a row has none)."""
    v = np.asarray(values, dtype=float)
    v = np.where(np.isfinite(v), v, np.nan)  # an infinite day must not make the mean inf
    ok = np.isfinite(v).any(axis=1)
    mean, p10, p90 = (np.full(v.shape[0], np.nan) for _ in range(3))
    if ok.any():
        mean[ok] = np.nanmean(v[ok], axis=1)
        p10[ok], p90[ok] = np.nanpercentile(v[ok], [10, 90], axis=1)
    return {"mean": _rounded(mean, 6), "p10": _rounded(p10, 6), "p90": _rounded(p90, 6)}


def realised_data(realised: Realised) -> dict:
    """The out-of-sample spread of every front row (`v2g-pareto realise`): per objective the
    mean, 10–90 % band and CVaR over the realisations; P(unmet > 0) and mean unmet energy."""
    s = realised.summary  # in front.csv order
    draw = realised.draw
    days = "real days of the session history" if draw.by_day else "drawn days"
    objectives = {}
    # Each objective's realised measure, as `select --risk` scores it.
    for name, measure in zip(OBJECTIVES, OBJECTIVE_MEASURES, strict=True):
        stats = _row_stats(realised.matrix(measure))
        stats["cvar"] = _rounded(s[f"{measure}_cvar"], 6)
        objectives[name] = stats
    return {
        "path": str(realised.path),
        "alpha": realised.alpha,
        "n": realised.realisations,
        "objectives": objectives,
        "p_unmet": _rounded(s["p_unmet"], 4),
        "unmet_kwh": _rounded(s["unmet_kwh_mean"], 3),
        "note": f"Each solution's plan dispatched on {realised.realisations} {days} "
                f"({realised.path}): the realised mean with its 10–90 % band (whiskers) "
                "against the planned value (open circle), solutions ordered by planned "
                "cost. Cost includes the imbalance cost. Hover: P(unmet > 0) is the share "
                "of days on which some car leaves short of what its actual stay allowed.",
    }


def _clock_ticks(scenario: Scenario) -> dict:
    """Tick positions (h since the horizon start) and clock labels every 3 h."""
    start = scenario.time.start_hour
    ticks = np.arange((-start) % 3, scenario.slots * scenario.dt_h + 1e-9, 3.0)
    return {"values": ticks.tolist(), "labels": [f"{round(start + x) % 24:02d}:00" for x in ticks]}


def explorer_data(run: Run, reference: Run | None = None,
                  baselines: Sequence[Run] = (), realised: Realised | None = None) -> dict:
    """Everything the page draws, as JSON-ready lists (no per-vehicle arrays); with
    ``realised`` (an evaluation of this run) each point's out-of-sample spread."""
    if realised is not None:
        realised.require_of(run)
    if len(run.front) < 2:
        raise InputError(f"{run.path}: one solution, not a front (explore needs a front run)")
    scenario = run.scenario
    front = run.front
    currency = scenario.currency or "currency"
    kpis = [c for c in KPI_COLUMNS if c in front.columns]
    columns = ["solution", *OBJECTIVES, *kpis]
    units = {**{k: objective_unit(k, currency) for k in OBJECTIVES}, **KPI_UNITS,
             "grid_cost": currency, "degradation_cost": currency}
    labels = {**{k: objective_label(k, currency) for k in OBJECTIVES}, **KPI_LABELS}
    sched = run.schedules
    net = sched["net_load"]  # [S, T]
    bess_all = sched.get("bess_power")  # [S, T] or None
    ids = front["solution"].to_numpy()
    row_of = {int(s): r for r, s in enumerate(ids)}

    stored = {}
    for r in range(len(front)):
        ev = run.ev_power(r)
        if ev is not None:
            bess = None if bess_all is None else bess_all[r]
            stored[str(r)] = fleet_aggregates(scenario, ev, bess)

    marks = []
    for p in selected_points(run):
        marks.append({"kind": "pick", "key": p.key, "row": row_of[p.solution], **_look(p.key),
                      "label": p.label})
    base = []
    for p in baseline_points(run, baselines):
        base.append({"key": p.key, **_look(p.key), "objectives": p.objectives.tolist(),
                     "net_load_kw": None if p.net_load_kw is None
                     else _rounded(p.net_load_kw, 1)})
    ref = None
    if reference is not None:
        algorithm = str(reference.meta.get("algorithm", "reference"))
        ref = {**_look("reference"), "label": f"Reference front ({algorithm})",
               "objectives": reference.objectives.tolist()}
    knee = knees(run.objectives)
    # An axis takes a column that varies and is finite in every row (a line has nowhere to
    # cross a missing value); the table and the detail show a missing value as "–".
    varying = [c for c in PARCOORDS_EXTRA if c in front.columns
               and np.isfinite(front[c].to_numpy(float)).all()
               and float(front[c].max() - front[c].min()) > 1e-9 * max(1.0, abs(front[c].max()))]
    g = scenario.grid
    return {
        "title": f"{scenario.name}: {run.meta.get('algorithm', 'front')} front "
                 f"of {len(front)} solutions",
        "run": str(run.path),
        "currency": currency,
        "vehicles": int(scenario.fleet.n),
        "objectives": list(OBJECTIVES),
        "columns": columns,
        "labels": labels,
        "units": units,
        "parcoords": [*OBJECTIVES, *varying],
        "rows": [[int(v) if c == "solution" else float(v) for c, v in zip(columns, row,
                                                                      strict=True)]
                 for row in front[columns].itertuples(index=False)],
        "time": {"dt_h": scenario.dt_h, "slots": scenario.slots, "ticks": _clock_ticks(scenario)},
        "site": {"base_load_kw": _rounded(g.base_load_kw, 1),
                 "net_base_kw": _rounded(g.net_base_kw, 1),
                 "pv_kw": _rounded(g.pv_kw, 1),
                 "price_buy": _rounded(g.price_buy, 6),
                 "has_bess": scenario.bess is not None},
        "net_load_kw": _rounded(net, 1),
        "stored": stored,
        "marks": marks,
        "baselines": base,
        "reference": ref,
        "knees": list(knee.rows),
        "knee_note": f"Knees: {knee.to_dict()['definition']}, epsilon {knee.epsilon:g}.",
        "tradeoffs": tradeoff_data(run, reference, [m["row"] for m in marks] + list(knee.rows)),
        "weightmap": weight_map_data(run),
        "realised": None if realised is None else realised_data(realised),
        "looks": {k: _look(k) for k in ("front", "solution", "base_load", "net_base", "pv",
                                        "ev_charge", "ev_discharge", "ev_soc", "bess_soc",
                                        "bess_charge")
                  if k in LOOKS},
    }


def _json_script(data: dict) -> str:
    """JSON safe inside a <script> element (no ``</`` can close it early)."""
    text = dumps(data, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def explorer_html(run: Run, reference: Run | None = None, baselines: Sequence[Run] = (),
                  realised: Realised | None = None) -> str:
    """The explorer page of a front run as one HTML string."""
    data = explorer_data(run, reference, baselines, realised)
    here = files("plots")
    css = here.joinpath("explorer.css").read_text(encoding="utf-8")
    controller = here.joinpath("explorer.js").read_text(encoding="utf-8")
    title = html.escape(data["title"])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="v2g-pareto explore (plotly.js {plotly.__version__})">
<title>{title}</title>
<style>
{css}
</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<header>
  <h1>{title}</h1>
  <p class="sub">Run <code>{html.escape(data["run"])}</code> · {data["vehicles"]:,} vehicles ·
  brush the parallel-coordinates axes to filter every view; click a solution for its detail.</p>
</header>
<main>
  <section class="card wide-left"><h2>Front (3-D)</h2><p class="hint" id="front-note"></p>
    <div id="front3d" class="plot tall"></div>
  </section>
  <section class="card" id="detail"><h2>Solution</h2>
    <p class="hint" id="detail-empty">Click a solution in any view or a row of the table.</p>
    <div id="detail-body"></div></section>
  <section class="card full"><h2>Pairwise projections</h2>
    <div id="projections" class="plot"></div></section>
  <section class="card full"><h2>Parallel coordinates
    <button id="clear-brush" type="button">Clear brushing</button></h2>
    <div id="parcoords" class="plot"></div></section>
  <section class="card full" id="realised-card"><h2>Out of sample</h2>
    <p class="hint" id="realised-note"></p><div id="realised" class="plot tall"></div></section>
  <section class="card half"><h2>Net load</h2><div id="netload" class="plot"></div></section>
  <section class="card half"><h2>Fleet power and SOC</h2>
    <p class="hint" id="fleet-note"></p><div id="fleet" class="plot"></div></section>
  <section class="card half" id="weightmap-card"><h2>AHP weight map</h2>
    <p class="hint" id="weightmap-note"></p><div id="weightmap" class="plot"></div></section>
  <section class="card half"><h2>Brushed solutions <span id="table-count"></span>
    <button id="download-csv" type="button">Download CSV</button></h2>
    <div class="table-wrap"><table id="brushed"></table></div></section>
</main>
<script type="application/json" id="explorer-data">{_json_script(data)}</script>
<script>
{controller}
</script>
</body>
</html>
"""


def write_explorer(
    run: Run,
    *,
    reference: Run | None = None,
    baselines: Sequence[Run] = (),
    out: str | os.PathLike | None = None,
    realised: Realised | None = None,
) -> Path:
    """Write the explorer of a front run to ``out`` (default RUN/explore.html), atomically,
    by the output rule (`moo.rundir.OutputFile`): never inside another run or onto a run's
    own file, never over a file that is not an explore page. ``realised``: the run's
    out-of-sample evaluation, drawn as each point's spread."""
    check_shown(run, reference, baselines)
    path = Path(out) if out is not None else run.path / DEFAULT_NAME
    if path.is_dir():
        raise InputError(f"--out {path}: is a directory (give a file name, e.g. explore.html)")
    target = OutputFile(path, EXPLORE, own_run=run.path)
    return target.write(explorer_html(run, reference, baselines, realised).encode())
