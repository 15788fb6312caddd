"""Front quality vs wall time: NSGA-II / NSGA-III, both encodings, against the exact front.

For each preset the exact reference front (`moo.exact.front.exact_front`, docs/model.md §10)
is computed once and cached as ``.npy`` under ``--cache-dir`` (keyed by preset, point count
and a hash of the scenario's arrays). Then every (algorithm, encoding, wall-time budget, seed) runs
`moo.search.nsga.run_front` and the HV ratio of its front is taken in the exact front's
normalisation (`moo.exact.indicators.hv_ratio`: ideal/nadir of the exact front, reference point
1.1, moocore). The table gives the median and minimum over seeds.

The vehicle encoding is skipped on fleets with more than ``--vehicle-max-vars`` plugged
vehicle-slots (iov has ~50 000: pymoo's SBX/PM over that many variables costs more per
generation than the whole local search, so NSGA only adds overhead there).

    python studies/bench_quality.py                 # the full table (~45 min on 2 cores)
    python studies/bench_quality.py --quick         # smoke run: building, 1 seed, 10 s
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import time
from pathlib import Path

import numpy as np

from models.scenario import Scenario, load_scenario
from moo.exact.front import exact_front
from moo.exact.indicators import epsilon_additive, hv_ratio, igd_plus
from moo.search.nsga import FrontSettings, Memetic, run_front
from moo.search.termination import Budget

DEFAULT_BUDGETS = {"building": (15.0, 30.0, 60.0), "iov": (60.0, 180.0)}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{model}, {cores} cores usable, {platform.python_implementation()} "
        f"{platform.python_version()}"
    )


def scenario_key(sc: Scenario, points: int) -> str:
    h = hashlib.sha1()
    f, g = sc.fleet, sc.grid
    for arr in (
        f.arrival_slot,
        f.departure_slot,
        f.capacity_kwh,
        f.p_charge_max_kw,
        f.p_discharge_max_kw,
        f.soc_init,
        f.soc_target,
        g.net_base_kw,
        g.price_buy,
        g.price_sell,
    ):
        h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
    h.update(repr((sc.bess, sc.degradation_cost_per_kwh, g.import_limit_kw, points)).encode())
    return f"{sc.name}_{points}_{h.hexdigest()[:12]}"


def cached_exact(sc: Scenario, points: int, cache_dir: Path) -> np.ndarray:  # [S, 3]
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"exact_{scenario_key(sc, points)}.npy"
    if path.exists():
        return np.load(path)
    t0 = time.perf_counter()
    front = exact_front(sc, points).objectives
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, front)
    tmp.replace(path)
    print(f"exact front of {sc.name}: {len(front)} points in {time.perf_counter() - t0:.0f} s")
    return front


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", nargs="+", default=["building", "iov"])
    ap.add_argument("--algorithms", nargs="+", default=["nsga2", "nsga3"])
    ap.add_argument("--encodings", nargs="+", default=["aggregate", "vehicle"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    ap.add_argument(
        "--budgets",
        nargs="+",
        default=None,
        help="preset=s,s,... (default building=15,30,60 iov=60,180)",
    )
    ap.add_argument("--points", type=int, default=66, help="weight vectors of the exact front")
    ap.add_argument("--pop-size", type=int, default=100)
    ap.add_argument("--no-local-search", action="store_true", help="plain seeded NSGA")
    ap.add_argument("--vehicle-max-vars", type=int, default=20000)
    ap.add_argument("--cache-dir", type=Path, default=Path(".bench_cache"))
    ap.add_argument("--quick", action="store_true", help="building, 1 seed, 10 s, 21 points")
    args = ap.parse_args(argv)

    budgets = dict(DEFAULT_BUDGETS)
    for item in args.budgets or []:
        name, _, values = item.partition("=")
        budgets[name] = tuple(float(v) for v in values.split(","))
    if args.quick:
        args.presets, args.seeds, args.points = ["building"], [1], 21
        budgets = {"building": (10.0,)}
    memetic = Memetic(enabled=not args.no_local_search)

    print(f"machine: {machine()}")
    rows = []
    for preset in args.presets:
        sc = load_scenario(preset)
        ref = cached_exact(sc, args.points, args.cache_dir)
        nnz = int(sc.fleet.plugged().sum())
        for encoding in args.encodings:
            if encoding == "vehicle" and nnz > args.vehicle_max_vars:
                print(f"{preset}: vehicle encoding skipped ({nnz} vehicle-slot variables)")
                continue
            for algorithm in args.algorithms:
                for limit in budgets.get(preset, (60.0,)):
                    res_rows = []
                    for seed in args.seeds:
                        res = run_front(sc, FrontSettings(algorithm, encoding=encoding,
                                                          pop_size=args.pop_size,
                                                          budget=Budget(time_limit_s=limit),
                                                          seed=seed, memetic=memetic))
                        res_rows.append(
                            (
                                hv_ratio(res.F, ref),
                                igd_plus(res.F, ref),
                                epsilon_additive(res.F, ref),
                                res.wall_time_s,
                                res.n_evals,
                                len(res.F),
                            )
                        )
                        print(
                            f"  {preset} {algorithm} {encoding} {limit:g}s seed {seed}: "
                            f"HV ratio {res_rows[-1][0]:.4f}",
                            flush=True,
                        )
                    r = np.array(res_rows)
                    rows.append(
                        (
                            preset,
                            algorithm,
                            encoding,
                            limit,
                            np.median(r[:, 0]),
                            r[:, 0].min(),
                            np.median(r[:, 1]),
                            np.median(r[:, 2]),
                            np.median(r[:, 3]),
                            int(np.median(r[:, 4])),
                            int(np.median(r[:, 5])),
                        )
                    )
    print()
    print(
        f"Machine: {machine()}; seeds {args.seeds}; exact front {args.points} weight vectors; "
        f"local search {'off' if args.no_local_search else 'on'}"
    )
    print()
    print(
        "| preset | algorithm | encoding | budget s | HV ratio median | HV ratio min "
        "| IGD+ median | eps+ median | wall s | evals | points |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:g} | {r[4]:.4f} | {r[5]:.4f} | {r[6]:.4f} "
            f"| {r[7]:.4f} | {r[8]:.1f} | {r[9]} | {r[10]} |"
        )


if __name__ == "__main__":
    main()
