"""Plans that hold on real days (issue 22, items 5 and 6): deterministic and risk-aware
fronts of the ACN Caltech and JPL garages, planned on September–October 2019 and judged on
every weekday of November–December 2019, against the wait-and-see reference, on Dask.

Per site (`models/presets/caltech.toml`, `jpl.toml`):

1. fronts, written as run directories under ``OUT/fronts/SITE-LABEL`` (reused when there;
   ``v2g-pareto explore`` opens them), each with the same wall-time budget (`jobs.front`):
   - ``deterministic``: the `front` command's default front of the nominal day
     (2019-10-29), encoding ``auto`` (``vehicle`` here: its plans have one cluster per car);
   - ``deterministic-aggregate``: the same on the aggregate encoding, the risk-aware
     front's own decision, so that the comparison separates planning over realisations
     from the form of the plan;
   - ``risk``: the risk-aware front (`front --realisations K --risk R`), K realisations of
     the training stream, i.e. days drawn from the preset's September–October weekday
     history (with the preset's load and PV forecast errors);
2. every plan of every front dispatched (docs/model.md §12.3) on each weekday of
   2019-11-01 .. 2019-12-31 with sessions, as `realise --history-dates` does
   (`Draw(by_day=True)`), with **no synthetic noise**: the day's real sessions (stated =
   ``estimated_departure``, actual = ``departure``, requested energy) and the preset's
   nominal load and PV (the load and PV forecast errors are set to zero). Capacities and
   V2G capability are still drawn per session from the evaluation stream (the data has
   none), the same for every front;
3. one normalisation per site: ideal and nadir of the realised mean objectives (cost +
   imbalance cost, variance, peak-to-valley) over all fronts' solutions. In it, each
   front's hypervolume of realised means; per AHP mode the pick each front's user makes
   before the day (`select --mode` on the front as written: nominal objectives for the
   deterministic fronts, training means for the risk-aware one) and its realised score per
   day; the **value of the stochastic solution** VSS = deterministic pick − risk-aware pick
   (mean realised score); the **wait-and-see** value of each day
   (`moo.exact.wait_and_see`: the exact QP where the day fits, else the bound; the table
   says which) and the upper estimate of the value of perfect information, EVPI ≤ risk
   pick − wait-and-see (its certified lower bound). Points 2–3 past the draw are
   `jobs.knowing` (shared with the `study` command's "What knowing is worth").

Dask: one embedded `LocalCluster`; the evaluations (`evaluate_on_dask`) and the
wait-and-see QPs (one task per site, mode and chunk of days) run on it and return tables;
no worker reads or writes a file. The fronts run in the client process.

Written to ``OUT``: ``days.csv`` (site, mode, front, day: the pick's realised measures and
score), ``wait_and_see.csv``, ``picks.csv`` (means per pick), ``value.csv`` (VSS, EVPI
estimate per site and mode), ``hv.csv``, ``means.csv`` (realised mean objectives of every
solution), ``early.csv`` (per day: sessions, early departures), ``picks-days.png``,
``realised-fronts.png`` and ``report.md``.

    nice python -m studies.acn_out_of_sample --out runs/acn-oos [--workers 2]
        [--time-limit 60] [--realisations 32] [--risk mean] [--sites caltech,jpl]
        [--limit-days N]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from distributed import Client, LocalCluster

from jobs.front import FrontSpec
from jobs.front import run as run_front
from jobs.knowing import DETERMINISTIC, MODES, RISK, Knowing, knowing
from models.scenario import Scenario
from models.uncertainty import ForecastError, history_dates
from moo.decision.ahp import Judgements, load_default_judgements
from moo.rundir import read_run
from moo.search.termination import Budget
from moo.uncertainty.evaluate import Draw
from moo.uncertainty.plan import uncertain_scenario
from moo.uncertainty.risk import OBJECTIVE_MEASURES
from plots.oos import pick_days, realised_fronts
from studies.replay_month import _markdown, provenance

EVALUATION = ("2019-11-01", "2019-12-31")  # the real days the plans are judged on
REAL_DAYS = Draw(by_day=True)
AGGREGATE = "deterministic-aggregate"


def risk_front_available() -> bool:
    """Whether `jobs.front.FrontSpec` has the risk-aware fields (issue 22 item 4)."""
    return "realisations" in {f.name for f in dataclasses.fields(FrontSpec)}


def front_specs(site: str, *, time_limit_s: float, pop_size: int = 100, seed: int = 1,
                realisations: int | None = 32, risk: str = "mean",
                generations: int | None = None) -> dict[str, FrontSpec]:
    """The fronts of one site, each with the same budget (the first of ``time_limit_s``
    and ``generations``). Without the risk-aware front in `jobs.front` (or with
    ``realisations`` None) only the deterministic ones."""
    budget = Budget(generations=generations, time_limit_s=time_limit_s)
    common = {"scenario": site, "budget": budget, "pop_size": pop_size, "seed": seed}
    specs = {DETERMINISTIC: FrontSpec(**common),
             AGGREGATE: FrontSpec(**common, encoding="aggregate")}
    if realisations is not None and risk_front_available():
        specs[RISK] = FrontSpec(**common, realisations=realisations, risk=risk)
    return specs


def make_fronts(specs: dict[str, FrontSpec], root: Path, site: str) -> dict[str, Path]:
    """Run each front into ``root/SITE-LABEL`` unless a run is already there."""
    runs = {}
    for label, spec in specs.items():
        path = root / f"{site}-{label}"
        if not (path / "meta.json").exists():
            t0 = time.perf_counter()
            job = run_front(spec, path)
            print(f"{site} {label}: {len(job.result.F)} solutions in "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
        runs[label] = path
    return runs


def real_days_scenario(run, evaluation: tuple[str, str] = EVALUATION) -> Scenario:
    """The run's scenario whose realisations are the real days of ``evaluation`` with
    no load or PV forecast error (module docstring, point 2)."""
    scenario, _ = uncertain_scenario(run, history=evaluation)
    quiet = dataclasses.replace(scenario.uncertainty, base_load=ForecastError(),
                                pv=ForecastError())
    return dataclasses.replace(scenario, uncertainty=quiet)


@dataclass(frozen=True, eq=False)
class SiteResult(Knowing):
    """The tables of one site (module docstring, point 3): `jobs.knowing.Knowing`'s and
    the early departures of the real days."""

    early: pd.DataFrame  # realisation, day, sessions, early, early_h_mean


def early_departures(scenario: Scenario, indices) -> pd.DataFrame:
    """Per real day: sessions, cars leaving before their stated departure and by how much."""
    rows = []
    for k in indices:
        r = REAL_DAYS.realise(scenario, k)
        gap_h = (r.stated_departure_slot - r.scenario.fleet.departure_slot) * scenario.dt_h
        early = gap_h > 0
        rows.append({"realisation": k, "day": r.day, "sessions": r.scenario.fleet.n,
                     "early": int(early.sum()),
                     "early_h_mean": float(gap_h[early].mean()) if early.any() else 0.0})
    return pd.DataFrame(rows)


def evaluate_site(client: Client, runs: dict[str, Path], judgements: Judgements, *,
                  limit_days: int | None = None, chunk: int = 6) -> SiteResult:
    """Every front's plans on the real days, the picks, the wait-and-see reference and the
    values of the stochastic solution and of perfect information (module docstring;
    `jobs.knowing.knowing` on the cluster of ``client``)."""
    fronts = {label: read_run(path) for label, path in runs.items()}
    scenario = real_days_scenario(next(iter(fronts.values())))
    n = len(history_dates(scenario))
    indices = list(range(n if limit_days is None else min(n, limit_days)))
    result = knowing(fronts, scenario, indices, judgements, draw=REAL_DAYS, client=client,
                     chunk=chunk, modes=MODES,
                     vss={"vss": DETERMINISTIC, "vss_same_encoding": AGGREGATE})
    return SiteResult(**result.fields(), early=early_departures(scenario, indices))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--sites", default="caltech,jpl")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per front")
    ap.add_argument("--realisations", type=int, default=32, help="K training realisations")
    ap.add_argument("--risk", default="mean", help="mean or cvar:ALPHA")
    ap.add_argument("--limit-days", type=int, help="only the first N real days (a quick look)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    judgements = load_default_judgements()
    t0 = time.perf_counter()
    sites = args.sites.split(",")
    runs = {site: make_fronts(front_specs(site, time_limit_s=args.time_limit,
                                          realisations=args.realisations, risk=args.risk),
                              out / "fronts", site) for site in sites}
    fronts = fronts_table(runs)
    results = {}
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0",
                      env={"NUMBA_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
        for site in sites:
            results[site] = evaluate_site(client, runs[site], judgements,
                                          limit_days=args.limit_days)
            print(f"{site}: evaluated ({time.perf_counter() - t0:.0f} s)", flush=True)
    tables = write_tables(out, results)
    pick_days(tables["per_day"], out / "picks-days.png")
    realised_fronts(tables["means"], tables["picks"], results[sites[0]].currency,
                    out / "realised-fronts.png")
    report(out, tables, runs, args, fronts, time.perf_counter() - t0)


def fronts_table(runs: dict[str, dict[str, Path]]) -> pd.DataFrame:
    """What each front run is (from its meta.json): encoding, solutions, evaluations, wall
    time and, for the risk-aware one, the measure and K."""
    rows = []
    for site, paths in runs.items():
        for label, path in paths.items():
            meta = read_run(path).meta
            risk = meta.get("risk") or {}
            rows.append({"site": site, "front": label,
                         "encoding": meta["parameters"]["encoding"],
                         "solutions": meta["n_solutions"], "evaluations": meta["n_evals"],
                         "wall_time_s": meta["wall_time_s"],
                         "risk": f"{risk['measure']}, K = {risk['realisations']}" if risk
                         else "nominal day"})
    return pd.DataFrame(rows)


def write_tables(out: Path, results: dict[str, SiteResult]) -> dict[str, pd.DataFrame]:
    """The study's CSV files; returns the tables the report and figures read."""
    def joined(name):
        return pd.concat([getattr(r, name).assign(site=s) for s, r in results.items()],
                         ignore_index=True)
    tables = {name: joined(name) for name in ("days", "wait_and_see", "picks", "value", "hv",
                                              "means", "early", "scale")}
    wide = tables["days"].pivot_table(index=["site", "mode", "day"], columns="front",
                                      values="score").reset_index()
    ws = tables["wait_and_see"][["site", "mode", "day", "value"]]
    tables["per_day"] = wide.merge(ws.rename(columns={"value": "wait_and_see"}),
                                   on=["site", "mode", "day"])
    for name, frame in tables.items():
        cols = ["site", *[c for c in frame.columns if c != "site"]]
        tables[name] = frame[cols]
        frame[cols].to_csv(out / f"{name.replace('_', '-')}.csv", index=False,
                           float_format="%.10g")
    return tables


