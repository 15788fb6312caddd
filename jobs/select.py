"""The `select` job: one decision on a front run, its text, and the decision kept.

The run (and an exact ``--reference``) is read once and handed to the method of
`moo.decision.decide`; ``risk`` with ``realised`` (a `realise` directory of the run)
picks with the mode's weights on the realised objectives instead (`moo.decision.risk`).
An AHP pick is always kept as ``RUN/selection-<mode>.json``; a reference-point,
constraint, chosen-knee or risk pick is kept as ``RUN/selection-<name>.json`` with
``save=NAME`` (`moo.rundir.selection`: the query, the normalisation, the chosen row and
the run's identity), so `export --selection NAME` and the figures can act on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import InputError
from moo.decision.ahp import Judgements, load_default_judgements, load_judgements
from moo.decision.decide import (
    Decision,
    decide_ahp,
    decide_constraint,
    decide_knees,
    decide_reference,
    fmt_point,
)
from moo.decision.risk import RiskMeasure, decide_risk
from moo.decision.select import ModeSelection
from moo.decision.tradeoffs import PAIRS
from moo.problems.objectives import OBJECTIVES
from moo.rundir import Run, read_run
from moo.rundir.selection import check_name, write_selection
from moo.uncertainty.realised import read_realised
from moo.util.spec import Spec

METHODS = ("--mode", "--reference-point", "--where/--minimise", "--knees")


@dataclass(frozen=True)
class SelectSpec(Spec):
    """The options of `select`: exactly one method (``mode``, ``reference_point``,
    ``where``/``minimise``, ``knees``/``knee``) on the front run ``run_dir``."""

    run_dir: str
    mode: str | None = None
    judgements: str | None = None  # judgements TOML (default: the shipped one)
    method: str = "weighted-sum"  # AHP scalarisation
    reference_point: str | None = None  # "NAME=VALUE,..."
    where: tuple[str, ...] = ()
    minimise: str | None = None
    knees: bool = False
    knee: int | None = None  # a knee's solution id: pick it
    exact: bool = False
    reference_dir: str | None = None  # an exact run: hyperplane rates
    save: str | None = None  # keep the pick as selection-<save>.json
    risk: str | None = None  # with mode: "mean", "cvar" or "cvar:ALPHA" of realised objectives
    realised: str | None = None  # the run's `realise` directory (with risk)

    def __post_init__(self) -> None:
        object.__setattr__(self, "where", tuple(self.where))
        kinds = self.methods()
        if len(kinds) != 1:
            raise InputError(
                f"select: give exactly one of {', '.join(METHODS)}"
                + (f" (got {', '.join(kinds)})" if kinds else "")
            )
        if self.exact and kinds[0] in ("--mode", "--knees"):
            raise InputError("select: --exact goes with --reference-point or --where/--minimise")
        if (self.risk is None) != (self.realised is None):
            raise InputError("select: --risk and --realised go together (the measure, and the "
                             "`v2g-pareto realise` directory it is taken over)")
        if self.risk is not None:
            if kinds[0] != "--mode":
                raise InputError("select: --risk picks with a mode's weights; give --mode")
            if self.reference_dir is not None:
                raise InputError("select: --reference goes without --risk")
            RiskMeasure.parse(self.risk)
        if self.save is not None:
            if kinds[0] == "--mode" and self.risk is None:
                raise InputError("select: an AHP pick is kept as selection-<mode>.json; "
                                 "--save goes with the other methods")
            if kinds[0] == "--knees" and self.knee is None:
                raise InputError("select: --knees picks nothing; give --knee SOLUTION (one of "
                                 "the knees listed) to keep one")
            check_name(self.save)
        if self.knee is not None and (type(self.knee) is not int):
            raise InputError(f"--knee {self.knee!r}: a solution id (an integer)")

    def methods(self) -> list[str]:
        given = (self.mode is not None, self.reference_point is not None,
                 bool(self.where) or self.minimise is not None,
                 self.knees or self.knee is not None)
        return [name for name, on in zip(METHODS, given, strict=True) if on]


@dataclass(frozen=True)
class SelectResult:
    """A decision, the selection file that keeps it (None: not kept) and its text."""

    decision: Decision
    path: Path | None
    summary: str

    @property
    def feasible(self) -> bool:
        return self.decision.feasible

    def to_dict(self) -> dict[str, Any]:
        """What ``select --json`` prints: the decision, and where a pick was kept with
        ``--save`` (an AHP pick's file is named after its mode)."""
        out = self.decision.to_dict()
        if self.path is not None and self.decision.decision != "ahp":
            out["saved"] = str(self.path)
        return out

    def text(self) -> str:
        return self.summary


def run(spec: SelectSpec, *, report: Callable[[float], None] | None = None) -> SelectResult:
    """Read the run once, decide, keep the decision where asked; the result to print."""
    front = read_run(spec.run_dir)
    reference = None if spec.reference_dir is None else read_run(spec.reference_dir)
    kind = spec.methods()[0]
    if kind == "--mode":
        judgements = (load_default_judgements() if spec.judgements is None
                      else load_judgements(spec.judgements))
    if spec.risk is not None:
        decision = decide_risk(front, read_realised(spec.realised, front), judgements,
                               spec.mode, RiskMeasure.parse(spec.risk), spec.method)
        return _kept(front, spec, decision)
    if kind == "--mode":
        chosen, decision = decide_ahp(front, judgements, spec.mode, spec.method,
                                      reference=reference)
        path = save_ahp(front, chosen, decision)
        return SelectResult(decision, path, ahp_text(chosen, judgements, decision, path))
    if kind == "--reference-point":
        decision = decide_reference(front, spec.reference_point, exact=spec.exact,
                                    reference=reference)
    elif kind == "--knees":
        decision = decide_knees(front, knee=spec.knee, reference=reference)
    else:
        minimise = "cost" if spec.minimise is None else spec.minimise
        decision = decide_constraint(front, spec.where, minimise, exact=spec.exact,
                                     reference=reference)
    return _kept(front, spec, decision)


def _kept(front: Run, spec: SelectSpec, decision: Decision) -> SelectResult:
    """The answer's text, and the decision kept as ``selection-<save>.json`` if asked."""
    text = decision_text(decision)
    path = None
    if spec.save is not None:
        if decision.feasible:
            path = write_selection(front, spec.save, decision.decision, decision.kept())
            text += f"\nkept as {path} (export it with --selection {spec.save})"
        else:
            text += f"\nnot kept as {spec.save}: no point satisfies the bounds"
    elif decision.decision == "risk":
        text += "\n(keep it with --save NAME, then export it with --selection NAME)"
    return SelectResult(decision, path, text)


def save_ahp(front: Run, chosen: ModeSelection, decision: Decision) -> Path:
    """Keep an AHP pick as ``selection-<mode>.json``: the mode's weights, experts, the pick,
    its rates and weight sensitivity (what the weight maps draw)."""
    data = {**chosen.to_dict(), "row": decision.solution, "tradeoffs": decision.tradeoffs,
            "sensitivity": decision.sensitivity}
    return write_selection(front, chosen.mode, "ahp", data)


def decision_text(d: Decision) -> str:
    """The readable answer: the method's summary, the exact QP's point, the rates."""
    lines = list(d.lines)
    if d.exact is not None:
        lines.append(_exact_line(d.exact, d.currency))
    if d.tradeoffs is not None:
        lines += _rates_lines(d.tradeoffs, d.currency)
    return "\n".join(lines)


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
    lines += [decision_text(result), f"wrote {path}"]
    return "\n".join(lines)


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


def _exact_line(exact: dict[str, Any], currency: str) -> str:
    if not exact["feasible"]:
        return f"exact (one QP): no schedule ({'; '.join(exact['violations'])})"
    point = fmt_point([exact["objectives"][n] for n in OBJECTIVES], currency)
    return (
        f"exact (one QP): {point}  (relaxation gap {exact['relaxation_gap']:.3g}, "
        f"{exact['solve_time_s']:.2f} s)"
    )
