"""Benchmark of the weighted-sum route: MLGCSO vs CSO, the exact optimum and the AHP point.

For each preset (default ``building`` and ``qingdao``):

1. a reference front: NSGA-II, aggregate encoding, a fixed wall-time budget, written with
   `moo.optimize.write_front`; its column min / max is the normalisation (SPEC §7);
2. for each mode (economy, response) with the shipped AHP weights:
   - the exact weighted-sum optimum under that normalisation (`moo.exact.solve_weighted`),
   - the AHP-selected point of the front (`moo.decision.select`; same scalar),
   - MLGCSO and CSO, ``--seeds`` runs each at equal evaluation budgets (the swarm's final
     value at each ``--checkpoints`` budget is its best after the last generation that
     fits in it),
   - an encoding probe: the exact optimum's aggregate profile written as a decision vector
     and dispatched, and a CSO run whose initial swarm also holds that vector — what the
     aggregate encoding can reach at least (the exact optimum bounds it from below).

Prints markdown tables and writes under ``--out``: ``runs.csv`` (one row per swarm run),
``summary.md`` (the tables), one convergence PNG per preset and mode (median and IQR of the
gap to the exact optimum vs evaluations), and the reference front runs.

    python -m studies.bench_swarm --out bench/swarm             # 10 seeds, 50,000 evals
    python -m studies.bench_swarm --out /tmp/swarm-smoke --quick
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.stats import mannwhitneyu

from models.scenario import load_scenario
from moo.ahp import load_default_judgements
from moo.decision import select
from moo.exact import solve_weighted
from moo.optimize import Budget, run_front, seed_vectors, write_front
from moo.rundir import read_run
from moo.scalar import (
    SwarmBudget,
    make_swarm,
    minimize_scalar,
    mode_weights,
    run_swarm,
    scalar_problem,
)

MODES = ("economy", "response")
ALGORITHMS = ("mlgcso", "cso")
TARGET_GAP = 0.01  # issue target, normalised units


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="Directory for runs, tables, PNGs.")
    p.add_argument("--presets", nargs="+", default=["building", "qingdao"])
    p.add_argument("--seeds", type=int, default=10, help="Swarm runs per algorithm and mode.")
    p.add_argument("--evals", type=int, default=50_000, help="Evaluations per swarm run.")
    p.add_argument(
        "--checkpoints",
        type=int,
        nargs="+",
        default=[20_000, 50_000],
        help="Budgets at which the algorithms are compared.",
    )
    p.add_argument("--pop", type=int, default=100, help="Swarm size.")
    p.add_argument("--front-time", type=float, default=30.0, help="NSGA-II wall time (s).")
    p.add_argument("--jobs", type=int, default=1, help="Swarm runs in parallel processes.")
    p.add_argument(
        "--quick", action="store_true", help="Smoke mode: 2 seeds, 3,000 evaluations, 5 s fronts."
    )
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.evals, args.checkpoints, args.front_time = 2, 3000, [1500, 3000], 5.0
    args.checkpoints = sorted(c for c in args.checkpoints if c <= args.evals) or [args.evals]
    return args


def reference_front(preset: str, out: Path, time_limit_s: float) -> Path:
    """NSGA-II front of a preset under a wall-time budget, written as a run directory."""
    sc = load_scenario(preset)
    budget = Budget(time_limit_s=time_limit_s)
    res = run_front(sc, "nsga2", encoding="aggregate", pop_size=100, budget=budget, seed=1)
    return write_front(
        out / f"{preset}-front",
        sc,
        res,
        algorithm="nsga2",
        encoding="aggregate",
        pop_size=100,
        clusters=1,
        budget=budget,
        seed=1,
    )


def swarm_run(job: dict) -> dict:
    """One swarm run on the reference's scalar problem; ``extra_x`` joins the initial swarm.

    ``job``: ref_dir, mode, algorithm, seed, evals, pop, extra_x (None or [k, n_var]).
    """
    ref_dir, mode, algorithm, seed = job["ref_dir"], job["mode"], job["algorithm"], job["seed"]
    evals, pop, extra_x = job["evals"], job["pop"], job["extra_x"]
    ref = read_run(ref_dir)
    problem = scalar_problem(ref, mode_weights(load_default_judgements(), mode))
    budget = SwarmBudget(evals=evals)
    if extra_x is None:
        res = minimize_scalar(
            problem, ref.scenario, algorithm, pop_size=pop, budget=budget, seed=seed
        )
    else:
        initial = np.vstack([seed_vectors(problem.problem, ref.scenario), extra_x])
        swarm = make_swarm(algorithm, pop, 0.05, initial, seed)
        res = run_swarm(problem, swarm, budget)
    return {
        "algorithm": algorithm,
        "seed": seed,
        "n_evals": res.n_evals,
        "scalar": res.scalar,
        "wall_time_s": res.wall_time_s,
        "history": res.history[["n_evals", "best_scalar"]].to_numpy(),
    }


def at_budget(history: np.ndarray, budget: int) -> float:
    """Best scalar after the last generation whose evaluation count fits in ``budget``."""
    fits = history[:, 0] <= budget
    return float(history[fits, 1][-1]) if fits.any() else float("nan")


def mode_references(ref_dir: Path, mode: str) -> dict:
    """Exact optimum, AHP point and the encoding's dispatch of the exact profile."""
    ref = read_run(ref_dir)
    weights = mode_weights(load_default_judgements(), mode)
    problem = scalar_problem(ref, weights)
    norm = problem.normalization
    t0 = time.perf_counter()
    ev, bess, f_exact = solve_weighted(ref.scenario, weights, norm.ideal, norm.nadir)
    exact_s = time.perf_counter() - t0
    x_exact = problem.problem.profile_to_x(ev[None], None if bess is None else bess[None])
    return {
        "weights": weights,
        "exact": float(problem.scalar(f_exact[None])[0]),
        "exact_solve_s": exact_s,
        "ahp": select(ref.objectives, weights).score,
        "exact_dispatched": float(problem.evaluate(x_exact, return_values_of=["F"])[0, 0]),
        "x_exact": x_exact,
        "front_evals": int(ref.meta["n_evals"]),
        "front_size": len(ref.front),
        "front_time_s": float(ref.meta["wall_time_s"]),
    }


