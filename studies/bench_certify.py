"""Certified quality at fleet scale: the lower-bound front and the default front (issue 16).

For iov x K (K = 1, 10, 100: 1,000 / 10,000 / 100,000 vehicles x 96 slots), each in its own
child process: ``v2g-pareto bound --scenario iov --scale K`` (wall time and peak resident
memory from ``os.wait4``), then the default front ``v2g-pareto front --scenario iov --scale K
--pop 100 --generations 200``; then, in this process, ``compare --bound``'s certified
HV-ratio lower bound and worst per-weight certified gap of that front.

    python studies/bench_certify.py --scales 1 10 --out runs/certify
    python studies/bench_certify.py --scales 100 --out runs/certify     # ~10 min more
    python studies/bench_certify.py --table-only --out runs/certify     # table of all K
    python studies/bench_certify.py --scales 100 --also "--relax-seeds off --sketch off" \
        --out runs/certify     # and, side by side, the front without this session's changes

``--also FLAGS`` runs a second front per K with those flags added (columns ``*_also``): the
same benchmark measures the default against an alternative in one run. ``--repeats R``
runs R such pairs, the alternative first in every second one (so that the load of a shared
machine falls on both); the json keeps each pair (``repeats``) and the means
(``mean_*``), which the table shows. ``--time-limit S``
stops both fronts at S seconds of wall time instead of the generations (equal time, the
fair comparison on a shared machine).

    python studies/bench_certify.py --scales 1 10 --time-limit 90 --also "--gap-search off" \
        --repeats 2 --out runs/certify-gap  # aimed offspring and kept seeds, previous default

Each K writes ``OUT/iov-xK.json``; every call rewrites ``OUT/certify.json`` and
``OUT/certify.md`` from all of them, so the scales can run in separate calls. An existing
complete front of the same K is reused with ``--reuse-front`` (its earlier timings kept), so
the bounds can be re-measured alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from moo.exact.indicators import compare_runs  # noqa: E402
from moo.rundir import is_complete, read_run  # noqa: E402
from moo.util.jsontext import dumps  # noqa: E402
from studies.bench_scale import cpu_name  # noqa: E402


def child(cmd: list[str], out: Path) -> tuple[float, float, float]:
    """Run one CLI command in a child process: (wall time s, peak RSS GB, CPU time s of that
    child; on a shared machine the CPU time says how much of the wall time it ran)."""
    if out.exists():
        shutil.rmtree(out)
    with open(out.with_suffix(".log"), "w") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from cli import main; main()", *cmd, "--out", str(out)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed, see {out.with_suffix('.log')}")
    return wall, usage.ru_maxrss / 1e6, usage.ru_utime + usage.ru_stime  # maxrss: kB on Linux


def one_scale(args, k: int) -> dict:
    base = ["--scenario", args.scenario, "--scale", str(k)]
    stop = (["--time-limit", str(args.time_limit)] if args.time_limit
            else ["--generations", str(args.generations)])
    bound_dir = args.out / f"{args.scenario}-x{k}-bound"
    bound_s, bound_gb, _ = child(["bound", *base, "--points", str(args.points)], bound_dir)
    front_dir = args.out / f"{args.scenario}-x{k}-front"
    previous = args.out / f"{args.scenario}-x{k}.json"
    front_s = front_gb = front_cpu = None
    if args.reuse_front and is_complete(front_dir):
        if previous.exists():  # the reused front's own measurements
            old = json.loads(previous.read_text())
            front_s, front_gb = old["front_s"], old["front_peak_rss_gb"]
    else:
        front_s, front_gb, front_cpu = child(
            ["front", *base, "--pop", str(args.pop), *stop, "--seed", str(args.seed)],
            front_dir,
        )
    also = {}
    if args.also:
        pairs = [{"": (front_s, front_gb, front_cpu, front_dir)}]
        pairs[0]["_also"] = also_front(args, k, base, stop, "")
        for r in range(1, args.repeats):  # odd repeats run the alternative first
            tag, pair = f"-r{r}", {}
            if r % 2:
                pair["_also"] = also_front(args, k, base, stop, tag)
            f_dir = args.out / f"{args.scenario}-x{k}-front{tag}"
            pair[""] = (*child(["front", *base, "--pop", str(args.pop), *stop, "--seed",
                                str(args.seed)], f_dir), f_dir)
            if not r % 2:
                pair["_also"] = also_front(args, k, base, stop, tag)
            pairs.append(pair)
        also = {"also_flags": args.also, **measured(pairs, read_run(bound_dir))}
    bound, front = read_run(bound_dir), read_run(front_dir)
    row = compare_runs([front], bound=bound)[0]
    b = bound.meta["bound"]
    params = front.meta["parameters"]
    sketch = params.get("sketch") or {}
    return {
        "scenario": args.scenario,
        "scale": k,
        "vehicles": bound.meta["scenario"]["n_vehicles"],
        "bound_s": round(bound_s, 1),
        "bound_peak_rss_gb": round(bound_gb, 2),
        "bound_qp": b["n_qp"],
        "bound_groups": b["n_groups"],
        "bound_variables": b["n_variables"],
        "outer_hv": b["outer_hv"],
        "front_s": None if front_s is None else round(front_s, 1),
        "front_peak_rss_gb": None if front_gb is None else round(front_gb, 2),
        "front_cpu_s": None if front_cpu is None else round(front_cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "front_points": row["n_points"],
        "encoding": params.get("encoding"),
        "local_search": bool((params.get("memetic") or {}).get("active")),
        "relax_seeds": bool((params.get("relax_seeds") or {}).get("active")),
        "seeds_in_front": (params.get("relax_seeds") or {}).get("in_front"),
        "sketch_factor": sketch.get("factor", 1),
        "front_hv": row["hv"],
        "certified_hv_ratio": row["certified_hv_ratio"],
        "certified_gap": row["certified_gap"],
        "worst_gap_weights": row["worst_gap_weights"],
        "column_bounds": b["column_bounds"],
        **also,
    }


def also_front(args, k: int, base: list, stop: list, tag: str
               ) -> tuple[float, float, float, Path]:
    """The alternative front (``--also`` flags added): (wall s, peak RSS GB, CPU s, its
    directory)."""
    out = args.out / f"{args.scenario}-x{k}-front-also{tag}"
    cmd = ["front", *base, "--pop", str(args.pop), *stop, "--seed", str(args.seed),
           *args.also.split()]
    return (*child(cmd, out), out)


def measured(pairs: list[dict], bound) -> dict:
    """Per repeat, the default's and the alternative's time, points and certified quality
    (``repeats``), and the alternative's means over the repeats (``*_also``; the default's
    means replace the first repeat's values in the row when there are several)."""
    rows = []
    for pair in pairs:
        row = {}
        for suffix, (wall, gb, cpu, path) in pair.items():
            q = compare_runs([read_run(path)], bound=bound)[0]
            seeds = read_run(path).meta["parameters"].get("relax_seeds") or {}
            row.update({f"front_s{suffix}": None if wall is None else round(wall, 1),
                        f"seeds_in_front{suffix}": seeds.get("in_front"),
                        f"front_peak_rss_gb{suffix}": None if gb is None else round(gb, 2),
                        f"front_cpu_s{suffix}": None if cpu is None else round(cpu, 1),
                        f"front_points{suffix}": q["n_points"],
                        f"certified_hv_ratio{suffix}": q["certified_hv_ratio"],
                        f"certified_gap{suffix}": q["certified_gap"],
                        f"worst_gap_weights{suffix}": q["worst_gap_weights"]})
        rows.append(row)
    out = {"repeats": rows}
    if len(rows) > 1:
        for key in rows[0]:
            values = [r[key] for r in rows]
            if all(isinstance(v, int | float) for v in values):
                out[f"mean_{key}"] = sum(values) / len(values)
    out.update({key: value for key, value in rows[0].items() if key.endswith("_also")})
    return out


