"""Risk-aware front benchmark (issue 22 items 4 and 5): time to a K = 32 front, and what it
is worth out of sample.

One run, each front through the `front` job (`jobs.front.run`, what the command runs, with
its default budget) into a temporary directory:

1. per scenario (default ``building`` and ``iov``): the risk-aware front with K training
   realisations (default 32) and ``--risk`` (default ``mean``) — wall time, evaluations,
   generations, and the issue's targets (building 5 min, iov 10 min);
2. on the first scenario: the deterministic front (default options; on building that is
   the vehicle encoding, whose plans have one cluster per vehicle), the deterministic
   front of the aggregate encoding (the risk-aware front's decision, planned on the
   nominal day alone) and the risk-aware one, all read back from their run directories
   (`plans_from_run`) and evaluated by `moo.uncertainty.evaluate.evaluate_plans` on the
   same N (default 100) realisations of the EVALUATION stream: the hypervolume of each
   front's realised mean objectives (cost with imbalance, variance, peak-to-valley) in one
   normalisation (`moo.uncertainty.compare.realised_hypervolume`), and the mean over each
   front's solutions of the realised cost, imbalance cost and unmet energy.

    nice python -m studies.bench_risk [--scenarios building iov] [--realisations 32]
        [--risk mean] [--evaluate 100]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from jobs.front import FrontSpec, run
from models.scenario import load_scenario
from moo.rundir.run import read_run
from moo.uncertainty.compare import realised_hypervolume
from moo.uncertainty.evaluate import evaluate_plans
from moo.uncertainty.plan import plans_from_run
from studies.bench_eval import cpu_name

TARGET_S = {"building": 300.0, "iov": 600.0}


def front_run(spec: FrontSpec, out: Path):
    t0 = time.perf_counter()
    job = run(spec, out)
    wall = time.perf_counter() - t0
    res = job.result
    print(f"  {spec.scenario} {'risk ' + spec.risk if spec.realisations else 'deterministic'}"
          f"{f' K={spec.realisations}' if spec.realisations else ''}: {wall:.1f} s (command), "
          f"{res.wall_time_s:.1f} s search, {res.n_evals} evaluations, "
          f"{len(res.history)} generations, {len(res.F)} solutions, "
          f"{res.settings['encoding']} encoding", flush=True)
    return job, wall


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", nargs="+", default=["building", "iov"])
    ap.add_argument("--realisations", type=int, default=32)
    ap.add_argument("--risk", default="mean")
    ap.add_argument("--evaluate", type=int, default=100)
    args = ap.parse_args(argv)
    print(f"machine: {cpu_name()}; shared with other jobs: absolute times move between runs")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        risk_runs = {}
        for name in args.scenarios:
            spec = FrontSpec(name, realisations=args.realisations, risk=args.risk)
            job, wall = front_run(spec, tmp / f"{name}-risk")
            target = TARGET_S.get(name)
            if target is not None:
                print(f"    target {target:.0f} s: {'held' if wall <= target else 'MISSED'}")
            risk_runs[name] = job.path
        first = args.scenarios[0]
        det, _ = front_run(FrontSpec(first), tmp / f"{first}-det")
        det_agg, _ = front_run(FrontSpec(first, encoding="aggregate"), tmp / f"{first}-det-agg")
        summaries = {}
        for label, path in (("deterministic", det.path),
                            ("deterministic, aggregate encoding", det_agg.path),
                            ("risk-aware", risk_runs[first])):
            r = read_run(path)
            t0 = time.perf_counter()
            # the preset (with its [uncertainty] table) is the runs' scenario
            ev = evaluate_plans(load_scenario(first), plans_from_run(r), args.evaluate)
            s = ev.summary
            summaries[label] = s
            mean = s.mean(numeric_only=True)
            print(f"  {label}: {len(s)} plans on {args.evaluate} evaluation realisations in "
                  f"{time.perf_counter() - t0:.1f} s; mean over the front: realised cost "
                  f"{mean['total_cost_mean']:.2f} (imbalance {mean['imbalance_cost_mean']:.2f}),"
                  f" unmet {mean['unmet_kwh_mean']:.2f} kWh, p_unmet {mean['p_unmet']:.3f}",
                  flush=True)
        hv = realised_hypervolume(summaries)
        print(f"  HV of the realised mean objectives ({', '.join(hv.columns)}), one "
              f"normalisation (ideal {hv.normalization.ideal.round(2).tolist()}, nadir "
              f"{hv.normalization.nadir.round(2).tolist()}, reference 1.1):")
        for label, value in hv.hypervolume.items():
            print(f"    {label}: {value:.4f}")


if __name__ == "__main__":
    main()
