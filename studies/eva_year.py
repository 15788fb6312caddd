"""The year-of-days study of preset ``eva``: daily savings figure and summary from a sweep.

Run the sweep (the config puts the days in a stride-7 order, so a partial run still
samples the whole year), then this script on its table::

    v2g-pareto sweep --config studies/results/eva/sweep_year.toml --workers 2 --out SWEEP
    python3 -m studies.eva_year SWEEP/results.csv --out studies/results/eva

It writes ``OUT/year-savings.png``, ``OUT/year-days.csv`` (one row per day: date, the
Economy pick's cost and the two baselines', savings) and ``OUT/year.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from moo.rundir import atomic_write_text
from plots.days import BASELINES, daily_savings
from plots.report import save_figure

DAY_COLUMNS = ["date", "economy_cost", "uncoordinated_cost", "ordered_cost",
               "economy_saving_vs_uncoordinated", "economy_saving_vs_ordered", "n_evals",
               "wall_time_s"]


def summarize_days(table: pd.DataFrame) -> pd.DataFrame:
    """Per baseline: days, mean, median, quartiles, 5/95 % of the daily saving [%], the share
    of days with a saving, and the saving of the summed costs over all days [%]."""
    rows = []
    for name in BASELINES:
        pct = table[f"economy_saving_vs_{name}"].to_numpy(float) * 100.0  # [days]
        base = table[f"{name}_cost"].to_numpy(float)
        rows.append({
            "baseline": name, "days": int(np.isfinite(pct).sum()),
            "mean_pct": np.nanmean(pct), "median_pct": np.nanmedian(pct),
            "p5_pct": np.nanpercentile(pct, 5), "p25_pct": np.nanpercentile(pct, 25),
            "p75_pct": np.nanpercentile(pct, 75), "p95_pct": np.nanpercentile(pct, 95),
            "days_with_saving_pct": float((pct > 0).mean() * 100.0),
            "year_saving_pct": float((base.sum() - table["economy_cost"].sum()) / base.sum()
                                     * 100.0),
        })
    return pd.DataFrame(rows)


def write_year(results_csv: str | Path, out: str | Path, command: str) -> list[Path]:
    """Figure, per-day table and markdown summary of a dated sweep's ``results.csv``."""
    table = pd.read_csv(results_csv)
    if "status" in table:  # failed days are reported by the sweep, not averaged here
        table = table[table["status"] == "complete"]
    table = table.sort_values("date").reset_index(drop=True)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figure = save_figure(daily_savings(table, "eva: daily saving of the Economy pick, DK1 2024"),
                         out / "year-savings.png")
    days = out / "year-days.csv"
    atomic_write_text(days, table[DAY_COLUMNS].to_csv(index=False, float_format="%.6g"))
    summary = summarize_days(table)
    cur = "EUR"
    lines = [
        "# eva: a year of days (DK1 2024)", "",
        f"Command: `{command}`, then `python3 -m studies.eva_year <sweep>/results.csv "
        f"--out {out}`.", "",
        f"{len(table)} days from {table['date'].iloc[0]} to {table['date'].iloc[-1]}; one "
        f"NSGA-II front per day ({table['n_evals'].median():,.0f} evaluations median, "
        f"{table['wall_time_s'].median():.1f} s median front time), the Economy pick by the "
        "shipped AHP judgements, both baselines on the same day.", "",
        "Saving of the Economy pick in % of the baseline's cost (positive: cheaper):", "",
        "| baseline | days | mean | median | 5 % | 25 % | 75 % | 95 % | days with a saving "
        "| whole year (summed costs) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in summary.itertuples():
        lines.append(f"| {r.baseline} | {r.days} | {r.mean_pct:.1f} | {r.median_pct:.1f} | "
                     f"{r.p5_pct:.1f} | {r.p25_pct:.1f} | {r.p75_pct:.1f} | {r.p95_pct:.1f} | "
                     f"{r.days_with_saving_pct:.0f} % | {r.year_saving_pct:.1f} |")
    totals = {k: table[f"{k}_cost"].sum() for k in ("economy", "uncoordinated", "ordered")}
    lines += ["", "Summed over the days: " + ", ".join(
        f"{k} {v:,.0f} {cur}" for k, v in totals.items()) + ".", "",
        f"![daily savings]({figure.name})", "", f"Per day: `{days.name}`.", ""]
    md = out / "year.md"
    atomic_write_text(md, "\n".join(lines))
    return [figure, days, md]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_csv")
    parser.add_argument("--out", default="studies/results/eva")
    parser.add_argument("--command", default="v2g-pareto sweep --config "
                        "studies/results/eva/sweep_year.toml --workers 2 --out SWEEP")
    args = parser.parse_args(argv)
    for path in write_year(args.results_csv, args.out, args.command):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
