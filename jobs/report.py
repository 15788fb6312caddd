"""The study's report.md: the scenario, the KPI table, front quality, the weighted-sum
scalars, the seed claims (against the exact front and the lower bound), what knowing the
day is worth (scenarios with an ``[uncertainty]`` table), figures and stage times, rendered
from what the study job (`jobs.study`) ran and read.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from jobs.knowing import DETERMINISTIC, RISK, Knowing
from moo.exact.bound import Certificate
from moo.exact.front import DEFAULT_POINTS
from moo.rundir import Run
from moo.util.normalization import HV_REFERENCE


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
            against_bound: list[str], encoding: str, *, knowing: list[str] | None = None
            ) -> str:
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
    if knowing is not None:
        lines += ["", *knowing]
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


def knowing_section(k: Knowing, training: int, realisations: int, method: str,
                    encoding: str) -> list[str]:
    """The report's "What knowing is worth" (`jobs.knowing`): the deterministic front (its
    ``encoding``) and the risk-aware front (K = ``training``) on the same N =
    ``realisations`` evaluation realisations; ``method`` says how the wait-and-see values
    were found."""
    cur, n = k.currency, realisations
    labels = {DETERMINISTIC: "front/ (nominal day)", RISK: f"front-risk/ (mean, K = {training})"}
    hv = pd.DataFrame({"solutions": k.hv["solutions"].to_numpy(),
                       "HV of realised means": [_num(v) for v in k.hv["hv"]]},
                      index=[labels.get(f, f) for f in k.hv["front"]])
    cols = {"solution": "solution", "score": "score", "total_cost": f"cost + imbalance [{cur}]",
            "imbalance_cost": f"of which imbalance [{cur}]", "variance": "variance [kW²]",
            "peak_valley": "peak-valley [kW]", "unmet_kwh": "unmet [kWh]",
            "p_unmet": "P(unmet > 0)"}
    picks = k.picks.set_index(k.picks["mode"] + ", " + k.picks["front"].map(labels))
    picks = picks[list(cols)].rename(columns=cols)
    picks = picks.astype(object).map(_num).assign(solution=k.picks["solution"].to_numpy())
    v = k.value
    value = pd.DataFrame({
        "deterministic pick": v[f"{DETERMINISTIC}_score"].map(_num).to_numpy(),
        "risk-aware pick": v[f"{RISK}_score"].map(_num).to_numpy(),
        "VSS": v["vss"].map(_num).to_numpy(),
        "risk-aware lower on": [f"{d} of {n}" for d in v["risk_better_days"]],
        "wait-and-see": v["wait_and_see"].map(_num).to_numpy(),
        "its lower bound": v["wait_and_see_lower"].map(_num).to_numpy(),
        "method": v["method"].to_numpy(),
        "EVPI ≤": v["evpi_upper"].map(_num).to_numpy()}, index=v["mode"])
    return [
        "## What knowing is worth", "",
        "Two plans for the day: `front/`, planned on the nominal day, and `front-risk/`, planned "
        f"on the mean of each objective over {training} training realisations (`v2g-pareto "
        f"front --realisations {training} --risk mean`; its cost includes the imbalance "
        "cost). Every plan of both fronts is dispatched (docs/model.md §12.3) on the same "
        f"{n} realisations of the evaluation stream, the days `v2g-pareto realise RUN "
        f"--realisations {n}` draws (a stream disjoint from the training one), and judged "
        "there. One normalisation: ideal and nadir of the realised mean objectives (cost + "
        "imbalance cost, variance, peak-to-valley) over both fronts' solutions; a *score* is "
        "the mode's AHP weighted sum in it (lower is better). The tables are in "
        "`knowing/*.csv`.", "",
        "Hypervolume of each front's realised mean objectives (reference point "
        f"{HV_REFERENCE:g} per objective, so at most {HV_REFERENCE ** 3:.3f}):", "",
        markdown(hv), "",
        "Each front's AHP pick, made before the day on the front as written (nominal "
        "objectives for `front/`, training means for `front-risk/`), realised: means over "
        f"the {n} realisations; P(unmet > 0): the share of realisations on which some car "
        "leaves short of the target its actual stay could reach.", "",
        markdown(picks), "",
        "*VSS*, the value of the stochastic solution: deterministic pick − risk-aware pick "
        "(mean realised score; > 0: the risk-aware plan does better on the days that "
        "happen); *risk-aware lower on*: realisations on which the risk-aware pick scores "
        "lower. *Wait-and-see*: the mean of each realisation's own optimum for the mode's "
        f"weights, the day known in advance, by {method}; *EVPI ≤* best pick − the "
        "wait-and-see lower bound, an upper estimate of the value of perfect information "
        "(docs/model.md §12.6). Scores count in spans of the plans' realised means, so a "
        "day known in advance can score below 0.", "",
        markdown(value), "",
        *_knowing_findings(k, n), *_plan_form(encoding),
    ]


def _plan_form(encoding: str) -> list[str]:
    """What a VSS against a vehicle-encoding front also measures."""
    if encoding != "vehicle":
        return []
    return ["", "`front/` is on the vehicle encoding, so its plans have one cluster per car: "
            "on a day with other cars, the k-th car in departure order is asked for the k-th "
            "nominal car's power, which transfers worse than the risk-aware front's plan per "
            "departure cluster. The VSS above is of the plans as each front's user would "
            "commit them; how much of such a gap is the plan's form rather than the training "
            "days is measured in docs/model.md §12.5."]


def _knowing_findings(k: Knowing, n: int) -> list[str]:
    """One sentence per mode, read off the value and picks tables."""
    picks = k.picks.set_index(["mode", "front"])
    cur, out = k.currency, []
    for row in k.value.itertuples():
        det, risk = picks.loc[(row.mode, DETERMINISTIC)], picks.loc[(row.mode, RISK)]
        verdict = ("beats" if row.vss > 0 else "does **not** beat" if row.vss < 0
                   else "ties with")
        out.append(
            f"- {row.mode}: the risk-aware pick {verdict} the deterministic one on these days "
            f"(VSS {_num(row.vss)}, lower on {row.risk_better_days} of {n}); deterministic → "
            f"risk-aware: cost + imbalance {_num(det['total_cost'])} → "
            f"{_num(risk['total_cost'])} {cur}, P(unmet > 0) {det['p_unmet']:.2f} → "
            f"{risk['p_unmet']:.2f}; knowing each day in advance is worth at most "
            f"{_num(row.evpi_upper)} over the better pick ({row.best_pick}).")
    return out


def knowing_summary(k: Knowing) -> list[str]:
    """What the `study` command prints of it: VSS and the EVPI estimate per mode."""
    return [f"what knowing is worth, {row.mode}: VSS {_num(row.vss)}, EVPI <= "
            f"{_num(row.evpi_upper)} (wait-and-see: {row.method})"
            for row in k.value.itertuples()]


def _num(v) -> str:
    """A number to the precision its size calls for: scores to 4 decimals, money and kW to
    2, large values (variance) whole, with thousands separators."""
    v = float(v)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.2f}" if abs(v) >= 1 else f"{v:.4f}"


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