def report(out: Path, tables: dict[str, pd.DataFrame], runs: dict, args,
           fronts: pd.DataFrame, seconds: float) -> Path:
    """``report.md``: the command, the machine, the tables the numbers come from and the
    findings that follow from them (`findings`)."""
    lines = [
        "# Plans on real days: ACN Caltech and JPL, November–December 2019", "",
        f"{provenance()}: the fronts' budgets are wall time, so a loaded machine gives "
        "smaller fronts.", "",
        f"`nice python -m studies.acn_out_of_sample --out {args.out} --time-limit "
        f"{args.time_limit:g} --realisations {args.realisations} --risk {args.risk}`: "
        f"{seconds:.0f} s (front runs already in `OUT/fronts` are reused; their own times "
        "below). Data: ACN-Data (Lee, Li, Low, "
        "e-Energy 2019), CC BY 4.0, the extracts in `models/presets/data/`.", "",
        "Planned on the nominal day 2019-10-29 (deterministic fronts) or on "
        f"{args.realisations} training days drawn from the September–October 2019 weekdays "
        f"(risk-aware front, `--risk {args.risk}`); every plan is then dispatched on every "
        "weekday of November–December 2019 with sessions, with the day's real sessions and no "
        "synthetic load or PV error (`Draw(by_day=True)`). Scores are the mode's AHP weighted "
        "sum in one normalisation per site: ideal and nadir of the realised mean objectives "
        "(cost + imbalance cost, variance, peak-to-valley) of every solution of every front "
        "(lower is better; HV reference 1.1).", "",
        "Why `--risk mean` by default: what is compared here — the hypervolume of realised "
        "means, and the value of the stochastic solution — are expectations over the real "
        "days, which the sample mean over the training days estimates; CVaR_0.9 over 32 "
        "training days rests on the worst 3.2 of them and optimises a tail the comparison "
        "does not score (`--risk cvar:0.9` runs it).", ""]
    for site, paths in runs.items():
        lines.append(f"- {site}: " + ", ".join(f"{label} `{p}`" for label, p in paths.items()))
    lines += ["", _markdown(fronts)]
    risk_run = any(RISK in p for p in runs.values())
    if not risk_run:
        lines += ["", "**The risk-aware front is not in this run**: `jobs.front.FrontSpec` has "
                  "no `realisations` field on this commit (issue 22 item 4 not merged yet), so "
                  "only the deterministic fronts and the wait-and-see reference are reported."]
    lines += ["", "## Hypervolume of the realised mean objectives", "",
              _markdown(tables["hv"]), "",
              "![realised means](realised-fronts.png)", "",
              "## The picks, realised (means over the real days)", "",
              _markdown(tables["picks"]), "",
              "## Value of the stochastic solution and of perfect information", "",
              "`vss` = deterministic pick − risk-aware pick, `vss_same_encoding` = "
              "deterministic-aggregate pick − risk-aware pick (mean realised score; > 0: the "
              "risk-aware pick is better); `risk_better_days`: days on which the risk-aware "
              "pick scores below the deterministic one; `wait_and_see`: mean of each day's "
              "optimum for the mode's weights (`method`: exact QP or bound), "
              "`wait_and_see_lower` its certified lower bound; `evpi_upper` = best pick − "
              "`wait_and_see_lower`, an upper estimate of the value of perfect information.",
              "", _markdown(tables["value"]), "",
              "![per-day scores](picks-days.png)", "",
              "## Early departures on the real days", "",
              _markdown(early_summary(tables["early"])), "",
              "## Findings", "", *findings(tables), ""]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def early_summary(early: pd.DataFrame) -> pd.DataFrame:
    """Per site: days, mean sessions, mean share leaving before their stated departure."""
    g = early.groupby("site")
    return pd.DataFrame({"days": g.size(), "sessions_mean": g["sessions"].mean(),
                         "early_share": g["early"].sum() / g["sessions"].sum(),
                         "early_h_mean": g.apply(lambda x: np.average(
                             x["early_h_mean"], weights=x["early"]) if x["early"].sum() else 0.0,
                             include_groups=False)}).reset_index()


