"""The end of a default front run, variant against variant on one search (issue 24): what
the sketch search carries to the whole fleet, and the gap search's polish.

For iov x K (K = 10, 100: 10,000 / 100,000 vehicles; 1000: a million), the default front's
search runs once (population 100, 200 generations, the settings of ``v2g-pareto front``,
on its sketch when it has one) and is checkpointed at its last generation. That
checkpoint is then resumed once per variant (the budget spent, so only the end runs: the
gap search's polish, then the whole-fleet dispatch of a sketch search), the variants in
rotating order with ``--repeats``:

- ``default``: today's defaults;
- ``all-candidates``: every sketch archive member dispatched on the whole fleet
  (``SketchSearch.candidates`` = 0; the default takes the 4 x ``max_solutions`` that keep
  the most of the sketch's hypervolume, plus each polished weight's best);
- ``no-polish``: no polish (``GapSearch.polish_weights`` = 0).

Each is certified against the bound front of the same scenario (`bound_front`, solved once
in this process): the front a run would write (its ``max_solutions`` members, the kept
relaxed seeds and each polished weight's best point), its certified HV ratio, worst gap and
lowest cost, and the seconds of the end (wall, and this process's CPU time).

    python studies/bench_end.py --scales 10 100 --out studies/results/end

Writes ``OUT/end-iov-xK.json`` and rewrites ``OUT/end.md`` from every such file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobs.front import FrontSpec, settings  # noqa: E402
from models.scenario import load_scenario  # noqa: E402
from moo.exact.bound import bound_front  # noqa: E402
from moo.rundir.checkpoint import FRONT, load_checkpoint  # noqa: E402
from moo.search.nsga import run_front  # noqa: E402
from moo.search.termination import Budget  # noqa: E402
from moo.util.jsontext import dumps  # noqa: E402
from studies.bench_scale import cpu_name  # noqa: E402

VARIANTS = ("default", "all-candidates", "no-polish")


def variant(how, name: str):
    """The default settings ``how`` changed as the variant ``name`` says."""
    if name == "all-candidates":
        return replace(how, sketch_search=replace(how.sketch_search, candidates=0))
    if name == "no-polish":
        return replace(how, gap_search=replace(how.gap_search, polish_weights=0))
    return how


def cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def one_scale(args, k: int) -> dict:
    scenario = load_scenario(args.scenario, scale=k)
    spec = FrontSpec(scenario=args.scenario, scale=k,
                     budget=Budget(generations=args.generations))
    how = settings(spec, scenario)
    t0 = time.perf_counter()
    bound = bound_front(scenario)
    bound_s = time.perf_counter() - t0
    cert = bound.certificate()
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / "front.ckpt"
        t0 = time.perf_counter()
        run_front(scenario, how, relaxed=bound, checkpoint=ckpt,
                  checkpoint_every=args.generations, checkpoint_meta={})
        search_s = time.perf_counter() - t0
        rows = []
        for r in range(args.repeats):
            order = VARIANTS[r % len(VARIANTS):] + VARIANTS[:r % len(VARIANTS)]
            for name in order:
                payload = load_checkpoint(ckpt, FRONT)
                sketch_archive = len(payload["state"].archive)
                t0, c0 = time.perf_counter(), cpu_s()
                res = run_front(scenario, variant(how, name), resume=payload)
                wall, cpu = time.perf_counter() - t0, cpu_s() - c0
                sk, gap = res.settings["sketch"], res.settings["gap_search"]
                rows.append({"repeat": r, "variant": name, "sketch_archive": sketch_archive,
                             "dispatched": sk.get("candidates_dispatched"),
                             "whole_fleet_s": sk.get("whole_fleet_s"),
                             "polish": gap.get("polish"), "end_wall_s": wall,
                             "end_cpu_s": cpu, "points": len(res.F),
                             "lowest_cost": float(res.F[:, 0].min()), **cert.certify(res.F)})
                print(f"x{k} {name}: {rows[-1]}", flush=True)
    return {"scenario": args.scenario, "scale": k, "vehicles": scenario.fleet.n,
            "sketch_factor": how.sketch_search.factor(scenario, how.encoding),
            "max_solutions": how.max_solutions, "generations": args.generations,
            "bound_s": bound_s, "search_s": search_s, "rows": rows,
            "cpu": cpu_name(), "load_after": os.getloadavg()[0],
            "date": time.strftime("%Y-%m-%d")}


def table(out: Path) -> str:
    lines = ["| vehicles | variant | dispatched on the whole fleet (sketch archive) "
             "| end [s] (CPU) | points | certified HV ratio >= | worst gap | lowest cost |",
             "|---|---|---|---|---|---|---|---|"]
    files = sorted(out.glob("end-*.json"), key=lambda p: json.loads(p.read_text())["scale"])
    for path in files:
        res = json.loads(path.read_text())
        for name in VARIANTS:
            rows = [r for r in res["rows"] if r["variant"] == name]
            wall = sum(r["end_wall_s"] for r in rows) / len(rows)
            cpu = sum(r["end_cpu_s"] for r in rows) / len(rows)
            r = rows[0]  # every repeat resumes the same checkpoint: only the times vary
            sent = "-" if r["dispatched"] is None else f"{r['dispatched']} ({r['sketch_archive']})"
            lines.append(f"| {res['vehicles']:,} | {name} | {sent} | {wall:.1f} ({cpu:.1f}) "
                         f"| {r['points']} | {r['certified_hv_ratio']:.4f} "
                         f"| {r['certified_gap']:.3f} | {r['lowest_cost']:,.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="iov")
    ap.add_argument("--scales", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--generations", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for k in args.scales:
        res = one_scale(args, k)
        (args.out / f"end-{args.scenario}-x{k}.json").write_text(dumps(res, indent=1))
    text = ("# The end of a default front: variants on one search\n\n"
            "`python studies/bench_end.py " + " ".join(sys.argv[1:]) + "`\n\n" + table(args.out))
    (args.out / "end.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
