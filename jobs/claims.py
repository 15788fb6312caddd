"""The seeds' headline claims (docs/model.md §11) as checks on a study's KPI table.

Each claim names the seed, what the seed reports, which of our schedules and which docs/model.md §5
column we compare, and the rule for "met": same direction and at least the same size of
effect. The KPI table has one row per schedule (``uncoordinated``, ``ordered``,
``economy``, ``response``, ``mlgcso-economy``, ...). Where the study computed the exact
front, each claim also gets the best value *any* schedule on that front reaches, so a claim
the model cannot meet at all is told apart from one our optimiser missed. Where the exact front
is out of reach (large fleets), a lower-bound run (`moo.exact.bound`) says the same from the
other side: `bound_claims` tells a claim a schedule reaches from one the bound proves out of
reach and from one in between, with the width of that gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from moo.rundir import Run


@dataclass(frozen=True)
class Claim:
    """One headline result of a seed and how our study measures it.

    kind ``cut``: reduction of ``col`` of ``row`` against ``base``, in % (positive = lower);
    kind ``value``: ``col`` of ``row`` (times ``factor``); kind ``swarm``: CSO's best scalar
    minus MLGCSO's for the mode named by ``row``. Met iff ``ours >= threshold`` (or
    ``<=`` when ``at_most``).
    """

    seed: str
    text: str
    kind: str
    row: str
    col: str
    threshold: float
    seed_value: str
    base: str = ""
    at_most: bool = False
    factor: float = 1.0
    unit: str = "%"

    def describe(self) -> str:
        if self.kind == "cut":
            return f"{self.row} {self.col} vs {self.base}"
        if self.kind == "value":
            return f"{self.row} {self.col}"
        return f"CSO minus MLGCSO best scalar ({self.row} weights)"

    def measure(self, kpis: pd.DataFrame, scalars: dict) -> float:
        if self.kind == "swarm":
            a, b = scalars.get(f"mlgcso-{self.row}"), scalars.get(f"cso-{self.row}")
            return float("nan") if a is None or b is None else float(b - a)
        if self.row not in kpis.index or (self.kind == "cut" and self.base not in kpis.index):
            return float("nan")
        value = float(kpis.loc[self.row, self.col])
        if self.kind == "cut":
            return (1.0 - value / float(kpis.loc[self.base, self.col])) * 100.0
        return value * self.factor

    def best_on(self, front: pd.DataFrame, kpis: pd.DataFrame) -> float:
        """The best value any schedule of ``front`` (e.g. the exact one) gives this claim."""
        if self.kind == "swarm" or self.col not in front.columns:
            return float("nan")
        lower_is_better = self.kind == "cut" or self.at_most
        best = front[self.col].min() if lower_is_better else front[self.col].max()
        table = kpis.copy()
        if self.row not in table.index:
            return float("nan")
        table.loc[self.row, self.col] = best
        return self.measure(table, {})

    def met(self, value: float) -> bool:
        if not np.isfinite(value):
            return False
        if self.kind == "swarm":  # "lower fitness": a tie within the scalar's noise is not lower
            return value > SCALAR_TIE
        return value <= self.threshold if self.at_most else value >= self.threshold


# Best scalars (normalised, about 0.1-1) closer than this are one value: the swarms' own
# convergence noise is far above it, float rounding far below.
SCALAR_TIE = 1e-6

CLAIMS: dict[str, list[Claim]] = {
    "building": [
        Claim("004", "Economy mode cuts total cost by more than 15 % vs uncoordinated",
              "cut", "economy", "cost", 15.0, "> 15 %", base="uncoordinated"),
        Claim("004", "Response mode cuts net-load std by more than 50 %",
              "cut", "response", "std_kw", 50.0, "> 50 %", base="uncoordinated"),
        Claim("004", "Response mode cuts peak-to-valley by more than 50 %",
              "cut", "response", "peak_valley", 50.0, "> 50 %", base="uncoordinated"),
    ],
    "iov": [
        Claim("000", "Collaborative V2G scheduling: peak-to-valley about 25 % of peak",
              "value", "response", "peak_valley_pct", 25.0, "~25 %", at_most=True),
        Claim("000", "Uncoordinated charging: peak-to-valley above 60 % of peak",
              "value", "uncoordinated", "peak_valley_pct", 60.0, "> 60 %"),
        Claim("000", "Satisfaction >= 95 % under collaborative scheduling",
              "value", "response", "satisfaction", 95.0, ">= 95 %", factor=100.0),
        Claim("000", "Total cost -12 % vs uncoordinated",
              "cut", "economy", "cost", 12.0, "12 %", base="uncoordinated"),
        Claim("000", "Total cost -6 % vs ordered charging",
              "cut", "economy", "cost", 6.0, "6 %", base="ordered"),
    ],
    "qingdao": [
        Claim("001", "MLGCSO cuts the charging cost by ~6.3 % vs the original schedule",
              "cut", "mlgcso-economy", "cost", 6.3, "6.3 %", base="uncoordinated"),
        Claim("001", "MLGCSO reaches lower fitness than CSO (Economy weights)",
              "swarm", "economy", "", 0.0, "> 0", unit=""),
        Claim("001", "MLGCSO reaches lower fitness than CSO (Response weights)",
              "swarm", "response", "", 0.0, "> 0", unit=""),
    ],
    # Seed 003 compares against other published methods, not uncoordinated charging, and
    # docs/model.md §11 sets no bar for it: we hold our Economy point to its cost ratio (12,000 vs
    # 14,000 CNY) and our Response point to its peak-power ratio (5.2 vs 7.2 MW), both
    # against uncoordinated charging.
    "crisscross": [
        Claim("003", "Total charging cost 12,000 vs 14,000 CNY (-14.3 %)",
              "cut", "economy", "cost", 14.3, "14.3 %", base="uncoordinated"),
        Claim("003", "Peak charging power 5.2 vs 7.2 MW (-27.8 %)",
              "cut", "response", "peak_kw", 27.8, "27.8 %", base="uncoordinated"),
    ],
    # Seed 002 reports "20 % reduction in EVA operational costs" and "159 % increase in
    # revenue through optimized V2G participation" without naming its reference schedule or
    # how revenue is counted; we compare against uncoordinated charging and ask that the
    # Economy schedule sells V2G energy at all (its revenue has no baseline here: the
    # baselines never discharge).
    "eva": [
        Claim("002", "EVA operating cost -20 % vs uncoordinated charging",
              "cut", "economy", "cost", 20.0, "20 %", base="uncoordinated"),
        Claim("002", "Economy schedule earns V2G revenue (discharges to the market)",
              "value", "economy", "v2g_energy_kwh", 1.0, "> 0 kWh (+159 % revenue)",
              unit=" kWh"),
    ],
}

COLUMNS = ["seed", "claim", "we measure", "seed value", "ours", "best on exact front", "met"]


def claims_table(preset: str, kpis: pd.DataFrame, scalars: dict,
                 exact_front: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim of the preset's seed: seed value, ours, exact best, met or not."""
    rows = []
    for claim in CLAIMS.get(preset, []):
        value = claim.measure(kpis, scalars)
        best = float("nan") if exact_front is None else claim.best_on(exact_front, kpis)
        rows.append({
            "seed": claim.seed, "claim": claim.text, "we measure": claim.describe(),
            "seed value": claim.seed_value, "ours": _fmt(value, claim.unit),
            "best on exact front": _fmt(best, claim.unit),
            "met": "yes" if claim.met(value) else "no",
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _fmt(value: float, unit: str) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.1f}{unit}" if unit else f"{value:.4f}"


# Report column -> (bound run's column bound, True if the bound is a minimum).
BOUND_COLUMNS = {
    "cost": ("min_cost", True),
    "variance": ("min_variance", True),
    "std_kw": ("min_std_kw", True),
    "peak_valley": ("min_peak_valley", True),
    "peak_kw": ("min_peak_kw", True),
    "peak_valley_pct": ("min_peak_valley_pct", True),
    "satisfaction": ("max_satisfaction", False),
}
BASELINE_ROWS = ("uncoordinated", "ordered")
BOUND_COLUMNS_OUT = ["seed", "claim", "we measure", "seed value", "ours", "best possible",
                     "verdict"]


def bound_claims(preset: str, kpis: pd.DataFrame, scalars: dict, bound: Run,
                 front: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per claim of the preset's seed: reached, out of reach, or open, against a bound run.

    ``kpis``/``scalars`` as for `claims_table`; ``bound`` a bound run of the same scenario;
    ``front`` (optional) our front's front.csv, whose best schedule for the claim also counts.
    *best possible* is the claim's value with the row's column at the bound's limit (the
    lowest cost, peak, ... any schedule can have; the highest satisfaction). Verdicts:
    ``reached`` (a schedule of ours meets it), ``out of reach`` (no schedule can: the best
    possible value fails it), ``open, gap X`` (between ours and the best possible, X apart in
    the claim's unit), ``not reached (fixed baseline)`` for claims on a baseline schedule,
    and ``n/a`` where the bound says nothing (swarm comparisons, unbounded columns).
    """
    if not bound.is_bound:
        raise ValueError(f"{bound.path}: not a bound run")
    limits = bound.meta["bound"]["column_bounds"]
    rows = []
    for claim in CLAIMS.get(preset, []):
        ours = claim.measure(kpis, scalars)
        if front is not None and claim.kind != "swarm":
            on_front = claim.best_on(front, kpis)
            ours = _better(claim, ours, on_front)
        best = _best_possible(claim, kpis, limits)
        if claim.met(ours):
            verdict = "reached"
        elif claim.kind != "swarm" and claim.row in BASELINE_ROWS:
            verdict = "not reached (fixed baseline)"
        elif not np.isfinite(best):
            verdict = "n/a"
        elif not claim.met(best):
            verdict = "out of reach"
        else:
            width = abs(best - ours) if np.isfinite(ours) else float("nan")
            verdict = f"open, gap {_fmt(width, claim.unit)}"
        rows.append({
            "seed": claim.seed, "claim": claim.text, "we measure": claim.describe(),
            "seed value": claim.seed_value, "ours": _fmt(ours, claim.unit),
            "best possible": _fmt(best, claim.unit), "verdict": verdict,
        })
    return pd.DataFrame(rows, columns=BOUND_COLUMNS_OUT)


def _best_possible(claim: Claim, kpis: pd.DataFrame, limits: dict) -> float:
    """The claim's value with its row's column at the bound's limit (NaN: no such bound)."""
    if claim.kind == "swarm" or claim.col not in BOUND_COLUMNS or claim.row not in kpis.index:
        return float("nan")
    key, is_min = BOUND_COLUMNS[claim.col]
    lower_is_better = claim.kind == "cut" or claim.at_most
    if is_min != lower_is_better:
        return float("nan")  # a minimum says nothing about how high a column can go
    table = kpis.copy()
    table.loc[claim.row, claim.col] = limits[key]
    return claim.measure(table, {})


def _better(claim: Claim, a: float, b: float) -> float:
    values = [v for v in (a, b) if np.isfinite(v)]
    if not values:
        return float("nan")
    return min(values) if claim.at_most else max(values)
