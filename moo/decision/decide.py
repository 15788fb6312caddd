"""Decisions on a front run directory: one call per `select` variant, a JSON form and text.

Each function reads ``front.csv`` of a run (any front run: NSGA, exact, sweep), applies one
method of this package, adds the trade-off rates at the chosen point (`tradeoffs`) and, with
``exact=True``, the same question solved as one QP on the run's own scenario
(`moo.exact.scalarised`). The result's ``to_dict()`` is what ``select --json`` prints: its
``solution`` is the chosen row of ``front.csv`` with every column (None for ``--knees``,
which never picks). ``reference_dir`` names an exact run of the same scenario (same
``scenario/*.csv`` hashes) whose supporting hyperplane gives a second set of rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.errors import InputError
from moo.decision.ahp import Judgements, load_default_judgements, load_judgements
from moo.decision.constraint import constraint_query
from moo.decision.knees import knees
from moo.decision.parse import parse_aspirations, parse_bound
from moo.decision.reference import reference_point
from moo.decision.select import ModeSelection, select_mode, write_selection
from moo.decision.sensitivity import sensitivity
from moo.decision.tradeoffs import PAIRS, hyperplane_rates, local_rates
from moo.exact.bound import require_schedules
from moo.exact.front import ExactModel, Solution
from moo.exact.scalarised import asf_value, solve_asf, solve_epsilon
from moo.problems.objectives import OBJECTIVES
from moo.rundir import Run, read_run
from moo.util.normalization import Normalization

_SITE_FILES = ("scenario/fleet.csv", "scenario/grid.csv")
_UNITS = {"variance": "kW^2", "peak_valley": "kW"}


@dataclass
class Decision:
    """One `select` answer: the chosen row, the method's details, rates, exact point."""

    decision: str  # "reference-point", "constraint", "knees" or "ahp"
    currency: str
    solution: dict[str, float] | None  # chosen front.csv row, all columns
    query: dict[str, Any]
    tradeoffs: dict[str, Any] | None
    exact: dict[str, Any] | None = None
    feasible: bool = True  # False: a constraint query nothing satisfies (CLI exit 1)
    sensitivity: dict[str, Any] | None = None
    lines: list[str] = field(default_factory=list)  # readable summary, before the rates

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

    def text(self) -> str:
        lines = list(self.lines)
        if self.exact is not None:
            lines.append(_exact_line(self.exact, self.currency))
        if self.tradeoffs is not None:
            lines += _rates_lines(self.tradeoffs, self.currency)
        return "\n".join(lines)


def _row(front: pd.DataFrame, index: int) -> dict[str, float]:
    row = front.iloc[index]
    return {c: int(row[c]) if c == "solution" else float(row[c]) for c in front.columns}


def _currency(meta: dict) -> str:
    return str(meta.get("currency") or "currency")


def _fmt_point(values, currency: str) -> str:
    units = {"cost": currency, **_UNITS}
    return "  ".join(f"{n} {v:,.6g} {units[n]}" for n, v in zip(OBJECTIVES, values, strict=True))


def _objectives(front: pd.DataFrame) -> np.ndarray:  # [S, 3]
    return front[list(OBJECTIVES)].to_numpy(float)


def _front_run(run_dir) -> Run:
    """The run a selection is made from: schedules, so that a pick is an operating point
    (a bound run's certificates are not)."""
    run = read_run(run_dir)
    require_schedules(run, "selected from (select from a front run)")
    return run


def _reference_front(run: Run, reference_dir) -> np.ndarray | None:  # [R, 3]
    """The exact reference run's objectives, checked to be the same site as the run."""
    if reference_dir is None:
        return None
    ref = read_run(reference_dir)
    require_schedules(ref, "the --reference of select (give an exact run)")
    mine, theirs = run.meta.get("files", {}), ref.meta.get("files", {})
    if any(mine.get(f) is None or mine.get(f) != theirs.get(f) for f in _SITE_FILES):
        raise InputError(f"--reference {ref.path}: not the scenario of {run.path}")
    return ref.objectives


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


