"""Out-of-sample evaluation benchmark (issue 22): a 200-solution front on 500 realisations.

One run measures, on the same machine and front:

- the evaluation: `moo.uncertainty.evaluate.evaluate_plans` of every plan of the front on N
  realisations of the evaluation stream, realisation set-up included (drawing the day,
  building the dispatcher's arrays, dispatching, measures, the result table);
- its parts: drawing the N realisations alone;
- the kernel: the aggregate encoding's evaluation of the same front on the nominal day
  (`AggregateProblem.dispatch`, what one generation of the optimiser costs), repeated;
- side by side: the kernel and `realise_plans` (the recourse on a realised day) alternated
  on 10 realised days, 5 times, medians — the ratio that the machine's other load does not
  move;
- the command: the same front written as a run and evaluated by the `realise` job
  (`jobs.realise.run`, what `v2g-pareto realise RUN --realisations N` runs): reading the
  run, reloading its scenario, the embedded Dask cluster's start (one worker per core), the
  evaluation on it and writing the realised directory (``--no-command`` skips it).

Throughputs are in dispatched vehicle-slots per second (plans × plugged vehicle-slots of
the day). The front comes from a short NSGA-II run of the aggregate encoding (its quality
does not matter here; its size does). Target (issue 22): iov, 200 solutions, 500
realisations within 60 s on 2 cores.

    nice python -m studies.bench_realise [--scenario iov] [--solutions 200]
        [--realisations 500] [--generations 150] [--no-command]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from jobs.front import write_front
from jobs.realise import RealiseSpec
from jobs.realise import run as realise_job
from models.scenario import load_scenario
from models.uncertainty import EVALUATION, realise
from moo.search.nsga import FrontSettings, Memetic, RelaxSeeds, run_front
from moo.search.termination import Budget
from moo.uncertainty.evaluate import evaluate_plans
from moo.uncertainty.plan import plans_from_schedules
from moo.uncertainty.recourse import realise_plans
from studies.bench_eval import cpu_name


def front_plans(scenario, solutions: int, generations: int):
    """Plans of an aggregate-encoding front with up to ``solutions`` members."""
    res = run_front(scenario, FrontSettings(encoding="aggregate", pop_size=100,
                                            budget=Budget(generations=generations),
                                            max_solutions=solutions,
                                            memetic=Memetic(max_vars=0),
                                            relax=RelaxSeeds("off")))
    ev, bess, _ = res.problem.schedules(res.X)
    net = scenario.grid.net_base_kw + ev.sum(axis=1) + (0.0 if bess is None else bess)
    return res, plans_from_schedules(scenario, net, bess, ev)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="iov")
    ap.add_argument("--solutions", type=int, default=200)
    ap.add_argument("--realisations", type=int, default=500)
    ap.add_argument("--generations", type=int, default=150)
    ap.add_argument("--no-command", dest="command", action="store_false",
                    help="Skip the command-level measurement (the realise job on Dask).")
    args = ap.parse_args(argv)
    scenario = load_scenario(args.scenario)
    t0 = time.perf_counter()
    res, plans = front_plans(scenario, args.solutions, args.generations)
    front_s = time.perf_counter() - t0
    s = plans.n
    print(f"{args.scenario}: {scenario.fleet.n} EVs, T = {scenario.slots}; front of {s} "
          f"solutions in {front_s:.1f} s; {numba.get_num_threads()} numba threads on "
          f"{os.cpu_count()} CPUs ({cpu_name()})")

    evaluate_plans(scenario, plans.take([0]), [0])  # compile outside the timings

    x = res.X
    problem = res.problem
    problem.dispatch(x, store=False)
    reps, t0 = 0, time.perf_counter()
    while reps < 20 or time.perf_counter() - t0 < 2.0:
        problem.dispatch(x, store=False)
        reps += 1
    kernel_s = (time.perf_counter() - t0) / reps
    kernel_rate = s * scenario.fleet.plugged_slots() / kernel_s

    t0 = time.perf_counter()
    slots = 0
    for index in range(args.realisations):
        r = realise(scenario, index, EVALUATION)
        slots += int((r.window_end - r.scenario.fleet.arrival_slot).sum())
    draw_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    ev = evaluate_plans(scenario, plans, args.realisations)
    eval_s = time.perf_counter() - t0
    rate = s * slots / eval_s

    per = eval_s / args.realisations
    print(f"kernel (nominal day, {s} plans): {kernel_s * 1e3:8.1f} ms per evaluation, "
          f"{kernel_rate:.3g} vehicle-slots/s")
    print(f"evaluation ({args.realisations} realisations x {s} plans): {eval_s:.1f} s "
          f"({per * 1e3:.1f} ms per realisation = {per / kernel_s:.2f} kernel evaluations), "
          f"{rate:.3g} vehicle-slots/s ({rate / kernel_rate:.2f} of the kernel's)")
    print(f"  of which drawing the realisations: {draw_s:.1f} s "
          f"({draw_s / args.realisations * 1e3:.1f} ms each)")
    print(f"  table {ev.table.shape[0]:,} rows x {ev.table.shape[1]} columns; "
          f"P(unmet > 0) over the front: {ev.summary['p_unmet'].min():.2f} .. "
          f"{ev.summary['p_unmet'].max():.2f}")
    days = [realise(scenario, index, EVALUATION) for index in range(10)]
    kernel_t, recourse_t = [], []
    for _ in range(5):
        for r in days:
            t0 = time.perf_counter()
            problem.dispatch(x, store=False)
            kernel_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            realise_plans(plans, r)
            recourse_t.append(time.perf_counter() - t0)
    k_med, r_med = np.median(kernel_t) * 1e3, np.median(recourse_t) * 1e3
    print(f"side by side (50 alternations): kernel {k_med:.1f} ms, recourse on a realised day "
          f"{r_med:.1f} ms (median), ratio {r_med / k_med:.2f}")
    verdict = "within" if eval_s <= 60.0 else "ABOVE"
    print(f"target: <= 60 s on 2 cores -> {eval_s:.1f} s, {verdict} target")
    if args.command:
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = write_front(Path(tmp) / "front", scenario, res, algorithm="nsga2",
                                  pop_size=100, clusters=1,
                                  budget=Budget(generations=args.generations), seed=1)
            t0 = time.perf_counter()
            job = realise_job(RealiseSpec(str(run_dir), str(Path(tmp) / "realised"),
                                          realisations=args.realisations))
            cmd_s = time.perf_counter() - t0
        verdict = "within" if cmd_s <= 60.0 else "ABOVE"
        print(f"command (realise job, {job.where}; run read, scenario reloaded, cluster "
              f"started, evaluated, directory written): {cmd_s:.1f} s "
              f"({cmd_s / eval_s:.2f} of the in-process evaluation), {verdict} target")


if __name__ == "__main__":
    main()
