"""A month of real days (issue 23): every weekday of November–December 2019 at the ACN
Caltech and JPL garages replayed under each policy, for both AHP modes, on Dask.

Per site (`models/presets/caltech.toml`, `jpl.toml`):

1. the day-ahead front: the exact front (docs/model.md §10) of the scenario's nominal day
   (2019-10-29), written as a run directory under ``OUT/fronts/SITE`` (open it with
   ``v2g-pareto explore OUT/fronts/SITE``); each mode's pick is that mode's day-ahead plan
   (one cluster per vehicle), and the front's normalisation is the scale every weighted
   objective below is stated in;
2. every weekday of 2019-11-01 .. 2019-12-31 with sessions in the data is a real day
   (`jobs.replay.history_day`: its sessions with stated and actual departures, the site's
   load and PV profiles for the day, no synthetic error);
3. one Dask task per (site, day) replays ``plan``, ``mpc`` (``--replan-every``, expected
   arrivals the nominal day's) and ``perfect`` for both modes, checks every applied
   schedule against the actual sessions and returns the measures and net loads. The client
   builds the days and plans and ships them as objects: no worker reads a file.

Written to ``OUT``: ``days.csv`` (site, day, mode, policy, the realised measures),
``summary.csv`` (means per site, mode and policy, the price of not knowing mpc − perfect and
the value of re-planning plan − mpc), ``gaps.png`` (both per day), ``netload-SITE.png`` (the
first day's net load under the three policies) and ``report.md``.

    nice python -m studies.replay_month --out runs/replay-month [--workers 2]
        [--replan-every 4] [--sites caltech,jpl] [--limit-days N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

import pandas as pd
from distributed import Client, LocalCluster, as_completed

from jobs.exact import write_exact
from jobs.replay import day_ahead, history_day
from jobs.replay_record import check_applied
from jobs.study import source_revision
from models.errors import InputError
from models.scenario import load_scenario
from moo.decision.ahp import load_default_judgements
from moo.exact.front import exact_front
from moo.operate.replay import POLICIES, ReplayOptions, Weighted, replay
from plots.replay import day_gaps, day_net_load

MODES = ("economy", "response")
FIRST, LAST = dt.date(2019, 11, 1), dt.date(2019, 12, 31)
KEEP = ("cost", "variance", "peak_valley", "satisfaction", "unmet_kwh", "unmet_request_kwh",
        "unmet_vehicles", "imbalance_kwh", "imbalance_cost", "total_cost", "weighted")


def replay_day(site: str, day: str, forecast, realisation, plans: dict, weighted: dict,
               options: ReplayOptions):
    """Every policy and mode on one real day: (rows, {(mode, policy): net load [T]})."""
    rows, nets = [], {}
    n = realisation.scenario.fleet.n
    for mode in MODES:
        for policy in POLICIES:
            res = replay(policy, realisation, weighted[mode], plan=plans[mode],
                         forecast=forecast, options=options)
            excess = check_applied(res)
            m = res.measures
            rows.append({"site": site, "day": day, "mode": mode, "policy": policy,
                         "vehicles": n, "solver": res.solver,
                         "fallbacks": int((res.steps["fallback"] != "").sum()),
                         "max_step_s": float(res.steps["solve_time_s"].max()),
                         "limit_excess_kw": excess, **{k: m[k] for k in KEEP},
                         "met_share": 1.0 - m["unmet_vehicles"] / n if n else 1.0})
            sc = realisation.scenario
            net = sc.grid.net_base_kw + res.ev_power.sum(axis=0)
            nets[(mode, policy)] = net + (0.0 if res.bess_power is None else res.bess_power)
    return rows, nets


def weekdays() -> list[str]:
    return [d.isoformat() for d in pd.date_range(FIRST, LAST).date if d.weekday() < 5]


def summarise(days: pd.DataFrame) -> pd.DataFrame:
    means = days.groupby(["site", "mode", "policy"])[list(KEEP) + ["met_share"]].mean()
    wide = days.pivot_table(index=["site", "mode", "day"], columns="policy", values="weighted")
    gaps = pd.DataFrame({"not_knowing": wide["mpc"] - wide["perfect"],
                         "replanning": wide["plan"] - wide["mpc"]})
    g = gaps.groupby(["site", "mode"]).agg(["mean", "median", "min", "max"])
    g.columns = [f"{a}_{b}" for a, b in g.columns]
    return means.reset_index(), g.reset_index()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--sites", default="caltech,jpl")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replan-every", type=int, default=4)
    ap.add_argument("--limit-days", type=int, help="only the first N weekdays (a quick look)")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    options = ReplayOptions(replan_every=args.replan_every)
    judgements = load_default_judgements()
    t0 = time.perf_counter()
    jobs, fronts = [], {}
    for site in args.sites.split(","):
        nominal_day = load_scenario(site)
        front_dir = out / "fronts" / site
        if not (front_dir / "meta.json").exists():
            write_exact(front_dir, nominal_day, exact_front(nominal_day))
        fronts[site] = front_dir
        plans, weighted = {}, {}
        for mode in MODES:
            w = judgements.objective_weights(mode)
            norm, plans[mode], _ = day_ahead(str(front_dir), nominal_day, w)
            weighted[mode] = Weighted(w, norm)
        for day in weekdays()[: args.limit_days]:
            try:
                forecast, realisation = history_day(site, day)
            except InputError:
                continue  # a weekday without sessions (holidays)
            jobs.append((site, day, forecast, realisation, plans, weighted))
        print(f"{site}: front {front_dir}, {sum(j[0] == site for j in jobs)} days "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    rows, nets = [], {}
    with LocalCluster(n_workers=args.workers, threads_per_worker=1) as cluster, \
            Client(cluster) as client:
        futures = {client.submit(replay_day, *j, options, pure=False): j[:2] for j in jobs}
        for k, fut in enumerate(as_completed(futures), 1):
            site, day = futures[fut]
            r, n = fut.result()
            rows += r
            nets[(site, day)] = n
            print(f"{k}/{len(futures)} {site} {day} ({time.perf_counter() - t0:.0f} s)",
                  flush=True)
    days = pd.DataFrame(rows).sort_values(["site", "day", "mode", "policy"])
    days.to_csv(out / "days.csv", index=False, float_format="%.10g")
    means, gaps = summarise(days)
    means.to_csv(out / "summary.csv", index=False, float_format="%.10g")
    gaps.to_csv(out / "gaps.csv", index=False, float_format="%.10g")
    day_gaps(days, out / "gaps.png")
    for site in fronts:
        first = min(d for s, d in nets if s == site)
        dt_h = 24 / len(next(iter(nets[(site, first)].values())))
        day_net_load({p: nets[(site, first)][("economy", p)] for p in POLICIES}, dt_h,
                     f"{site} {first}, economy", out / f"netload-{site}.png")
    report(out, days, means, gaps, fronts, args, time.perf_counter() - t0)


def provenance() -> str:
    """A report's first line: the code it ran (`jobs.study.source_revision`), when it
    finished (UTC), the cores and the load averages at the end (a shared machine: times
    move with the other load)."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"Ran on {source_revision()}, finished {now}, {os.cpu_count()} cores "
            f"shared with other jobs (load average {load[0]:.1f} / {load[1]:.1f} / "
            f"{load[2]:.1f} at the end)")


