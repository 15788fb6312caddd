"""Time and peak memory of `v2g-pareto front` as the fleet grows (issue: scale).

Runs ``v2g-pareto front --scenario iov --scale K --pop 100 --generations 200`` for
K = 1, 10, 100 (1,000 / 10,000 / 100,000 vehicles x 96 slots), each in its own process, and
reports per run: wall time of the whole command (start-up, optimisation, dispatching,
checking and writing the front), the optimiser's own time (meta.json ``wall_time_s``), peak
resident memory (the child's ``ru_maxrss`` from ``os.wait4``), evaluations, front size,
how many solutions have their per-vehicle arrays stored, and whether the local search ran.
Every written schedule has passed the feasibility checker (the writer refuses otherwise);
the script re-reads each run directory and verifies it.

    python studies/bench_scale.py --out runs/bench-scale            # the README table
    python studies/bench_scale.py --scales 1 10 --generations 20 --out /tmp/bs   # quick

Writes ``OUT/scale.csv`` and ``OUT/scale.md`` and prints the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from moo.rundir import read_run  # verifies every file against meta.json
from moo.util.jsontext import dumps

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_front(args, scale: int, out: Path) -> dict:
    """One front run in a child process; wall time and peak RSS of that child alone."""
    cmd = [
        sys.executable, "-c", "from cli import main; main()", "front",
        "--scenario", args.scenario, "--scale", str(scale), "--algorithm", args.algorithm,
        "--pop", str(args.pop), "--generations", str(args.generations),
        "--seed", str(args.seed), "--local-search", args.local_search, "--out", str(out),
    ]  # fmt: skip
    if out.exists():
        shutil.rmtree(out)
    log = open(out.with_suffix(".log"), "w")  # noqa: SIM115 - closed below
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    log.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"scale {scale}: front failed, see {out.with_suffix('.log')}")

    run = read_run(out)
    meta = run.meta
    stored = meta["ev_power_stored"]
    return {
        "vehicles": run.scenario.fleet.n,
        "slots": run.scenario.slots,
        "plugged_vehicle_slots": int(run.scenario.fleet.plugged().sum()),
        "local_search": bool(meta["parameters"]["memetic"]["active"]),
        "generations": args.generations,
        "pop": args.pop,
        "evaluations": meta["n_evals"],
        "optimiser_s": round(meta["wall_time_s"], 1),
        "command_s": round(wall, 1),
        "peak_rss_gb": round(usage.ru_maxrss / 1e6, 2),  # kB on Linux
        "front_size": meta["n_solutions"],
        "ev_arrays_stored": meta["n_solutions"] if stored == "all" else len(stored),
        "schedules_npz_mb": round((out / "schedules.npz").stat().st_size / 1e6, 1),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="iov")
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--algorithm", default="nsga2", choices=["nsga2", "nsga3"])
    ap.add_argument("--pop", type=int, default=100)
    ap.add_argument("--generations", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--local-search", default="auto", choices=["auto", "on", "off"])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for k in args.scales:
        row = run_front(args, k, args.out / f"{args.scenario}-x{k}")
        rows.append(row)
        print(dumps(row), flush=True)
    table = pd.DataFrame(rows)
    table.to_csv(args.out / "scale.csv", index=False)
    import numba

    head = (
        f"{args.scenario} x K, {args.algorithm}, pop {args.pop}, {args.generations} generations, "
        f"seed {args.seed}; {cpu_name()}, {os.cpu_count()} cores, "
        f"numba threads {numba.config.NUMBA_NUM_THREADS}"
    )
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(False)]
    md = head + "\n\n" + "\n".join(lines) + "\n"
    (args.out / "scale.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
