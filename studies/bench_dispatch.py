"""Dispatch rules side by side on the default front (issue 24 item 2).

For iov x K: the lower-bound front once (`moo.exact.bound.bound_front`), then, for each
dispatch rule of the aggregate encoding (`moo.kernels.data.DISPATCH_RULES`), the default
front (`moo.search.nsga.run_front`, NSGA-II, population 100, the same generations and seed)
with that rule, and its certified HV ratio and worst per-weight gap against the bound; and
the time to dispatch one population of 100 random decision vectors under each rule (rules
alternated, median of ``--repeats``), all in one run.

    python studies/bench_dispatch.py --scale 1 --generations 40 --out runs/dispatch
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from moo.exact.bound import Certificate, bound_front  # noqa: E402
from moo.kernels.data import DISPATCH_RULES  # noqa: E402
from moo.problems import encodings, feasibility  # noqa: E402
from moo.search import nsga  # noqa: E402
from moo.search.termination import Budget  # noqa: E402
from moo.util.jsontext import dumps  # noqa: E402


def front_with(scenario, rule: str, generations: int, relaxed):
    """The default front with one dispatch rule (run_front builds its problems through
    `make_problem`, which is given the rule here)."""
    original = nsga.make_problem

    def with_rule(sc, encoding="auto", clusters=1):
        return encodings.make_problem(sc, encoding, clusters, rule)

    nsga.make_problem = with_rule
    try:
        t0 = time.perf_counter()
        res = nsga.run_front(scenario, nsga.FrontSettings(budget=Budget(generations=generations)),
                             relaxed=relaxed)
        return res, time.perf_counter() - t0
    finally:
        nsga.make_problem = original


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--generations", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    sc = feasibility.load_checked("iov", None, args.scale, None)
    relaxed = bound_front(sc)
    cert = Certificate("", relaxed.normalization, relaxed.weights, relaxed.bound,
                       relaxed.outer_hv)
    x = np.random.default_rng(0).uniform(
        size=(100, encodings.AggregateProblem(sc).n_var))
    problems = {rule: encodings.AggregateProblem(sc, 1, rule) for rule in DISPATCH_RULES}
    times = {rule: [] for rule in DISPATCH_RULES}
    for rule in DISPATCH_RULES:
        problems[rule].dispatch(x[:2], store=False)  # compile
    for _ in range(args.repeats):
        for rule in DISPATCH_RULES:
            t0 = time.perf_counter()
            problems[rule].dispatch(x, store=False)
            times[rule].append(time.perf_counter() - t0)
    rows = {"scenario": f"iov x{args.scale}", "generations": args.generations}
    for rule in DISPATCH_RULES:
        res, wall = front_with(sc, rule, args.generations, relaxed)
        c = cert.certify(res.F)
        rows[rule] = {
            "dispatch_100_s": float(np.median(times[rule])),
            "front_s": round(wall, 1),
            "points": len(res.F),
            "min_cost": float(res.F[:, 0].min()),
            "certified_hv_ratio": c["certified_hv_ratio"],
            "certified_gap": c["certified_gap"],
        }
        print(rule, dumps(rows[rule]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"dispatch-iov-x{args.scale}.json").write_text(dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