def findings(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The findings read off the value and picks tables, one bullet per site and mode."""
    out = []
    picks = tables["picks"].set_index(["site", "mode", "front"])
    for row in tables["value"].itertuples():
        ws = (f"wait-and-see {row.wait_and_see:.4g} ({row.method}), so perfect information "
              f"is worth at most {row.evpi_upper:.4g} over the best pick ({row.best_pick})")
        if "vss" not in tables["value"] or pd.isna(getattr(row, "vss", np.nan)):
            out.append(f"- {row.site}, {row.mode}: deterministic pick "
                       f"{row.deterministic_score:.4g}; {ws}.")
            continue
        det = picks.loc[(row.site, row.mode, DETERMINISTIC)]
        risk = picks.loc[(row.site, row.mode, RISK)]
        scale = tables["scale"].query("site == @row.site").set_index("objective")
        parts = ", ".join(
            f"{k} {scale.loc[k, f'weight_{row.mode}'] * (risk[k] - det[k]) / span:+.3f}"
            for k in OBJECTIVE_MEASURES
            if (span := scale.loc[k, "nadir"] - scale.loc[k, "ideal"]) > 0)
        verdict = "beats" if row.vss > 0 else "does **not** beat"
        why = ", ".join(f"{k} {det[k]:.4g} → {risk[k]:.4g}" for k in
                        ("total_cost", "imbalance_cost", "variance", "peak_valley", "unmet_kwh"))
        out.append(f"- {row.site}, {row.mode}: the risk-aware pick {verdict} the "
                   f"deterministic one on the real days (VSS {row.vss:.4g}; better on "
                   f"{row.risk_better_days} of {row.days} days; same encoding "
                   f"{row.vss_same_encoding:.4g}); deterministic → risk-aware means: {why}; "
                   f"score change risk − deterministic by objective: {parts}; {ws}.")
    return out


if __name__ == "__main__":
    main()