def write_table(out: Path, head: str) -> str:
    rows = [json.loads(p.read_text()) for p in sorted(out.glob("*-x*.json"))]
    rows.sort(key=lambda r: r["scale"])
    (out / "certify.json").write_text(dumps(rows, indent=2) + "\n")
    cols = ["vehicles", "bound_s", "bound_peak_rss_gb", "bound_qp", "bound_groups",
            "front_s", "front_peak_rss_gb", "local_search", "relax_seeds", "sketch_factor",
            "front_points", "seeds_in_front", "certified_hv_ratio", "certified_gap",
            "front_cpu_s", "front_s_also", "front_points_also", "seeds_in_front_also",
            "certified_hv_ratio_also", "certified_gap_also", "front_cpu_s_also",
            "load_average_1min"]

    def cell(v):
        if isinstance(v, float):
            return f"{v:.4f}" if v < 10 else f"{v:.1f}"
        return "-" if v is None else str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r.get(f"mean_{c}", r.get(c))) for c in cols) + " |"
              for r in rows]
    md = head + "\n\n" + "\n".join(lines) + "\n"
    (out / "certify.md").write_text(md)
    return md


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="iov")
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--points", type=int, default=66)
    ap.add_argument("--pop", type=int, default=100)
    ap.add_argument("--generations", type=int, default=200)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per front instead")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse-front", action="store_true")
    ap.add_argument("--also", default="", help="extra front flags of a second, side-by-side run")
    ap.add_argument("--repeats", type=int, default=1,
                    help="with --also: pairs of fronts per K, the order alternating")
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        for k in args.scales:
            row = one_scale(args, k)
            (args.out / f"{args.scenario}-x{k}.json").write_text(dumps(row, indent=2) + "\n")
            print(dumps(row), flush=True)
    head = (
        f"{args.scenario} x K: `bound --points {args.points}` (default groups) and the default "
        f"front (nsga2, pop {args.pop}, "
        f"{f'{args.time_limit:g} s' if args.time_limit else f'{args.generations} generations'}, "
        f"seed {args.seed}{f'; also: {args.also}' if args.also else ''}"
        f"{f'; means of {args.repeats} pairs, order alternating' if args.repeats > 1 else ''}); "
        f"certified HV ratio = HV(front) / outer volume of the bound, certified gap in "
        f"normalised units; {cpu_name()}, {os.cpu_count()} cores"
    )
    print(write_table(args.out, head))


if __name__ == "__main__":
    main()
