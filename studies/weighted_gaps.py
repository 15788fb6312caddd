"""Gaps of a finished study's weighted-sum route to the exact weighted optimum.

A study (`v2g-pareto study`) reports each mode's exact weighted-sum optimum only when its
exact front fitted the budget; this reads a study directory and solves the two QPs itself
(`jobs.study._weighted_optima`: the mode's AHP weights in the front's normalisation,
`moo.exact.front.solve_weighted`), then prints, per swarm run and AHP pick, its scalar and
its gap to that optimum, and for the swarms' bound seeds (`moo.search.weighted.BoundSeed`)
the gaps of the rounding under each dispatch rule and of the polished seed.

    python -m studies.weighted_gaps runs/study-eva
"""

from __future__ import annotations

import argparse
from pathlib import Path

from jobs.study import MODES, SWARMS, _weighted_optima
from moo.decision.ahp import load_default_judgements
from moo.decision.select import select
from moo.rundir import read_run


def gaps(study: Path) -> list[str]:
    """One line per swarm run and AHP pick of the study in ``study``."""
    judgements = load_default_judgements()
    optima = _weighted_optima(study / "front", judgements)
    front = read_run(study / "front")
    lines = []
    for mode in MODES:
        opt = optima[mode]
        lines.append(f"{mode}: exact weighted optimum {opt:.4f}")
        ahp = select(front.objectives, judgements.objective_weights(mode)).score
        lines.append(f"  ahp-{mode}: {ahp:.4f} (gap {ahp - opt:.4f})")
        for algo in SWARMS:
            meta = read_run(study / f"{algo}-{mode}").meta
            line = f"  {algo}-{mode}: {meta['scalar']:.4f} (gap {meta['scalar'] - opt:.4f})"
            seed = meta["parameters"].get("bound_seed", {})
            if seed.get("active"):
                rounded = ", ".join(f"{rule} {v - opt:.4f}" for rule, v in seed["rounded"].items())
                line += (f"; bound seed: rounded {rounded}; polished "
                         f"{seed['polished_scalar'] - opt:.4f} ({seed['dispatch']}, "
                         f"{seed['polish_evals']:,} evaluations); bound {seed['bound'] - opt:.4f}")
            lines.append(line)
    return lines


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("study", type=Path, help="A study directory (v2g-pareto study --out).")
    print("\n".join(gaps(p.parse_args(argv).study)))


if __name__ == "__main__":
    main()
