"""The whole study of one preset, within a wall-time budget: runs, figures and report.md.

Stages, each a run directory under ``OUT``:

1. ``baseline-uncoordinated``, ``baseline-ordered`` (docs/model.md §6);
2. ``bound`` — the lower-bound front (`moo.exact.bound`), always: vehicles are grouped, so
   it stays small whatever the fleet; then ``front`` — NSGA-III for a share of the budget
   (vehicle encoding for small fleets, aggregate from 5,000 plugged vehicle-slots on:
   `moo.problems.encodings.auto_encoding`; the aggregate one seeded from the bound's
   relaxed optima);
3. ``exact`` — the exact reference front, when one timed QP says the lattice fits the
   share of the budget left for it (fewer weight vectors if that is what fits);
4. AHP selection of ``economy`` and ``response`` on the front (shipped judgements);
5. ``mlgcso-economy``, ``mlgcso-response``, ``cso-economy``, ``cso-response`` — the
   weighted-sum route on the same scalar (weights of the mode, normalisation and encoding
   of the front, local-search seeding as the front's: `moo.search.weighted`), equal wall-time
   shares, so MLGCSO and CSO are compared on equal footing;
6. ``figures/``, ``explore.html`` (`plots.explorer`, screenshot ``figures/explorer.png``
   where chromium is installed) and ``report.md``: scenario summary, the seed-004-style KPI
   table, front quality, and the seed's headline claims (`studies.claims`) with our numbers:
   against the exact front where it was computed, and against the lower bound (reached by a
   schedule of ours, out of reach for every schedule, or open in between) in every study.

The budget is split by fixed shares of what is left when a stage starts (front 40 %,
exact up to 50 % of the rest, the four swarm runs share 70 % of what then remains), so a
stage that finishes early leaves its time to the next.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from models.scenario import Scenario, load_scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.decide import decide_ahp
from moo.decision.select import write_selection
from moo.exact.bound import Certificate, bound_front, write_bound
from moo.exact.front import DEFAULT_POINTS, ExactModel, exact_front, solve_weighted, write_exact
from moo.exact.indicators import hv_ratio
from moo.problems.baselines import baseline
from moo.problems.encodings import auto_encoding
from moo.rundir import OutputDir, Run, atomic_write_text, read_run, tool_version, write_run
from moo.search.nsga import Budget, run_front, write_front
from moo.search.weighted import SwarmBudget, minimize_scalar, scalar_problem, write_swarm
from moo.util.normalization import Normalization
from plots.convergence import convergence
from plots.explorer import write_explorer
from plots.report import save_figure, write_figures
from studies.claims import bound_claims, claims_table
from studies.screenshot_explorer import available, screenshot

DEFAULT_BUDGET_S = {"building": 240.0, "caltech": 180.0, "qingdao": 300.0, "iov": 600.0,
                    "crisscross": 600.0, "eva": 300.0}
MODES = ("economy", "response")
SWARMS = ("mlgcso", "cso")
KPI_ROWS = ("uncoordinated", "ordered", "economy", "response", "mlgcso-economy",
            "mlgcso-response", "cso-economy", "cso-response")


@dataclass
class StudyResult:
    out: Path
    kpis: pd.DataFrame
    claims: pd.DataFrame
    hv_ratio: float | None
    timings: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)
    bound_claims: pd.DataFrame | None = None  # the claims against the lower bound


class _Clock:
    def __init__(self, budget_s: float, progress: Callable[[str], None]):
        self.t0 = time.perf_counter()
        self.budget_s = budget_s
        self.progress = progress
        self.timings: dict[str, float] = {}

    def left(self) -> float:
        return max(self.budget_s - (time.perf_counter() - self.t0), 0.0)

    def stage(self, name: str):
        clock = self

        class _Stage:
            def __enter__(self):
                self.start = time.perf_counter()
                clock.progress(f"[{time.perf_counter() - clock.t0:6.1f} s] {name} ...")

            def __exit__(self, *exc):
                clock.timings[name] = time.perf_counter() - self.start
                return False

        return _Stage()


def run_study(
    name_or_path: str,
    out: str | Path,
    *,
    budget_s: float | None = None,
    seed: int = 1,
    date: str | None = None,
    overwrite: bool = False,
    progress: Callable[[str], None] = lambda msg: None,
) -> StudyResult:
    """Run every stage of the study of one preset (or scenario file) into ``out``; ``date``
    runs that day of a dated scenario (`models.scenario.load_scenario`). ``out`` follows the
    run-directory rules (`moo.rundir.OutputDir`). With ``overwrite`` a previous study there
    is set aside as the hidden sibling ``.NAME.previous-PID`` while the new one is written in
    its place (its runs record where they are, so it is not written elsewhere and renamed):
    deleted when the new study is complete, put back when it fails or is interrupted."""
    scenario = load_scenario(name_or_path, date=date)
    with OutputDir(out, overwrite=overwrite) as claim:
        previous = None
        if claim.path.exists():
            previous = claim.aside_path()
            shutil.rmtree(previous, ignore_errors=True)
            os.rename(claim.path, previous)
        try:
            result = _run_study(scenario, claim.path, budget_s, seed, date, progress)
        except BaseException:  # a study that did not finish leaves nothing half-written
            shutil.rmtree(claim.path, ignore_errors=True)
            if previous is not None:
                os.rename(previous, claim.path)
            raise
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return result


def _run_study(scenario: Scenario, out: Path, budget_s, seed, date, progress) -> StudyResult:
    revision = source_revision()  # of the code this process loaded, before anything changes
    preset = Path(scenario.source).stem
    budget_s = budget_s or DEFAULT_BUDGET_S.get(preset, 300.0)
    out.mkdir(parents=True, exist_ok=True)
    clock = _Clock(budget_s, progress)
    judgements = load_default_judgements()

    runs: dict[str, Path] = {}
    scalars_ahp: dict[str, float] = {}
    for method in ("uncoordinated", "ordered"):
        with clock.stage(f"baseline {method}"):
            throttled = scenario.grid.import_limit_kw is not None
            runs[method] = write_run(out / f"baseline-{method}", scenario,
                                     baseline(scenario, method)[None], algorithm=method,
                                     n_evals=1, targets=not throttled)

    with clock.stage("lower bound"):  # before the front, whose relaxed seeds it gives
        relaxed = bound_front(scenario)
        runs["bound"] = write_bound(out / "bound", scenario, relaxed)

    encoding = auto_encoding(scenario)
    with clock.stage(f"front (NSGA-III, {encoding} encoding)"):
        budget = Budget(time_limit_s=max(0.4 * clock.left(), 1.0))
        res = run_front(scenario, "nsga3", encoding=encoding, pop_size=100, budget=budget,
                        seed=seed, max_solutions=200, relaxed=relaxed)
        runs["front"] = write_front(out / "front", scenario, res, algorithm="nsga3",
                                    pop_size=100, clusters=1,
                                    budget=budget, seed=seed)

    with clock.stage("exact reference"):
        runs["exact"] = _exact(scenario, out / "exact", 0.5 * clock.left(), progress)

    picks = {}
    with clock.stage("AHP selection"):
        for mode in MODES:
            chosen, decision = decide_ahp(runs["front"], judgements, mode, "weighted-sum",
                                          reference_dir=runs.get("exact"))
            write_selection(runs["front"], chosen, {"tradeoffs": decision.tradeoffs,
                                                    "sensitivity": decision.sensitivity})
            picks[mode] = chosen.solution
            scalars_ahp[mode] = float(chosen.selection.score)

    swarm_share = 0.7 * clock.left() / (len(SWARMS) * len(MODES))
    scalars = {}
    for algo in SWARMS:
        for mode in MODES:
            with clock.stage(f"{algo.upper()} {mode}"):
                path, scalar = _swarm(runs["front"], judgements, algo, mode, swarm_share, seed,
                                      out / f"{algo}-{mode}")
                runs[f"{algo}-{mode}"] = path
                scalars[f"{algo}-{mode}"] = scalar

    optima = {}
    if runs.get("exact") is not None:
        with clock.stage("exact weighted-sum optima"):
            optima = _weighted_optima(runs["front"], judgements)

    with clock.stage("figures"):
        figures = _figures(runs, out / "figures")

    with clock.stage("explorer"):
        explorer = _explorer(runs, out, progress)
        figures += explorer[1:]

    kpis = _kpi_table(runs, picks)

    front = read_run(runs["front"])
    exact = read_run(runs["exact"]) if runs.get("exact") else None
    claims = claims_table(preset, kpis, scalars, None if exact is None else exact.front)
    bound = read_run(runs["bound"])
    against_bound = bound_claims(preset, kpis, scalars, bound, _our_schedules(runs))
    hv = None if exact is None else float(hv_ratio(front.objectives, exact.objectives))
    clock.timings["total"] = time.perf_counter() - clock.t0
    scalars.update({f"ahp-{mode}": v for mode, v in scalars_ahp.items()})
    report = _report(scenario, preset, budget_s, seed, date, runs, kpis, claims, scalars,
                     optima, clock.timings, figures, out, revision,
                     _quality(front, exact, bound, hv), bound_section(against_bound, bound),
                     front.meta["parameters"]["encoding"])
    atomic_write_text(out / "report.md", report)
    progress(f"[{clock.timings['total']:6.1f} s] wrote {out / 'report.md'}")
    return StudyResult(out, kpis, claims, hv, clock.timings, figures, against_bound)


def _exact(scenario: Scenario, path: Path, share_s: float, progress) -> Path | None:
    """The exact front when a timed QP says it fits ``share_s``; else None."""

    t0 = time.perf_counter()
    ExactModel(scenario).solve([1.0, 0.0, 0.0])  # one cost QP, model build included: a probe
    per_qp = time.perf_counter() - t0
    # Anchors (6 QPs) plus about 1.5 QPs per weight vector (convex-concave rounds).
    fits = int((share_s - per_qp - 6 * per_qp) / (1.5 * per_qp))
    points = min(DEFAULT_POINTS, fits)
    if points < 10:
        progress(f"  skipped: ~{per_qp:.2f} s per QP, {share_s:.0f} s left for it")
        return None
    return write_exact(path, scenario, exact_front(scenario, points))


def _swarm(front: Path, judgements, algo: str, mode: str, time_s: float, seed: int, out: Path):

    ref = read_run(front)
    problem, repair = scalar_problem(ref, judgements.objective_weights(mode))  # front's encoding
    res = minimize_scalar(problem, ref.scenario, algo, budget=SwarmBudget(
        time_limit_s=max(time_s, 1.0)), seed=seed, repair=repair)
    path = write_swarm(out, ref.scenario, res, mode=mode, reference_run=front,
                       judgements_source=judgements.source)
    return path, float(read_run(path).meta["scalar"])


def _our_schedules(runs: dict) -> pd.DataFrame:
    """front.csv rows of every schedule the study found: the NSGA-III front and the swarms'
    bests (a seed claim counts as reached when any of them meets it)."""
    names = ["front", *(f"{a}-{m}" for a in SWARMS for m in MODES)]
    return pd.concat([read_run(runs[n]).front for n in names if runs.get(n) is not None],
                     ignore_index=True)


def _kpi_table(runs: dict, picks: dict) -> pd.DataFrame:
    """One row per schedule (KPI_ROWS), the docs/model.md §5 columns."""
    rows = {}
    front = read_run(runs["front"]).front
    for name in KPI_ROWS:
        if name in MODES:
            rows[name] = front[front["solution"] == picks[name]].iloc[0]
        elif name in runs:
            rows[name] = read_run(runs[name]).front.iloc[0]
    return pd.DataFrame(rows).T.drop(columns="solution").astype(float)


def _quality(front: Run, exact: Run | None, bound: Run, hv: float | None) -> list[str]:
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


def _figures(runs: dict, out: Path) -> list[Path]:

    paths = write_figures(runs["front"], reference_dir=runs.get("exact"),
                          baseline_dirs=[runs["uncoordinated"], runs["ordered"]], out_dir=out)
    swarms = {f"{a.upper()} {m}": read_run(runs[f"{a}-{m}"]) for a in SWARMS for m in MODES}
    paths.append(save_figure(convergence(swarms), out / "convergence-swarms.png"))
    return paths


def _explorer(runs: dict, out: Path, progress) -> list[Path]:
    """OUT/explore.html and, where Debian's chromium is installed, its screenshot
    OUT/figures/explorer.png (the results commit the screenshot, not the page)."""

    page = write_explorer(runs["front"], reference_dir=runs.get("exact"),
                          baseline_dirs=[runs["uncoordinated"], runs["ordered"]],
                          out=out / "explore.html")
    if not available():
        progress("  no chromium/selenium: explore.html written without a screenshot")
        return [page]
    try:
        return [page, screenshot(page, out / "figures" / "explorer.png")]
    except (RuntimeError, TimeoutError) as exc:  # the study's results stand without it
        progress(f"  explorer screenshot failed: {exc}")
        return [page]


def _weighted_optima(front: Path, judgements) -> dict[str, float]:
    """Exact optimum of each mode's weighted sum in the front's normalisation (docs/model.md §7)."""

    run = read_run(front)
    norm = Normalization.of_front(run.objectives)
    optima = {}
    for mode in MODES:
        w = judgements.objective_weights(mode)
        _, _, obj = solve_weighted(run.scenario, w, norm.ideal, norm.nadir)
        optima[mode] = float(norm.apply(obj[None])[0] @ w)
    return optima


def source_revision() -> str:
    """The git commit the code runs from (with "+changes" when the tree differs from it),
    or the installed version outside a checkout: what a report states it ran on."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                              capture_output=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, text=True, capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return f"v2g-pareto {tool_version()}"
    return f"commit {head}{'+changes' if dirty.strip() else ''}"


