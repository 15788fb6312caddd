"""Decisions on a front run: one call per `select` variant, with a JSON form.

Each function takes a front `Run` (any front run: NSGA, exact, sweep; read once by the
caller), applies one method of this package, adds the trade-off rates at the chosen point
(`tradeoffs`) and, with ``exact=True``, the same question solved as one QP on the run's own
scenario (`moo.exact.scalarised`). The result's ``to_dict()`` is what ``select --json``
prints: its ``solution`` is the chosen row of ``front.csv`` with every column (None for
``--knees`` without a chosen knee, which never picks). ``reference`` is an exact run of the
same scenario (same ``scenario/*.csv`` hashes) whose supporting hyperplane gives a second
set of rates. ``Decision.kept()`` is what a kept decision stores (`moo.rundir.selection`).
The text the command prints is `jobs.select`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.errors import InputError
from moo.decision.ahp import Judgements
from moo.decision.constraint import constraint_query
from moo.decision.knees import knees
from moo.decision.parse import parse_aspirations, parse_bound
from moo.decision.reference import reference_point
from moo.decision.select import ModeSelection, select_mode
from moo.decision.sensitivity import sensitivity
from moo.decision.tradeoffs import hyperplane_rates, local_rates
from moo.exact.front import ExactModel, Solution
from moo.exact.scalarised import asf_value, solve_asf, solve_epsilon
from moo.problems.objectives import OBJECTIVES
from moo.rundir import Run
from moo.util.normalization import Normalization

_SITE_FILES = ("scenario/fleet.csv", "scenario/grid.csv")
_UNITS = {"variance": "kW^2", "peak_valley": "kW"}


@dataclass
class Decision:
    """One `select` answer: the chosen row, the method's details, rates, exact point."""

    decision: str  # "reference-point", "constraint", "knees", "knee" (one chosen) or "ahp"
    currency: str
    solution: dict[str, float] | None  # chosen front.csv row, all columns
    query: dict[str, Any]
    tradeoffs: dict[str, Any] | None
    exact: dict[str, Any] | None = None
    feasible: bool = True  # False: a constraint query nothing satisfies (CLI exit 1)
    sensitivity: dict[str, Any] | None = None
    lines: list[str] = field(default_factory=list)  # readable summary, before the rates
    normalization: Normalization | None = None  # the front's, which the method scaled by

    def to_dict(self) -> dict[str, Any]:
        out = {
            "decision": self.decision,
            "feasible": self.feasible,
            "solution": self.solution,
            **self.query,
            "tradeoffs": self.tradeoffs,
        }
        if self.exact is not None:
            out["exact"] = self.exact
        if self.sensitivity is not None:
            out["sensitivity"] = self.sensitivity
        return out

    def kept(self) -> dict[str, Any]:
        """What a kept decision stores (`moo.rundir.selection.write_selection`): the
        chosen row, its objectives, the normalisation and the query."""
        if self.solution is None or self.normalization is None or not self.feasible:
            raise InputError(f"a {self.decision} answer picks no point: nothing to keep")
        return {
            "solution": int(self.solution["solution"]),
            "objectives": {n: self.solution[n] for n in OBJECTIVES},
            "normalization": named_normalization(self.normalization),
            "row": self.solution,
            "query": self.query,
            "tradeoffs": self.tradeoffs,
            **({} if self.exact is None else {"exact": self.exact}),
        }


def named_normalization(norm: Normalization) -> dict[str, dict[str, float]]:
    """``{"ideal": {objective: value}, "nadir": {...}}``, as selection files store it."""
    return {
        key: {n: float(v) for n, v in zip(OBJECTIVES, values, strict=True)}
        for key, values in (("ideal", norm.ideal), ("nadir", norm.nadir))
    }


def _row(front: pd.DataFrame, index: int) -> dict[str, float]:
    row = front.iloc[index]
    return {c: int(row[c]) if c == "solution" else float(row[c]) for c in front.columns}


def _currency(meta: dict) -> str:
    return str(meta.get("currency") or "currency")


def fmt_point(values, currency: str) -> str:
    """Three objectives with their units, on one line."""
    units = {"cost": currency, **_UNITS}
    return "  ".join(f"{n} {v:,.6g} {units[n]}" for n, v in zip(OBJECTIVES, values, strict=True))