def _rates_lines(t: dict[str, Any], currency: str) -> list[str]:
    units = {
        "cost_per_kw_peak_valley": f"{currency} per kW of peak-to-valley",
        "cost_per_kw_std": f"{currency} per kW of net-load std",
        "kw_std_per_kw_peak_valley": "kW of std per kW of peak-to-valley",
    }
    lines = [f"trade-off rates at solution {t['solution']} (cost of one unit less):"]
    for key in ("local", "exact_hyperplane"):
        if key not in t:
            continue
        r = t[key]
        values = {p: r["rates"][p] for p in PAIRS}
        rates = "; ".join(
            f"{'-' if v is None else format(v, ',.4g')} {units[p]}" for p, v in values.items()
        )
        lines.append(f"  {key.replace('_', ' ')}: {rates}")
        spans = r.get("ranges") or {}
        if spans:
            lows = "; ".join(_span(spans[p]) for p in PAIRS)
            lines.append(f"    range over the supporting weights: {lows}")
        lines.append(f"    ({r['detail']})")
    return lines


def _span(low_high: list[float | None]) -> str:
    low, high = low_high
    lo = "-" if low is None else format(low, ",.4g")
    return f"{lo}..{'inf' if high is None else format(high, ',.4g')}"


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


def _exact_line(exact: dict[str, Any], currency: str) -> str:
    if not exact["feasible"]:
        return f"exact (one QP): no schedule ({'; '.join(exact['violations'])})"
    point = _fmt_point([exact["objectives"][n] for n in OBJECTIVES], currency)
    return (
        f"exact (one QP): {point}  (relaxation gap {exact['relaxation_gap']:.3g}, "
        f"{exact['solve_time_s']:.2f} s)"
    )


def _picked(kind, run, f, pick, reference_dir, exact_out, lines, feasible=True) -> Decision:
    """The `Decision` of a method that picks one front row (``pick.index``), with the trade-off
    rates there."""
    front = run.front
    return Decision(
        decision=kind,
        currency=_currency(run.meta),
        solution=_row(front, pick.index),
        query=pick.to_dict(),
        tradeoffs=tradeoffs_at(
            f, pick.index, _reference_front(run, reference_dir), front["solution"]
        ),
        exact=exact_out,
        feasible=feasible,
        lines=lines,
    )


def decide_reference(run_dir, text: str, *, exact=False, reference_dir=None) -> Decision:
    """`select --reference-point`: the ASF pick towards the aspiration levels in ``text``."""
    levels = parse_aspirations(text)
    run = _front_run(run_dir)
    front, meta = run.front, run.meta
    f = _objectives(front)
    pick = reference_point(f, levels)
    cur = _currency(meta)
    unnamed = [n for n in OBJECTIVES if n not in levels]
    lines = [
        f"reference point: {', '.join(f'{n} {v:,g}' for n, v in levels.items())}"
        + (f" ({', '.join(unnamed)}: no aspiration)" if unnamed else ""),
        f"chosen: solution {int(front['solution'].iloc[pick.index])} "
        f"(ASF {pick.score:.4g}; {pick.describe_levels()})",
        f"  {_fmt_point(f[pick.index], cur)}",
    ]
    exact_out = None
    if exact:
        norm = Normalization.of_front(f)
        sol = solve_asf(ExactModel(run.scenario), pick.aspiration, norm)
        value = asf_value(sol.objectives, pick.aspiration, norm) if sol.feasible else None
        exact_out = _exact_dict(sol, value, "asf")
        exact_out["asf_front"] = asf_value(f[pick.index], pick.aspiration, norm)
    return _picked("reference-point", run, f, pick, reference_dir, exact_out, lines)


def decide_constraint(
    run_dir, where: Sequence[str], minimise: str, *, exact=False, reference_dir=None
) -> Decision:
    """`select --where ... --minimise`: the epsilon-constraint pick (or the nearest point)."""
    bounds = [parse_bound(w) for w in where]
    if exact and any(b.op == ">=" for b in bounds):
        raise InputError("--exact: only <= bounds are convex in the QP (a >= bound is not)")
    run = _front_run(run_dir)
    front, meta = run.front, run.meta
    f = _objectives(front)
    pick = constraint_query(f, bounds, minimise)
    cur = _currency(meta)
    sid = int(front["solution"].iloc[pick.index])
    head = f"chosen: solution {sid}" if pick.feasible else f"nearest: solution {sid}"
    lines = [pick.describe(), head, f"  {_fmt_point(f[pick.index], cur)}"]
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
    return _picked("constraint", run, f, pick, reference_dir, exact_out, lines, pick.feasible)


