"""How much the aggregate dispatcher loses at the cost end (README, "Certified quality").

On iov (1,000 vehicles): the bound's lowest cost, the exact module's cost-optimal schedule
(per vehicle, `moo.exact.front.solve_weighted`) and what becomes of that schedule's fleet
power profile when it is given as a request to

- the dispatcher of the aggregate encoding (`moo.kernels.data.dispatch_reference`, the numpy
  twin of the numba kernel) with each of its rules (`moo.kernels.data.DISPATCH_RULES`:
  priority, earliest departure first; SOC balancing, water-filling towards one fraction of
  the upper energy bound; laxity balancing, towards one fraction of the way from each
  vehicle's floor to its target);
- proportional sharing: every plugged vehicle at the same fraction of its [lo, hi] range;
- SOC balancing by bisection: every plugged vehicle water-filled towards one common SOC
  (60 bisection steps on it, with charge and discharge mixed; the study's first prototype).

The alternatives use the dispatcher's own per-vehicle bounds (`slot_bounds`, future
feasibility included), so every schedule is feasible; each is checked and evaluated by the
project's checker and objectives.

    python studies/dispatch_rounding.py --out studies/results/certify
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from moo.exact.bound import BoundModel  # noqa: E402
from moo.exact.front import solve_weighted  # noqa: E402
from moo.kernels.data import DISPATCH_RULES, dispatch_reference, kernel_data  # noqa: E402
from moo.kernels.population import slot_bounds  # noqa: E402
from moo.problems import feasibility  # noqa: E402
from moo.problems.objectives import evaluate  # noqa: E402
from moo.util.jsontext import dumps  # noqa: E402


def share(data, request: np.ndarray, rule: str) -> np.ndarray:  # [N, T] kW
    """Dispatch a fleet request [T] slot by slot with ``rule`` ("proportional" or "soc")."""
    e0, e_lo, e_hi, e_tgt, pc, pd, eta_c, eta_d, cap, _, _, dep = data.veh
    n, t_count, dt = len(e0), len(data.base_net), data.dt
    e, ev = e0.copy(), np.zeros((n, t_count))
    for t in range(t_count):
        ids = data.slot_idx[data.slot_ptr[t] : data.slot_ptr[t + 1]]
        if len(ids) == 0:
            continue
        bnd = np.array([slot_bounds(e[i], t, dt, e_lo[i], e_hi[i], e_tgt[i], pc[i], pd[i],
                                    eta_c[i], eta_d[i], dep[i]) for i in ids])
        lo, hi = bnd[:, 0], bnd[:, 1]
        r = np.clip(request[t], lo.sum(), hi.sum())
        if rule == "proportional":
            p = lo + (r - lo.sum()) / max(hi.sum() - lo.sum(), 1e-12) * (hi - lo)
        else:
            def towards(level, ids=ids, lo=lo, hi=hi):
                de = level * cap[ids] - e[ids]  # kWh to the common SOC
                p = np.where(de > 0, de / (eta_c[ids] * dt), de * eta_d[ids] / dt)
                return np.clip(p, lo, hi)

            a, b = -2.0, 3.0
            for _ in range(60):  # sum of towards() is monotone in the level
                mid = 0.5 * (a + b)
                a, b = (mid, b) if towards(mid).sum() < r else (a, mid)
            p = towards(0.5 * (a + b))
        ev[ids, t] = p
        e[ids] += np.where(p > 0, p * eta_c[ids] * dt, p * dt / eta_d[ids])
    return ev


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="iov")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    sc = feasibility.load_checked(args.scenario)
    data = kernel_data(sc, 1)
    bound_cost, _ = BoundModel(sc).minimise(np.array([1.0, 0.0, 0.0]))
    # Cost first; variance and peak-to-valley only break ties (tiny weights, loose scales).
    ev_exact, bess, f_exact = solve_weighted(sc, np.array([1.0, 1e-4, 1e-4]), np.zeros(3),
                                             np.array([1.0, 1e9, 1e6]))
    request = ev_exact.sum(axis=0)
    schedules = {"exact": ev_exact}
    for rule in DISPATCH_RULES:
        name = "dispatcher" if rule == "priority" else f"dispatcher_{rule}"
        schedules[name] = dispatch_reference(kernel_data(sc, 1, dispatch=rule), request,
                                             np.zeros(sc.slots))[0]
    schedules["proportional"] = share(data, request, "proportional")
    schedules["soc"] = share(data, request, "soc")
    rows = {"bound_min_cost": float(bound_cost)}
    for name, ev in schedules.items():
        b = None if bess is None else bess[None]
        assert feasibility.check(sc, ev[None], b if name == "exact" else None).ok, name
        cost = float(evaluate(sc, ev[None], b if name == "exact" else None)["cost"].iloc[0])
        rows[f"{name}_cost"] = cost
        rows[f"{name}_tracking_kw"] = float(np.abs(ev.sum(axis=0) - request).sum())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"dispatch-rounding-{args.scenario}.json").write_text(
        dumps(rows, indent=2) + "\n")
    print(dumps(rows, indent=2))


if __name__ == "__main__":
    main()