def report(out: Path, days, means, gaps, fronts, args, seconds: float) -> None:
    lines = ["# Replaying November–December 2019 (ACN Caltech and JPL)", "",
             f"{provenance()}: times move with the other load.", "",
             f"`nice python -m studies.replay_month --out {args.out} --replan-every "
             f"{args.replan_every}`: {days['day'].nunique()} weekdays, "
             f"{len(days)} replays in {seconds:.0f} s. Weighted objectives in each site's "
             "exact-front normalisation (docs/model.md §13). Data: ACN-Data (Lee, Li, Low, "
             "e-Energy 2019), CC BY 4.0.", ""]
    for site, path in fronts.items():
        lines.append(f"- {site}: day-ahead front `{path}` — `v2g-pareto explore {path}`")
    lines += ["", "## Means per site, mode and policy", "",
              _markdown(means), "",
              "## Price of not knowing (mpc − perfect) and value of re-planning (plan − mpc)",
              "", _markdown(gaps), "",
              "![per-day gaps](gaps.png)", ""]
    lines += [f"![net load {s}](netload-{s}.png)" for s in fronts]
    lines += ["", "## Findings", "", *findings(days)]
    (out / "report.md").write_text("\n".join(lines) + "\n")


def findings(days: pd.DataFrame) -> list[str]:
    """The findings read off ``days.csv``, so that every number in them is the run's."""
    mpc = days[days["policy"] == "mpc"]
    slow = mpc.loc[mpc["max_step_s"].idxmax()]
    out = [f"- {len(days)} applied schedules, every one passed the checker against the actual "
           f"sessions; {int(days['fallbacks'].sum())} re-plans fell back; import-limit excess "
           f"at most {days['limit_excess_kw'].max():.3g} kW; the slowest `mpc` step took "
           f"{slow['max_step_s']:.1f} s ({slow['site']} {slow['day']}, {slow['vehicles']} cars)."]
    wide = days.pivot_table(index=["site", "mode", "day"], columns="policy",
                            values=["weighted", "unmet_vehicles", "imbalance_kwh"])
    for (site, mode), g in wide.groupby(level=["site", "mode"]):
        w = g["weighted"]
        out.append(
            f"- {site}, {mode}: `mpc` beats `plan` on {(w['mpc'] < w['plan']).mean():.0%} of "
            f"{len(g)} days (mean gain {(w['plan'] - w['mpc']).mean():.3g}); imbalance "
            f"{g['imbalance_kwh']['mpc'].mean():.0f} vs {g['imbalance_kwh']['plan'].mean():.0f}"
            f" kWh; cars short {g['unmet_vehicles']['mpc'].mean():.1f} vs "
            f"{g['unmet_vehicles']['plan'].mean():.1f} (`perfect` "
            f"{g['unmet_vehicles']['perfect'].mean():.1f}); price of not knowing "
            f"{(w['mpc'] - w['perfect']).mean():.3g}.")
    means = days.groupby(["site", "mode", "policy"]).mean(numeric_only=True)
    for (site, mode), g in means.groupby(level=["site", "mode"]):
        m, p = g.loc[(site, mode, "mpc")], g.loc[(site, mode, "perfect")]
        raw = ", ".join(f"{k} {m[k] / p[k] - 1:+.1%}" for k in ("cost", "variance",
                                                                 "peak_valley"))
        out.append(f"- {site}, {mode}: `mpc` against `perfect` in raw means: {raw}; requests "
                   f"met (`met_share`) {m['met_share']:.0%} under `mpc`, "
                   f"{p['met_share']:.0%} under `perfect`, of {m['vehicles']:.1f} cars a day.")
    return out


def _markdown(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table, numbers to 4 significant digits."""
    def cell(v):
        return f"{v:.4g}" if isinstance(v, float) else str(v)
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *body])


if __name__ == "__main__":
    main()

