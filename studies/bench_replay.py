"""Re-planning benchmark (issue 23): `mpc` per-step solve times at 100 and 1,000 vehicles.

For each case one realised day (realisation 0 of the evaluation stream) is replayed under
``mpc`` for the Economy mode (the normalisation from the nominal day's payoff table, as the
`replay` command does without a front). Reported per case: the solver the size selects
(`moo.operate.solve.EXACT_MAX_SLOTS`), the distribution of the per-step solve time (the
rest-of-day model, the QP, and for the relaxation its rounding by the dispatcher), the
whole wall time per step (solve plus applying the step through the dispatcher), the
fallbacks, and the realised weighted objective beside the hindsight optimum's. The second
row of each case replays the same day without expected arrivals (`--arrivals none`).

Cases: ``building --scale 2`` (100 sampled cars, 15-minute slots, BESS) and ``iov`` (1,000
cars and vans). Targets (issue 23): ≤ 1 s per step at 100 vehicles and ≤ 10 s at 1,000 on 2
cores.

    nice python -m studies.bench_replay [--replan-every 4] [--cases building:2,iov:1]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from models.scenario import load_scenario
from models.uncertainty import realise
from moo.decision.ahp import load_default_judgements
from moo.operate.replay import ReplayOptions, Weighted, replay
from moo.operate.solve import payoff_normalization
from studies.bench_eval import cpu_name


def case(name: str, scale: int, replan_every: int) -> list[dict]:
    forecast = load_scenario(name, scale=scale)
    day = realise(forecast, 0)
    t0 = time.perf_counter()
    norm = payoff_normalization(forecast)
    setup_s = time.perf_counter() - t0
    w = Weighted(load_default_judgements().objective_weights("economy"), norm)
    perfect = replay("perfect", day, w)
    rows = []
    for arrivals in ("nominal", "none"):
        res = replay("mpc", day, w, forecast=forecast,
                     options=ReplayOptions(replan_every=replan_every, arrivals=arrivals))
        s = res.steps["solve_time_s"].to_numpy()
        rows.append({
            "case": f"{name} x{scale}" if scale > 1 else name,
            "vehicles": day.scenario.fleet.n,
            "arrivals": arrivals,
            "steps": len(s),
            "solver": res.solver,
            "fallbacks": int((res.steps["fallback"] != "").sum()),
            "solve_p50_s": float(np.median(s)),
            "solve_p90_s": float(np.quantile(s, 0.9)),
            "solve_max_s": float(s.max()),
            "wall_per_step_s": res.wall_time_s / len(s),
            "weighted_mpc": res.measures["weighted"],
            "weighted_perfect": perfect.measures["weighted"],
            "perfect_solver": perfect.solver,
            "payoff_setup_s": setup_s,
        })
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replan-every", type=int, default=4)
    ap.add_argument("--cases", default="building:2,iov:1",
                    help="comma-separated NAME:SCALE")
    args = ap.parse_args()
    print(f"# {cpu_name()}, {os.cpu_count()} cores (shared machine: absolute times move "
          "with the other load); replan every", args.replan_every, "slots")
    for item in args.cases.split(","):
        name, scale = item.split(":")
        for row in case(name, int(scale), args.replan_every):
            print(" | ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                             for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
