"""Benchmark of the weighted-sum route: MLGCSO vs CSO, plain and seeded, against the exact optimum.

For each preset (default ``building`` and ``qingdao``):

1. a reference front: NSGA-II in the encoding the study uses for the preset
   (`moo.problems.encodings.auto_encoding`: vehicle for small fleets), memetic seeding on, a fixed
   wall-time budget, written with `jobs.front.write_front` (reused when ``OUT`` already
   holds a complete one); its column min / max is the normalisation (docs/model.md §7);
2. for each mode (economy, response) with the shipped AHP weights:
   - the exact weighted-sum optimum under that normalisation (`moo.exact.front.solve_weighted`),
     and that optimum written as a decision vector of the encoding and evaluated (what the
     encoding can represent),
   - the AHP-selected point of the front (`moo.decision.select`; same scalar),
   - MLGCSO and CSO, ``--seeds`` runs each, in the front's encoding, for each variant:
     ``plain`` (baselines plus random particles: the papers' swarm) and ``seeded`` (the
     front seeder's local-search points plus a polish of the best particle each
     generation, no bound seed); optionally ``seeded-no-polish`` (the seeding without the
     per-generation polish: what the swarm's own moves add) and ``bound`` (the default of
     `moo.search.weighted.minimize_scalar`: ``seeded`` plus, on the aggregate encoding, the
     bound's optimum for the mode, rounded and polished: `BoundSeed`),
   - the seeds alone: the best particle of each seeded run's initial swarm (baselines and
     local-search points, and the bound seed for ``bound``; before any swarm move), so the
     table shows what the swarm adds to it.

``--time-limit`` gives each swarm run a wall time instead of an evaluation budget, as the
study does (its swarms share 70 % of what is left after the front and the exact front).

``n_evals`` counts full evaluations (the budget); local-search moves are counted apart.
Writes under ``--out``: ``runs.csv`` (one row per swarm run, appended as runs finish),
``summary.md`` (the tables), one convergence PNG per preset and mode (median and IQR of the
gap to the exact optimum vs evaluations) and the reference front runs. Run it with
``NUMBA_NUM_THREADS=1`` when other jobs share the machine.

    python -m studies.bench_swarm --out bench/swarm             # 10 seeds, 50,000 evals
    python -m studies.bench_swarm --out /tmp/swarm-smoke --quick
    python -m studies.bench_swarm --out bench/swarm-agg --presets eva crisscross --seeds 3 \
        --variants seeded bound --time-limit 25 --front-time 100
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from jobs.front import write_front
from models.scenario import load_scenario
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select
from moo.exact.front import solve_weighted
from moo.rundir import is_complete, read_run
from moo.search.nsga import FrontSettings, run_front
from moo.search.termination import Budget
from moo.search.weighted import (
    BoundSeed,
    LocalSearch,
    minimize_scalar,
    scalar_problem,
)

MODES = ("economy", "response")
ALGORITHMS = ("mlgcso", "cso")
VARIANTS = {  # (local search, bound seed)
    "plain": (LocalSearch(enabled=False), BoundSeed("off")),
    "seeded": (LocalSearch(), BoundSeed("off")),
    "seeded-no-polish": (LocalSearch(generation_moves_per_var=0), BoundSeed("off")),
    "bound": (LocalSearch(), BoundSeed()),  # the default: on with the aggregate encoding
}
DEFAULT_VARIANTS = ("plain", "seeded")
SEED_ROWS = {  # rows of the initial swarm alone, by the variants that share it
    "local-search seed alone": ("seeded", "seeded-no-polish"),
    "bound and local-search seeds alone": ("bound",),
}
TARGET_GAP = 0.01  # issue target, normalised units


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="Directory for runs, tables, PNGs.")
    p.add_argument("--presets", nargs="+", default=["building", "qingdao"])
    p.add_argument("--seeds", type=int, default=10, help="Swarm runs per algorithm and mode.")
    p.add_argument("--evals", type=int, default=50_000, help="Evaluations per swarm run.")
    p.add_argument("--time-limit", type=float,
                   help="Wall time per swarm run (s) instead of --evals (as the study does).")
    p.add_argument("--pop", type=int, default=100, help="Swarm size.")
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(DEFAULT_VARIANTS))
    p.add_argument("--algorithms", nargs="+", choices=ALGORITHMS, default=list(ALGORITHMS))
    p.add_argument("--front-time", type=float, default=60.0, help="NSGA-II wall time (s).")
    p.add_argument(
        "--quick", action="store_true", help="Smoke mode: 2 seeds, 3,000 evaluations, 5 s fronts."
    )
    args = p.parse_args(argv)
    if args.quick:
        args.seeds, args.evals, args.front_time = 2, 3000, 5.0
    return args


def reference_front(preset: str, out: Path, time_limit_s: float) -> Path:
    """NSGA-II front of a preset under a wall-time budget (reused if already written)."""
    path = out / f"{preset}-front"
    if is_complete(path):
        return path
    sc = load_scenario(preset)
    budget = Budget(time_limit_s=time_limit_s)
    res = run_front(sc, FrontSettings("nsga2", budget=budget, seed=1))  # encoding auto
    return write_front(
        path,
        sc,
        res,
        algorithm="nsga2",
        pop_size=100,
        clusters=1,
        budget=budget,
        seed=1,
    )


def swarm_run(ref_dir: Path, mode: str, algorithm: str, variant: str, seed: int, args) -> dict:
    """One swarm run on the reference's scalar problem, in the reference's encoding."""
    ref = read_run(ref_dir)
    problem, repair = scalar_problem(ref, load_default_judgements().objective_weights(mode))
    local_search, bound = VARIANTS[variant]
    budget = Budget(time_limit_s=args.time_limit) if args.time_limit else Budget(evals=args.evals)
    res = minimize_scalar(
        problem,
        ref.scenario,
        algorithm,
        pop_size=args.pop,
        budget=budget,
        seed=seed,
        repair=repair,
        local_search=local_search,
        bound=bound,
    )
    h = res.history
    return {
        "algorithm": algorithm,
        "variant": variant,
        "seed": seed,
        "n_evals": res.n_evals,
        "local_moves": res.local_moves,
        "seed_moves": res.parameters["local_search"]["seed_moves"],
        "seed_time_s": res.parameters["local_search"]["seed_time_s"],
        "wall_time_s": res.wall_time_s,
        "initial_best": float(h["best_scalar"].iloc[0]),
        "scalar": res.scalar,
        "history": h[["n_evals", "best_scalar"]].to_numpy(),
    }


def at_budget(history: np.ndarray, budget: float) -> float:
    """Best scalar after the last generation whose evaluation count fits in ``budget``."""
    fits = history[:, 0] <= budget
    return float(history[fits, 1][-1]) if fits.any() else float("nan")


def mode_references(ref_dir: Path, mode: str) -> dict:
    """Exact optimum (and as the encoding represents it) and the AHP point."""
    ref = read_run(ref_dir)
    weights = load_default_judgements().objective_weights(mode)
    problem, _ = scalar_problem(ref, weights)
    norm = problem.normalization
    t0 = time.perf_counter()
    ev, bess, f_exact = solve_weighted(ref.scenario, weights, norm.ideal, norm.nadir)
    exact_s = time.perf_counter() - t0
    x_exact = problem.problem.profile_to_x(ev[None], None if bess is None else bess[None])
    return {
        "weights": weights,
        "encoding": problem.problem.encoding,
        "n_var": problem.n_var,
        "exact": float(problem.scalar(f_exact[None])[0]),
        "exact_solve_s": exact_s,
        "exact_encoded": float(problem.evaluate(x_exact, return_values_of=["F"])[0, 0]),
        "ahp": select(ref.objectives, weights).score,
        "front_evals": int(ref.meta["n_evals"]),
        "front_size": len(ref.front),
        "front_time_s": float(ref.meta["wall_time_s"]),
    }


def plot_convergence(path: Path, title: str, runs: list[dict], refs: dict, evals: int) -> None:
    grid = np.linspace(0, evals, 200)
    exact = refs["exact"]
    fig = Figure(figsize=(6.0, 3.8), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    colours = {"mlgcso": "tab:red", "cso": "tab:blue"}
    styles = {"plain": ":", "seeded": "-", "seeded-no-polish": "--"}
    for algorithm, variant in sorted({(r["algorithm"], r["variant"]) for r in runs}):
        mine = [r for r in runs if r["algorithm"] == algorithm and r["variant"] == variant]
        curves = np.array([[at_budget(r["history"], g) for g in grid] for r in mine]) - exact
        curves = np.clip(curves, 1e-6, None)
        ok = ~np.isnan(curves).any(axis=0)
        if not ok.any():
            continue
        q1, med, q3 = np.percentile(curves[:, ok], [25, 50, 75], axis=0)
        colour = colours[algorithm]
        ax.plot(
            grid[ok], med, color=colour, ls=styles[variant], label=f"{algorithm.upper()} {variant}"
        )
        ax.fill_between(grid[ok], q1, q3, color=colour, alpha=0.2, lw=0)
    ax.axhline(max(refs["ahp"] - exact, 1e-6), color="k", ls="--", lw=1, label="AHP point")
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
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    return str(value)


def gap_row(preset, mode, route, gaps: np.ndarray, evals, moves, wall) -> dict:
    return {
        "preset": preset,
        "mode": mode,
        "route": route,
        "runs": len(gaps),
        "median gap": float(np.median(gaps)),
        "worst gap": float(gaps.max()),
        "best gap": float(gaps.min()),
        "within 0.01": f"{int((gaps <= TARGET_GAP).sum())}/{len(gaps)}",
        "evals (median)": int(np.median(evals)),
        "LS moves (median)": int(np.median(moves)),
        "wall s (median)": float(np.median(wall)),
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    run_rows, gap_rows, ref_rows = [], [], []
    for preset in args.presets:
        ref_dir = reference_front(preset, args.out, args.front_time)
        for mode in MODES:
            refs = mode_references(ref_dir, mode)
            exact = refs["exact"]
            runs = []
            for variant in args.variants:
                for algorithm in args.algorithms:
                    for seed in range(1, args.seeds + 1):
                        r = swarm_run(ref_dir, mode, algorithm, variant, seed, args)
                        runs.append(r)
                        run_rows.append(
                            {"preset": preset, "mode": mode, "exact": exact}
                            | {k: v for k, v in r.items() if k != "history"}
                            | {"gap": r["scalar"] - exact}
                        )
                        pd.DataFrame(run_rows).to_csv(args.out / "runs.csv", index=False)
                        print(
                            f"{preset} {mode} {algorithm} {variant} seed {seed}: gap "
                            f"{r['scalar'] - exact:.4f} ({r['wall_time_s']:.1f} s)",
                            flush=True,
                        )
            for label, family in SEED_ROWS.items():
                seeded = [r for r in runs if r["variant"] in family]
                if not seeded:
                    continue
                # A seeded run's initial swarm depends on its seed only (under an evaluation
                # budget), not on the algorithm or the per-generation polish: one run per seed.
                first = [
                    r for r in seeded if r is next(q for q in seeded if q["seed"] == r["seed"])
                ]
                gap_rows.append(
                    gap_row(
                        preset,
                        mode,
                        label,
                        np.array([r["initial_best"] for r in first]) - exact,
                        [int(r["history"][0, 0]) for r in first],
                        [r["seed_moves"] for r in first],
                        [r["seed_time_s"] for r in first],
                    )
                )
            for variant in args.variants:
                for algorithm in args.algorithms:
                    mine = [
                        r for r in runs if (r["algorithm"], r["variant"]) == (algorithm, variant)
                    ]
                    gap_rows.append(
                        gap_row(
                            preset,
                            mode,
                            f"{algorithm.upper()} {variant}",
                            np.array([r["scalar"] for r in mine]) - exact,
                            [r["n_evals"] for r in mine],
                            [r["local_moves"] for r in mine],
                            [r["wall_time_s"] for r in mine],
                        )
                    )
            ref_rows.append(
                {
                    "preset": preset,
                    "mode": mode,
                    "weights": "/".join(f"{w:.3f}" for w in refs["weights"]),
                    "encoding (n_var)": f"{refs['encoding']} ({refs['n_var']:,})",
                    "exact": exact,
                    "exact, encoded": refs["exact_encoded"],
                    "AHP point": refs["ahp"],
                    "AHP gap": refs["ahp"] - exact,
                    "front evals": refs["front_evals"],
                    "front size": refs["front_size"],
                }
            )
            plot_convergence(
                args.out / f"{preset}-{mode}.png",
                f"{preset}, {mode}: {args.seeds} seeds, pop {args.pop}",
                runs,
                refs,
                max(int(r["history"][-1, 0]) for r in runs),
            )
    text = "\n\n".join(
        [
            "## Gap to the exact weighted-sum optimum (normalised units; "
            + (f"{args.time_limit:g} s" if args.time_limit else f"{args.evals:,} evaluations")
            + f" per run, pop {args.pop}, phi 0.05, seeds 1..{args.seeds})",
            markdown(pd.DataFrame(gap_rows)),
            "## References (scalar in the same normalisation)",
            markdown(pd.DataFrame(ref_rows)),
            f"front: NSGA-II, pop 100, {args.front_time:g} s, memetic seeding; exact: "
            "moo.exact.front.solve_weighted. evals: full evaluations (the budget); LS moves: "
            "local-search moves tried (not evaluations). Local-search seed alone: the best of "
            "the initial swarm of the seeded runs (baselines and local-search points), its "
            "evals column is the swarm size and its wall time the seeding time.",
        ]
    )
    (args.out / "summary.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
