"""Dispatch rules side by side on the default front (issue 24 item 2).

For iov x K: the lower-bound front once (`moo.exact.bound.bound_front`), then, for each
dispatch rule of the aggregate encoding (`moo.kernels.data.DISPATCH_RULES`, or those given
by ``--rules``), the default front (`moo.search.nsga.run_front`, NSGA-II, population 100, the
same budget and seeds, `FrontSettings.dispatch` the rule) and its certified HV ratio and
worst per-weight gap against the bound; and the time to dispatch one population of 100
random decision vectors under each rule (rules alternated, median of ``--repeats``), all in
one run. The budget is ``--generations`` (equal generations) or ``--time-limit`` seconds
(equal wall time, counted from the start of each front run; the bound is solved once
before, so it is in neither rule's time). ``--seeds`` runs each rule with each seed.

    python studies/bench_dispatch.py --scale 1 --generations 40 --out runs/dispatch
    python studies/bench_dispatch.py --scale 1 --time-limit 120 --rules priority laxity \
        --seeds 1 2 --out runs/dispatch
    python studies/bench_dispatch.py --scale 10 --dispatch-only --against 0428769 \
        --out runs/dispatch

``--dispatch-only``: the dispatch times alone (no bound, no fronts), written to
``dispatch-iov-xK-only.json`` with the CPU time of each median call beside its wall time;
``--against REV`` times the kernels of git revision REV (its `moo/kernels/population.py`)
too, alternated with today's on the same inputs, and gives the largest relative difference
of their report vectors (a faster kernel must give the same schedules).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from moo.exact.bound import bound_front  # noqa: E402
from moo.kernels import population  # noqa: E402
from moo.kernels.data import DISPATCH_RULES  # noqa: E402
from moo.problems import encodings, feasibility  # noqa: E402
from moo.search import nsga  # noqa: E402
from moo.search.termination import Budget  # noqa: E402
from moo.util.jsontext import dumps  # noqa: E402


def front_with(scenario, rule: str, budget: Budget, seed: int, relaxed):
    """The default front with one dispatch rule, its wall time and the CPU time of this
    process's threads over it (on a shared machine: how much of the wall time it ran)."""
    t0, c0 = time.perf_counter(), time.process_time()
    res = nsga.run_front(scenario, nsga.FrontSettings(budget=budget, seed=seed, dispatch=rule),
                         relaxed=relaxed)
    return res, time.perf_counter() - t0, time.process_time() - c0


def kernels_at(rev: str):
    """The kernels module of git revision ``rev``, loaded from a temporary copy."""
    text = subprocess.run(["git", "show", f"{rev}:moo/kernels/population.py"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / f"population_{re.sub(r'[^A-Za-z0-9]', '_', rev)}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dispatch_with(kernels, problem, x) -> np.ndarray:
    """`AggregateProblem.dispatch` without schedules through a kernels module: the report
    vectors [S, N_OUT]."""
    d = problem.kdata
    req, req_b = problem.requests(x)
    s, t = len(x), problem.t_count
    out = np.zeros((s, kernels.N_OUT))
    kernels.dispatch_population(
        req, req_b, d.vrow, d.e_start, d.sat_floor, d.bess, d.has_bess, d.slot_ptr, d.slot_rank,
        d.slot_idx, d.cl_ptr, d.n_clusters, d.dt, d.base_net, d.buy, d.sell, d.deg_cost,
        problem.limit, False, np.zeros((1, len(d.e_start), t)), np.zeros_like(req),
        np.zeros((s, t)), np.zeros((s, t)), out, np.zeros(s), d.rule)
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--generations", type=int, default=None)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per front run")
    ap.add_argument("--rules", nargs="+", choices=DISPATCH_RULES, default=list(DISPATCH_RULES))
    ap.add_argument("--seeds", nargs="+", type=int, default=[1])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--dispatch-only", action="store_true", help="time the dispatch alone")
    ap.add_argument("--against", metavar="REV", help="with --dispatch-only: also REV's kernels")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    budget = Budget.one_of(args.generations, None, args.time_limit) or Budget(generations=40)
    rules = args.rules
    sc = feasibility.load_checked("iov", None, args.scale, None)
    x = np.random.default_rng(0).uniform(
        size=(100, encodings.AggregateProblem(sc).n_var))
    problems = {rule: encodings.AggregateProblem(sc, 1, rule) for rule in rules}
    kernels = {"": population}
    if args.against and args.dispatch_only:
        kernels[f"@{args.against}"] = kernels_at(args.against)
    runs = [(rule, tag) for rule in rules for tag in kernels]
    times = {rule + tag: [] for rule, tag in runs}
    cpu = {rule + tag: [] for rule, tag in runs}
    reports = {rule + tag: dispatch_with(kernels[tag], problems[rule], x)  # and compile
               for rule, tag in runs}
    for _ in range(args.repeats):
        for rule, tag in runs:
            t0, c0 = time.perf_counter(), time.process_time()
            dispatch_with(kernels[tag], problems[rule], x)
            times[rule + tag].append(time.perf_counter() - t0)
            cpu[rule + tag].append(time.process_time() - c0)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.dispatch_only:
        only = {"scenario": f"iov x{args.scale}", "repeats": args.repeats,
                "load_average_1min": round(os.getloadavg()[0], 1),
                **{key: {"dispatch_100_s": float(np.median(times[key])),
                         "dispatch_100_cpu_s": float(np.median(cpu[key]))} for key in times}}
        if len(kernels) > 1:
            only["max_report_rel_diff"] = {rule: float(np.max(
                np.abs(reports[rule] - reports[f"{rule}@{args.against}"])
                / np.maximum(np.abs(reports[rule]), 1e-9))) for rule in rules}
        print(dumps(only, indent=2))
        (args.out / f"dispatch-iov-x{args.scale}-only.json").write_text(dumps(only, indent=2)
                                                                         + "\n")
        return
    relaxed = bound_front(sc)
    cert = relaxed.certificate()
    rows = {"scenario": f"iov x{args.scale}", "budget": budget.to_dict(), "seeds": args.seeds}
    runs = {rule: [] for rule in rules}
    for seed in args.seeds:
        for rule in rules:  # alternated, so that a change in the machine's load hits both
            res, wall, cpu = front_with(sc, rule, budget, seed, relaxed)
            c = cert.certify(res.F)
            runs[rule].append({
                "seed": seed,
                "front_s": round(wall, 1),
                "cpu_s": round(cpu, 1),
                "load_average_1min": round(os.getloadavg()[0], 1),
                "generations": len(res.history),
                "points": len(res.F),
                "min_cost": float(res.F[:, 0].min()),
                "certified_hv_ratio": c["certified_hv_ratio"],
                "certified_gap": c["certified_gap"],
            })
            print(rule, dumps(runs[rule][-1]), flush=True)
    for rule in rules:
        rows[rule] = {"dispatch_100_s": float(np.median(times[rule])),
                      "dispatch_100_cpu_s": float(np.median(cpu[rule])),
                      **(runs[rule][0] if len(args.seeds) == 1 else {"runs": runs[rule]})}
    name = f"dispatch-iov-x{args.scale}"
    if budget.time_limit_s is not None:
        name += f"-{budget.time_limit_s:g}s"
    (args.out / f"{name}.json").write_text(dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