def check_runs(run: Run, reference: Run | None) -> None:
    """A selection is made from a run with schedules (a pick is an operating point; a bound
    run's certificates are not), against an exact reference of the same site."""
    run.require_schedules("selected from (select from a front run)")
    if reference is None:
        return
    reference.require_schedules("the --reference of select (give an exact run)")
    mine, theirs = run.meta.get("files", {}), reference.meta.get("files", {})
    if any(mine.get(f) is None or mine.get(f) != theirs.get(f) for f in _SITE_FILES):
        raise InputError(f"--reference {reference.path}: not the scenario of {run.path}")


def _reference_front(reference: Run | None) -> np.ndarray | None:  # [R, 3]
    return None if reference is None else reference.objectives


def tradeoffs_at(
    objectives: np.ndarray, index: int, reference: np.ndarray | None, ids
) -> dict[str, Any]:
    """The ``tradeoffs`` object at front row ``index``: local rates, and the exact
    hyperplane's when a reference front [R, 3] is given."""
    out: dict[str, Any] = {
        "solution": int(ids[index]),
        "local": local_rates(objectives, index).to_dict(),
    }
    if reference is not None:
        out["exact_hyperplane"] = hyperplane_rates(
            reference, objectives[index], objectives
        ).to_dict()
    return out


def _exact_dict(sol: Solution, value: float | None, label: str) -> dict[str, Any]:
    return {
        "feasible": bool(sol.feasible),
        "objectives": (
            {n: float(v) for n, v in zip(OBJECTIVES, sol.objectives, strict=True)}
            if sol.feasible
            else None
        ),
        label: value,
        "relaxation_gap": float(sol.relaxation_gap),
        "solve_time_s": float(sol.solve_time_s),
        "violations": list(sol.violations),
    }


def _picked(kind, run, f, pick, reference, exact_out, lines, feasible=True) -> Decision:
    """The `Decision` of a method that picks one front row (``pick.index``), with the trade-off
    rates there."""
    front = run.front
    return Decision(
        decision=kind,
        currency=_currency(run.meta),
        solution=_row(front, pick.index),
        query=pick.to_dict(),
        tradeoffs=tradeoffs_at(f, pick.index, _reference_front(reference), front["solution"]),
        exact=exact_out,
        feasible=feasible,
        lines=lines,
        normalization=Normalization.of_front(f),
    )


def decide_reference(run: Run, text: str, *, exact=False, reference: Run | None = None
                     ) -> Decision:
    """`select --reference-point`: the ASF pick towards the aspiration levels in ``text``."""
    levels = parse_aspirations(text)
    check_runs(run, reference)
    front, meta = run.front, run.meta
    f = run.objectives
    pick = reference_point(f, levels)
    cur = _currency(meta)
    unnamed = [n for n in OBJECTIVES if n not in levels]
    lines = [
        f"reference point: {', '.join(f'{n} {v:,g}' for n, v in levels.items())}"
        + (f" ({', '.join(unnamed)}: no aspiration)" if unnamed else ""),
        f"chosen: solution {int(front['solution'].iloc[pick.index])} "
        f"(ASF {pick.score:.4g}; {pick.describe_levels()})",
        f"  {fmt_point(f[pick.index], cur)}",
    ]
    exact_out = None
    if exact:
        norm = Normalization.of_front(f)
        sol = solve_asf(ExactModel(run.scenario), pick.aspiration, norm)
        value = asf_value(sol.objectives, pick.aspiration, norm) if sol.feasible else None
        exact_out = _exact_dict(sol, value, "asf")
        exact_out["asf_front"] = asf_value(f[pick.index], pick.aspiration, norm)
    return _picked("reference-point", run, f, pick, reference, exact_out, lines)


