"""The study's report.md: the scenario, the KPI table, front quality, the weighted-sum
scalars, the seed claims (against the exact front and the lower bound), figures and stage
times, rendered from what the study job (`jobs.study`) ran and read.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from moo.exact.bound import Certificate
from moo.exact.front import DEFAULT_POINTS
from moo.rundir import Run


def quality(front: Run, exact: Run | None, bound: Run, hv: float | None) -> list[str]:
    """The report's "Front quality" lines: HV ratio against the exact front (``hv``), and the
    certified ratio and gap against the lower bound."""
    if exact is None:
        lines = ["The exact reference did not fit the budget; no HV ratio."]
    else:
        lines = [f"HV ratio of the NSGA-III front against the exact front "
                 f"({len(exact.front)} points): **{hv:.4f}** (docs/model.md §10 normalisation).",
                 *sparse_reference_note(exact, len(front.front))]
    cert = Certificate.of(bound).certify(front.objectives)
    return [*lines, "", f"Certified against the lower bound (`bound/`, docs/model.md §10.1): HV "
            f"ratio **>= {cert['certified_hv_ratio']:.3f}**, worst per-weight gap "
            f"{cert['certified_gap']:.3f} (normalised; the true values are at least this good, "
            "whatever the exact front says)."]


def render(scenario, preset, budget_s, seed, date, runs, kpis, claims, scalars, optima,
            timings, figures, out: Path, revision: str, quality: list[str],
            against_bound: list[str], encoding: str) -> str:
    s = scenario.summary()
    cur = scenario.currency
    bess = "none" if s["bess"] is None else f"{s['bess']['capacity_kwh']:g} kWh"
    lines = [f"# Study: {preset}", "",
             f"{s['description']}", "",
             f"Command: `v2g-pareto study {preset} --budget {budget_s:g} --seed {seed}"
             f"{f' --date {date}' if date else ''}`; "
             f"total wall time {timings['total']:.0f} s; code {revision}; "
             f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.", "",
             "## Scenario", "",
             f"- {s['vehicles']} vehicles ({s['v2g_vehicles']} V2G capable), "
             f"{s['unreachable_targets']} with an unreachable requested target",
             f"- T = {s['slots']} slots of {s['dt_hours']:g} h, horizon {s['horizon']}",
             f"- energy needed {s['energy_needed_kwh']:,.0f} kWh; base load "
             f"{s['base_load_kw'][0]:,.0f}–{s['base_load_kw'][2]:,.0f} kW; PV "
             f"{s['pv_kwh']:,.0f} kWh; buy price {s['price_buy'][0]:g}–{s['price_buy'][1]:g} "
             f"{cur}/kWh; BESS {bess}",
             "", "## KPIs", "",
             markdown(kpi_view(kpis, cur)), "",
             "Economy and Response are the AHP picks (shipped judgements) from the NSGA-III "
             f"front ({encoding} encoding); "
             "MLGCSO/CSO minimise the same weighted sum of normalised objectives "
             "(normalisation: the front's ideal/nadir).", "",
             "## Front quality", "", *quality]
    lines += ["", "Weighted-sum scalars of each mode, in the front's normalisation (lower is "
              "better; `ahp-*`: the AHP pick from the front):", ""]
    for k, v in scalars.items():
        mode = k.split("-")[-1]
        gap = f" (exact optimum {optima[mode]:.4f}, gap {v - optima[mode]:.4f})" if optima else ""
        lines.append(f"- {k}: {v:.4f}{gap}")
    lines += ["", "## Seed claims", ""]
    if len(claims):
        lines.append(markdown(claims.set_index("seed")))
        lines += ["", "*Best on exact front*: the best value any schedule of the exact front "
                  "reaches for that claim (a claim the model cannot meet at all shows there)."]
    else:
        lines.append("This preset comes from no seed paper: no claims to hold it to.")
    lines += ["", *against_bound]
    lines += ["", "## Figures", "",
              "Interactive explorer: [explore.html](explore.html) (one self-contained page: "
              "linked 3-D front, projections, parallel-coordinates brushing, per-solution "
              "net load, fleet power/SOC and trade-off rates, AHP weight map; `v2g-pareto "
              "explore`); `figures/explorer.png` is its screenshot in headless Chromium.", ""]
    lines += [f"![{p.stem}](figures/{p.name})" for p in figures]
    lines += ["", "## Stage times", ""]
    lines += [f"- {k}: {v:.1f} s" for k, v in timings.items()]
    lines += ["", "Run directories: " + ", ".join(f"`{Path(p).name}`" for p in runs.values()
                                                  if p is not None), ""]
    return "\n".join(lines)


def sparse_reference_note(exact: Run, n_front: int) -> list[str]:
    """A warning under the HV ratio when the exact front was cut to fewer weight vectors than
    the default to fit the budget and has fewer points than the front: its finite points then
    undercount the true front, and the ratio can exceed 1."""
    points = exact.meta["parameters"]["points"]
    if points >= DEFAULT_POINTS or len(exact.front) >= n_front:
        return []
    return [f"The exact front has only {len(exact.front)} points ({points} weight vectors "
            f"fitted the budget, {DEFAULT_POINTS} by default) against the front's {n_front}: its "
            "points cover less of the true front, so this ratio measures how sparse the "
            "reference is as much as the front, and can exceed 1; the certified ratio below "
            "cannot."]


# What each verdict of `jobs.claims.bound_claims` says, for the report (by its first word).
VERDICTS = {
    "reached": "*reached*: a schedule of ours meets the claim",
    "out": "*out of reach*: even the best possible value fails it, so no schedule of this "
           "scenario can meet it",
    "open": "*open, gap X*: the claim lies between ours and the best possible, which are X "
            "apart: neither a schedule of ours nor the bound settles it",
    "not": "*not reached (fixed baseline)*: the claim is about a baseline schedule, which no "
           "optimisation changes",
    "n/a": "*n/a*: the bound says nothing about it",
}


def bound_section(table: pd.DataFrame, bound: Run) -> list[str]:
    """The report's "Seed claims against the lower bound": ``table`` from
    `jobs.claims.bound_claims`, ``bound`` its bound run (a directory beside report.md)."""
    b = bound.meta["bound"]
    seconds = b["build_time_s"] + b["solve_time_s"]
    run = (f"lower-bound run `{Path(bound.path).name}/`: {bound.meta['n_solutions']} weight "
           f"vectors, {b['n_groups']} vehicle groups, {seconds:.1f} s, as `v2g-pareto bound` "
           "writes it")
    lines = ["## Seed claims against the lower bound", ""]
    if not len(table):
        return lines + [f"No seed claims to check against the bound ({run})."]
    used = {v.split(" ")[0].rstrip(",") for v in table["verdict"]}
    said = "; ".join(text for key, text in VERDICTS.items() if key in used)
    return lines + [
        markdown(table.set_index("seed")), "",
        "*Ours*: the best value any schedule of ours reaches for the claim (the KPI table's "
        "row, the NSGA-III front and the four swarm runs); *best possible*: the claim's "
        "value with that column at the lower bound's limit, which no schedule of this "
        f"scenario beats ({run}). Verdicts: {said}.",
    ]


def kpi_view(kpis: pd.DataFrame, cur: str) -> pd.DataFrame:
    cols = {"cost": f"total cost [{cur}]", "grid_cost": f"grid cost [{cur}]",
            "degradation_cost": f"degradation [{cur}]", "std_kw": "net-load std [kW]",
            "peak_valley": "peak-valley [kW]", "peak_valley_pct": "peak-valley [%]",
            "satisfaction": "satisfaction [%]", "v2g_energy_kwh": "V2G energy [kWh]"}
    view = kpis[list(cols)].copy()
    view["satisfaction"] *= 100
    return view.rename(columns=cols)


def markdown(table: pd.DataFrame) -> str:
    head = "| " + " | ".join([""] + [str(c) for c in table.columns]) + " |"
    sep = "|" + "---|" * (len(table.columns) + 1)
    body = []
    for idx, row in table.iterrows():
        cells = [f"{v:,.1f}" if isinstance(v, float | np.floating) else str(v) for v in row]
        body.append("| " + " | ".join([str(idx)] + cells) + " |")
    return "\n".join([head, sep, *body])
