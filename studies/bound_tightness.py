"""How tight the lower-bound front is where the exact front is known (issue 16, item 3).

For each scenario: the bound run (`v2g-pareto bound`), the exact front (`v2g-pareto exact`),
and the exact module's own relaxation solved for the bound's lattice weights (its relaxed QP
value is also a lower bound, `moo.exact.front`). In the bound's normalisation:

- ``tightness`` = HV(exact front) / outer volume of the bound's certificates (1 = the bound
  proves the exact front optimal; it is the exact front's certified HV ratio);
- ``tightness_exact_relaxed`` = HV(exact front) / outer volume of the exact relaxation's
  certificates for the same weights;
- ``exact_certified_gap``: the exact front's worst per-weight gap to the bound.

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
from moo.rundir import read_run  # noqa: E402
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


def one(name: str, points: int, out: Path) -> dict:
    sc = load_scenario(name)
    t0 = time.perf_counter()
    bound = read_run(write_bound(out / f"{name}-bound", sc, bound_front(sc, points)))
    bound_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    exact = read_run(write_exact(out / f"{name}-exact", sc, exact_front(sc, points)))
    exact_s = time.perf_counter() - t0
    cert = Certificate.of(bound)
    c = cert.certify(exact.objectives)
    relaxed = exact_relaxed_bounds(sc, cert)
    outer_relaxed = outer_hypervolume(cert.weights, relaxed)
    return {
        "scenario": name,
        "points": points,
        "bound_s": round(bound_s, 1),
        "exact_s": round(exact_s, 1),
        "outer_hv": cert.outer_hv,
        "outer_hv_exact_relaxed": outer_relaxed,
        "hv_exact": c["hv"],
        "tightness": c["certified_hv_ratio"],
        "tightness_exact_relaxed": c["hv"] / outer_relaxed,
        "exact_certified_gap": c["certified_gap"],
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
    cols = ["scenario", "points", "tightness", "tightness_exact_relaxed", "exact_certified_gap",
            "outer_hv", "outer_hv_exact_relaxed", "hv_exact", "bound_s", "exact_s"]

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
