"""What a bound's certificate can show at all for a front (issue 24): the front's certified HV
ratio beside that of the front with every lattice gap closed, and against bounds of more
lattice weights.

For a front run (its scenario read from the run), the lower-bound front is solved for each
``--points`` (`moo.exact.bound.bound_front`, default grouping); for each it reports

- the front's certified HV ratio and worst gap (`Certificate.certify`, as ``compare
  --bound``);
- the relaxed optima alone (the bound's own points, which no schedule need reach);
- the front together with the relaxed optima: the ratio if a schedule reached the bound at
  every lattice weight (every gap 0), the most this certificate can show for a front that
  is otherwise the same;
- the seconds the bound took.

    python studies/certificate_ceiling.py RUN --points 66 120 --out studies/results/certify

writes ``OUT/ceiling-<run name>.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from moo.exact.bound import bound_front  # noqa: E402
from moo.problems.objectives import OBJECTIVES  # noqa: E402
from moo.rundir import atomic_write_text, read_run  # noqa: E402
from moo.util.jsontext import dumps  # noqa: E402


def ceiling(run_dir: Path, points: list[int]) -> list[dict]:
    run = read_run(run_dir)
    scenario = run.scenario
    F = run.front[list(OBJECTIVES)].to_numpy(float)
    rows = []
    for p in points:
        t0 = time.perf_counter()
        bound = bound_front(scenario, p)
        seconds = time.perf_counter() - t0
        cert = bound.certificate()
        front = cert.certify(F)
        gaps = cert.gaps(F)
        rows.append({
            "points": p, "weights": len(cert.weights), "bound_s": seconds,
            "front": front["certified_hv_ratio"], "worst_gap": front["certified_gap"],
            "median_gap": float(np.median(gaps)),
            "relaxed_alone": cert.certify(bound.objectives)["certified_hv_ratio"],
            "front_and_relaxed": cert.certify(np.vstack([F, bound.objectives]))[
                "certified_hv_ratio"],
        })
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--points", type=int, nargs="+", default=[66])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    rows = ceiling(args.run, args.points)
    name = args.run.resolve().name
    args.out.mkdir(parents=True, exist_ok=True)
    lines = [f"# What the certificate can show: {name}", "",
             "`python studies/certificate_ceiling.py " + " ".join(sys.argv[1:]) + "` "
             f"({time.strftime('%Y-%m-%d')}, load average {os.getloadavg()[0]:.1f})", "",
             "| lattice weights | bound [s] | front: certified HV ratio >= | worst gap "
             "| median gap | relaxed optima alone | front + relaxed optima (every gap 0) |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['weights']} | {r['bound_s']:.1f} | {r['front']:.4f} | {r['worst_gap']:.3f} "
              f"| {r['median_gap']:.4f} | {r['relaxed_alone']:.4f} "
              f"| {r['front_and_relaxed']:.4f} |" for r in rows]
    text = "\n".join(lines) + "\n"
    atomic_write_text(args.out / f"ceiling-{name}.md", text)
    atomic_write_text(args.out / f"ceiling-{name}.json", dumps(rows, indent=1))
    print(text)


if __name__ == "__main__":
    main()