def decide_knees(run_dir, *, reference_dir=None) -> Decision:
    """`select --knees`: the trade-off knees, each with its rates; nothing is picked."""
    run = _front_run(run_dir)
    front, meta = run.front, run.meta
    f = _objectives(front)
    found = knees(f)
    cur = _currency(meta)
    ids = front["solution"]
    reference = _reference_front(run, reference_dir)
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
                "tradeoffs": tradeoffs_at(f, r, reference, ids),
            }
        )
        lines.append(
            f"  solution {int(ids.iloc[r])}  mu {found.mu[r]:.3g}  {_fmt_point(f[r], cur)}"
        )
    query = found.to_dict()
    query["knees"] = listed
    return Decision("knees", cur, None, query, None, lines=lines)


def decide_ahp(
    run_dir, judgements: Judgements, mode: str, method: str, *, reference_dir=None
) -> tuple[ModeSelection, Decision]:
    """An AHP pick with its trade-off rates and weight sensitivity."""
    run = _front_run(run_dir)
    chosen = select_mode(run_dir, judgements, mode, method)
    front, meta = run.front, run.meta
    order = list(judgements.objectives)
    ids = front["solution"].to_numpy()
    sens = sensitivity(front[order].to_numpy(float), chosen.group, method)
    f = _objectives(front)
    index = chosen.selection.index
    tradeoffs = tradeoffs_at(f, index, _reference_front(run, reference_dir), ids)
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
    )


def ahp_text(chosen: ModeSelection, judgements: Judgements, result: Decision, path) -> str:
    """The readable AHP selection: experts, weights, the choice beside the baseline, rates."""
    group = chosen.group
    lines = [
        f"mode {chosen.mode}: {judgements.source} (weights {judgements.method}, "
        f"RI {judgements.ri_table}, consistent iff CR <= {judgements.threshold:g}, "
        f"aggregation {judgements.aggregation})"
    ]
    width = max(len(e.name) for e in group.experts)
    for e in group.experts:
        status = "kept" if e.consistent else "discarded (inconsistent)"
        lines.append(f"  expert {e.name:<{width}}  CR {e.priority.cr:.3f}  {status}")
    weights = zip(judgements.objectives, group.weights, strict=True)
    lines.append("weights: " + ", ".join(f"{name} {w:.3f}" for name, w in weights))
    s = chosen.selection
    lines.append(f"chosen: solution {chosen.solution} ({s.method} score {s.score:.4f})")
    table = chosen.comparison()
    if "change_pct" in table:
        table["change_pct"] = table["change_pct"].round(1)
    lines.append(table.to_string(float_format=lambda v: f"{v:,.6g}", na_rep="-"))
    lines += [result.text(), f"wrote {path}"]
    return "\n".join(lines)


def select_command(
    run_dir,
    *,
    mode: str | None = None,
    judgements_path=None,
    method: str = "weighted-sum",
    aspiration: str | None = None,
    where: Sequence[str] = (),
    minimise: str | None = None,
    knees_only: bool = False,
    exact: bool = False,
    reference_dir=None,
) -> tuple[Decision, str]:
    """The `select` command: exactly one decision method, its result and its text (an AHP
    pick is also written as ``RUN/selection-<mode>.json``)."""
    kinds = [name for name, given in (
        ("--mode", mode is not None),
        ("--reference-point", aspiration is not None),
        ("--where/--minimise", bool(where) or minimise is not None),
        ("--knees", knees_only),
    ) if given]
    if len(kinds) != 1:
        raise InputError(
            "select: give exactly one of --mode, --reference-point, --where/--minimise, --knees"
            + (f" (got {', '.join(kinds)})" if kinds else "")
        )
    if exact and kinds[0] in ("--mode", "--knees"):
        raise InputError("select: --exact goes with --reference-point or --where/--minimise")
    if aspiration is not None:
        result = decide_reference(run_dir, aspiration, exact=exact, reference_dir=reference_dir)
    elif knees_only:
        result = decide_knees(run_dir, reference_dir=reference_dir)
    elif mode is None:
        result = decide_constraint(
            run_dir, where, "cost" if minimise is None else minimise,
            exact=exact, reference_dir=reference_dir,
        )
    else:
        judgements = (load_default_judgements() if judgements_path is None
                      else load_judgements(judgements_path))
        chosen, result = decide_ahp(run_dir, judgements, mode, method, reference_dir=reference_dir)
        path = write_selection(
            run_dir, chosen, {"tradeoffs": result.tradeoffs, "sensitivity": result.sensitivity}
        )
        return result, ahp_text(chosen, judgements, result, path)
    return result, result.text()