def _report(scenario, preset, budget_s, seed, date, runs, kpis, claims, scalars, optima,
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
             _markdown(_kpi_view(kpis, cur)), "",
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
        lines.append(_markdown(claims.set_index("seed")))
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


# What each verdict of `studies.claims.bound_claims` says, for the report (by its first word).
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
    `studies.claims.bound_claims`, ``bound`` its bound run (a directory beside report.md)."""
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
        _markdown(table.set_index("seed")), "",
        "*Ours*: the best value any schedule of ours reaches for the claim (the KPI table's "
        "row, the NSGA-III front and the four swarm runs); *best possible*: the claim's "
        "value with that column at the lower bound's limit, which no schedule of this "
        f"scenario beats ({run}). Verdicts: {said}.",
    ]


def _kpi_view(kpis: pd.DataFrame, cur: str) -> pd.DataFrame:
    cols = {"cost": f"total cost [{cur}]", "grid_cost": f"grid cost [{cur}]",
            "degradation_cost": f"degradation [{cur}]", "std_kw": "net-load std [kW]",
            "peak_valley": "peak-valley [kW]", "peak_valley_pct": "peak-valley [%]",
            "satisfaction": "satisfaction [%]", "v2g_energy_kwh": "V2G energy [kWh]"}
    view = kpis[list(cols)].copy()
    view["satisfaction"] *= 100
    return view.rename(columns=cols)


def _markdown(table: pd.DataFrame) -> str:
    head = "| " + " | ".join([""] + [str(c) for c in table.columns]) + " |"
    sep = "|" + "---|" * (len(table.columns) + 1)
    body = []
    for idx, row in table.iterrows():
        cells = [f"{v:,.1f}" if isinstance(v, float | np.floating) else str(v) for v in row]
        body.append("| " + " | ".join([str(idx)] + cells) + " |")
    return "\n".join([head, sep, *body])
