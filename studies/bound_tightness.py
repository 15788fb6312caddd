"""How tight the lower-bound front is where the exact front is known (issue 16 item 3, issue 24).

For each scenario: the bound run (`v2g-pareto bound`, default grouping and cuts), the exact
front (`v2g-pareto exact`; an existing complete ``OUT/<scenario>-exact`` run of the same
points is reused), the previous bound (24 groups, no cuts: ``bound_front(groups=24,
cuts=False)``) and the exact module's own relaxation solved for the bound's lattice weights
(its relaxed QP value is also a lower bound, `moo.exact.front`). In the bound's normalisation:

- ``tightness`` = HV(exact front) / outer volume of the bound's certificates (1 = the bound
  proves the exact front optimal; it is the exact front's certified HV ratio);
- ``tightness_previous``: the same for the previous bound (its own normalisation);
- ``tightness_exact_relaxed`` = HV(exact front) / outer volume of the exact relaxation's
  certificates for the same weights;
- ``ceiling`` = HV(exact front) / outer volume of the certificates the exact front itself
  gives (its best weighted value for each weight): what a perfect bound would reach. The
  rest is the staircase a finite front leaves inside the polytope of its own supporting
  planes, which no bound can remove;
- ``exact_certified_gap``: the exact front's worst per-weight gap to the bound (0: the
  bound proves every lattice optimum of the exact front).

    python studies/bound_tightness.py --scenarios building qingdao --out runs/tightness
    python studies/bound_tightness.py --scenarios iov --points 15 --out runs/tightness

Writes ``OUT/<scenario>.json`` per scenario and ``OUT/tightness.md`` from all of them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobs.bound import write_bound  # noqa: E402
from jobs.exact import write_exact  # noqa: E402
from models.scenario import load_scenario  # noqa: E402
from moo.exact.bound import Certificate, bound_front, outer_hypervolume  # noqa: E402
from moo.exact.front import ExactModel, exact_front  # noqa: E402
from moo.rundir import is_complete, read_run  # noqa: E402
from moo.util.jsontext import dumps  # noqa: E402


def exact_relaxed_bounds(scenario, cert: Certificate) -> np.ndarray:  # [W]
    """The exact module's relaxed optimum for each of the bound's weights, normalised."""
    model = ExactModel(scenario)
    out = []
    for w in cert.weights:
        coef = cert.normalization.coefficients(w)
        sol = model.solve(coef)
        out.append(sol.value - sol.relaxation_gap - coef @ cert.normalization.ideal)
    return np.array(out)


def tightness(front, objectives) -> tuple[float, float]:
    """(certified HV ratio, worst certified gap) of objectives [S, 3] under a bound front."""
    c = front.certificate().certify(objectives)
    return c["certified_hv_ratio"], c["certified_gap"]


def one(name: str, points: int, out: Path) -> dict:
    sc = load_scenario(name)
    t0 = time.perf_counter()
    bound = read_run(write_bound(out / f"{name}-bound", sc, bound_front(sc, points),
                                 overwrite=True))
    bound_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    exact_dir = out / f"{name}-exact"
    if not (is_complete(exact_dir) and read_run(exact_dir).meta["parameters"]["points"] == points):
        write_exact(exact_dir, sc, exact_front(sc, points), overwrite=True)
    exact = read_run(exact_dir)
    exact_s = time.perf_counter() - t0
    cert = Certificate.of(bound)
    c = cert.certify(exact.objectives)
    relaxed = exact_relaxed_bounds(sc, cert)
    outer_relaxed = outer_hypervolume(cert.weights, relaxed)
    own = cert.normalization.scalarized(exact.objectives, cert.weights).min(axis=1)  # [W]
    previous = bound_front(sc, points, 24, columns=False, cuts=False)
    before, gap_before = tightness(previous, exact.objectives)
    return {
        "scenario": name,
        "points": points,
        "bound_groups": bound.meta["bound"]["n_groups"],
        "bound_s": round(bound_s, 1),
        "exact_s": round(exact_s, 1),
        "outer_hv": cert.outer_hv,
        "outer_hv_exact_relaxed": outer_relaxed,
        "hv_exact": c["hv"],
        "tightness": c["certified_hv_ratio"],
        "tightness_previous": before,
        "tightness_exact_relaxed": c["hv"] / outer_relaxed,
        "ceiling": c["hv"] / outer_hypervolume(cert.weights, own),
        "exact_certified_gap": c["certified_gap"],
        "exact_certified_gap_previous": gap_before,
        "max_bound_minus_exact_relaxed": float(np.max(cert.bound - relaxed)),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", nargs="+", default=["building", "qingdao", "iov"])
    ap.add_argument("--points", type=int, default=66)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.scenarios:
        row = one(name, args.points, args.out)
        (args.out / f"{name}.json").write_text(dumps(row, indent=2) + "\n")
        print(dumps(row), flush=True)
    rows = [json.loads(p.read_text()) for p in sorted(args.out.glob("*.json"))]
    cols = ["scenario", "points", "tightness", "tightness_previous", "ceiling",
            "tightness_exact_relaxed", "exact_certified_gap", "exact_certified_gap_previous",
            "bound_groups", "outer_hv", "hv_exact", "bound_s", "exact_s"]

    def cell(v):
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r[c]) for c in cols) + " |" for r in rows]
    md = (
        "Bound tightness where the exact front is known (normalisation: the bound's; "
        "HV reference 1.1)\n\n" + "\n".join(lines) + "\n"
    )
    (args.out / "tightness.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