def plot_convergence(
    path: Path, title: str, runs: list[dict], exact: float, ahp: float, probe: float, evals: int
) -> None:
    grid = np.linspace(0, evals, 200)
    fig = Figure(figsize=(6.0, 3.8), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for algorithm, colour in zip(ALGORITHMS, ("tab:red", "tab:blue"), strict=True):
        curves = (
            np.array(
                [
                    [at_budget(r["history"], g) for g in grid]
                    for r in runs
                    if r["algorithm"] == algorithm
                ]
            )
            - exact
        )
        curves = np.clip(curves, 1e-6, None)
        ok = ~np.isnan(curves).any(axis=0)
        q1, med, q3 = np.percentile(curves[:, ok], [25, 50, 75], axis=0)
        ax.plot(grid[ok], med, color=colour, label=f"{algorithm.upper()} median")
        ax.fill_between(grid[ok], q1, q3, color=colour, alpha=0.25, lw=0)
    ax.axhline(max(ahp - exact, 1e-6), color="k", ls="--", lw=1, label="AHP point of front")
    ax.axhline(max(probe - exact, 1e-6), color="tab:green", ls=":", lw=1.2, label="encoding probe")
    ax.axhline(TARGET_GAP, color="grey", ls="-.", lw=0.8, label="target 0.01")
    ax.set_yscale("log")
    ax.set_xlabel("evaluations")
    ax.set_ylabel("scalar − exact optimum")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)


def markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(value) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def main(argv=None) -> None:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pool = ProcessPoolExecutor(args.jobs) if args.jobs > 1 else None
    run_rows, swarm_rows, ref_rows = [], [], []
    for preset in args.presets:
        ref_dir = reference_front(preset, args.out, args.front_time)
        for mode in MODES:
            refs = mode_references(ref_dir, mode)
            common = {"ref_dir": ref_dir, "mode": mode, "evals": args.evals, "pop": args.pop}
            jobs = [
                {**common, "algorithm": a, "seed": s, "extra_x": None}
                for a in ALGORITHMS
                for s in range(1, args.seeds + 1)
            ]
            jobs.append({**common, "algorithm": "cso", "seed": 1, "extra_x": refs["x_exact"]})
            results = list((pool.map if pool is not None else map)(swarm_run, jobs))
            runs, probe_run = results[:-1], results[-1]
            probe = min(refs["exact_dispatched"], probe_run["scalar"])
            exact = refs["exact"]
            for r in runs:
                run_rows.append(
                    {
                        "preset": preset,
                        "mode": mode,
                        "algorithm": r["algorithm"],
                        "seed": r["seed"],
                        "n_evals": r["n_evals"],
                        "wall_time_s": r["wall_time_s"],
                        "exact": exact,
                        **{f"scalar@{c}": at_budget(r["history"], c) for c in args.checkpoints},
                    }
                )
            for c in args.checkpoints:
                finals = {
                    a: np.array([at_budget(r["history"], c) for r in runs if r["algorithm"] == a])
                    for a in ALGORITHMS
                }
                p_value = mannwhitneyu(finals["mlgcso"], finals["cso"]).pvalue
                for a in ALGORITHMS:
                    v = finals[a]
                    q1, med, q3 = np.percentile(v, [25, 50, 75])
                    swarm_rows.append(
                        {
                            "preset": preset,
                            "mode": mode,
                            "budget": c,
                            "algorithm": a,
                            "runs": len(v),
                            "median": med,
                            "IQR": f"{q1:.4f} – {q3:.4f}",
                            "min – max": f"{v.min():.4f} – {v.max():.4f}",
                            "median gap": med - exact,
                            "within 0.01": int((v - exact <= TARGET_GAP).sum()),
                            "p (MW, MLGCSO vs CSO)": p_value,
                        }
                    )
            ref_rows.append(
                {
                    "preset": preset,
                    "mode": mode,
                    "weights": "/".join(f"{w:.3f}" for w in refs["weights"]),
                    "exact": exact,
                    "AHP point": refs["ahp"],
                    "AHP gap": refs["ahp"] - exact,
                    "front evals": refs["front_evals"],
                    "front size": refs["front_size"],
                    "swarm evals": int(np.median([r["n_evals"] for r in runs])),
                    "exact dispatched": refs["exact_dispatched"],
                    "probe best": probe_run["scalar"],
                    "encoding gap ≤": probe - exact,
                }
            )
            plot_convergence(
                args.out / f"{preset}-{mode}.png",
                f"{preset}, {mode}: {args.seeds} seeds, pop {args.pop}",
                runs,
                exact,
                refs["ahp"],
                probe,
                args.evals,
            )
            print(f"{preset} {mode}: done", flush=True)
    if pool is not None:
        pool.shutdown()
    pd.DataFrame(run_rows).to_csv(args.out / "runs.csv", index=False)
    text = "\n\n".join(
        [
            f"## Swarm runs (final scalar; lower is better; pop {args.pop}, phi 0.05)",
            markdown(pd.DataFrame(swarm_rows)),
            "## References (scalar in the same normalisation)",
            markdown(pd.DataFrame(ref_rows)),
            f"front: NSGA-II, pop 100, {args.front_time:g} s; exact: moo.exact.solve_weighted; "
            "encoding gap ≤: best of the exact profile dispatched and a CSO run seeded with it, "
            "minus the exact optimum.",
        ]
    )
    (args.out / "summary.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