def decide_constraint(
    run: Run, where: Sequence[str], minimise: str, *, exact=False, reference: Run | None = None
) -> Decision:
    """`select --where ... --minimise`: the epsilon-constraint pick (or the nearest point)."""
    bounds = [parse_bound(w) for w in where]
    if exact and any(b.op == ">=" for b in bounds):
        raise InputError("--exact: only <= bounds are convex in the QP (a >= bound is not)")
    check_runs(run, reference)
    front, meta = run.front, run.meta
    f = run.objectives
    pick = constraint_query(f, bounds, minimise)
    cur = _currency(meta)
    sid = int(front["solution"].iloc[pick.index])
    head = f"chosen: solution {sid}" if pick.feasible else f"nearest: solution {sid}"
    lines = [pick.describe(), head, f"  {fmt_point(f[pick.index], cur)}"]
    exact_out = None
    if exact:
        norm = Normalization.of_front(f)
        m = OBJECTIVES.index(minimise)
        sol = solve_epsilon(
            ExactModel(run.scenario),
            m,
            [(b.index, b.value) for b in bounds],
            norm,
        )
        exact_out = _exact_dict(sol, float(sol.objectives[m]) if sol.feasible else None, minimise)
    return _picked("constraint", run, f, pick, reference, exact_out, lines, pick.feasible)


def decide_knees(run: Run, *, knee: int | None = None, reference: Run | None = None) -> Decision:
    """`select --knees`: the trade-off knees, each with its rates; nothing is picked unless
    ``knee`` names one of them (its front.csv solution id): then that knee is the pick."""
    check_runs(run, reference)
    front, meta = run.front, run.meta
    f = run.objectives
    found = knees(f)
    cur = _currency(meta)
    ids = front["solution"]
    reference_f = _reference_front(reference)
    listed = []
    lines = [
        f"{len(found.rows)} knee(s) (trade-off mu: least sacrifice per unit gain to a "
        f"neighbour within {found.epsilon:g}, normalised; outliers >= mean + 2 std). "
        "Flagged, not picked."
    ]
    for r in found.rows:
        listed.append(
            {
                "solution": _row(front, r),
                "mu": float(found.mu[r]),
                "tradeoffs": tradeoffs_at(f, r, reference_f, ids),
            }
        )
        lines.append(
            f"  solution {int(ids.iloc[r])}  mu {found.mu[r]:.3g}  {fmt_point(f[r], cur)}"
        )
    query = found.to_dict()
    query["knees"] = listed
    if knee is None:
        return Decision("knees", cur, None, query, None, lines=lines)
    rows = [r for r in found.rows if int(ids.iloc[r]) == knee]
    if not rows:
        flagged = ", ".join(str(int(ids.iloc[r])) for r in found.rows) or "none"
        raise InputError(f"--knee {knee}: not a knee of {run.path} (knees: {flagged})")
    r = rows[0]
    lines.append(f"chosen: knee solution {knee}")
    query = {**found.to_dict(), "knee": knee, "mu": float(found.mu[r])}
    return Decision("knee", cur, _row(front, r), query, tradeoffs_at(f, r, reference_f, ids),
                    lines=lines, normalization=Normalization.of_front(f))


def decide_ahp(
    run: Run, judgements: Judgements, mode: str, method: str, *, reference: Run | None = None
) -> tuple[ModeSelection, Decision]:
    """An AHP pick with its trade-off rates and weight sensitivity."""
    check_runs(run, reference)
    chosen = select_mode(run, judgements, mode, method)
    front, meta = run.front, run.meta
    order = list(judgements.objectives)
    ids = front["solution"].to_numpy()
    sens = sensitivity(front[order].to_numpy(float), chosen.group, method)
    f = run.objectives
    index = chosen.selection.index
    tradeoffs = tradeoffs_at(f, index, _reference_front(reference), ids)
    sens_dict = sens.to_dict(ids, tuple(order))
    query = {k: v for k, v in chosen.to_dict().items() if k != "solution"}
    lines = []
    for e in sens_dict["experts"]:
        lines.append(f"  expert {e['name']} alone picks solution {e['solution']}")
    if sens.min_l1 is None:
        lines.append("no weight vector picks another point")
    else:
        lines.append(
            f"pick changes after an L1 weight change of {sens.min_l1:.4f} "
            f"(to solution {sens_dict['flip_solution']}; {sens_dict['min_l1_method']})"
        )
    return chosen, Decision(
        "ahp",
        _currency(meta),
        _row(front, index),
        query,
        tradeoffs,
        sensitivity=sens_dict,
        lines=lines,
        normalization=chosen.selection.normalization,
    )
